"""test_daibanctl: daibanctl against a real daiban-broker. Starts the broker
on free ports with a temporary data directory, runs daibanctl as a process
and checks its output and exit codes: post (seq, duplicate, conflict, body
from stdin and file), case, cases, history, export, raw, watch (live end,
--from replay, prefix and case filters, no gap and no duplicate under a
burst of posts), and the exit codes 1 (broker error), 2 (usage) and 3 (no
broker). Python's own zmq and msgpack check what reached the broker, an
implementation independent of daibanctl's.

Run: DAIBAN_BIN=build/bin /usr/bin/python3 tests/integration/test_daibanctl.py"""

import json
import os
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


def free_endpoint():
    """A tcp endpoint on a port the kernel just handed out."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return "tcp://127.0.0.1:%d" % probe.getsockname()[1]


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
                        "alerts", "ack", "export", "raw", "--count", "--from"):
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
                     ["watch", "--count", "1"]):
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


class CaseViewTest(unittest.TestCase):
    """The readable `case` view on a real workflow: broker on a test clock
    plus the intake, transfer and deadline workers. It shows working days
    left while an item is due, and working days over once it is overdue,
    counted from the broker's (test) clock."""

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
