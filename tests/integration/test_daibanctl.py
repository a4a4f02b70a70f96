"""test_daibanctl: daibanctl against a real daiban-broker. Starts the broker
on free ports with a temporary data directory, runs daibanctl as a process
and checks its output and exit codes: post (seq, duplicate, conflict, body
from stdin and file), case, cases (and --overdue on a test clock), history,
export, raw, watch (live end, --from replay, prefix and case filters, no gap
and no duplicate under a burst of posts), deadletters and retry (with a
failing worker written here), alerts (folded from the log, checked against
the case states; filters, ack, --follow), due and workdays (offline, on the
DOMAIN.md examples), and the exit codes 1 (broker error), 2 (usage) and 3
(no broker). Python's own zmq and msgpack check what reached the broker, an
implementation independent of daibanctl's.

Run: DAIBAN_BIN=build/bin /usr/bin/python3 tests/integration/test_daibanctl.py"""

import json
import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

import msgpack
import zmq

BIN_DIR = os.environ.get("DAIBAN_BIN", os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "build", "bin"))
READY_LINE = "daiban-broker ready"
READY_TIMEOUT = 15.0        # seconds for the broker to start
RUN_TIMEOUT = 30.0          # seconds for any one daibanctl run: a hang fails the test

REGISTRATION = {
    "project": "鞍山某新材料产业园项目",
    "applicant": "鞍山某新材料有限公司",
    "contact": {"name": "王经理", "phone": "13800000000"},
    "channel": "window",
    "county": "海城市",
    "items": [{"code": "X", "level": "city", "materials": ["a", "b"]}],
}


def executable(name):
    path = os.path.join(BIN_DIR, name)
    if not os.access(path, os.X_OK):
        raise AssertionError("%s not found (set DAIBAN_BIN to the build's bin directory)" % path)
    return path


#   One place hands out ports, so that no two endpoints of a test collide.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daiban_harness import free_endpoint  # noqa: E402


class Broker:
    """A daiban-broker process on free ports, with a temporary data dir."""

    def __init__(self, config_text=None, extra_args=()):
        self.data = tempfile.mkdtemp(prefix="daibanctl-test-")
        options = []
        if config_text:
            path = os.path.join(self.data, "broker.cfg")
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(config_text)
            options = ["-c", path]
        self.ingress = free_endpoint()
        self.workers = free_endpoint()
        self.stream = free_endpoint()
        self.lines = []
        self.process = subprocess.Popen(
            [executable("daiban-broker")] + options +
            ["--ingress", self.ingress, "--workers", self.workers,
             "--stream", self.stream, "--data", os.path.join(self.data, "store")]
            + list(extra_args),
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        ready = threading.Event()

        def drain():
            # Keeps reading stderr to the end, so the broker never blocks on it.
            for raw in self.process.stderr:
                line = raw.decode("utf-8", "replace").rstrip("\n")
                self.lines.append(line)
                if READY_LINE in line:
                    ready.set()

        threading.Thread(target=drain, daemon=True).start()
        if not ready.wait(READY_TIMEOUT):
            self.stop()
            raise AssertionError("broker not ready within %.0f s; stderr:\n%s"
                                 % (READY_TIMEOUT, "\n".join(self.lines)))

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)     # the broker's own shutdown is not tested here
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process.stderr.close()
        shutil.rmtree(self.data, ignore_errors=True)


class Client:
    """Python's own ingress client, to check what daibanctl did."""

    def __init__(self, endpoint):
        self.context = zmq.Context()
        self.socket = self.context.socket(zmq.DEALER)
        self.socket.linger = 0
        self.socket.connect(endpoint)

    def call(self, request):
        self.socket.send_multipart([b"", msgpack.packb(request, use_bin_type=True)])
        if not self.socket.poll(10000):
            raise AssertionError("no reply from the broker to %r" % request)
        frames = self.socket.recv_multipart()
        return msgpack.unpackb(frames[-1], raw=False)

    def post_many(self, events):
        """Posts all events pipelined, then collects every reply."""
        for event in events:
            self.socket.send_multipart([b"", msgpack.packb({"op": "post", "event": event})])
        replies = []
        for _ in events:
            if not self.socket.poll(10000):
                raise AssertionError("missing post replies")
            replies.append(msgpack.unpackb(self.socket.recv_multipart()[-1], raw=False))
        return replies

    def close(self):
        self.socket.close()
        self.context.term()


def run_ctl(broker, *args, stdin=None):
    """Runs daibanctl against broker (None: no endpoint given); returns
    (exit code, stdout, stderr)."""
    command = [executable("daibanctl")]
    if broker:
        command += ["--ingress", broker.ingress, "--stream", broker.stream]
    command += list(args)
    done = subprocess.run(command, input=stdin.encode("utf-8") if stdin else None,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=RUN_TIMEOUT)
    return done.returncode, done.stdout.decode("utf-8"), done.stderr.decode("utf-8")


def wait_for(check, what, timeout=15.0):
    """Polls check() until it returns something true; returns that."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for %s" % what)
        time.sleep(0.05)


class FakeWorker:
    """A worker written here, in a thread: a DEALER on the broker's workers
    endpoint that says ready for one role, answers each dispatch with
    answer(event) -> ("done", [emits]) or ("fail", message), or holds the
    lease when answer returns None (until release_held is set: then done),
    and answers the broker's pings with pongs."""

    def __init__(self, endpoint, role, types, answer):
        self.endpoint, self.role, self.types, self.answer = endpoint, role, types, answer
        self.dispatched = []            # the events received, in order
        self.held = []                  # leases held, not answered yet
        self.release_held = False
        self.stopping = threading.Event()
        self.context = zmq.Context()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def send(self, socket_, message):
        socket_.send_multipart([b"", msgpack.packb(message, use_bin_type=True)])

    def ready(self, socket_):
        self.send(socket_, {"op": "ready", "role": self.role, "types": self.types,
                            "credit": 1})

    def on_dispatch(self, socket_, message):
        self.dispatched.append(message["event"])
        lease = message["lease"]
        reply = self.answer(message["event"])
        if reply is None:
            self.held.append(lease)
        elif reply[0] == "fail":
            self.send(socket_, {"op": "fail", "lease": lease, "message": reply[1]})
        else:
            self.send(socket_, {"op": "done", "lease": lease, "emit": reply[1], "timers": []})

    def run(self):
        socket_ = self.context.socket(zmq.DEALER)
        socket_.linger = 0
        socket_.connect(self.endpoint)
        self.ready(socket_)
        while not self.stopping.is_set():
            if self.release_held and self.held:
                for lease in self.held:
                    self.send(socket_, {"op": "done", "lease": lease, "emit": [], "timers": []})
                self.held = []
            if not socket_.poll(50):
                continue
            message = msgpack.unpackb(socket_.recv_multipart()[-1], raw=False)
            if message.get("op") == "ping":
                self.send(socket_, {"op": "pong"})
            elif message.get("op") == "dispatch":
                self.on_dispatch(socket_, message)
            elif message.get("op") == "disconnect":
                self.ready(socket_)
        socket_.close()

    def stop(self):
        self.stopping.set()
        self.thread.join(5)
        self.context.term()


class LineReader:
    """Reads a process's stdout lines in a thread, so a test can wait for
    the next line with a timeout."""

    def __init__(self, process):
        self.lines = queue.Queue()
        self.thread = threading.Thread(target=self.run, args=(process.stdout,), daemon=True)
        self.thread.start()

    def run(self, stream):
        for raw in iter(stream.readline, b""):
            self.lines.put(raw.decode("utf-8").rstrip("\n"))

    def next(self, timeout=RUN_TIMEOUT):
        try:
            return self.lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError("no output line within %.0f s" % timeout)


class DaibanctlTest(unittest.TestCase):
    broker = None
    counter = 0

    @classmethod
    def setUpClass(cls):
        cls.broker = Broker()
        cls.client = Client(cls.broker.ingress)

    @classmethod
    def tearDownClass(cls):
        cls.client.close()
        cls.broker.stop()

    def ctl(self, *args, stdin=None, broker=True):
        """Runs daibanctl; returns (exit code, stdout, stderr)."""
        command = [executable("daibanctl")]
        if broker:
            command += ["--ingress", self.broker.ingress, "--stream", self.broker.stream]
        command += list(args)
        done = subprocess.run(command, input=stdin.encode("utf-8") if stdin else None,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              timeout=RUN_TIMEOUT)
        return done.returncode, done.stdout.decode("utf-8"), done.stderr.decode("utf-8")

    def new_case(self):
        DaibanctlTest.counter += 1
        return "CTL-%d-%d" % (os.getpid(), DaibanctlTest.counter)

    def register(self, case_id, **extra):
        body = dict(REGISTRATION, **extra)
        code, out, err = self.ctl("post", "--type", "case.registered", "--case", case_id,
                                  "--body", json.dumps(body, ensure_ascii=False))
        self.assertEqual(code, 0, err)
        return int(out.strip())

    def last_seq(self):
        return self.client.call({"op": "history", "from": 1, "limit": 1})["last"]

    def worklog(self, case_id, note):
        code, out, err = self.ctl("post", "--type", "worklog.added", "--case", case_id,
                                  "--body", json.dumps({"agent": "A01", "note": note}))
        self.assertEqual(code, 0, err)
        return int(out.strip())

    # -- no broker needed ---------------------------------------------------

    def test_selftest(self):
        code, out, err = self.ctl("selftest", broker=False)
        self.assertEqual(code, 0, err)
        self.assertIn("selftest: OK", out)

    def test_help_names_every_command(self):
        code, out, _ = self.ctl("help", broker=False)
        self.assertEqual(code, 0)
        for command in ("post", "watch", "case", "cases", "history", "stats", "catalog",
                        "alerts", "ack", "export", "raw", "--count", "--from", "deadletters",
                        "retry", "due", "workdays", "--follow", "--role", "--overdue", "--days"):
            self.assertIn(command, out)

    def test_usage_errors_exit_2(self):
        for args in (["post", "--type", "worklog.added", "--case", "A", "--body", "{bad"],
                     ["post", "--type", "worklog.added", "--case", "A", "--body", "[1]"],
                     ["post", "--case", "A", "--body", "{}"],
                     ["post", "--type", "t", "--case", "A", "--nope"],
                     ["history", "--from", "x"],
                     ["watch", "--count", "0"],
                     ["raw", "{\"op\":"],
                     ["frobnicate"],
                     []):
            code, out, err = self.ctl(*args)
            self.assertEqual(code, 2, "%r: %s" % (args, err))
            self.assertTrue(err.startswith("daibanctl: "), err)
            self.assertEqual(out, "")
        code, _, err = self.ctl("--bogus", "stats", broker=False)
        self.assertEqual(code, 2, err)

    def test_no_broker_exits_3_within_the_timeout(self):
        endpoint = free_endpoint()      # nothing listens there
        for args in (["stats"], ["post", "--type", "worklog.added", "--case", "A"],
                     ["watch", "--count", "1"], ["alerts"], ["alerts", "--follow"],
                     ["deadletters"], ["retry", "intake", "1"]):
            started = time.monotonic()
            code, out, err = self.ctl("--ingress", endpoint, "--stream", free_endpoint(),
                                      "--timeout", "400", *args, broker=False)
            elapsed = time.monotonic() - started
            self.assertEqual(code, 3, err)
            self.assertIn("daibanctl: no reply from %s within 400 ms" % endpoint, err)
            self.assertLess(elapsed, 5.0)
        # The default timeout is 5000 ms.
        code, _, err = self.ctl("--ingress", endpoint, "stats", broker=False)
        self.assertEqual(code, 3)
        self.assertIn("within 5000 ms", err)

    # -- post ----------------------------------------------------------------

    def test_post_prints_seq_and_duplicate(self):
        case_id = self.new_case()
        body = json.dumps(REGISTRATION, ensure_ascii=False)
        args = ["post", "--type", "case.registered", "--case", case_id, "--id", "fixed-1",
                "--source", "window-3", "--at", "1795000000000", "--body", body]
        code, out, err = self.ctl(*args)
        self.assertEqual(code, 0, err)
        seq = int(out.strip())
        code, out, err = self.ctl(*args)
        self.assertEqual(code, 0, err)
        self.assertEqual(out.strip(), "%d (duplicate)" % seq)
        event = self.client.call({"op": "history", "from": seq, "limit": 1})["events"][0]
        self.assertEqual(event["id"], "fixed-1")
        self.assertEqual(event["source"], "window-3")
        self.assertEqual(event["at"], 1795000000000)
        self.assertEqual(event["body"]["project"], "鞍山某新材料产业园项目")

    def test_post_defaults_and_types(self):
        case_id = self.new_case()
        seq = self.register(case_id, extra={"n": 5, "r": 1.5, "t": True, "f": False,
                                            "z": None, "big": 9007199254740993})
        event = self.client.call({"op": "history", "from": seq, "limit": 1})["events"][0]
        extra = event["body"]["extra"]
        self.assertIs(type(extra["n"]), int)
        self.assertEqual(extra["n"], 5)
        self.assertIs(type(extra["r"]), float)
        self.assertIs(extra["t"], True)
        self.assertIs(extra["f"], False)
        self.assertIsNone(extra["z"])
        self.assertEqual(extra["big"], 9007199254740993)
        self.assertEqual(event["source"], "daibanctl@" + socket.gethostname())
        # Two posts get two different fresh ids.
        second = self.worklog(case_id, "one")
        third = self.worklog(case_id, "two")
        events = self.client.call({"op": "history", "from": second, "limit": 2})["events"]
        self.assertEqual([e["seq"] for e in events], [second, third])
        self.assertNotEqual(events[0]["id"], events[1]["id"])

    def test_post_body_from_stdin_and_file(self):
        case_id = self.new_case()
        body = json.dumps(REGISTRATION, ensure_ascii=False)
        code, out, err = self.ctl("post", "--type", "case.registered", "--case", case_id,
                                  "--body", "-", stdin=body)
        self.assertEqual(code, 0, err)
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False,
                                         encoding="utf-8") as handle:
            json.dump({"agent": "A02", "note": "来自文件"}, handle, ensure_ascii=False)
        try:
            code, out, err = self.ctl("post", "--type", "worklog.added", "--case", case_id,
                                      "--body-file", handle.name)
        finally:
            os.unlink(handle.name)
        self.assertEqual(code, 0, err)
        event = self.client.call({"op": "history", "from": int(out), "limit": 1})["events"][0]
        self.assertEqual(event["body"]["note"], "来自文件")

    def test_broker_errors_exit_1(self):
        case_id = self.new_case()
        self.register(case_id)
        code, out, err = self.ctl("post", "--type", "case.registered", "--case", case_id,
                                  "--body", json.dumps(REGISTRATION))
        self.assertEqual(code, 1)
        self.assertTrue(err.startswith("daibanctl: conflict: "), err)
        self.assertEqual(out, "")
        code, _, err = self.ctl("post", "--type", "no.such.type", "--case", case_id)
        self.assertEqual(code, 1)
        self.assertTrue(err.startswith("daibanctl: unknown_type: "), err)
        code, _, err = self.ctl("case", "NEVER-REGISTERED-1")
        self.assertEqual(code, 1)
        self.assertTrue(err.startswith("daibanctl: not_found: "), err)
        code, _, err = self.ctl("ack", "ALERT-1", "--case", "NEVER-REGISTERED-2")
        self.assertEqual(code, 1)
        self.assertTrue(err.startswith("daibanctl: not_found: "), err)

    # -- queries ---------------------------------------------------------------

    def test_case_readable_and_json(self):
        case_id = self.new_case()
        self.register(case_id)
        code, out, err = self.ctl("case", case_id, "--json")
        self.assertEqual(code, 0, err)
        state = json.loads(out)
        self.assertEqual(state["case"], case_id)
        self.assertEqual(state["project"], "鞍山某新材料产业园项目")
        self.assertEqual([item["code"] for item in state["items"]], ["X"])
        code, out, err = self.ctl("case", case_id)
        self.assertEqual(code, 0, err)
        self.assertIn(case_id, out)
        self.assertIn("鞍山某新材料有限公司", out)
        self.assertIn("items (1):", out)
        self.assertRegex(out, r"\n  X +%s" % state["items"][0]["status"])
        self.assertIn("alerts (0):", out)

    def test_cases(self):
        case_id = self.new_case()
        self.register(case_id)
        code, out, err = self.ctl("cases", "--json", "--status", "registered")
        self.assertEqual(code, 0, err)
        summaries = [json.loads(line) for line in out.splitlines()]
        self.assertIn(case_id, [s["case"] for s in summaries])
        self.assertTrue(all(s["status"] == "registered" for s in summaries))
        code, out, err = self.ctl("cases")
        self.assertEqual(code, 0, err)
        self.assertIn(case_id, out)

    def test_cases_past_one_page(self):
        """daibanctl pages through `cases` (1,000 a request): every case
        once, in id order, and --limit across pages."""
        prefix = "MANY-%d-" % os.getpid()
        cases = ["%s%04d" % (prefix, number) for number in range(1030)]
        events = [{"id": "many-%s" % case, "type": "case.registered", "case": case,
                   "source": "window-3", "body": REGISTRATION} for case in cases]
        for reply in self.client.post_many(events):
            self.assertIs(reply.get("ok"), True, reply)
        code, out, err = self.ctl("cases", "--json")
        self.assertEqual(code, 0, err)
        listed = [json.loads(line)["case"] for line in out.splitlines()]
        self.assertEqual(len(listed), len(set(listed)))
        self.assertEqual([case for case in listed if case.startswith(prefix)], cases)
        code, out, err = self.ctl("cases", "--json", "--limit", "1010")
        self.assertEqual(code, 0, err)
        self.assertEqual(len(out.splitlines()), 1010)

    def test_history_json_and_readable(self):
        case_id = self.new_case()
        first = self.register(case_id)
        seqs = [first] + [self.worklog(case_id, "第%d条" % n) for n in range(3)]
        code, out, err = self.ctl("history", "--case", case_id, "--json")
        self.assertEqual(code, 0, err)
        events = [json.loads(line) for line in out.splitlines()]
        self.assertEqual([e["seq"] for e in events], seqs)
        self.assertEqual(events[2]["body"]["note"], "第1条")
        code, out, err = self.ctl("history", "--case", case_id, "--prefix", "worklog.",
                                  "--from", str(seqs[2]), "--limit", "1", "--json")
        self.assertEqual(code, 0, err)
        self.assertEqual([json.loads(line)["seq"] for line in out.splitlines()], [seqs[2]])
        code, out, err = self.ctl("history", "--case", case_id)
        self.assertEqual(code, 0, err)
        lines = out.splitlines()
        self.assertEqual(len(lines), 5)
        self.assertRegex(lines[0], r"^ *%d  \d{4}-\d\d-\d\d \d\d:\d\d:\d\d  case\.registered +%s"
                         % (first, case_id))
        self.assertIn("note=第2条", lines[3])
        self.assertRegex(lines[4], r"^-- next \d+, last \d+$")

    def test_export(self):
        case_id = self.new_case()
        seqs = [self.register(case_id), self.worklog(case_id, "a")]
        code, out, err = self.ctl("export", case_id)
        self.assertEqual(code, 0, err)
        exported = json.loads(out)
        self.assertEqual(exported["case"]["case"], case_id)
        self.assertEqual([e["seq"] for e in exported["events"]], seqs)

    def test_stats_catalog_raw(self):
        code, out, err = self.ctl("stats", "--json")
        self.assertEqual(code, 0, err)
        self.assertTrue(json.loads(out)["ok"])
        code, out, err = self.ctl("catalog", "--json")
        self.assertEqual(code, 0, err)
        catalog = json.loads(out)
        self.assertTrue(catalog["items"] and all("code" in item for item in catalog["items"]))
        code, out, err = self.ctl("catalog")
        self.assertEqual(code, 0, err)
        self.assertIn(catalog["items"][0]["code"], out)
        code, out, err = self.ctl("raw", '{"op":"history","from":1,"limit":1,"rid":"r-7"}')
        self.assertEqual(code, 0, err)
        reply = json.loads(out)
        self.assertTrue(reply["ok"])
        self.assertEqual(reply["rid"], "r-7")
        code, out, err = self.ctl("raw", '{"op":"no-such-op"}')
        self.assertEqual(code, 1)
        self.assertEqual(json.loads(out)["error"]["code"], "bad_request")
        self.assertTrue(err.startswith("daibanctl: bad_request: "), err)

    # -- watch -------------------------------------------------------------------

    def watch(self, *args):
        """Starts daibanctl watch; returns the process."""
        return subprocess.Popen(
            [executable("daibanctl"), "--ingress", self.broker.ingress,
             "--stream", self.broker.stream, "watch"] + list(args),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def finish(self, process):
        try:
            out, err = process.communicate(timeout=RUN_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            out, err = process.communicate()
            self.fail("watch did not end: %s / %s" % (out, err))
        return process.returncode, out.decode("utf-8"), err.decode("utf-8")

    def test_watch_live_end_skips_the_past(self):
        case_id = self.new_case()
        self.register(case_id)
        process = self.watch("--case", case_id, "--count", "2", "--json")
        time.sleep(1.5)         # let it find the live end before posting
        seqs = [self.worklog(case_id, "after %d" % n) for n in range(2)]
        code, out, err = self.finish(process)
        self.assertEqual(code, 0, err)
        self.assertEqual([json.loads(line)["seq"] for line in out.splitlines()], seqs)

    def test_watch_from_replays_then_follows(self):
        case_id = self.new_case()
        seqs = [self.register(case_id), self.worklog(case_id, "before")]
        process = self.watch("--from", "1", "--case", case_id, "--count", "3")
        seqs.append(self.worklog(case_id, "during"))
        code, out, err = self.finish(process)
        self.assertEqual(code, 0, err)
        lines = out.splitlines()
        self.assertEqual([int(line.split()[0]) for line in lines], seqs)
        self.assertIn("鞍山某新材料产业园项目", lines[0])
        self.assertIn("note=during", lines[2])

    def test_watch_prefix_fills_gaps(self):
        case_id = self.new_case()
        self.register(case_id)
        start = self.last_seq() + 1
        process = self.watch("--from", str(start), "--prefix", "item.", "--case", case_id,
                             "--count", "2", "--json")
        expected = []
        for n in range(2):
            self.worklog(case_id, "noise %d" % n)
            code, out, err = self.ctl("post", "--type", "item.progress", "--case", case_id,
                                      "--body", json.dumps({"item": "X", "note": "n%d" % n}))
            self.assertEqual(code, 0, err)
            expected.append(int(out))
        code, out, err = self.finish(process)
        self.assertEqual(code, 0, err)
        events = [json.loads(line) for line in out.splitlines()]
        self.assertEqual([e["seq"] for e in events], expected)
        self.assertTrue(all(e["type"] == "item.progress" for e in events))

    def test_watch_burst_no_gap_no_duplicate(self):
        case_id = self.new_case()
        self.register(case_id)
        start = self.last_seq() + 1
        total = 400
        process = self.watch("--from", str(start), "--case", case_id, "--count", str(total),
                             "--json")
        events = [{"type": "worklog.added", "case": case_id, "source": "burst",
                   "id": "%s-%d" % (case_id, n), "body": {"agent": "A01", "note": str(n)}}
                  for n in range(total)]
        replies = self.client.post_many(events)
        self.assertTrue(all(reply["ok"] for reply in replies), replies[:3])
        code, out, err = self.finish(process)
        self.assertEqual(code, 0, err)
        seqs = [json.loads(line)["seq"] for line in out.splitlines()]
        self.assertEqual(seqs, list(range(start, start + total)))


class WatchDropTest(unittest.TestCase):
    """A broker whose stream queues only 5 events per subscriber, and a
    watch that is stopped (SIGSTOP) while 12 MB of events are committed:
    the stream drops most of them, and watch must fill every gap from
    history, printing each event exactly once and in order."""

    def test_drops_are_filled_from_history(self):
        broker = Broker("broker\n    stream_hwm = 5\n")
        client = Client(broker.ingress)
        process = None
        try:
            registration = {"type": "case.registered", "case": "DROP-1", "source": "t",
                            "id": "r", "body": REGISTRATION}
            self.assertTrue(client.post_many([registration])[0]["ok"])
            start = client.call({"op": "history", "from": 1, "limit": 1})["last"] + 1
            total = 3000
            process = subprocess.Popen(
                [executable("daibanctl"), "-v", "--ingress", broker.ingress,
                 "--stream", broker.stream, "watch", "--from", str(start),
                 "--count", str(total), "--json"],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            time.sleep(0.5)     # subscribed and caught up: now it only reads the stream
            process.send_signal(signal.SIGSTOP)
            note = "x" * 4000   # 3000 x 4 KB: more than the kernel's socket buffers
            events = [{"type": "worklog.added", "case": "DROP-1", "source": "burst",
                       "id": str(n), "body": {"agent": "A01", "note": note}}
                      for n in range(total)]
            for first in range(0, total, 500):
                replies = client.post_many(events[first:first + 500])
                self.assertTrue(all(reply["ok"] for reply in replies))
            process.send_signal(signal.SIGCONT)
            out, err = process.communicate(timeout=RUN_TIMEOUT * 2)
            self.assertEqual(process.returncode, 0, err[-2000:])
            seqs = [json.loads(line)["seq"] for line in out.decode("utf-8").splitlines()]
            self.assertEqual(seqs, list(range(start, start + total)))
            # The stream dropped events (a gap, or a silent tail found by the
            # idle check): what watch printed came partly from history.
            log = err.decode("utf-8")
            recoveries = log.count("filling from history") + log.count("stream silent")
            self.assertGreater(recoveries, 0,
                               "the stream dropped nothing: the recovery was not tested")
        finally:
            if process and process.poll() is None:
                process.send_signal(signal.SIGCONT)
                process.kill()
                process.communicate()
            client.close()
            broker.stop()


class CalendarCommandsTest(unittest.TestCase):
    """`due` and `workdays` on the holiday calendar, offline."""

    def ctl(self, *args):
        return run_ctl(None, *args)

    def due(self, *args):
        code, out, err = self.ctl("due", *args)
        self.assertEqual(code, 0, err)
        self.assertEqual(err, "")
        return out.rstrip("\n")

    def workdays(self, start, end):
        code, out, err = self.ctl("workdays", start, end)
        self.assertEqual(code, 0, err)
        return out.rstrip("\n")

    def test_domain_examples(self):
        # DOMAIN.md §7: the start never counts; make-up days count.
        self.assertEqual(self.due("2025-09-29", "2"), "2025-10-09")    # 8-day National Day
        self.assertEqual(self.due("2026-02-12", "3"), "2026-02-24")    # make-up Sat 02-14
        self.assertEqual(self.due("2025-12-30", "2"), "2026-01-04")    # make-up Sunday
        self.assertEqual(self.due("2024-05-06", "20"), "2024-05-31")   # make-up Sat 05-11
        self.assertEqual(self.due("2025-10-09", "0"), "2025-10-09")
        self.assertEqual(self.workdays("2025-09-29", "2025-10-09"), "2")
        self.assertEqual(self.workdays("2026-02-12", "2026-02-24"), "3")
        self.assertEqual(self.workdays("2025-12-30", "2026-01-04"), "2")
        self.assertEqual(self.workdays("2024-05-06", "2024-05-31"), "20")
        self.assertEqual(self.workdays("2025-10-09", "2025-10-09"), "0")
        self.assertEqual(self.workdays("2025-10-09", "2025-09-29"), "0")
        # The two commands agree: N working days after D, then counted back.
        for start, days in (("2026-01-30", 7), ("2025-04-30", 1), ("2026-09-25", 12)):
            end = self.due(start, str(days))
            self.assertEqual(self.workdays(start, end), str(days), (start, days, end))

    def test_calendar_days(self):
        self.assertEqual(self.due("2025-09-01", "3", "--days"), "2025-09-04")  # a Thursday
        # 2025-10-02 is in the National Day break: moved to 10-09.
        self.assertEqual(self.due("2025-09-29", "3", "--days"), "2025-10-09")
        # Sunday 2025-09-28 is a make-up working day: kept.
        self.assertEqual(self.due("2025-09-25", "3", "--days"), "2025-09-28")
        # A Saturday that is not one moves to Monday.
        self.assertEqual(self.due("2025-11-12", "3", "--days"), "2025-11-17")

    def test_provisional_past_the_calendar(self):
        # 2026-12-28 (Mon) + 5: no 2027 notice, so weekends only: Mon 01-04.
        self.assertEqual(self.due("2026-12-28", "5"),
                         "2027-01-04 (provisional: past the known calendar)")
        self.assertEqual(self.due("2026-12-22", "3"), "2026-12-25")    # within 2026: firm
        self.assertEqual(self.workdays("2026-12-28", "2027-01-04"),
                         "5 (provisional: past the known calendar)")
        code, out, err = self.ctl("due", "2026-12-28", "5", "--json")
        self.assertEqual(code, 0, err)
        self.assertEqual(json.loads(out), {"from": "2026-12-28", "days": 5,
                                           "unit": "working_days", "due": "2027-01-04",
                                           "provisional": True})
        code, out, err = self.ctl("workdays", "2025-09-29", "2025-10-09", "--json")
        self.assertEqual(code, 0, err)
        self.assertEqual(json.loads(out), {"from": "2025-09-29", "to": "2025-10-09",
                                           "working_days": 2, "provisional": False})

    def test_calendar_dir_of_the_config(self):
        # A 2027 file given by -c's calendar/dir: 2027-01-01 off, nothing provisional.
        folder = tempfile.mkdtemp(prefix="daibanctl-calendar-")
        try:
            calendar = os.path.join(folder, "calendar")
            os.mkdir(calendar)
            with open(os.path.join(calendar, "2027.cfg"), "w", encoding="utf-8") as handle:
                handle.write('year = 2027\nholiday = "元旦"\n    2027-01-01 = off\n')
            config = os.path.join(folder, "daiban.cfg")
            with open(config, "w", encoding="utf-8") as handle:
                handle.write("calendar\n    dir = %s\n" % calendar)
            code, out, err = self.ctl("-c", config, "due", "2026-12-28", "5")
            self.assertEqual((code, out, err), (0, "2027-01-05\n", ""))
            # A calendar file that does not load is the user's to fix: exit 2.
            with open(os.path.join(calendar, "2028.cfg"), "w", encoding="utf-8") as handle:
                handle.write("year = 2028\nholiday = \"x\"\n    2028-01-03 = work\n")
            code, out, err = self.ctl("-c", config, "workdays", "2026-12-28", "2027-01-05")
            self.assertEqual((code, out), (2, ""), err)
            self.assertIn("2028", err)
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def test_bad_arguments_exit_2(self):
        for args, named in ((["due", "2025-02-30", "2"], "DATE"),
                            (["due", "2025-9-29", "2"], "DATE"),
                            (["due", "2025-09-29", "two"], "N"),
                            (["due", "2025-09-29", "99999999"], "N"),
                            (["workdays", "yesterday", "2025-10-09"], "FROM"),
                            (["workdays", "2025-09-29", "2025-10-32"], "TO")):
            code, out, err = self.ctl(*args)
            self.assertEqual(code, 2, "%r: %s" % (args, err))
            self.assertTrue(err.startswith("daibanctl: %s: " % named), err)
            self.assertIn(args[1] if named in ("DATE", "FROM") else args[2], err)
            self.assertEqual(out, "")
        for args in (["due", "2025-09-29"], ["workdays", "2025-09-29"], ["due"],
                     ["due", "2025-09-29", "2", "--nope"]):
            code, _, err = self.ctl(*args)
            self.assertEqual(code, 2, "%r: %s" % (args, err))

    def test_offline_never_connects(self):
        # A listener where the ingress and the stream would be: nothing may
        # connect to it, and no broker runs at all.
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
            listener.bind(("127.0.0.1", 0))
            listener.listen(8)
            listener.settimeout(0.5)
            endpoint = "tcp://127.0.0.1:%d" % listener.getsockname()[1]
            for args in (["due", "2025-09-29", "2"], ["workdays", "2025-09-29", "2025-10-09"]):
                code, out, err = self.ctl("--ingress", endpoint, "--stream", endpoint,
                                          "--timeout", "100", *args)
                self.assertEqual(code, 0, err)
                self.assertIn(out.split()[0], ("2025-10-09", "2"))
            with self.assertRaises(socket.timeout):
                listener.accept()


class DeadLetterTest(unittest.TestCase):
    """`deadletters` and `retry` with an intake worker that fails every
    event (max_attempts 2), then holds one, then succeeds."""

    @classmethod
    def setUpClass(cls):
        cls.broker = Broker("workers\n    max_attempts = 2\n    heartbeat_ms = 200\n")
        cls.mode = "fail"

        def answer(event):
            if cls.mode == "fail":
                return ("fail", "intake test: cannot plan %s" % event["case"])
            return None if cls.mode == "hold" else ("done", [])

        cls.worker = FakeWorker(cls.broker.workers, "intake", ["case.registered"], answer)

    @classmethod
    def tearDownClass(cls):
        cls.worker.stop()
        cls.broker.stop()

    def ctl(self, *args):
        return run_ctl(self.broker, *args)

    def listed(self, *args):
        code, out, err = self.ctl("deadletters", "--json", *args)
        self.assertEqual(code, 0, err)
        return [json.loads(line) for line in out.splitlines()]

    def test_list_retry_and_errors(self):
        code, out, err = self.ctl("post", "--type", "case.registered", "--case", "DL-1",
                                  "--body", json.dumps(REGISTRATION, ensure_ascii=False))
        self.assertEqual(code, 0, err)
        seq = int(out)
        letter = wait_for(lambda: [d for d in self.listed() if d["seq"] == seq],
                          "the dead letter")[0]
        self.assertEqual(len(self.worker.dispatched), 2)        # max_attempts
        self.assertEqual((letter["role"], letter["case"], letter["attempts"], letter["status"]),
                         ("intake", "DL-1", 2, "dead"))
        self.assertEqual(letter["message"], "intake test: cannot plan DL-1")
        self.assertIsInstance(letter["at"], int)
        code, out, err = self.ctl("deadletters")
        self.assertEqual(code, 0, err)
        self.assertRegex(out, r"^intake +seq %d +case DL-1 +attempts 2 +dead +"
                              r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d  intake test: cannot plan DL-1\n$"
                         % seq)
        self.assertEqual(len(self.listed("--role", "intake")), 1)
        self.assertEqual(self.listed("--role", "transfer"), [])

        # Retried while the worker holds it: "retrying", and a second retry conflicts.
        DeadLetterTest.mode = "hold"
        code, out, err = self.ctl("retry", "intake", str(seq))
        self.assertEqual((code, err), (0, ""))
        self.assertEqual(out, "event %d queued again for role intake "
                              "(it shows as retrying until done)\n" % seq)
        wait_for(lambda: len(self.worker.held) == 1, "the retried dispatch")
        self.assertEqual(self.worker.dispatched[-1]["seq"], seq)
        self.assertEqual(self.listed()[0]["status"], "retrying")
        code, out, err = self.ctl("retry", "intake", str(seq))
        self.assertEqual((code, out), (1, ""))
        self.assertEqual(err, "daibanctl: conflict: dead letter %d is already being retried\n"
                         % seq)

        # Done at last: the dead letter is gone, and retrying it is not_found.
        DeadLetterTest.mode = "done"
        self.worker.release_held = True
        wait_for(lambda: self.listed() == [], "the dead letter to go")
        code, out, err = self.ctl("retry", "intake", str(seq))
        self.assertEqual((code, out), (1, ""))
        self.assertEqual(err, "daibanctl: not_found: no dead letter %d for role intake\n" % seq)
        code, _, err = self.ctl("retry", "nosuchrole", "1")
        self.assertEqual(code, 1)
        self.assertTrue(err.startswith("daibanctl: not_found: "), err)
        for args in (["retry", "intake"], ["retry", "intake", "0"], ["retry", "intake", "x"],
                     ["retry", "intake", "-1"], ["deadletters", "extra"]):
            code, out, err = self.ctl(*args)
            self.assertEqual((code, out), (2, ""), "%r: %s" % (args, err))


def alert_answer():
    """What the alert-raising worker of the tests below answers: a worklog
    note "raise L<level> <item>" makes it emit alert.raised for that item,
    "close" makes it emit case.closed, anything else nothing."""
    raised = {}

    def answer(event):
        words = event["body"]["note"].split()
        if words == ["close"]:
            return ("done", [{"type": "case.closed", "case": event["case"], "body": {}}])
        if len(words) != 3 or words[0] != "raise":
            return ("done", [])
        level, item = int(words[1][1:]), words[2]
        alert = "%s/%s/L%d" % (event["case"], item, level)
        body = {"alert": alert,
                "to": "专班组长" if level == 1 else "市政府", "level": level,
                "item": item, "summary": "案件 %s 事项 %s 已超期，请处理。" % (event["case"], item)}
        # Raising an alert again is a repeat (the broker refuses a
        # second first raise); a redispatch of the same event must
        # give the same answer, so count by the event's seq.
        raised.setdefault(alert, [])
        if event["seq"] not in raised[alert]:
            raised[alert].append(event["seq"])
        repeat = raised[alert].index(event["seq"])
        if repeat:
            body["repeat"] = repeat
        return ("done", [{"type": "alert.raised", "case": event["case"], "body": body}])

    return answer


class AlertWorkerBroker:
    """A broker and an alert-raising worker written here (alert_answer),
    for the alert test classes below, with their helpers."""

    @classmethod
    def setUpClass(cls):
        cls.broker = Broker()
        cls.client = Client(cls.broker.ingress)
        cls.worker = FakeWorker(cls.broker.workers, "escalation", ["worklog.added"],
                                alert_answer())

    @classmethod
    def tearDownClass(cls):
        cls.worker.stop()
        cls.client.close()
        cls.broker.stop()

    def ctl(self, *args):
        return run_ctl(self.broker, *args)

    def alert_count(self):
        reply = self.client.call({"op": "history", "from": 1, "prefix": "alert.raised"})
        return len(reply["events"])

    def raise_alerts(self, case_id, *notes):
        """Posts one worklog per note and waits for the alerts they raise."""
        expected = self.alert_count() + sum(1 for note in notes if note.startswith("raise"))
        for note in notes:
            code, _, err = self.ctl("post", "--type", "worklog.added", "--case", case_id,
                                    "--body", json.dumps({"agent": "A01", "note": note}))
            self.assertEqual(code, 0, err)
        wait_for(lambda: self.alert_count() >= expected, "the alerts to be raised")

    def listed(self, *args):
        code, out, err = self.ctl("alerts", "--json", *args)
        self.assertEqual(code, 0, err)
        return [json.loads(line) for line in out.splitlines()]


class AlertsTest(AlertWorkerBroker, unittest.TestCase):
    """`alerts` on alerts raised by a worker written here: a worklog note
    "raise L<level> <item>" makes it emit alert.raised for that item. The
    list is folded from the log; it must equal the alerts of the case
    states, which the broker folds itself."""

    def test_list_filters_ack_and_follow(self):
        for case_id in ("ALERT-A", "ALERT-B"):
            code, _, err = self.ctl("post", "--type", "case.registered", "--case", case_id,
                                    "--body", json.dumps(REGISTRATION, ensure_ascii=False))
            self.assertEqual(code, 0, err)
        self.raise_alerts("ALERT-A", "raise L1 S1-01", "nothing to raise", "raise L2 S1-02",
                          "raise L1 S1-01")
        self.raise_alerts("ALERT-B", "raise L1 S1-05")
        alerts = self.listed()
        self.assertEqual([(a["alert"], a["repeat"]) for a in alerts],
                         [("ALERT-A/S1-01/L1", 1), ("ALERT-A/S1-02/L2", 0),
                          ("ALERT-B/S1-05/L1", 0)])
        # The fold of the log is what the broker holds in each case's state.
        for case_id in ("ALERT-A", "ALERT-B"):
            state = self.client.call({"op": "case", "case": case_id})["case"]
            folded = [dict((k, v) for k, v in a.items() if k != "case")
                      for a in alerts if a["case"] == case_id]
            self.assertEqual(folded, state["alerts"])
        code, out, err = self.ctl("alerts")
        self.assertEqual(code, 0, err)
        lines = out.splitlines()
        self.assertEqual(len(lines), 3)
        self.assertRegex(lines[0], r"^ALERT-A/S1-01/L1 +level 1 +OPEN +to 专班组长 +case ALERT-A +"
                                   r"item S1-01 +repeat 1 +raised \d{4}-\d\d-\d\d \d\d:\d\d:\d\d  "
                                   r"案件 ALERT-A 事项 S1-01 已超期，请处理。$")
        self.assertIn("to 市政府", lines[1])

        # Filters: --role on the alert's "to", --case; an unknown case is an error.
        self.assertEqual([a["alert"] for a in self.listed("--role", "市政府")],
                         ["ALERT-A/S1-02/L2"])
        self.assertEqual([a["alert"] for a in self.listed("--case", "ALERT-B")],
                         ["ALERT-B/S1-05/L1"])
        self.assertEqual(self.listed("--role", "nobody"), [])
        code, _, err = self.ctl("alerts", "--case", "NEVER-REGISTERED-3")
        self.assertEqual(code, 1)
        self.assertTrue(err.startswith("daibanctl: not_found: "), err)

        # Acknowledged: gone from the list, shown by --all.
        code, _, err = self.ctl("ack", "ALERT-A/S1-01/L1", "--case", "ALERT-A", "--by", "张组长")
        self.assertEqual(code, 0, err)
        self.assertEqual([a["alert"] for a in self.listed()],
                         ["ALERT-A/S1-02/L2", "ALERT-B/S1-05/L1"])
        everything = self.listed("--all")
        self.assertEqual(len(everything), 3)
        self.assertEqual((everything[0]["acknowledged"], everything[0]["acknowledged_by"]),
                         (True, "张组长"))
        code, out, err = self.ctl("alerts", "--all", "--case", "ALERT-A")
        self.assertEqual(code, 0, err)
        self.assertRegex(out.splitlines()[0], r"^ALERT-A/S1-01/L1 +level 1 +acknowledged by 张组长 ")

        # --follow: the list first, then each new raising to the role, live.
        process = subprocess.Popen(
            [executable("daibanctl"), "--ingress", self.broker.ingress,
             "--stream", self.broker.stream, "alerts", "--role", "专班组长", "--follow",
             "--count", "2", "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            reader = LineReader(process)
            self.assertEqual(json.loads(reader.next())["alert"], "ALERT-B/S1-05/L1")
            self.raise_alerts("ALERT-A", "raise L2 S1-09", "raise L1 S1-07", "raise L1 S1-07")
            live = [json.loads(reader.next()) for _ in range(2)]
            self.assertEqual(process.wait(RUN_TIMEOUT), 0, process.stderr.read())
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
            process.stdout.close()
            process.stderr.close()
        self.assertEqual([(a["alert"], a["repeat"], a["to"]) for a in live],
                         [("ALERT-A/S1-07/L1", 0, "专班组长"), ("ALERT-A/S1-07/L1", 1, "专班组长")])
        self.assertLessEqual(live[0]["raised_at"], live[1]["raised_at"])

    def test_follow_ends_on_sigterm_and_usage(self):
        process = subprocess.Popen(
            [executable("daibanctl"), "--ingress", self.broker.ingress,
             "--stream", self.broker.stream, "alerts", "--follow"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(1.0)
        process.send_signal(signal.SIGTERM)
        try:
            _, err = process.communicate(timeout=RUN_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            self.fail("alerts --follow did not end on SIGTERM")
        self.assertEqual(process.returncode, 0, err)
        for args in (["alerts", "--count", "1"], ["alerts", "--follow", "--count", "0"],
                     ["alerts", "extra"], ["alerts", "--role"]):
            code, out, err = self.ctl(*args)
            self.assertEqual((code, out), (2, ""), "%r: %s" % (args, err))



class AlertOnClosedCaseTest(AlertWorkerBroker, unittest.TestCase):
    """An alert still open when its case closes can be acknowledged (once);
    the closed case refuses other changes."""

    def test_ack_after_the_case_closed(self):
        code, _, err = self.ctl("post", "--type", "case.registered", "--case", "ALERT-C",
                                "--body", json.dumps(REGISTRATION, ensure_ascii=False))
        self.assertEqual(code, 0, err)
        self.raise_alerts("ALERT-C", "raise L1 S1-03")
        code, _, err = self.ctl("post", "--type", "worklog.added", "--case", "ALERT-C",
                                "--body", json.dumps({"agent": "A01", "note": "close"}))
        self.assertEqual(code, 0, err)
        wait_for(lambda: self.client.call({"op": "case", "case": "ALERT-C"})["case"]["status"]
                 == "closed", "the case to close")
        self.assertEqual([a["alert"] for a in self.listed("--case", "ALERT-C")],
                         ["ALERT-C/S1-03/L1"])
        # The alert raised before the case closed can still be acknowledged.
        code, _, err = self.ctl("ack", "ALERT-C/S1-03/L1", "--case", "ALERT-C", "--by", "督查科")
        self.assertEqual(code, 0, err)
        self.assertEqual(self.listed("--case", "ALERT-C"), [])
        state = self.client.call({"op": "case", "case": "ALERT-C"})["case"]
        self.assertEqual(state["status"], "closed")
        self.assertEqual(state["alerts"][0]["acknowledged_by"], "督查科")
        # Once only; and the closed case still refuses other changes.
        code, _, err = self.ctl("ack", "ALERT-C/S1-03/L1", "--case", "ALERT-C", "--by", "x")
        self.assertEqual(code, 1)
        self.assertIn("conflict", err)
        code, _, err = self.ctl("post", "--type", "problem.reported", "--case", "ALERT-C",
                                "--body", json.dumps({"kind": "general", "description": "x"}))
        self.assertEqual(code, 1)
        self.assertIn("closed", err)

class CaseViewTest(unittest.TestCase):
    """The readable `case` view on a real workflow: broker on a test clock
    plus the intake, transfer and deadline workers. It shows working days
    left while an item is due, and working days over once it is overdue,
    counted from the broker's (test) clock; `cases --overdue` lists the
    case only then."""

    def overdue_cases(self, ctl):
        done = subprocess.run(ctl + ["cases", "--overdue", "--json"], capture_output=True,
                              timeout=RUN_TIMEOUT)
        self.assertEqual(done.returncode, 0, done.stderr)
        summaries = [json.loads(line) for line in done.stdout.splitlines()]
        self.assertTrue(all(summary["overdue"] is True for summary in summaries), summaries)
        return [summary["case"] for summary in summaries]

    def test_days_left_then_over(self):
        # 2026-11-26 10:00 CST, a Thursday.
        broker = Broker(extra_args=["--test-clock", "1795658400000"])
        workers = [subprocess.Popen([executable("daiban-" + role), "--broker", broker.workers],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                   for role in ("intake", "transfer", "deadline")]
        client = Client(broker.ingress)
        try:
            ctl = [executable("daibanctl"), "--ingress", broker.ingress,
                   "--stream", broker.stream]
            body = dict(REGISTRATION, items=[{"code": "S1-04", "level": "city",
                                              "materials": ["节能报告", "节能审查申请表"]}])
            done = subprocess.run(ctl + ["post", "--type", "case.registered", "--case", "VIEW-1",
                                         "--body", json.dumps(body, ensure_ascii=False)],
                                  capture_output=True, timeout=RUN_TIMEOUT)
            self.assertEqual(done.returncode, 0, done.stderr)
            # watch blocks until the deadline worker has set the due date.
            done = subprocess.run(ctl + ["watch", "--from", "1", "--prefix", "item.deadline_set",
                                         "--count", "1", "--json"],
                                  capture_output=True, timeout=RUN_TIMEOUT)
            self.assertEqual(done.returncode, 0, done.stderr)
            due = json.loads(done.stdout)["body"]["due"]
            done = subprocess.run(ctl + ["case", "VIEW-1"], capture_output=True,
                                  timeout=RUN_TIMEOUT)
            self.assertEqual(done.returncode, 0, done.stderr)
            view = done.stdout.decode("utf-8")
            # 20 working days from Thursday 2026-11-26: 20 left on the start day.
            self.assertRegex(view, r"\n  S1-04 +submitted +due %s +20 working days left" % due)
            # A second case, never overdue (intake returns it: item X is unknown).
            done = subprocess.run(ctl + ["post", "--type", "case.registered", "--case", "VIEW-2",
                                         "--body", json.dumps(REGISTRATION, ensure_ascii=False)],
                                  capture_output=True, timeout=RUN_TIMEOUT)
            self.assertEqual(done.returncode, 0, done.stderr)
            self.assertEqual(self.overdue_cases(ctl), [])
            # 30 days later (Saturday 2026-12-26) it is overdue since Friday.
            reply = client.call({"op": "clock", "advance_ms": 30 * 86400000})
            self.assertTrue(reply["ok"], reply)
            done = subprocess.run(ctl + ["watch", "--from", "1", "--prefix", "deadline.overdue",
                                         "--count", "1", "--json"],
                                  capture_output=True, timeout=RUN_TIMEOUT)
            self.assertEqual(done.returncode, 0, done.stderr)
            days_over = json.loads(done.stdout)["body"]["days_over"]
            done = subprocess.run(ctl + ["case", "VIEW-1"], capture_output=True,
                                  timeout=RUN_TIMEOUT)
            self.assertEqual(done.returncode, 0, done.stderr)
            view = done.stdout.decode("utf-8")
            self.assertEqual(days_over, 1)
            self.assertRegex(view, r"due %s +1 working day over OVERDUE" % due)
            self.assertEqual(self.overdue_cases(ctl), ["VIEW-1"])
            done = subprocess.run(ctl + ["-v", "cases", "--overdue"], capture_output=True,
                                  timeout=RUN_TIMEOUT)
            self.assertEqual(done.returncode, 0, done.stderr)
            self.assertIn('"overdue":true', done.stderr.decode("utf-8"))    # the request
            self.assertRegex(done.stdout.decode("utf-8"),
                             r"^VIEW-1 +in_progress +open 1 +OVERDUE +done by \d{4}-\d\d-\d\d ")
            done = subprocess.run(ctl + ["cases", "--json"], capture_output=True,
                                  timeout=RUN_TIMEOUT)
            self.assertEqual(sorted(json.loads(line)["case"] for line in done.stdout.splitlines()),
                             ["VIEW-1", "VIEW-2"])
        finally:
            client.close()
            for worker in workers:
                worker.terminate()
            for worker in workers:
                try:
                    worker.wait(5)
                except subprocess.TimeoutExpired:
                    worker.kill()
                    worker.wait()
            broker.stop()


if __name__ == "__main__":
    unittest.main(verbosity=2)
