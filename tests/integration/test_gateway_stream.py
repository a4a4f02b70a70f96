"""Integration test of GET /v1/stream (Server-Sent Events): every event
once, in seq order, with `id: SEQ`; the types and case filters; live
events within 2 s of their post; and resumption with Last-Event-ID, with
no gap and no duplicate, across a restart of the gateway and across a
restart of the broker (the open stream itself carries on, too)."""

import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daiban_harness import Broker, new_case_id, new_event_id, sample_registration  # noqa: E402
from gateway_harness import EventStream, Gateway  # noqa: E402


def worklog(case_id, note):
    return {"type": "worklog.added", "case": case_id, "id": new_event_id("wl"),
            "body": {"agent": "李明", "note": note}}


class GatewayStreamTest(unittest.TestCase):
    def setUp(self):
        self.broker = Broker().start()
        self.gateway = Gateway(self.broker).start()
        self.case_id = new_case_id("GW-SSE")
        ev = sample_registration(self.case_id)
        ev.pop("source")
        self.post(ev)

    def tearDown(self):
        self.gateway.stop()
        self.broker.stop(expect_code=None)
        self.broker.cleanup()

    def post(self, ev):
        status, reply, _ = self.gateway.post("/v1/events", ev)
        self.assertEqual(status, 201, reply)
        return reply["seq"]

    def post_direct(self, count, note):
        """Posts to the broker's ingress, not through the gateway."""
        with self.broker.client() as client:
            return [client.post_ok(dict(worklog(self.case_id, "%s %d" % (note, index)),
                                        source="agent-li"))
                    for index in range(count)]

    def read(self, stream, count):
        return [stream.next() for _ in range(count)]

    def test_history_then_live_with_filters(self):
        seqs = [1] + self.post_direct(3, "before")
        stream = EventStream(self.gateway, "/v1/stream?from=1")
        events = self.read(stream, 4)
        self.assertEqual([event_id for event_id, _ in events], seqs)
        self.assertEqual([data["seq"] for _, data in events], seqs)
        live = self.post(worklog(self.case_id, "live"))
        event_id, data = stream.next()          # within the connection's 10 s timeout
        self.assertEqual((event_id, data["body"]["note"]), (live, "live"))
        stream.close()
        other = new_case_id("GW-SSE-OTHER")
        other_ev = sample_registration(other)
        other_ev.pop("source")
        other_seq = self.post(other_ev)
        filtered = EventStream(self.gateway, "/v1/stream?from=1&case=" + other)
        self.assertEqual(filtered.next()[0], other_seq)
        filtered.close()
        typed = EventStream(self.gateway, "/v1/stream?from=1&types=case.")
        self.assertEqual([i for i, _ in self.read(typed, 2)], [1, other_seq])
        typed.close()
        # Without from or Last-Event-ID: only what comes next, also after
        # a quiet while (a stream with nothing to send must stay open).
        fresh = EventStream(self.gateway, "/v1/stream")
        time.sleep(2.0)
        newer = self.post(worklog(self.case_id, "only new"))
        self.assertEqual(fresh.next()[0], newer)
        fresh.close()

    def test_resume_across_gateway_restart(self):
        self.post_direct(4, "first")
        stream = EventStream(self.gateway, "/v1/stream?from=1")
        seen = [event_id for event_id, _ in self.read(stream, 3)]
        stream.close()
        self.gateway.stop()
        missed = self.post_direct(5, "while the gateway was down")
        self.gateway.start()
        resumed = EventStream(self.gateway, "/v1/stream", last_id=seen[-1])
        rest = [event_id for event_id, _ in self.read(resumed, 2 + len(missed))]
        resumed.close()
        self.assertEqual(seen + rest, list(range(1, 1 + len(seen) + len(rest))))
        self.assertEqual(rest[-len(missed):], missed)

    def test_across_broker_restart(self):
        stream = EventStream(self.gateway, "/v1/stream?from=1", timeout=20)
        before = self.post_direct(3, "before")
        got = [event_id for event_id, _ in self.read(stream, 1 + len(before))]
        self.broker.stop()
        self.broker.start()
        after = self.post_direct(4, "after the restart")
        got += [event_id for event_id, _ in self.read(stream, len(after))]
        self.assertEqual(got, [1] + before + after)
        stream.close()
        # A reconnecting client resumes from its last id.
        resumed = EventStream(self.gateway, "/v1/stream", last_id=before[0])
        again = [event_id for event_id, _ in self.read(resumed, len(before) - 1 + len(after))]
        self.assertEqual(again, before[1:] + after)
        resumed.close()


if __name__ == "__main__":
    unittest.main()
