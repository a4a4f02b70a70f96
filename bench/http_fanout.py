"""bench/http_fanout.py: the SSE fan-out of bench/http. Opens STREAMS
event streams (GET /v1/stream, only new events; HTTP/1.0, so the body is
the bare event stream) on the gateway at PORT, then ROUNDS times posts one
event and measures the time from the post's reply (the commit) to the
moment the last stream has it, reading every stream in one select loop.
Prints one key=value line: streams, rounds, p50_ms, max_ms.
Usage: python3 bench/http_fanout.py PORT CASE [STREAMS] [ROUNDS]"""

import http.client
import json
import selectors
import socket
import statistics
import sys
import time

REQUEST = b"GET /v1/stream HTTP/1.0\r\nAccept: text/event-stream\r\n\r\n"


def open_streams(port, count):
    selector = selectors.DefaultSelector()
    for index in range(count):
        sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        sock.sendall(REQUEST)
        sock.setblocking(False)
        selector.register(sock, selectors.EVENT_READ, {"index": index, "buffer": b""})
    return selector


def pump(selector, arrivals, until, done):
    """Reads what the streams sent until done() or the deadline."""
    while not done() and time.monotonic() < until:
        for key, _ in selector.select(0.05):
            data = key.fileobj.recv(65536)
            if not data:
                sys.exit("stream %d ended" % key.data["index"])
            now = time.monotonic()
            lines = (key.data["buffer"] + data).split(b"\n")
            key.data["buffer"] = lines.pop()
            for line in lines:
                if line.startswith(b"id: "):
                    arrivals.setdefault(int(line[4:]), {})[key.data["index"]] = now


def post(port, case_id, number):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    body = json.dumps({"type": "worklog.added", "case": case_id,
                       "id": "fanout-%d-%d" % (time.time_ns(), number),
                       "body": {"agent": "A01", "note": "fan-out"}})
    connection.request("POST", "/v1/events", body=body,
                       headers={"Content-Type": "application/json"})
    reply = json.loads(connection.getresponse().read())
    connection.close()
    return reply["seq"], time.monotonic()


def main():
    port, case_id = int(sys.argv[1]), sys.argv[2]
    streams = int(sys.argv[3]) if len(sys.argv) > 3 else 100
    rounds = int(sys.argv[4]) if len(sys.argv) > 4 else 20
    arrivals = {}
    selector = open_streams(port, streams)
    pump(selector, arrivals, time.monotonic() + 1.0, lambda: False)    # every stream started
    delays = []
    for number in range(rounds):
        seq, committed = post(port, case_id, number)
        pump(selector, arrivals, time.monotonic() + 10,
             lambda: len(arrivals.get(seq, {})) == streams)
        got = arrivals.get(seq, {})
        if len(got) < streams:
            sys.exit("only %d of %d streams got seq %d within 10 s" % (len(got), streams, seq))
        delays.append((max(got.values()) - committed) * 1000)
    print("streams=%d rounds=%d p50_ms=%.1f max_ms=%.1f"
          % (streams, rounds, statistics.median(delays), max(delays)))


if __name__ == "__main__":
    main()
