"""The periodic report (定期报送, docs/archive.md) from `daibanctl report`,
with the real broker on its test clock and all five workers, on three cases
whose outcomes the test sets: A (S1-01) approved on the day it is released
and delivered; B (S1-01, one working day) never decided, so reminded and
raised to level 1, its alert acknowledged by daibanctl a known time later;
C returned once for a gap, then S1-07 approved two working days after its
release and delivered. The report of the first week must give exactly these
figures (and an empty week before it); its PDF holds the tables and the
charts (blue bars rendered by pdftoppm) on non-blank pages; a report of the
same week made a week later gives the same JSON."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daiban_harness import executable, new_case_id  # noqa: E402
from worker_harness import (MATERIALS, approved, case_state, cst_ms, delivered,  # noqa: E402
                            materials_supplied, registration, start_time_fleet, wait_quiet)

ROSTER = [("DB00", "李明", 5), ("DB01", "王芳", 12), ("DB02", "张伟", 12), ("DB03", "刘洋", 12),
          ("DB04", "陈静", 12), ("DB05", "赵磊", 12), ("HB01", "孙丽", 6), ("HB02", "周强", 6)]


def empty_figures(agents_open=None):
    agents_open = agents_open or {}
    return {"cases": {"registered": 0, "accepted": 0, "returned": 0, "closed": 0,
                      "open_at_end": 0},
            "items": {"decided": 0, "on_time": 0, "late": 0, "on_time_rate": None,
                      "by_department": {}, "by_county": {}},
            "working_days": {}, "overdue": [], "reminders": {}, "escalations": {},
            "agents": [{"agent": agent, "name": name, "open": agents_open.get(agent, 0),
                        "capacity": capacity} for agent, name, capacity in ROSTER]}


class ReportTest(unittest.TestCase):
    def settle(self):
        return wait_quiet(self.client, diagnostics=self.fleet.diagnostics)

    def ctl(self, *args):
        result = subprocess.run([executable("daibanctl"), "--ingress", self.broker.ingress,
                                 "--timeout", "10000"] + list(args), capture_output=True,
                                text=True, timeout=120, cwd=self.tmp)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        return result.stdout

    def post(self, ev):
        self.client.post_ok(ev)
        self.settle()

    def test_a_week_of_three_cases(self):
        self.tmp = tempfile.mkdtemp(prefix="daiban-report-")
        start_time_fleet(self, cst_ms("2026-03-02 09:00"), self.settle)
        self.settle()
        a, b, c = new_case_id(), new_case_id(), new_case_id()
        for case in (a, b):
            self.post(registration(case, [("S1-01", "city", MATERIALS["S1-01"])]))
        self.post(registration(c, [("S1-07", "city", MATERIALS["S1-07"][:-1])]))
        self.post(materials_supplied(c, [("S1-07", MATERIALS["S1-07"][-1])]))
        self.clock.set("2026-03-02 15:00")
        self.post(approved(a, "S1-01"))
        self.post(delivered(a, "S1-01"))
        self.clock.walk("2026-03-04 14:00")
        self.post(approved(c, "S1-07"))
        self.post(delivered(c, "S1-07"))
        self.clock.walk("2026-03-05 10:00")
        alert = case_state(self.client, b)["alerts"][0]
        self.ctl("ack", alert["alert"], "--case", b, "--by", "supervisor-zhang")
        self.settle()
        self.clock.walk("2026-03-09 12:00")
        agent_b = case_state(self.client, b)["agent"]
        self.assertEqual(case_state(self.client, a)["status"], "closed")
        self.assertEqual(case_state(self.client, c)["status"], "closed")

        out = self.ctl("report", "--from", "2026-03-02", "--to", "2026-03-08", "-o", "week.pdf",
                       "--json", "week.json")
        self.assertIn("week.pdf", out)
        with open(os.path.join(self.tmp, "week.json"), encoding="utf-8") as handle:
            report = json.load(handle)
        self.assertEqual((report["from"], report["to"], report["previous_from"],
                          report["previous_to"]),
                         ("2026-03-02", "2026-03-08", "2026-02-23", "2026-03-01"))
        self.assertEqual(report["previous"], empty_figures())
        expected = empty_figures({agent_b: 1})
        expected["cases"] = {"registered": 3, "accepted": 3, "returned": 1, "closed": 2,
                             "open_at_end": 1}
        one = {"decided": 1, "on_time": 1, "late": 0, "on_time_rate": 1.0}
        expected["items"] = {"decided": 2, "on_time": 2, "late": 0, "on_time_rate": 1.0,
                             "by_department": {"市发改委": one, "市生态环境局": one},
                             "by_county": {"海城市": dict(one, decided=2, on_time=2)}}
        expected["working_days"] = {
            "S1-01": {"name": "企业投资项目备案", "limit_days": 1, "decided": 1, "median": 0,
                      "worst": 0},
            "S1-07": {"name": "环境影响评价审批", "limit_days": 60, "decided": 1, "median": 2,
                      "worst": 2}}
        expected["overdue"] = [{"case": b, "item": "S1-01", "department": "市发改委",
                                "agent": agent_b, "due": "2026-03-03", "days_over": 3,
                                "escalation": 1}]
        expected["reminders"] = {"市发改委": 3}
        ack_minutes = (cst_ms("2026-03-05 10:00") - cst_ms("2026-03-04 08:30")) // 60000
        expected["escalations"] = {"1": {"raised": 1, "acknowledged": 1, "unacknowledged": 0,
                                         "ack_minutes_median": ack_minutes,
                                         "ack_minutes_worst": ack_minutes}}
        for key, value in expected.items():
            self.assertEqual(report["current"][key], value, key)
        self.assertEqual(report["current"], expected)
        self.check_pdf(os.path.join(self.tmp, "week.pdf"))

        self.clock.walk("2026-03-16 12:00")
        self.ctl("report", "--from", "2026-03-02", "--to", "2026-03-08", "--json", "again.json",
                 "-o", "again.pdf")
        with open(os.path.join(self.tmp, "again.json"), encoding="utf-8") as handle:
            self.assertEqual(json.load(handle), report, "a past week's report made again")
        this_week = self.ctl("report", "--week")
        self.assertIn("report 2026-03-16 to 2026-03-22", this_week)

    def check_pdf(self, pdf):
        text = subprocess.run(["pdftotext", "-enc", "UTF-8", pdf, "-"], capture_output=True,
                              text=True, check=True).stdout
        flat = "".join(text.split())
        for needle in ("工作进展定期报送", "案件情况", "部门按时办结率", "县区按时办结率",
                       "办理用时与法定时限", "代办员在办案件与上限", "期末超期事项", "市发改委",
                       "催办与督办", "第2页/共"):
            self.assertIn(needle, flat)
        prefix = os.path.join(self.tmp, "report-page")
        subprocess.run(["pdftoppm", "-r", "40", pdf, prefix], check=True)
        blue_pages = 0
        for name in sorted(os.listdir(self.tmp)):
            if not name.startswith("report-page"):
                continue
            with open(os.path.join(self.tmp, name), "rb") as handle:
                header, width, height, depth, pixels = handle.read().split(maxsplit=4)
            self.assertEqual(header, b"P6")
            rgb = [pixels[i:i + 3] for i in range(0, len(pixels), 3)]
            dark = sum(1 for p in rgb if p[0] < 128 and p[1] < 128 and p[2] < 128)
            blue = sum(1 for p in rgb if p[2] > 150 and p[0] < 90 and p[1] < 130)
            self.assertGreater(dark + blue, 50, "page %s has ink" % name)
            blue_pages += blue > 20
        self.assertGreaterEqual(blue_pages, 1, "the charts' bars are drawn")


if __name__ == "__main__":
    unittest.main()
