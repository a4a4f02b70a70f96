"""bench/http_fanout.py: the SSE fan-out of bench/http. Opens STREAMS
event streams (GET /v1/stream, only new events) on the gateway at PORT,
then ROUNDS times posts one event and measures the time from the post's
reply (the commit) to the moment the last stream has it. Prints one
key=value line: streams, rounds, p50_ms, max_ms.
Usage: python3 bench/http_fanout.py PORT CASE [STREAMS] [ROUNDS]"""

import http.client
import json
import statistics
import sys
import threading
import time


def open_stream(port):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", "/v1/stream", headers={"Accept": "text/event-stream"})
    response = connection.getresponse()
    assert response.status == 200, response.status
    return connection, response


def reader(response, arrivals, index):
    """Records, per seq, when this stream got it."""
    while True:
        line = response.readline()
        if not line:
            return
        if line.startswith(b"id: "):
            arrivals.setdefault(int(line[4:]), {})[index] = time.monotonic()


def post(port, case_id, number):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    body = json.dumps({"type": "worklog.added", "case": case_id,
                       "id": "fanout-%d-%d" % (time.time_ns(), number),
                       "body": {"agent": "A01", "note": "fan-out"}})
    connection.request("POST", "/v1/events", body=body,
                       headers={"Content-Type": "application/json"})
    response = connection.getresponse()
    reply = json.loads(response.read())
    connection.close()
    return reply["seq"], time.monotonic()


def main():
    port, case_id = int(sys.argv[1]), sys.argv[2]
    streams = int(sys.argv[3]) if len(sys.argv) > 3 else 100
    rounds = int(sys.argv[4]) if len(sys.argv) > 4 else 20
    arrivals = {}
    opened = [open_stream(port) for _ in range(streams)]
    for index, (_, response) in enumerate(opened):
        threading.Thread(target=reader, args=(response, arrivals, index), daemon=True).start()
    time.sleep(1.0)         # every stream past its start (the "only new" position)
    delays = []
    for number in range(rounds):
        seq, committed = post(port, case_id, number)
        deadline = time.monotonic() + 10
        while len(arrivals.get(seq, {})) < streams and time.monotonic() < deadline:
            time.sleep(0.001)
        got = arrivals.get(seq, {})
        if len(got) < streams:
            sys.exit("only %d of %d streams got seq %d within 10 s" % (len(got), streams, seq))
        delays.append((max(got.values()) - committed) * 1000)
        time.sleep(0.05)
    print("streams=%d rounds=%d p50_ms=%.1f max_ms=%.1f"
          % (streams, rounds, statistics.median(delays), max(delays)))
    for connection, _ in opened:
        connection.close()


if __name__ == "__main__":
    main()
