"""test_worker_loop: the shared worker loop against a fake broker (a
ROUTER socket in this script), so that the worker side of the protocol
(notes/workers-spec.md) is checked without the real broker: ready,
dispatch -> done/fail, ping/pong, the worker's own heartbeats, reconnection
after silence (a new socket identity and a new ready), {"op":"disconnect"},
garbage from the broker, and exit 0 on SIGTERM.

Run: /usr/bin/python3 workers/test_worker_loop.py  (DAIBAN_BIN = the build's
bin directory; default build-workers/bin). Meant to become
tests/integration/test_worker_loop.py."""

import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest

import msgpack
import zmq

HERE = os.path.dirname(os.path.abspath(__file__))
BIN = os.environ.get("DAIBAN_BIN", os.path.join(os.path.dirname(HERE), "build-workers", "bin"))
HEARTBEAT_MS = 200


#   One place hands out ports, so that no two endpoints of a test collide.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daiban_harness import free_endpoint  # noqa: E402


class FakeBroker:
    def __init__(self):
        self.context = zmq.Context()
        self.router = self.context.socket(zmq.ROUTER)
        self.router.linger = 0
        self.endpoint = free_endpoint()
        self.router.bind(self.endpoint)

    def close(self):
        self.router.close()
        self.context.term()

    def recv(self, timeout=3.0, skip_pings=True):
        """The next (identity, message) from a worker, pings skipped."""
        deadline = time.time() + timeout
        while True:
            left = deadline - time.time()
            if left <= 0 or not self.router.poll(int(left * 1000)):
                raise AssertionError("no message from the worker in %.1f s" % timeout)
            frames = self.router.recv_multipart()
            assert len(frames) == 3 and frames[1] == b"", "framing %r" % frames
            message = msgpack.unpackb(frames[2], raw=False)
            if skip_pings and message.get("op") == "ping":
                continue
            return frames[0], message

    def send(self, identity, message):
        self.router.send_multipart([identity, b"", msgpack.packb(message, use_bin_type=True)])


def dispatch(lease, event_type, body, case, now=1790000000000):
    return {"op": "dispatch", "lease": lease, "now": now, "agents": {},
            "event": {"id": "e%d" % lease, "type": event_type, "case": "AS-1",
                      "source": "test", "seq": lease, "ts": now, "body": body},
            "case": case}


class WorkerLoopTest(unittest.TestCase):
    def setUp(self):
        self.broker = FakeBroker()
        self.config = tempfile.NamedTemporaryFile("w", suffix=".cfg", delete=False)
        self.config.write("workers\n    heartbeat_ms = %d\n    credit = 2\n" % HEARTBEAT_MS)
        self.config.close()
        self.process = None

    def tearDown(self):
        if self.process:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            self.reader.join(5)
            self.process.stderr.close()
        self.broker.close()
        os.unlink(self.config.name)

    def start(self, role):
        self.process = subprocess.Popen(
            [os.path.join(BIN, "daiban-" + role), "--broker", self.broker.endpoint,
             "-c", self.config.name],
            stderr=subprocess.PIPE, text=True)
        self.lines = []
        ready = threading.Event()

        def read():
            for line in self.process.stderr:
                self.lines.append(line)
                if line.strip() == "daiban-%s ready" % role:
                    ready.set()
        self.reader = threading.Thread(target=read, daemon=True)
        self.reader.start()
        self.assertTrue(ready.wait(10), "no ready line: %r" % self.lines)
        identity, message = self.broker.recv()
        self.assertEqual(message["op"], "ready")
        self.assertEqual(message["role"], role)
        self.assertEqual(message["credit"], 2)
        return identity, message

    def test_transfer_round_trip(self):
        identity, ready = self.start("transfer")
        self.assertIn("case.accepted", ready["types"])
        self.assertIn("timer.fired", ready["types"])
        case = {"case": "AS-1", "status": "accepted", "items": [
            {"code": "S1-01", "level": "city", "department": "市发改委", "status": "waiting",
             "after": []},
            {"code": "S1-05", "level": "city", "department": "市自然资源局",
             "status": "waiting", "after": ["S1-01"]}]}
        # credit 2: two dispatches in flight, answered in order
        self.broker.send(identity, dispatch(1, "case.accepted",
                                            {"agent": "DB01", "items": [], "expected_done":
                                             "2026-10-30"}, case))
        self.broker.send(identity, dispatch(2, "item.approved",
                                            {"item": "S1-01"}, {"case": "AS-1", "status":
                                                                "closed", "items": []}))
        _, done = self.broker.recv()
        self.assertEqual(done["op"], "done")
        self.assertEqual(done["lease"], 1)
        self.assertEqual([e["body"]["item"] for e in done["emit"]], ["S1-01"])
        self.assertEqual(done["emit"][0]["type"], "item.submitted")
        _, done = self.broker.recv()
        self.assertEqual((done["op"], done["lease"], done["emit"]), ("done", 2, []))

        # a dispatch the worker cannot decide is failed with a reason
        self.broker.send(identity, {"op": "dispatch", "lease": 3, "now": 1,
                                    "event": {"type": "case.accepted", "case": "AS-1"}})
        _, fail = self.broker.recv()
        self.assertEqual((fail["op"], fail["lease"]), ("fail", 3))
        self.assertIn("event", fail["message"])

        # garbage is dropped; the worker still answers pings
        self.broker.router.send_multipart([identity, b"", b"\xc1"])
        self.broker.router.send_multipart([identity, b"only one frame"])
        self.broker.send(identity, {"op": "ping"})
        _, pong = self.broker.recv()
        self.assertEqual(pong, {"op": "pong"})

        # the worker pings on its own every heartbeat
        start = time.time()
        _, ping = self.broker.recv(skip_pings=False)
        self.assertEqual(ping, {"op": "ping"})
        self.assertLess(time.time() - start, HEARTBEAT_MS * 2 / 1000)

        self.process.send_signal(signal.SIGTERM)
        self.assertEqual(self.process.wait(10), 0)

    def test_reconnects_after_silence_and_on_disconnect(self):
        identity, _ = self.start("intake")
        # silence: after 3 heartbeats + 250 ms back-off, a new socket says ready
        start = time.time()
        new_identity, message = self.broker.recv(timeout=5)
        elapsed = time.time() - start
        self.assertEqual(message["op"], "ready")
        self.assertNotEqual(new_identity, identity)
        self.assertGreater(elapsed, 3 * HEARTBEAT_MS / 1000 * 0.8)
        # while the broker talks, the worker stays
        for _ in range(8):
            self.broker.send(new_identity, {"op": "pong"})
            time.sleep(HEARTBEAT_MS / 2000)
        while self.broker.router.poll(0):
            frames = self.broker.router.recv_multipart()
            self.assertEqual(frames[0], new_identity, "reconnected although heard")
            self.assertEqual(msgpack.unpackb(frames[2], raw=False), {"op": "ping"})
        # disconnect: a new ready at once, without back-off
        start = time.time()
        self.broker.send(new_identity, {"op": "disconnect"})
        third, message = self.broker.recv(timeout=2)
        self.assertEqual(message["op"], "ready")
        self.assertNotIn(third, (identity, new_identity))
        self.assertLess(time.time() - start, 0.2)
        # the intake decision behind the loop: an unknown item is returned
        self.broker.send(third, dispatch(9, "case.registered", {}, {
            "case": "AS-1", "status": "registered",
            "items": [{"code": "NOPE", "level": "city", "materials": []}]}))
        _, done = self.broker.recv()
        self.assertEqual(done["emit"][0]["type"], "case.returned")
        self.assertEqual(done["emit"][0]["body"]["unknown_items"], ["NOPE"])
        self.process.send_signal(signal.SIGINT)
        self.assertEqual(self.process.wait(10), 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
