"""Integration test of the broker's stream (PROTOCOL.md, "Stream"): every
committed event goes out once, in seq order, as [topic = type, event],
after its post was answered; subscriptions filter by prefix; a late
subscriber catches up through history and then the stream with no gap
and no duplicate while another client keeps posting."""

import os
import sys
import threading
import time
import unittest

import zmq

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daiban_harness import (RECV_TIMEOUT, Broker, event, new_case_id, progress,  # noqa: E402
                            sample_registration, worklog)


def minutes(case, note="研究供地方案"):
    return event("meeting.minutes", case,
                 {"meeting": "联席会议-1", "summary": note, "decisions": ["同意先行用地预审"]},
                 source="zhuanban-office")


class StreamTest(unittest.TestCase):

    def setUp(self):
        self.broker = Broker().start()
        self.client = self.broker.client()
        self.probe_case = new_case_id("PROBE")
        self.client.post_ok(sample_registration(self.probe_case))
        self.sockets = [self.client]

    def tearDown(self):
        for sock in self.sockets:
            sock.close()
        try:
            self.broker.stop()
        finally:
            self.broker.cleanup()

    def subscriber(self, prefixes, probe):
        sub = self.broker.subscriber(prefixes)
        self.sockets.append(sub)
        sub.sync(self.client, probe)
        return sub

    def test_events_in_seq_order_after_the_reply(self):
        sub = self.subscriber([""], lambda: worklog(self.probe_case))
        case = new_case_id()
        posted = [sample_registration(case)]
        for index in range(30):
            maker = (worklog, progress, minutes)[index % 3]
            posted.append(maker(case, note="第%d次" % index))
        poller = zmq.Poller()
        poller.register(self.client.socket, zmq.POLLIN)
        poller.register(sub.socket, zmq.POLLIN)
        seqs = []
        for ev in posted:
            self.client.send({"op": "post", "event": ev})
            reply = streamed = None
            deadline = time.monotonic() + RECV_TIMEOUT
            while reply is None or streamed is None:
                left = deadline - time.monotonic()
                self.assertGreater(left, 0, "reply or stream event missing for %s" % ev["id"])
                ready = dict(poller.poll(int(left * 1000)))
                # Read the reply first when both are waiting: only a stream
                # event seen strictly before its reply is a violation.
                if self.client.socket in ready:
                    reply = self.client.recv()
                if sub.socket in ready:
                    self.assertIsNotNone(reply, "stream event of %s arrived before the post "
                                         "reply" % ev["id"])
                    streamed = sub.recv()
            self.assertIs(reply.get("ok"), True, reply)
            topic, got = streamed
            self.assertEqual(topic, ev["type"])
            self.assertEqual(got["seq"], reply["seq"])
            for key in ("id", "type", "case", "source", "body"):
                self.assertEqual(got[key], ev[key], key)
            self.assertIsInstance(got["ts"], int)
            self.assertNotIn("cause", got, "a posted event has no cause")
            # What the stream shows is committed: history has it.
            stored = self.client.history(got["seq"], 1)["events"]
            self.assertEqual(stored, [got])
            seqs.append(got["seq"])
        self.assertEqual(seqs, list(range(seqs[0], seqs[0] + len(posted))))
        # A duplicate is not published again.
        self.assertIs(self.client.post(posted[-1])["duplicate"], True)
        self.assertIsNone(sub.try_recv(0.3), "a duplicate post went out on the stream")

    def test_pipelined_burst_published_in_seq_order(self):
        sub = self.subscriber([""], lambda: worklog(self.probe_case))
        case = new_case_id()
        requests = [{"op": "post", "event": sample_registration(case)}]
        requests += [{"op": "post", "event": worklog(case, note=str(n))} for n in range(999)]
        replies = self.client.pipeline(requests, window=500)
        seqs = [reply["seq"] for reply in replies]
        received = [sub.recv() for _ in requests]
        self.assertEqual([ev["seq"] for _, ev in received], seqs)
        self.assertEqual(seqs, list(range(seqs[0], seqs[0] + 1000)))
        self.assertEqual([ev["id"] for _, ev in received], [r["event"]["id"] for r in requests])
        self.assertIsNone(sub.try_recv(0.2))

    def test_prefix_filtering(self):
        everything = self.subscriber([""], lambda: worklog(self.probe_case))
        items = self.subscriber(["item."], lambda: progress(self.probe_case))
        logs = self.subscriber(["worklog."], lambda: worklog(self.probe_case))
        several = self.subscriber(["case.", "meeting."], lambda: minutes(self.probe_case))
        case = new_case_id()
        posted = [sample_registration(case), worklog(case), progress(case), minutes(case),
                  event("item.withdrawn", case, {"item": "S1-07", "reason": "企业调整方案"},
                        source="window-3"),
                  event("problem.reported", case, {"kind": "complex", "description": "管线迁改"},
                        source="agent-li"),
                  worklog(case, note="第二条"), progress(case, note="已进入专家评审")]
        seq_of = {}
        for ev in posted:
            seq_of[ev["id"]] = self.client.post_ok(ev)
        # One probe-case event per subscription ends its wait.
        fences = [progress(self.probe_case), worklog(self.probe_case), minutes(self.probe_case)]
        for fence in fences:
            self.client.post_ok(fence)
        for sub, prefixes, fence in ((everything, [""], fences[2]), (items, ["item."], fences[0]),
                                     (logs, ["worklog."], fences[1]),
                                     (several, ["case.", "meeting."], fences[2])):
            received = sub.until(lambda topic, ev: ev["id"] == fence["id"])
            for topic, ev in received:
                self.assertTrue(any(topic.startswith(p) for p in prefixes),
                                "%s received by a subscriber of %r" % (topic, prefixes))
                self.assertEqual(topic, ev["type"])
            mine = [ev["id"] for _, ev in received if ev["case"] == case]
            expected = [ev["id"] for ev in posted
                        if any(ev["type"].startswith(p) for p in prefixes)]
            self.assertTrue(expected)
            self.assertEqual(mine, expected, "subscriber of %r" % prefixes)
            self.assertIsNone(sub.try_recv(0.2), "more than expected for %r" % prefixes)

    def test_late_subscriber_catches_up_without_gap_or_duplicate(self):
        case = new_case_id()
        self.client.post_ok(sample_registration(case))
        stop = threading.Event()
        failures = []
        poster_count = [0]

        def poster():
            with self.broker.client() as own:
                try:
                    while not stop.is_set():
                        own.post_ok(worklog(case, note="持续 %d" % poster_count[0]))
                        poster_count[0] += 1
                except Exception as error:          # reported by the main thread
                    failures.append(error)

        thread = threading.Thread(target=poster, daemon=True)
        thread.start()
        try:
            time.sleep(0.5)
            sub = self.broker.subscriber([""])
            self.sockets.append(sub)
            first = sub.recv()                  # the subscription is in effect
            buffered = [first]
            seen = {}
            start = 1
            while True:
                page = self.client.history(start, 300)
                for ev in page["events"]:
                    self.assertNotIn(ev["seq"], seen)
                    seen[ev["seq"]] = ev
                start = page["next"]
                if start > page["last"] and start > first[1]["seq"]:
                    break
            highest = max(seen)
            self.assertEqual(sorted(seen), list(range(1, highest + 1)), "history has a gap")
            time.sleep(0.7)
        finally:
            stop.set()
            thread.join(RECV_TIMEOUT * 2)
        self.assertEqual(failures, [])
        self.assertGreater(poster_count[0], 50, "the poster hardly posted")
        final_last = self.client.stats()["last_seq"]
        while highest < final_last:
            topic, ev = buffered.pop(0) if buffered else sub.recv()
            if ev["seq"] <= highest:
                self.assertEqual(ev, seen[ev["seq"]], "the stream and history disagree")
                continue
            self.assertEqual(ev["seq"], highest + 1, "gap between history and stream")
            self.assertEqual(topic, ev["type"])
            seen[ev["seq"]] = ev
            highest = ev["seq"]
        self.assertIsNone(sub.try_recv(0.2), "stream went past the last seq")
        self.assertEqual(sorted(seen), list(range(1, final_last + 1)))
        self.assertEqual([seen[seq] for seq in sorted(seen)], self.client.all_history())


if __name__ == "__main__":
    unittest.main(verbosity=2)
