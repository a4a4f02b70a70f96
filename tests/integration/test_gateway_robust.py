"""Integration test of the gateway under bad conditions: bodies past their
limits (413, declared or chunked), a slow-loris client (silent headers are
cut at the idle timeout, a dribbled body at the request timeout, and other
clients are served meanwhile), the broker down (503, the gateway stays up
and reconnects), a broker that takes requests and never answers (504), the
cap on event streams (503 past it), and the checks at start (no tokens and
a non-loopback address, a bad address, a port in use)."""

import os
import socket
import sys
import threading
import time
import unittest

import zmq

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daiban_harness import Broker, free_endpoint, new_case_id, sample_registration  # noqa: E402
from gateway_harness import (EventStream, Gateway, run_gateway_expecting_failure,  # noqa: E402
                             temp_dir)
from worker_harness import wait_until  # noqa: E402

MIB = 1024 * 1024


def worklog(case_id, note="材料审查中"):
    return {"type": "worklog.added", "case": case_id, "id": "wl-%f" % time.time(),
            "body": {"agent": "李明", "note": note}}


class GatewayLimitsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.broker = Broker().start()
        cls.gateway = Gateway(cls.broker, extra_args=[
            "--idle-timeout", "2", "--request-timeout", "3", "--max-streams", "2",
            "--timeout", "2000"]).start()

    @classmethod
    def tearDownClass(cls):
        cls.gateway.stop()
        cls.broker.stop()
        cls.broker.cleanup()

    def raw(self, data, timeout=10.0):
        """Sends data on a fresh socket and returns everything until close."""
        with socket.create_connection(("127.0.0.1", self.gateway.port), timeout) as sock:
            sock.sendall(data)
            received = b""
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    return received
                received += chunk

    def test_body_limits(self):
        # A declared length over 1 MiB is answered before the body is sent
        # (the connection is then closed, so only the headers are sent here).
        answer = self.raw(b"POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n"
                          % (MIB + 1))
        self.assertTrue(answer.startswith(b"HTTP/1.1 413"), answer[:200])
        self.assertIn(b'"too_large"', answer)
        self.assertIn(b"1048576", answer)
        # A body of exactly 1 MiB is read, and goes to the broker, whose
        # frame limit (1 MiB with the envelope) it passes: the broker's
        # too_large, 413 too, with the broker's message.
        exact = b'{"type":"worklog.added","case":"X","id":"big","body":{"note":"'
        exact += b"x" * (MIB - len(exact) - 3) + b'"}}'
        self.assertEqual(len(exact), MIB)
        status, body, _ = self.gateway.post("/v1/events", exact)
        self.assertEqual((status, body["error"]["code"]), (413, "too_large"), body)
        self.assertNotIn("the body is over", body["error"]["message"])
        # Chunked, so no length is declared: counted as it arrives.
        head = (b"POST /v1/events HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                b"Connection: close\r\n\r\n")
        piece = b"x" * 65536
        chunks = b"".join(b"%x\r\n%s\r\n" % (len(piece), piece) for _ in range(20)) + b"0\r\n\r\n"
        answer = self.raw(head + chunks)
        self.assertTrue(answer.startswith(b"HTTP/1.1 413"), answer[:200])
        # A batch may be up to 16 MiB, not more: refused on its declared
        # length, before its bytes are sent.
        answer = self.raw(b"POST /v1/events:batch HTTP/1.1\r\nHost: x\r\n"
                          b"Content-Length: %d\r\n\r\n" % (16 * MIB + 1))
        self.assertTrue(answer.startswith(b"HTTP/1.1 413"), answer[:200])
        self.assertIn(b"too_large", answer)
        status, body, _ = self.gateway.post("/v1/events:batch", b"[" + b" " * (2 * MIB) + b"]")
        self.assertEqual((status, body), (200, {"results": []}))

    def test_bad_bytes(self):
        for garbage in (b"\x00\xff\xfe garbage\r\n\r\n", b"GET\r\n\r\n",
                        b"GET /v1/cases HTTP/9.9\r\n\r\n", b"\r\n" * 1000,
                        b"POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n"):
            answer = self.raw(garbage)
            self.assertTrue(answer == b"" or answer.startswith(b"HTTP/1."), answer[:100])
        for path, word in (("/v1/cases/%FF%FE", "path"), ("/v1/cases?county=%FF", "county"),
                           ("/v1/events?types=%C3%28", "types")):
            status, body, _ = self.gateway.get(path)
            self.assertEqual((status, body["error"]["code"]), (400, "bad_request"), body)
            self.assertIn(word, body["error"]["message"])
        self.assertEqual(self.gateway.get("/healthz")[0], 200)
        self.assertTrue(self.gateway.alive())

    def test_slow_loris(self):
        case_id = sample_registration(new_case_id("GW-SLOW"))
        status, _, _ = self.gateway.post("/v1/events", {k: v for k, v in case_id.items()})
        self.assertEqual(status, 201)
        silent = socket.create_connection(("127.0.0.1", self.gateway.port), 10)
        silent.sendall(b"POST /v1/events HTTP/1.1\r\nHost: x\r\n")
        dribbler = socket.create_connection(("127.0.0.1", self.gateway.port), 10)
        dribbler.sendall(b"POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n")
        started = time.monotonic()
        # Served meanwhile.
        self.assertEqual(self.gateway.get("/healthz")[0], 200)

        def dribble():
            try:
                for _ in range(40):
                    dribbler.sendall(b" ")
                    time.sleep(0.5)
            except OSError:
                pass
        thread = threading.Thread(target=dribble, daemon=True)
        thread.start()
        self.assertEqual(silent.recv(100), b"")
        self.assertLess(time.monotonic() - started, 5.0)
        # The dribbled body is cut at the request timeout (3 s), not
        # served for the 20 s it would take.
        try:
            answer = dribbler.recv(4096)
        except ConnectionResetError:
            answer = b""
        self.assertEqual(answer, b"")
        self.assertLess(time.monotonic() - started, 8.0)
        silent.close()
        dribbler.close()
        thread.join(25)

    def test_stream_cap(self):
        streams = [EventStream(self.gateway) for _ in range(2)]
        self.assertEqual([s.status for s in streams], [200, 200])
        status, body, _ = self.gateway.get("/v1/stream")
        self.assertEqual((status, body["error"]["code"]), (503, "unavailable"), body)
        self.assertIn("2 event streams", body["error"]["message"])
        streams[0].close()

        def opens():
            stream = EventStream(self.gateway)
            stream.close()
            return stream.status == 200
        wait_until(opens, what="a stream to be served once one closed", timeout=10)
        streams[1].close()


class GatewayBrokerDownTest(unittest.TestCase):
    def test_down_503_then_back(self):
        broker = Broker().start()
        gateway = Gateway(broker, extra_args=["--timeout", "2000"]).start()
        try:
            ev = sample_registration(new_case_id("GW-DOWN"))
            ev.pop("source")
            broker.stop()
            started = time.monotonic()
            status, body, _ = gateway.post("/v1/events", ev)
            self.assertEqual((status, body["error"]["code"]), (503, "unavailable"), body)
            self.assertLess(time.monotonic() - started, 3.0)
            status, body, _ = gateway.get("/healthz")
            self.assertEqual((status, body["broker"]), (503, "down"))
            self.assertTrue(gateway.alive())
            broker.start()
            wait_until(lambda: gateway.get("/healthz")[0] == 200, what="the gateway to reconnect")
            status, body, _ = gateway.post("/v1/events", ev)
            self.assertEqual(status, 201, body)
        finally:
            gateway.stop()
            broker.stop(expect_code=None)
            broker.cleanup()

    def test_silent_broker_504(self):
        context = zmq.Context.instance()
        silent = context.socket(zmq.ROUTER)
        endpoint = free_endpoint()
        silent.bind(endpoint)
        broker = Broker()          # not started: only its endpoints are used
        broker.ingress = endpoint
        gateway = Gateway(broker, extra_args=["--timeout", "500"]).start()
        try:
            started = time.monotonic()
            status, body, _ = gateway.post("/v1/events", worklog("GW-SILENT-1"))
            self.assertEqual((status, body["error"]["code"]), (504, "timeout"), body)
            self.assertIn("500 ms", body["error"]["message"])
            self.assertLess(time.monotonic() - started, 3.0)
            self.assertTrue(silent.poll(1000))      # the request did reach it
        finally:
            gateway.stop()
            silent.close(0)
            broker.cleanup()


class GatewayStartTest(unittest.TestCase):
    def test_refuses_bad_starts(self):
        code, err = run_gateway_expecting_failure(["--listen", "0.0.0.0:0"])
        self.assertEqual(code, 1)
        self.assertIn("only on loopback", err)
        code, err = run_gateway_expecting_failure(["--listen", "127.0.0.1"])
        self.assertIn("ADDR:PORT", err)
        code, err = run_gateway_expecting_failure(["--tokens", os.path.join(temp_dir(), "no")])
        self.assertEqual(code, 1)
        self.assertIn("token file", err)
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen(1)
            port = taken.getsockname()[1]
            code, err = run_gateway_expecting_failure(["--listen", "127.0.0.1:%d" % port])
            self.assertEqual(code, 1)
            self.assertIn("cannot listen", err)
        code, err = run_gateway_expecting_failure(["--frobnicate", "1"])
        self.assertEqual(code, 2)


if __name__ == "__main__":
    unittest.main()
