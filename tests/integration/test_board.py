"""Browser test of the web board (线上专区) in headless Chromium, driven by
Debian's chromium, chromium-driver and python3-selenium, against the real
broker, the real intake, transfer, deadline and reminder workers, an
alert-raising worker written in test_daibanctl.py (a worklog "raise L1
ITEM" raises an alert), and the gateway with tokens. A supervisor logs in
and sees the demo case; a case posted through the HTTP API appears within
2 s without a reload; an alert raised meanwhile is listed and leaves the
list once acknowledged with the button; the case's page shows its items
and timeline; an operator's token shows no acknowledge button. Each page
is saved as a screenshot into the build tree (test-artifacts/board), and
the browser's console must hold no error."""

import json
import os
import shutil
import sys
import time
import unittest

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daiban_harness import BIN_DIR, SOURCE_DIR, Broker, new_case_id, new_event_id  # noqa: E402
from gateway_harness import Gateway, temp_dir, token_file  # noqa: E402
from test_daibanctl import FakeWorker, alert_answer  # noqa: E402
from worker_harness import Fleet, wait_until  # noqa: E402

ARTIFACTS = os.path.join(os.path.dirname(BIN_DIR), "test-artifacts", "board")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                  "--window-size=1400,1000"]
LIVE_SECONDS = 2.0


def sample(name):
    with open(os.path.join(SOURCE_DIR, "cli", "sample", name), encoding="utf-8") as handle:
        return json.load(handle)


class BoardTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = temp_dir()
        cls.tokens_path, cls.tokens = token_file(cls.dir, [
            ("supervisor-zhang", "supervisor"), ("operator-wang", "operator"),
            ("window-3", "operator")])
        cls.broker = Broker().start()
        cls.fleet = Fleet(cls.broker)
        for role in ("intake", "transfer", "deadline", "reminder"):
            cls.fleet.worker(role)
        cls.alerter = FakeWorker(cls.broker.workers, "escalation", ["worklog.added"],
                                 alert_answer())
        cls.gateway = Gateway(cls.broker, tokens=cls.tokens_path).start()
        cls.case_id = cls.demo_case()
        os.makedirs(ARTIFACTS, exist_ok=True)
        options = webdriver.ChromeOptions()
        options.binary_location = "/usr/bin/chromium"
        for flag in CHROMIUM_FLAGS + ["--user-data-dir=" + os.path.join(cls.dir, "chromium")]:
            options.add_argument(flag)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        cls.driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        cls.driver.set_page_load_timeout(30)

    @classmethod
    def tearDownClass(cls):
        cls.driver.quit()
        cls.gateway.stop()
        cls.alerter.stop()
        cls.fleet.stop_workers()
        cls.broker.stop()
        cls.fleet.cleanup()
        shutil.rmtree(cls.dir, ignore_errors=True)

    @classmethod
    def post(cls, ev, who="window-3"):
        status, reply, _ = cls.gateway.post("/v1/events", ev, token=cls.tokens[who])
        assert status in (200, 201), reply
        return reply["seq"]

    @classmethod
    def demo_case(cls):
        """The demo's sample case, registered and supplied as cli/demo does."""
        case_id = new_case_id("AS-2026-DEMO")
        cls.post({"type": "case.registered", "case": case_id, "id": "reg-" + case_id,
                  "body": sample("registration.json")})

        def status():
            return cls.gateway.get("/v1/cases/" + case_id,
                                   token=cls.tokens["window-3"])[1].get("status")
        wait_until(lambda: status() in ("returned", "accepted", "in_progress"), what="intake")
        if status() == "returned":
            cls.post({"type": "case.materials_supplied", "case": case_id,
                      "id": "sup-" + case_id, "body": sample("materials.json")})
        wait_until(lambda: status() == "in_progress", what="the demo case to be in progress")
        return case_id

    def raise_alert(self, item):
        self.post({"type": "worklog.added", "case": self.case_id, "id": new_event_id(),
                   "body": {"agent": "李明", "note": "raise L1 " + item}})
        return "%s/%s/L1" % (self.case_id, item)

    # -- browser helpers

    def wait(self, condition, what, timeout=10.0):
        try:
            return WebDriverWait(self.driver, timeout, poll_frequency=0.05).until(
                lambda driver: condition())
        except Exception as error:
            self.screenshot("failed")
            raise AssertionError("timed out waiting for %s: %s" % (what, error))

    def find(self, css):
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def visible(self, css):
        return [node for node in self.find(css) if node.is_displayed()]

    def click(self, css, what):
        """Clicks the element; the board re-renders a view on every event,
        so an element found may be replaced before the click: then again."""
        def clicked():
            try:
                found = self.visible(css)
                if found:
                    found[0].click()
                return bool(found)
            except StaleElementReferenceException:
                return False
        self.wait(clicked, what)

    def screenshot(self, name):
        self.driver.save_screenshot(os.path.join(ARTIFACTS, name + ".png"))

    def login(self, who):
        self.driver.delete_all_cookies()
        self.driver.get(self.gateway.url)
        self.driver.execute_script("sessionStorage.clear()")
        self.driver.get(self.gateway.url)
        self.wait(lambda: self.visible("#token"), "the login form")
        self.screenshot("login")
        self.find("#token")[0].send_keys(self.tokens[who])
        self.find("#login-form button")[0].click()
        self.wait(lambda: self.find("#who-name")[0].text == who, "the logged-in name")
        self.wait(lambda: "on" in self.find("#live")[0].get_attribute("class"), "the stream")

    def view(self, name):
        self.click("nav button[data-view=%s]" % name, "the view " + name)

    def console_errors(self):
        return [entry for entry in self.driver.get_log("browser") if entry["level"] == "SEVERE"]

    # -- the test

    def test_board(self):
        self.login("supervisor-zhang")
        self.assertEqual(self.find("#who-role")[0].text, "专班督办")
        row = "tr.case-row[data-case='%s']" % self.case_id
        self.wait(lambda: self.visible(row), "the demo case on the overview")
        self.assertIn("鞍山", self.find(row)[0].text)
        self.screenshot("overview")

        # Live, without a reload: a case posted through the API appears.
        self.driver.execute_script("window.notReloaded = true")
        new_case = new_case_id("AS-2026-LIVE")
        body = sample("registration.json")
        body["project"] = "鞍山市实时看板验证项目"
        self.post({"type": "case.registered", "case": new_case, "id": "reg-" + new_case,
                   "body": body})
        posted = time.monotonic()
        self.wait(lambda: self.visible("tr.case-row[data-case='%s']" % new_case),
                  "the new case on the board", timeout=LIVE_SECONDS)
        self.assertLess(time.monotonic() - posted, LIVE_SECONDS)
        self.assertTrue(self.driver.execute_script("return window.notReloaded === true"))

        # 预警与督办: an alert comes in live and leaves once acknowledged.
        self.view("alerts")
        alert = self.raise_alert("S1-05")
        alert_row = "tr[data-alert='%s']" % alert
        self.wait(lambda: self.visible(alert_row), "the alert in the list")
        self.screenshot("alerts")
        self.click(alert_row + " button.ack", "the acknowledge button")
        self.wait(lambda: not self.find(alert_row), "the acknowledged alert to leave")
        with self.broker.client() as client:
            acks = [e for e in client.history(case=self.case_id)["events"]
                    if e["type"] == "alert.acknowledged"]
        self.assertEqual([(e["body"]["alert"], e["body"]["by"]) for e in acks],
                         [(alert, "supervisor-zhang")])

        # 案件详情: the items and the work log of the demo case.
        self.view("overview")
        self.click(row, "the demo case's row")
        self.wait(lambda: self.visible("#gantt .gantt-row"), "the items of the case")
        state = self.gateway.get("/v1/cases/" + self.case_id, token=self.tokens["window-3"])[1]
        self.assertEqual(len(self.find("#gantt .gantt-row")), len(state["items"]))
        self.wait(lambda: len(self.find("#timeline li")) >= state["events"], "the work log")
        self.assertTrue(self.visible("#gantt .bar.plan"))
        self.assertIn("受理并分派代办员", self.find("#timeline")[0].text)
        self.screenshot("detail")

        # An operator sees the alerts, but no acknowledge button.
        self.find("#logout")[0].click()
        self.login("operator-wang")
        self.assertEqual(self.find("#who-role")[0].text, "代办员/窗口")
        self.view("alerts")
        other = self.raise_alert("S1-06")
        self.wait(lambda: self.visible("tr[data-alert='%s']" % other), "the operator's alert")
        self.assertEqual(self.find("#alert-list button.ack"), [])
        self.screenshot("alerts-operator")
        self.assertEqual([e["message"] for e in self.console_errors()], [])


if __name__ == "__main__":
    unittest.main()
