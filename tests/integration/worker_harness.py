"""worker_harness: helpers of the integration tests that run the broker
together with workers (test_workers_*.py). It adds to daiban_harness (the
Broker and Client classes, which it reuses as they are): the real worker
executables as processes (Worker), a worker written in Python that the test
drives by hand (FakeWorker), a relay that counts the dispatches one worker
process receives (CountingRelay), polling helpers, and the events of the
agency workflow built from real codes of config/catalog.cfg."""

import os
import signal
import subprocess
import tempfile
import threading
import time

import zmq

from daiban_harness import RECV_TIMEOUT, event, executable, free_endpoint, pack, unpack

WORKER_READY_TIMEOUT = 15.0     # seconds to print "daiban-ROLE ready"
WORKER_STOP_TIMEOUT = 15.0      # seconds to exit after SIGTERM
SETTLE_TIMEOUT = 30.0           # seconds for a workflow step to show up in the broker

#   Short timings so that a lost worker, an expired lease and a dead letter
#   happen within seconds. The broker and the workers get the same file.
TEST_HEARTBEAT_MS = 200
TEST_LIVENESS = 3
TEST_LEASE_MS = 2000
TEST_MAX_ATTEMPTS = 3
TEST_CONFIG = """\
workers
    heartbeat_ms = %d
    liveness = %d
    lease_ms = %d
    max_attempts = %d
""" % (TEST_HEARTBEAT_MS, TEST_LIVENESS, TEST_LEASE_MS, TEST_MAX_ATTEMPTS)

INTAKE_TYPES = ["case.registered", "case.materials_supplied"]
TRANSFER_TYPES = ["case.accepted", "item.approved", "item.rejected", "item.withdrawn",
                  "result.delivered", "item.transfer_accepted", "timer.fired"]
#   What each role may emit (PROTOCOL.md, second table).
ROLE_EMITS = {"intake": {"case.returned", "case.accepted"},
              "transfer": {"item.submitted", "item.transferred", "case.closed"}}


def write_config(directory, text, name="workers.cfg"):
    path = os.path.join(directory, name)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    return path


# ---------------------------------------------------------------------------
# real worker processes

class Worker:
    """One daiban-ROLE process connected to a broker's workers endpoint.
    stderr goes to <tmp>/ROLE-N.log through a thread (so the pipe never
    fills); start() returns once "daiban-ROLE ready" was printed."""

    _numbers = {}

    def __init__(self, role, endpoint, config_path=None, verbose=False, tmp=None):
        self.role = role
        self.endpoint = endpoint
        self.config_path = config_path
        self.verbose = verbose or bool(os.environ.get("DAIBAN_VERBOSE"))
        self.tmp = tmp or tempfile.mkdtemp(prefix="daiban-wk-")
        number = Worker._numbers.get(role, 0) + 1
        Worker._numbers[role] = number
        self.log_path = os.path.join(self.tmp, "%s-%d.log" % (role, number))
        self.process = None
        self._drain = None

    def args(self):
        args = [executable("daiban-" + self.role), "--broker", self.endpoint]
        if self.config_path:
            args += ["-c", self.config_path]
        if self.verbose:
            args.append("-v")
        return args

    def start(self, timeout=WORKER_READY_TIMEOUT):
        assert not self.alive(), "already running"
        ready = threading.Event()
        ready_line = "daiban-%s ready" % self.role
        log = open(self.log_path, "a", encoding="utf-8", errors="replace")
        log.write("=== start: %s\n" % " ".join(self.args()))
        log.flush()
        self.process = subprocess.Popen(self.args(), stdin=subprocess.DEVNULL,
                                        stdout=log, stderr=subprocess.PIPE)

        def drain(stream, log, ready):
            for raw in iter(stream.readline, b""):
                line = raw.decode("utf-8", errors="replace")
                log.write(line)
                log.flush()
                if line.strip() == ready_line:
                    ready.set()
            stream.close()
            log.close()

        self._drain = threading.Thread(target=drain, args=(self.process.stderr, log, ready),
                                       daemon=True)
        self._drain.start()
        deadline = time.monotonic() + timeout
        while not ready.wait(0.02):
            if self.process.poll() is not None:
                self._drain.join(2)
                raise AssertionError("daiban-%s exited with %d before ready:\n%s"
                                     % (self.role, self.process.returncode, self.log_tail()))
            if time.monotonic() > deadline:
                self.kill()
                raise AssertionError("daiban-%s not ready after %.0f s:\n%s"
                                     % (self.role, timeout, self.log_tail()))
        return self

    @property
    def pid(self):
        return self.process.pid

    def alive(self):
        return self.process is not None and self.process.poll() is None

    def stop(self, signum=signal.SIGTERM, timeout=WORKER_STOP_TIMEOUT, expect_code=0):
        """Signals the worker and checks its exit status (0 by default)."""
        if not self.alive():
            code = None if self.process is None else self.process.returncode
        else:
            self.process.send_signal(signum)
            try:
                code = self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
                raise AssertionError("daiban-%s did not exit within %.0f s of signal %d:\n%s"
                                     % (self.role, timeout, signum, self.log_tail()))
        if self._drain:
            self._drain.join(5)
        if expect_code is not None and code != expect_code:
            raise AssertionError("daiban-%s exited with %r, expected %d:\n%s"
                                 % (self.role, code, expect_code, self.log_tail()))
        return code

    def kill(self):
        """SIGKILL (also works on a SIGSTOPped process)."""
        if self.alive():
            self.process.kill()
            self.process.wait(WORKER_STOP_TIMEOUT)
        if self._drain:
            self._drain.join(5)

    def pause(self):
        self.process.send_signal(signal.SIGSTOP)

    def resume(self):
        self.process.send_signal(signal.SIGCONT)

    def log_text(self):
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as handle:
                return handle.read()
        except OSError:
            return ""

    def log_tail(self, lines=30):
        return "".join(self.log_text().splitlines(True)[-lines:])


class Fleet:
    """The processes of one test: a broker and its workers, with one temp
    directory for configs and logs; cleanup() kills whatever still runs and
    diagnostics() gathers every log for a failure message."""

    def __init__(self, broker, config_text=TEST_CONFIG):
        self.broker = broker
        self.workers = []
        self.config_path = write_config(broker.tmp, config_text) if config_text else None

    def worker(self, role, start=True, config_path=None, endpoint=None):
        worker = Worker(role, endpoint or self.broker.workers,
                        config_path or self.config_path, tmp=self.broker.tmp)
        self.workers.append(worker)
        if start:
            worker.start()
        return worker

    def stop_workers(self):
        """SIGTERM every running worker; each must exit 0."""
        for worker in self.workers:
            if worker.alive():
                worker.resume()
                worker.stop()

    def diagnostics(self):
        parts = ["--- broker log:\n" + self.broker.log_tail(60)]
        for worker in self.workers:
            parts.append("--- %s log:\n%s" % (os.path.basename(worker.log_path),
                                               worker.log_tail(20)))
        return "\n".join(parts)

    def cleanup(self):
        for worker in self.workers:
            try:
                if worker.alive():
                    worker.resume()
                worker.kill()
            except (OSError, subprocess.TimeoutExpired):
                pass
        self.broker.cleanup()


# ---------------------------------------------------------------------------
# a worker in Python, driven step by step by the test

class FakeWorker:
    """A worker speaking the protocol by hand: ready, then the test asks for
    dispatches and answers them (or not). While it waits it pings the
    broker every heartbeat and answers the broker's pings, so that the
    broker takes it as alive; close() drops the socket (the broker then
    declares it dead after its liveness)."""

    def __init__(self, endpoint, role="intake", types=None, credit=1,
                 heartbeat_ms=TEST_HEARTBEAT_MS):
        self.context = zmq.Context.instance()
        self.socket = self.context.socket(zmq.DEALER)
        self.socket.setsockopt(zmq.LINGER, 0)
        self.socket.setsockopt(zmq.SNDTIMEO, int(RECV_TIMEOUT * 1000))
        self.socket.connect(endpoint)
        self.role = role
        self.heartbeat = heartbeat_ms / 1000.0
        self.next_ping = 0.0
        self.disconnects = 0
        self.send({"op": "ready", "role": role,
                   "types": list(types if types is not None else INTAKE_TYPES),
                   "credit": credit})

    def send(self, message):
        self.socket.send_multipart([b"", pack(message)])

    def _keepalive(self):
        now = time.monotonic()
        if now >= self.next_ping:
            self.send({"op": "ping"})
            self.next_ping = now + self.heartbeat

    def recv(self, timeout=RECV_TIMEOUT):
        """The next message that is not a ping/pong (answering pings), or
        None after timeout."""
        deadline = time.monotonic() + timeout
        while True:
            self._keepalive()
            left = min(deadline - time.monotonic(), self.heartbeat)
            if deadline - time.monotonic() <= 0:
                return None
            if not self.socket.poll(max(1, int(left * 1000)), zmq.POLLIN):
                continue
            frames = self.socket.recv_multipart()
            if len(frames) != 2 or frames[0] != b"":
                raise AssertionError("broker message not framed [empty, body]: %r" % frames)
            message = unpack(frames[1])
            op = message.get("op")
            if op == "ping":
                self.send({"op": "pong"})
            elif op == "pong":
                pass
            elif op == "disconnect":
                self.disconnects += 1
                return message
            else:
                return message

    def recv_dispatch(self, timeout=SETTLE_TIMEOUT):
        """The next dispatch; fails the test when none comes."""
        message = self.recv(timeout)
        if message is None:
            raise AssertionError("fake %s worker: no dispatch within %.0f s"
                                 % (self.role, timeout))
        if message.get("op") != "dispatch":
            raise AssertionError("fake %s worker: expected a dispatch, got %r"
                                 % (self.role, message))
        return message

    def idle(self, seconds):
        """Stays alive for seconds, collecting whatever else arrives."""
        received = []
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            message = self.recv(deadline - time.monotonic())
            if message is not None:
                received.append(message)
        return received

    def done(self, lease, emit=(), timers=()):
        self.send({"op": "done", "lease": lease, "emit": list(emit), "timers": list(timers)})

    def fail(self, lease, message):
        self.send({"op": "fail", "lease": lease, "message": message})

    def close(self):
        self.socket.close(0)


class FailingWorker(threading.Thread):
    """A fake worker in a thread that answers every dispatch with fail
    (a role that is broken until it is fixed); leases holds what it saw."""

    def __init__(self, endpoint, role="intake", types=None, message="数据库连接失败 / db down"):
        super().__init__(daemon=True)
        self.fake = FakeWorker(endpoint, role, types)
        self.message = message
        self.dispatches = []
        self.times = []             # time.monotonic() of each dispatch
        self._halt = threading.Event()

    def run(self):
        while not self._halt.is_set():
            message = self.fake.recv(0.1)
            if message is not None and message.get("op") == "dispatch":
                self.dispatches.append(message)
                self.times.append(time.monotonic())
                self.fake.fail(message["lease"], self.message)
        self.fake.close()

    def stop(self):
        self._halt.set()
        self.join(10)


# ---------------------------------------------------------------------------
# a relay between one worker process and the broker, counting dispatches

class CountingRelay(threading.Thread):
    """A ROUTER on its own endpoint (the worker connects here) relayed to a
    DEALER connected to the broker's workers endpoint. The broker sees the
    relay as the worker; the relay counts the dispatches going to the
    worker and the done/fail answers coming back. It is how a test knows
    which process did the work: the broker does not expose per-worker
    counts and the workers do not log dispatches."""

    def __init__(self, broker_endpoint):
        super().__init__(daemon=True)
        self.endpoint = free_endpoint()
        self.broker_endpoint = broker_endpoint
        self.dispatched = 0
        self.answered = 0
        self.cases = set()
        self._halt = threading.Event()
        self._bound = threading.Event()

    def start(self):
        super().start()
        if not self._bound.wait(5):
            raise AssertionError("relay did not bind")
        return self

    def run(self):
        context = zmq.Context.instance()
        front = context.socket(zmq.ROUTER)
        back = context.socket(zmq.DEALER)
        for sock in (front, back):
            sock.setsockopt(zmq.LINGER, 0)
        front.bind(self.endpoint)
        back.connect(self.broker_endpoint)
        self._bound.set()
        poller = zmq.Poller()
        poller.register(front, zmq.POLLIN)
        poller.register(back, zmq.POLLIN)
        identity = None
        try:
            while not self._halt.is_set():
                for sock, _ in poller.poll(100):
                    frames = sock.recv_multipart()
                    if sock is front:
                        identity = frames[0]
                        body = frames[-1]
                        if len(frames) == 3 and unpack(body).get("op") in ("done", "fail"):
                            self.answered += 1
                        back.send_multipart(frames[1:])
                    elif identity is not None:
                        message = unpack(frames[-1]) if len(frames) == 2 else {}
                        if message.get("op") == "dispatch":
                            self.dispatched += 1
                            self.cases.add(message["event"]["case"])
                        front.send_multipart([identity] + frames)
        finally:
            front.close(0)
            back.close(0)

    def stop(self):
        self._halt.set()
        self.join(5)


# ---------------------------------------------------------------------------
# polling

def wait_until(probe, timeout=SETTLE_TIMEOUT, what="condition", diagnostics=None,
               interval=0.05):
    """Calls probe() until it returns a true value, which is returned;
    fails with what (and diagnostics() if given) after timeout."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        last = probe()
        if last:
            return last
        if time.monotonic() > deadline:
            extra = "\n" + diagnostics() if diagnostics else ""
            raise AssertionError("timed out after %.0f s waiting for %s (last: %r)%s"
                                 % (timeout, what, last, extra))
        time.sleep(interval)


def case_state(client, case_id):
    reply = client.case(case_id)
    if reply.get("ok") is not True:
        raise AssertionError("case %s: %r" % (case_id, reply))
    return reply["case"]


def case_events(client, case_id, prefix=None):
    filters = {"case": case_id}
    if prefix:
        filters["prefix"] = prefix
    return client.all_history(1, **filters)


def events_of_type(events, type_):
    return [ev for ev in events if ev["type"] == type_]


def item_of(state, code):
    for item in state["items"]:
        if item["code"] == code:
            return item
    raise AssertionError("item %s not in case %s" % (code, state.get("case")))


def check_log_integrity(testcase, events):
    """The whole log: seqs 1..N without a gap, no (source, id) twice, and
    every event of a role is one of the types the role may emit, with the
    id the broker derives from the role and the cause."""
    seqs = [ev["seq"] for ev in events]
    testcase.assertEqual(seqs, list(range(1, len(events) + 1)), "seqs have a gap or repeat")
    keys = [(ev["source"], ev["id"]) for ev in events]
    repeated = sorted({key for key in keys if keys.count(key) > 1})
    testcase.assertEqual(repeated, [], "(source, id) committed twice")
    by_seq = {ev["seq"]: ev for ev in events}
    emitted = [ev for ev in events if ev["source"] in ROLE_EMITS]
    per_cause = {}
    for ev in emitted:
        role = ev["source"]
        testcase.assertIn(ev["type"], ROLE_EMITS[role], "role %s emitted %r" % (role, ev))
        cause = ev.get("cause")
        testcase.assertIsInstance(cause, int, "emitted event without cause: %r" % ev)
        testcase.assertLess(cause, ev["seq"], "cause after the effect: %r" % ev)
        types = INTAKE_TYPES if role == "intake" else TRANSFER_TYPES
        testcase.assertIn(by_seq[cause]["type"], types,
                          "cause of %r is not an event its role handles" % ev)
        testcase.assertEqual(by_seq[cause]["case"], ev["case"])
        index = per_cause.setdefault((role, cause), 0)
        testcase.assertEqual(ev["id"], "%s:%d:%d" % (role, cause, index),
                             "emitted id not derived from role and cause")
        per_cause[(role, cause)] = index + 1
    return emitted


# ---------------------------------------------------------------------------
# the workflow's events (real codes of config/catalog.cfg)

MATERIALS = {
    "S1-01": ["企业投资项目备案信息表", "项目代码赋码信息", "企业营业执照"],
    "S1-05": ["用地预审与选址申请表", "项目代码或项目建议书批复", "拟选址位置图"],
    "S1-06": ["建设用地规划许可申请表", "国有建设用地使用权出让合同或划拨决定书", "宗地图"],
    "S1-07": ["环境影响报告书或报告表", "环评审批申请书", "公众参与说明"],
    "S2-01": ["设计方案审查申请表", "建设工程设计方案文本", "建设用地规划许可证"],
}
COUNTY = "海城市"
COUNTY_OFFICE = "海城市营商环境建设局"


def registration(case_id, items, county=COUNTY, source="window-3", event_id=None):
    """case.registered with items [(code, level, materials)]."""
    body = {"project": "鞍山市某新材料产业园一期项目",
            "applicant": "鞍山某新材料科技有限公司",
            "contact": {"name": "王建国", "phone": "0412-5550123"},
            "channel": "window", "county": county,
            "items": [{"code": code, "level": level, "materials": list(materials)}
                      for code, level, materials in items]}
    return event("case.registered", case_id, body, source=source, event_id=event_id)


def complete_registration(case_id, source="window-3"):
    """A one-item registration that intake accepts as it stands."""
    return registration(case_id, [("S1-01", "city", MATERIALS["S1-01"])], source=source)


def materials_supplied(case_id, pairs, source="window-3"):
    return event("case.materials_supplied", case_id,
                 {"materials": [{"item": item, "name": name} for item, name in pairs]},
                 source=source)


def approved(case_id, item, source="dept"):
    return event("item.approved", case_id,
                 {"item": item, "result": {"number": "鞍审字〔2026〕%s号" % item,
                                           "kind": "license", "electronic": True}},
                 source=source)


def delivered(case_id, item, source="window-3"):
    return event("result.delivered", case_id, {"item": item, "method": "e_license"},
                 source=source)


def transfer_accepted(case_id, item, office=COUNTY_OFFICE, source="county-office"):
    return event("item.transfer_accepted", case_id, {"item": item, "office": office},
                 source=source)
