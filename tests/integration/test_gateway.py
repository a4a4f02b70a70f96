"""Integration test of daiban-gateway's HTTP API against a real broker:
posting (201, duplicates 200), every broker error mapped to its status
with a JSON body naming what is wrong, batches with bad events in the
middle, cases, the timeline, history, catalog, calendar, stats, health
and metrics. No tokens here (everyone is local admin); roles and tokens
are test_gateway_auth.py, robustness test_gateway_robust.py, the event
stream test_gateway_stream.py."""

import os
import re
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daiban_harness import Broker, executable, new_case_id, new_event_id, sample_registration  # noqa: E402
from gateway_harness import Gateway  # noqa: E402


def posted(ev):
    """The HTTP form of a harness event: without source (the token's)."""
    return {key: value for key, value in ev.items() if key != "source"}


def worklog(case_id, note="与市自然资源局沟通用地预审材料", event_id=None):
    return {"type": "worklog.added", "case": case_id, "id": event_id or new_event_id("wl"),
            "body": {"agent": "李明", "note": note}}


class GatewayApiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.broker = Broker().start()
        cls.gateway = Gateway(cls.broker).start()

    @classmethod
    def tearDownClass(cls):
        cls.gateway.stop()
        cls.broker.stop()
        cls.broker.cleanup()

    def register(self, case_id=None, **overrides):
        ev = posted(sample_registration(case_id, **overrides))
        status, reply, _ = self.gateway.post("/v1/events", ev)
        self.assertEqual(status, 201, reply)
        return ev["case"], reply["seq"]

    def assert_error(self, answer, status, code, *words):
        got_status, body, headers = answer
        self.assertEqual(got_status, status, body)
        self.assertTrue(headers["Content-Type"].startswith("application/json"))
        self.assertEqual(body["error"]["code"], code, body)
        for word in words:
            self.assertIn(word, body["error"]["message"])

    def test_post_and_duplicate(self):
        case_id, seq = self.register()
        ev = worklog(case_id)
        status, reply, _ = self.gateway.post("/v1/events", ev)
        self.assertEqual((status, reply), (201, {"seq": seq + 1}))
        changed = dict(ev, body={"agent": "李明", "note": "另一条"})
        status, reply, _ = self.gateway.post("/v1/events", changed)
        self.assertEqual((status, reply), (200, {"seq": seq + 1, "duplicate": True}))
        # Committed once, with the caller's name as source.
        with self.broker.client() as client:
            events = client.history(from_seq=seq + 1)["events"]
        self.assertEqual([(e["type"], e["source"], e["body"]["note"]) for e in events[:1]],
                         [("worklog.added", "local", ev["body"]["note"])])

    def test_errors_map_to_statuses(self):
        case_id, _ = self.register()
        good = worklog(case_id)
        # Not JSON, not UTF-8, not an object, missing and ill-typed fields.
        self.assert_error(self.gateway.post("/v1/events", b'{"type": '), 400, "bad_request",
                          "not JSON")
        self.assert_error(self.gateway.post("/v1/events", b'{"type":"\xff"}'), 400,
                          "bad_request", "not JSON")
        self.assert_error(self.gateway.post("/v1/events", [good]), 400, "bad_request",
                          "object")
        for field in ("type", "case", "id", "body"):
            missing = {k: v for k, v in good.items() if k != field}
            self.assert_error(self.gateway.post("/v1/events", missing), 400, "bad_request",
                              "missing field: " + field)
        self.assert_error(self.gateway.post("/v1/events", dict(good, body=[1])), 400,
                          "bad_request", "body")
        self.assert_error(self.gateway.post("/v1/events", dict(good, at="noon")), 400,
                          "bad_request", "at")
        # The broker's errors, by status.
        self.assert_error(self.gateway.post("/v1/events", dict(good, type="no.such")), 400,
                          "unknown_type")
        self.assert_error(self.gateway.post("/v1/events", dict(good, body={"agent": "李明"})),
                          400, "invalid_body", "note")
        self.assert_error(self.gateway.post("/v1/events", worklog("AS-NEVER-1")), 404,
                          "not_found")
        again = posted(sample_registration(case_id))
        self.assert_error(self.gateway.post("/v1/events", again), 409, "conflict")
        emitted = dict(good, type="case.closed", body={})
        self.assert_error(self.gateway.post("/v1/events", emitted), 401, "unauthorized")
        self.assert_error(self.gateway.post("/v1/events", dict(good, case="bad id!")), 400,
                          "bad_request")
        # Routes and methods.
        self.assert_error(self.gateway.get("/v1/nothing"), 404, "not_found", "/v1/nothing")
        self.assert_error(self.gateway.request("DELETE", "/v1/events"), 405,
                          "method_not_allowed")
        self.assert_error(self.gateway.get("/v1/cases/AS-NEVER-2"), 404, "not_found")
        self.assert_error(self.gateway.get("/v1/events?limit=x"), 400, "bad_request", "limit")

    def test_batch_with_bad_events_in_the_middle(self):
        case_id, _ = self.register()
        first, last = worklog(case_id), worklog(case_id)
        batch = [first, {"type": "worklog.added", "case": case_id}, dict(worklog(case_id),
                 body={}), last, first]
        status, reply, _ = self.gateway.post("/v1/events:batch", {"events": batch})
        self.assertEqual(status, 200, reply)
        results = reply["results"]
        self.assertEqual([r["status"] for r in results], [201, 400, 400, 201, 200])
        self.assertIn("missing field: id", results[1]["error"]["message"])
        self.assertEqual(results[2]["error"]["code"], "invalid_body")
        self.assertEqual(results[3]["seq"], results[0]["seq"] + 1)
        self.assertEqual(results[4], {"status": 200, "seq": results[0]["seq"],
                                      "duplicate": True})
        # A bare array is a batch too; more than 1,000 events is refused whole.
        status, reply, _ = self.gateway.post("/v1/events:batch", [worklog(case_id)])
        self.assertEqual((status, [r["status"] for r in reply["results"]]), (200, [201]))
        self.assert_error(self.gateway.post("/v1/events:batch", [first] * 1001), 413,
                          "too_large", "1000")
        self.assert_error(self.gateway.post("/v1/events:batch", {"x": 1}), 400, "bad_request")

    def test_cases_timeline_and_history(self):
        county = "海城市"
        case_id, seq = self.register(new_case_id("GW-LIST"), county=county)
        self.gateway.post("/v1/events", worklog(case_id))
        status, state, _ = self.gateway.get("/v1/cases/" + case_id)
        self.assertEqual((status, state["case"], state["county"]), (200, case_id, county))
        self.assertEqual(len(state["items"]), 3)
        status, listed, _ = self.gateway.get("/v1/cases?county=" + "%E6%B5%B7%E5%9F%8E%E5%B8%82")
        self.assertEqual(status, 200, listed)
        self.assertIn(case_id, [c["case"] for c in listed["cases"]])
        self.assertTrue(all(c["county"] == county for c in listed["cases"]))
        mine = [c for c in listed["cases"] if c["case"] == case_id][0]
        self.assertEqual((mine["items_total"], mine["items_done"], mine["status"]),
                         (3, 0, "registered"))
        status, none, _ = self.gateway.get("/v1/cases?county=nowhere")
        self.assertEqual((status, none["cases"]), (200, []))
        # Paging: one case a page, every case once.
        seen, after = [], ""
        while True:
            status, page, _ = self.gateway.get("/v1/cases?limit=1&after=" + after)
            self.assertEqual(status, 200, page)
            seen += [c["case"] for c in page["cases"]]
            if page["next"] is None:
                break
            after = page["next"]
        self.assertEqual(len(seen), len(set(seen)))
        self.assertIn(case_id, seen)
        self.assert_error(self.gateway.get("/v1/cases?status=nonsense"), 400, "bad_request")
        status, timeline, _ = self.gateway.get("/v1/cases/%s/events" % case_id)
        self.assertEqual([e["type"] for e in timeline["events"]],
                         ["case.registered", "worklog.added"])
        status, history, _ = self.gateway.get("/v1/events?from=%d&limit=1" % seq)
        self.assertEqual((status, [e["seq"] for e in history["events"]], history["next"]),
                         (200, [seq], seq + 1))

    def test_catalog_calendar_stats_health_metrics(self):
        status, catalog, _ = self.gateway.get("/v1/catalog")
        self.assertEqual(status, 200)
        self.assertIn("S1-05", [item["code"] for item in catalog["items"]])
        # The calendar answers as daibanctl does (the same holiday files).
        for start, days in (("2026-09-28", 5), ("2026-12-30", 3)):
            ctl = subprocess.run([executable("daibanctl"), "due", start, str(days), "--json"],
                                 capture_output=True, text=True, timeout=30)
            import json
            expected = json.loads(ctl.stdout)["due"]
            status, due, _ = self.gateway.get("/v1/calendar/due?from=%s&days=%d" % (start, days))
            self.assertEqual((status, due["due"]), (200, expected))
        status, count, _ = self.gateway.get("/v1/calendar/workdays?from=2026-10-01&to=2026-10-09")
        self.assertEqual((status, count["working_days"]), (200, 2))
        self.assert_error(self.gateway.get("/v1/calendar/due?from=2026-13-01&days=1"), 400,
                          "bad_request", "from")
        status, stats, _ = self.gateway.get("/v1/stats")
        self.assertEqual(status, 200)
        self.assertIn("last_seq", stats)
        status, health, _ = self.gateway.get("/healthz")
        self.assertEqual((status, health["broker"]), (200, "up"))
        status, text, headers = self.gateway.get("/metrics")
        self.assertEqual(status, 200)
        self.assertTrue(headers["Content-Type"].startswith("text/plain"))
        for name in ("daiban_gateway_requests_total{route=\"/healthz\",status=\"200\"}",
                     "daiban_gateway_ack_seconds_bucket", "daiban_events_committed",
                     "daiban_broker_up 1", "daiban_timers_pending", "daiban_alerts_open",
                     "daiban_items_overdue", "daiban_dead_letters_total",
                     "daiban_broker_commit_seconds_bucket{le=\"0.001\"}"):
            self.assertIn(name, text)
        #   Every new post is counted once in the commit latency, when durable.
        _, stats, _ = self.gateway.get("/v1/stats")
        count = re.search(r"^daiban_broker_commit_seconds_count (\d+)$", text, re.M)
        self.assertIsNotNone(count, text)
        self.assertEqual(int(count.group(1)), stats["posts"])
        self.assertGreater(stats["posts"], 0)
        latency = stats["commit_latency"]
        self.assertEqual(sum(latency["counts"]), latency["count"])


if __name__ == "__main__":
    unittest.main()
