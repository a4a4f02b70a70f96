"""Integration test of the gateway's tokens and roles: `daibanctl token`
stores only a hash and prints the token once; requests without a token or
with an unknown one are 401; each role may do what the security contract
says and gets 403 naming the role and the event type otherwise (an
operator acknowledging an alert, a system posting as another source or
posting an item decision, a system listing cases); a supervisor's
acknowledgement is recorded with its name. The alerts come from a worker
written in test_daibanctl.py (a worklog "raise L1 ITEM" raises one)."""

import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daiban_harness import Broker, new_case_id, new_event_id, sample_registration  # noqa: E402
from gateway_harness import (EventStream, Gateway, make_token,  # noqa: E402
                             run_gateway_expecting_failure, temp_dir, token_file)
from worker_harness import wait_until  # noqa: E402
from test_daibanctl import FakeWorker, alert_answer  # noqa: E402

PRINCIPALS = [("portal", "system"), ("operator-wang", "operator"),
              ("supervisor-zhang", "supervisor"), ("ops-admin", "admin")]


class GatewayAuthTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = temp_dir()
        cls.tokens_path, cls.tokens = token_file(cls.dir, PRINCIPALS)
        cls.broker = Broker().start()
        cls.worker = FakeWorker(cls.broker.workers, "escalation", ["worklog.added"],
                                alert_answer())
        cls.gateway = Gateway(cls.broker, tokens=cls.tokens_path).start()

    @classmethod
    def tearDownClass(cls):
        cls.gateway.stop()
        cls.worker.stop()
        cls.broker.stop()
        cls.broker.cleanup()

    def as_(self, name, method, path, body=None):
        return self.gateway.request(method, path, body, token=self.tokens[name])

    def register(self, name="portal"):
        ev = sample_registration(new_case_id("GW-AUTH"), source=name)
        status, reply, _ = self.as_(name, "POST", "/v1/events", ev)
        self.assertEqual(status, 201, reply)
        return ev["case"]

    def forbidden(self, answer, *words):
        status, body, _ = answer
        self.assertEqual((status, body["error"]["code"]), (403, "forbidden"), body)
        for word in words:
            self.assertIn(word, body["error"]["message"])

    def committed(self, case_id, type_):
        with self.broker.client() as client:
            return [e for e in client.history(case=case_id)["events"] if e["type"] == type_]

    def test_token_file_holds_hashes_only(self):
        with open(self.tokens_path, encoding="utf-8") as handle:
            text = handle.read()
        stored = json.loads(text)["tokens"]
        self.assertEqual(sorted((t["name"], t["role"]) for t in stored), sorted(PRINCIPALS))
        for token in self.tokens.values():
            self.assertTrue(token.startswith("dbt_") and len(token) == 68, token)
            self.assertNotIn(token[4:], text)
        self.assertEqual(os.stat(self.tokens_path).st_mode & 0o777, 0o600)
        # A new token for a name replaces the old one; the file stays valid.
        path = os.path.join(self.dir, "other.json")
        first = make_token(path, "hotline-12345", "system")
        second = make_token(path, "hotline-12345", "system")
        self.assertNotEqual(first, second)
        with open(path, encoding="utf-8") as handle:
            self.assertEqual(len(json.load(handle)["tokens"]), 1)

    def test_no_or_unknown_token_is_401(self):
        for token in (None, "dbt_" + "0" * 64, "garbage"):
            status, body, _ = self.gateway.get("/v1/cases", token=token)
            self.assertEqual((status, body["error"]["code"]), (401, "unauthorized"), body)
        status, body, _ = self.gateway.get("/v1/whoami?access_token=" + self.tokens["portal"])
        self.assertEqual((status, body["name"], body["role"]), (200, "portal", "system"))
        # Health, metrics and the board's page need no token.
        self.assertEqual(self.gateway.get("/healthz")[0], 200)
        self.assertEqual(self.gateway.get("/")[0], 200)

    def test_system_posts_only_as_itself(self):
        case_id = self.register("portal")
        ev = {"type": "worklog.added", "case": case_id, "id": new_event_id(),
              "body": {"agent": "李明", "note": "网上申报材料已接收"}}
        self.forbidden(self.as_("portal", "POST", "/v1/events", dict(ev, source="window-3")),
                       "system", "portal", "window-3")
        self.forbidden(self.as_("portal", "POST", "/v1/events",
                                dict(ev, type="item.approved", body={"item": "S1-05"})),
                       "role system may not post item.approved")
        self.forbidden(self.as_("portal", "GET", "/v1/cases"), "system", "cases")
        self.forbidden(self.as_("portal", "GET", "/v1/stream"), "system", "stream")
        status, reply, _ = self.as_("portal", "POST", "/v1/events", ev)
        self.assertEqual(status, 201, reply)
        self.assertEqual(self.as_("portal", "GET", "/v1/cases/" + case_id)[0], 200)
        [logged] = self.committed(case_id, "worklog.added")
        self.assertEqual(logged["source"], "portal")
        # An operator may post as any source.
        other = dict(ev, id=new_event_id(), source="window-3")
        self.assertEqual(self.as_("operator-wang", "POST", "/v1/events", other)[0], 201)

    def raise_alert(self, case_id):
        status, reply, _ = self.as_("operator-wang", "POST", "/v1/events", {
            "type": "worklog.added", "case": case_id, "id": new_event_id(),
            "body": {"agent": "李明", "note": "raise L1 S1-05"}})
        self.assertEqual(status, 201, reply)
        alert = "%s/S1-05/L1" % case_id

        def listed():
            status, body, _ = self.as_("operator-wang", "GET", "/v1/alerts")
            return alert in [a["alert"] for a in body["alerts"]]
        wait_until(listed, what="the alert to be listed")
        return alert

    def test_only_a_supervisor_acknowledges(self):
        case_id = self.register()
        alert = self.raise_alert(case_id)
        path = "/v1/alerts/%s/ack" % alert.replace("/", "%2F")
        self.forbidden(self.as_("operator-wang", "POST", path, {}),
                       "role operator may not post alert.acknowledged")
        self.forbidden(self.as_("portal", "POST", path, {}), "alert.acknowledged")
        ack = {"type": "alert.acknowledged", "case": case_id, "id": new_event_id(),
               "body": {"alert": alert, "by": "someone-else"}}
        self.forbidden(self.as_("supervisor-zhang", "POST", "/v1/events", ack),
                       "supervisor-zhang")
        self.assertEqual(self.committed(case_id, "alert.acknowledged"), [])
        status, reply, _ = self.as_("supervisor-zhang", "POST", path, {})
        self.assertEqual(status, 201, reply)
        status, again, _ = self.as_("supervisor-zhang", "POST", path, {})
        self.assertEqual((status, again), (200, dict(reply, duplicate=True)))
        [acked] = self.committed(case_id, "alert.acknowledged")
        self.assertEqual((acked["body"]["by"], acked["source"]),
                         ("supervisor-zhang", "supervisor-zhang"))
        status, body, _ = self.as_("supervisor-zhang", "GET", "/v1/alerts")
        self.assertNotIn(alert, [a["alert"] for a in body["alerts"]])
        status, body, _ = self.as_("ops-admin", "GET", "/v1/alerts?all=1")
        self.assertIn(alert, [a["alert"] for a in body["alerts"]])
        status, body, _ = self.as_("supervisor-zhang", "POST", "/v1/alerts/NO-SUCH/ack", {})
        self.assertEqual((status, body["error"]["code"]), (404, "not_found"))

    def test_broker_records_the_principal(self):
        """With the security contract in the broker (whoami answers), the
        broker records the token's name as `by`; before it, it ignores
        `as`, and the gateway's own checks above are the only line."""
        with self.broker.client() as client:
            whoami = client.request({"op": "whoami"})
        case_id = self.register("portal")
        [registered] = self.committed(case_id, "case.registered")
        if whoami.get("ok"):
            self.assertEqual(registered["by"], "portal")
        else:
            self.assertEqual(whoami["error"]["code"], "bad_request")
            self.assertNotIn("by", registered)


class GatewayCurveTest(unittest.TestCase):
    """A CURVE broker: the gateway holds a key of role gateway, acts for
    each token's holder with `as`, and the broker records who posted."""

    @classmethod
    def setUpClass(cls):
        cls.broker = Broker(curve=True)
        keys = cls.broker.keys
        cls.key = keys.make("daiban-gateway", "gateway")
        cls.broker.start()
        cls.tokens_path, cls.tokens = token_file(temp_dir(), [("portal", "system"),
                                                              ("operator-wang", "operator")])
        cls.gateway = Gateway(cls.broker, tokens=cls.tokens_path,
                              extra_args=cls.key.cli_args(keys.broker)).start()

    @classmethod
    def tearDownClass(cls):
        cls.gateway.stop()
        cls.broker.stop()
        cls.broker.cleanup()

    def test_acts_for_each_token(self):
        ev = sample_registration(new_case_id("GW-CURVE"), source="portal")
        stream = EventStream(self.gateway, "/v1/stream?from=1",
                             token=self.tokens["operator-wang"])
        status, reply, _ = self.gateway.post("/v1/events", ev, token=self.tokens["portal"])
        self.assertEqual(status, 201, reply)
        log = {"type": "worklog.added", "case": ev["case"], "id": new_event_id(),
               "source": "window-3", "body": {"agent": "李明", "note": "代为登记"}}
        status, second, _ = self.gateway.post("/v1/events", log,
                                              token=self.tokens["operator-wang"])
        self.assertEqual(status, 201, second)
        with self.broker.client() as client:
            events = client.history(case=ev["case"])["events"]
        self.assertEqual([(e["source"], e["by"]) for e in events],
                         [("portal", "portal"), ("window-3", "operator-wang")])
        # The stream is read for the operator, through the gateway's key.
        got = [stream.next()[1] for _ in events]
        self.assertEqual([e["seq"] for e in got], [e["seq"] for e in events])
        stream.close()
        status, case, _ = self.gateway.get("/v1/cases/" + ev["case"], token=self.tokens["portal"])
        self.assertEqual((status, case["case"]), (200, ev["case"]))
        # The gateway's own requests (health, metrics) go through too.
        self.assertEqual(self.gateway.get("/healthz")[0], 200)
        status, text, _ = self.gateway.get("/metrics")
        self.assertIn("daiban_broker_up 1", text)

    def test_key_needs_tokens(self):
        code, err = run_gateway_expecting_failure(
            ["--broker", self.broker.ingress, "--listen", "127.0.0.1:0"]
            + self.key.cli_args(self.broker.keys.broker))
        self.assertEqual(code, 1)
        self.assertIn("--key needs --tokens", err)


if __name__ == "__main__":
    unittest.main()
