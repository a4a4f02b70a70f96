"""Integration test of the broker against hostile input (PROTOCOL.md: "A
malformed request never stops the broker, and never changes stored
data"): random bytes, truncated and mutated requests, deep nesting, huge
declared lengths, invalid UTF-8, bad framing, oversized frames, and
clients that vanish. After each, the broker must still be alive and
answer a normal post, and its resident memory must stay bounded."""

import os
import random
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daiban_harness import (Broker, RssSampler, error_code, new_event_id, pack,  # noqa: E402
                            pack_with_raw, post_request, raw_map, sample_registration, unpack,
                            worklog)

MIB = 1024 * 1024
RSS_LIMIT_KB = 300 * 1024
MSGPACK_HEADS = bytes([0x80, 0x81, 0x8f, 0x90, 0x91, 0x9f, 0xa0, 0xa5, 0xbf, 0xc0, 0xc1, 0xc2,
                       0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xcb, 0xcc, 0xcd, 0xce,
                       0xcf, 0xd0, 0xd4, 0xd8, 0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf, 0xe0,
                       0xff, 0x00, 0x7f])


class HostileTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.broker = Broker().start()
        cls.sampler = RssSampler(cls.broker, interval=0.02)
        with cls.broker.client() as client:
            cls.case = sample_registration()["case"]
            client.post_ok(sample_registration(cls.case))

    @classmethod
    def tearDownClass(cls):
        cls.sampler.stop()
        sys.stderr.write("\n[hostile] broker peak VmRSS: %d kB\n" % cls.sampler.peak_kb)
        try:
            cls.broker.stop()
        finally:
            cls.broker.cleanup()

    def setUp(self):
        self.client = self.broker.client()

    def tearDown(self):
        self.client.close()

    def assertServing(self):
        """The broker still runs, answers a normal post, and its RSS stayed low."""
        self.assertTrue(self.broker.alive(), "broker died:\n%s" % self.broker.log_tail())
        with self.broker.client() as fresh:
            reply = fresh.post(worklog(self.case, note="仍在服务"))
            self.assertIs(reply.get("ok"), True, reply)
            self.assertIs(reply.get("duplicate"), False, reply)
        self.assertLess(self.sampler.peak_kb, RSS_LIMIT_KB,
                        "broker RSS peaked at %d kB" % self.sampler.peak_kb)

    def assertBadRequest(self, raw, what):
        reply = self.client.request_raw(raw)
        self.assertEqual(error_code(reply), "bad_request", "%s: %r" % (what, reply))

    def last_seq(self):
        return self.client.stats()["last_seq"]

    def test_random_bytes(self):
        before = self.last_seq()
        for seed in range(400):
            rng = random.Random(seed)
            if seed % 2:
                data = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 300)))
            else:       # biased toward msgpack headers, to reach deeper paths
                data = bytes(rng.choice(MSGPACK_HEADS) if rng.random() < 0.6
                             else rng.randrange(256) for _ in range(rng.randrange(1, 300)))
            self.assertBadRequest(data, "seed %d" % seed)
        self.assertEqual(self.last_seq(), before, "random bytes wrote events")
        self.assertServing()

    def test_mutated_requests(self):
        base = pack(post_request(worklog(self.case, note="变异测试")))
        for seed in range(400):
            rng = random.Random(1000 + seed)
            data = bytearray(base)
            for _ in range(rng.randrange(1, 6)):
                position = rng.randrange(len(data))
                choice = rng.random()
                if choice < 0.5:
                    data[position] = rng.randrange(256)
                elif choice < 0.75:
                    data[position] ^= 1 << rng.randrange(8)
                else:
                    data.insert(position, rng.choice(MSGPACK_HEADS))
            reply = self.client.request_raw(bytes(data))
            code = error_code(reply)          # a well-formed reply, success or not
            self.assertIn(code, (None, "bad_request", "unknown_type", "invalid_body",
                                 "not_found", "conflict", "unauthorized"), reply)
        self.assertServing()

    def test_truncated_request_at_every_cut(self):
        before = self.last_seq()
        registration = sample_registration()
        data = pack(post_request(registration))
        for cut in range(len(data)):
            self.assertBadRequest(data[:cut], "cut at %d of %d" % (cut, len(data)))
        self.assertEqual(self.last_seq(), before, "a truncated request wrote an event")
        reply = self.client.request_raw(data)
        self.assertIs(reply.get("ok"), True, reply)
        self.assertEqual(reply["seq"], before + 1)
        self.assertServing()

    def test_deep_nesting(self):
        deep = [b"\x91" * 100000 + b"\xc0",
                b"\x81\xa1a" * 100000 + b"\xc0",
                b"\xdc\x00\x01" * 100000 + b"\xc0",
                b"\xdf\x00\x00\x00\x01\xa1k" * 100000 + b"\xc0",
                b"\x91" * 40 + b"\xc0"]
        for raw in deep:
            self.assertBadRequest(raw, "nesting %r..." % raw[:8])
        event_pairs = lambda body: [("id", pack(new_event_id())), ("type", pack("worklog.added")),
                                    ("case", pack(self.case)), ("source", pack("agent-li")),
                                    ("body", body)]
        for body in (b"\x81\xa1a" * 100000 + b"\xc0", b"\x81\xa1a" * 40 + b"\xc0",
                     b"\x83\xa5agent\xa1x\xa4note\xa1y\xa5extra" + b"\x91" * 50 + b"\xc0"):
            request = raw_map([("op", pack("post")), ("event", raw_map(event_pairs(body)))])
            self.assertBadRequest(request, "deep body %r..." % body[:12])
        nested_rid = raw_map([("op", pack("stats")), ("rid", b"\x91" * 100000 + b"\xc0")])
        self.assertBadRequest(nested_rid, "deep rid")
        # Moderate nesting inside the limit is fine.
        moderate = {"agent": "李明", "note": "x", "extra": [[[[[["六层"]]]]]]}
        reply = self.client.post(dict(worklog(self.case), body=moderate))
        self.assertIs(reply.get("ok"), True, reply)
        self.assertServing()

    def test_huge_declared_lengths(self):
        heads = [b"\xdf\xff\xff\xff\xff", b"\xdd\xff\xff\xff\xff", b"\xdb\xff\xff\xff\xff",
                 b"\xc6\xff\xff\xff\xff", b"\xc9\xff\xff\xff\xff\x01", b"\xde\xff\xff",
                 b"\xdc\xff\xff", b"\xda\xff\xff", b"\xc5\xff\xff", b"\xd9\xff", b"\xc8\xff\xff\x01"]
        for head in heads:
            self.assertBadRequest(head, "bare %r" % head)
            self.assertBadRequest(head + pack("op") + pack("post") + b"\x00" * 64,
                                  "%r with some content" % head)
            request = raw_map([("op", pack("post")), ("event", head + pack("id") + pack("x"))])
            self.assertBadRequest(request, "event %r" % head)
            request = raw_map([("op", pack("stats")), ("rid", head)])
            self.assertBadRequest(request, "rid %r" % head)
        self.assertServing()

    def test_invalid_utf8(self):
        before = self.last_seq()
        bad_sequences = [b"\xff\xfe", b"\xc0\xaf", b"\xed\xa0\x80", b"\xe7\xab", b"\x80"]
        for raw in bad_sequences:
            length = len(raw)
            for field in ("id", "source", "case", "type"):
                placeholder = "Q" * length
                ev = worklog(self.case)
                if field == "id":
                    ev["id"] = "id-" + placeholder + "-" + new_event_id()
                else:
                    ev[field] = "z" + placeholder
                data = pack_with_raw(post_request(ev), {"z" + placeholder if field != "id"
                                                        else "id-" + placeholder:
                                                        (b"z" if field != "id" else b"id-") + raw})
                reply = self.client.request_raw(data)
                allowed = ("bad_request", "unknown_type") if field == "type" else ("bad_request",)
                self.assertIn(error_code(reply), allowed, "%s with %r: %r" % (field, raw, reply))
            # In the body: a string that is not UTF-8 must not reach the log,
            # where every reader that decodes strings would choke on it.
            ev = worklog(self.case, note="QQQQQQQQ" + "Q" * length)
            data = pack_with_raw(post_request(ev), {"Q" * (8 + length): b"QQQQQQQQ" + raw})
            reply = self.client.request_raw(data)
            self.assertIn(error_code(reply), ("bad_request", "invalid_body"),
                          "body note with %r: %r" % (raw, reply))
            # In the op.
            data = pack_with_raw({"op": "s" + "Q" * length}, {"s" + "Q" * length: b"s" + raw})
            self.assertBadRequest(data, "op with %r" % raw)
        self.assertEqual(self.last_seq(), before, "invalid UTF-8 was written")
        # History stays decodable by a strict reader.
        for ev in self.client.all_history():
            self.assertIsInstance(ev["id"], str)
        self.assertServing()

    def test_bad_framing(self):
        # Behind the ROUTER every request comes with its peer's identity, so
        # a reply can always be framed: each misframed request is answered.
        body = pack({"op": "stats"})
        for frames in ([b"", body, b"extra"], [b"", b""], [b"", body, b"", body], [body],
                       [b""], [b"x", body], [b"", b"", b""], [b""] * 50,
                       [b"\x00" * 10, b"", body]):
            with self.broker.client() as client:
                client.send_frames(frames)
                reply = client.recv()
                self.assertEqual(error_code(reply), "bad_request",
                                 "%r: %r" % ([f[:10] for f in frames[:4]], reply))
        self.assertServing()

    def test_non_map_event_and_body(self):
        before = self.last_seq()
        for value in ([1], "event", 5, None, True, b"\x80", 1.5):
            request = {"op": "post", "event": value}
            reply = self.client.request(request)
            self.assertEqual(error_code(reply), "bad_request", "event %r: %r" % (value, reply))
            reply = self.client.post(dict(worklog(self.case), body=value))
            self.assertEqual(error_code(reply), "bad_request", "body %r: %r" % (value, reply))
        self.assertEqual(self.last_seq(), before)
        self.assertServing()

    def test_oversized_frames(self):
        before = self.last_seq()
        request = post_request(worklog(self.case, note="大" * (2 * MIB // 3 + 10)))
        data = pack(request)
        self.assertGreater(len(data), 2 * MIB)
        reply = self.client.request_raw(data)
        self.assertEqual(error_code(reply), "too_large", reply)
        # 17 MiB: the transport may drop it (and the connection); if it
        # answers, it is too_large. Either way the broker keeps serving.
        with self.broker.client() as client:
            client.send_raw(b"\x00" * (17 * MIB))
            answer = client.try_recv_frames(5.0)
            if answer is not None:
                self.assertEqual(error_code(unpack(answer[1])), "too_large")
        self.assertEqual(self.last_seq(), before)
        self.assertServing()

    def test_clients_that_vanish(self):
        # Many clients send a request and disconnect before the reply: the
        # broker answers nobody and must not mind.
        for index in range(200):
            client = self.broker.client()
            if index % 2:
                client.send(post_request(worklog(self.case, note="走了 %d" % index)))
            else:
                client.send({"op": "history", "from": 1, "limit": 10000})
            client.close()
        time.sleep(0.5)
        self.assertServing()

    def test_error_flood_pipelined(self):
        # Thousands of bad requests in flight at once, all answered in order.
        requests = [{"op": "nonsense-%d" % index} for index in range(3000)]
        replies = self.client.pipeline(requests, window=500)
        self.assertTrue(all(error_code(reply) == "bad_request" for reply in replies))
        self.assertServing()


if __name__ == "__main__":
    unittest.main(verbosity=2)
