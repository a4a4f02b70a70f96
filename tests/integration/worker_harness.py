"""worker_harness: helpers of the integration tests that run the broker
together with workers (test_workers_*.py). It adds to daiban_harness (the
Broker and Client classes, which it reuses as they are): the real worker
executables as processes (Worker), a worker written in Python that the test
drives by hand (FakeWorker), a relay that counts the dispatches one worker
process receives (CountingRelay), polling helpers, and the events of the
agency workflow built from real codes of config/catalog.cfg. For the time
roles (test_time_*.py): China Standard Time helpers, the test's own reading
of the holiday calendar (HolidayCalendar), the broker's manual test clock
walked through checkpoints (ManualClock), and the default supervision
policy as the tests read it (expected_supervision)."""

import datetime
import glob
import json
import os
import re
import signal
import subprocess
import tempfile
import threading
import time

import zmq

from daiban_harness import (RECV_TIMEOUT, SOURCE_DIR, LogFile, event, executable, free_endpoint,
                            pack, start_process, unpack)

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
#   The time roles' subscriptions (docs/policy.md).
DEADLINE_TYPES = ["item.submitted", "item.transferred", "item.suspended", "item.resumed",
                  "item.approved", "item.rejected", "item.withdrawn", "timer.fired"]
REMINDER_TYPES = ["deadline.warning", "deadline.overdue", "item.progress", "item.approved",
                  "item.rejected", "item.withdrawn", "item.transfer_accepted", "timer.fired"]
ESCALATION_TYPES = ["reminder.sent", "deadline.overdue", "problem.reported",
                    "alert.acknowledged", "item.approved", "item.rejected", "item.withdrawn",
                    "timer.fired"]
ROLE_TYPES = {"intake": INTAKE_TYPES, "transfer": TRANSFER_TYPES,
              "deadline": DEADLINE_TYPES, "reminder": REMINDER_TYPES,
              "escalation": ESCALATION_TYPES}
ALL_ROLES = ("intake", "transfer", "deadline", "reminder", "escalation")
#   What each role may emit (PROTOCOL.md, second table).
ROLE_EMITS = {"intake": {"case.returned", "case.accepted"},
              "transfer": {"item.submitted", "item.transferred", "case.closed"},
              "deadline": {"item.deadline_set", "deadline.warning", "deadline.overdue"},
              "reminder": {"reminder.sent"},
              "escalation": {"escalation.raised", "meeting.convened", "alert.raised"}}
#   What the broker itself commits (source "broker").
BROKER_SOURCE = "broker"
BROKER_EMITS = {"timer.fired", "dispatch.dead_lettered"}
TIMER_FIRED_ID = re.compile(r"^timer:(.+)@(-?\d+)$")


def write_config(directory, text, name="workers.cfg"):
    path = os.path.join(directory, name)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    return path


# ---------------------------------------------------------------------------
# real worker processes

class Worker(LogFile):
    """One daiban-ROLE process connected to a broker's workers endpoint.
    stderr goes to <tmp>/ROLE-N.log through a thread (so the pipe never
    fills); start() returns once "daiban-ROLE ready" was printed."""

    _numbers = {}

    def __init__(self, role, endpoint, config_path=None, verbose=False, tmp=None, extra_args=()):
        self.role = role
        self.extra_args = list(extra_args)
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
        return args + self.extra_args

    def start(self, timeout=WORKER_READY_TIMEOUT):
        assert not self.alive(), "already running"
        self.process, self._drain = start_process(
            self.args(), self.log_path, "=== start", "daiban-%s ready" % self.role, timeout,
            "daiban-" + self.role, self.log_tail, self.kill)
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


class Fleet:
    """The processes of one test: a broker and its workers, with one temp
    directory for configs and logs; cleanup() kills whatever still runs and
    diagnostics() gathers every log for a failure message."""

    def __init__(self, broker, config_text=TEST_CONFIG):
        self.broker = broker
        self.workers = []
        self.config_path = write_config(broker.tmp, config_text) if config_text else None

    def worker(self, role, start=True, config_path=None, endpoint=None, key=None):
        """A real worker process; with a CURVE broker it holds key, by
        default a worker key named after its role (made on first use)."""
        extra = []
        if self.broker.keys:
            key = key or self.worker_key(role)
            extra = key.cli_args(self.broker.keys.broker)
        worker = Worker(role, endpoint or self.broker.workers,
                        config_path or self.config_path, tmp=self.broker.tmp, extra_args=extra)
        self.workers.append(worker)
        if start:
            worker.start()
        return worker

    def worker_key(self, role):
        return self.broker.keys.workers[role]

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
    every event of a role is one of the types the role may emit, caused by
    an event of the same case that the role handles, with the id the broker
    derives from the role and the cause. The broker's own events are
    checked too: a timer.fired has the id "timer:<timer id>@<due ms>" with
    the timer id of its body and fires at or after its due time; a
    dispatch.dead_lettered names an earlier event. Returns the events
    emitted by roles (not the broker's)."""
    seqs = [ev["seq"] for ev in events]
    testcase.assertEqual(seqs, list(range(1, len(events) + 1)), "seqs have a gap or repeat")
    keys = [(ev["source"], ev["id"]) for ev in events]
    seen = set()
    repeated = sorted({key for key in keys if key in seen or seen.add(key)})
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
        testcase.assertIn(by_seq[cause]["type"], ROLE_TYPES[role],
                          "cause of %r is not an event its role handles" % ev)
        testcase.assertEqual(by_seq[cause]["case"], ev["case"])
        index = per_cause.setdefault((role, cause), 0)
        testcase.assertEqual(ev["id"], "%s:%d:%d" % (role, cause, index),
                             "emitted id not derived from role and cause")
        per_cause[(role, cause)] = index + 1
    for ev in events:
        if ev["source"] != BROKER_SOURCE:
            continue
        testcase.assertIn(ev["type"], BROKER_EMITS, "the broker committed %r" % ev)
        if ev["type"] == "timer.fired":
            match = TIMER_FIRED_ID.match(ev["id"])
            testcase.assertIsNotNone(match, "timer.fired id %r" % ev["id"])
            testcase.assertEqual(match.group(1), ev["body"].get("id"),
                                 "timer.fired id and body id differ: %r" % ev)
            testcase.assertLessEqual(int(match.group(2)), ev["ts"],
                                     "timer fired before it was due: %r" % ev)
            testcase.assertIsInstance(ev["body"].get("kind"), str, repr(ev))
            testcase.assertIsInstance(ev["body"].get("data"), dict, repr(ev))
            testcase.assertIn(ev.get("cause"), (None, 0), "timer.fired with a cause: %r" % ev)
        else:
            cause = ev.get("cause")
            testcase.assertIsInstance(cause, int, "dead letter without cause: %r" % ev)
            testcase.assertLess(cause, ev["seq"], "dead letter before its event: %r" % ev)
    return emitted


def timer_firings(events):
    """{(timer id, due ms): [timer.fired events]} of the broker's firings."""
    firings = {}
    for ev in events:
        if ev["type"] == "timer.fired" and ev["source"] == BROKER_SOURCE:
            match = TIMER_FIRED_ID.match(ev["id"])
            key = (match.group(1), int(match.group(2))) if match else (ev["id"], None)
            firings.setdefault(key, []).append(ev)
    return firings


def wait_quiet(client, roles=ALL_ROLES, timeout=SETTLE_TIMEOUT, diagnostics=None,
               interval=0.03):
    """Until nothing more happens by itself: every role listed is known,
    has nothing queued or in flight and has seen the whole log, and two
    polls in a row show the same last seq and the same count of fired
    timers (a timer that came due, or a worker's answer being settled,
    would have moved one of them). Returns the last stats."""
    previous = [None]

    def quiet():
        stats = client.stats()
        for role in roles:
            state = stats["roles"].get(role)
            if not state or not state.get("workers") or state["queued"] \
                    or state["in_flight"] or state["watermark"] < stats["last_seq"]:
                previous[0] = None
                return None
        key = (stats["last_seq"], stats["timers_fired"], stats["timers_pending"])
        if previous[0] == key:
            return stats
        previous[0] = key
        return None
    return wait_until(quiet, timeout=timeout, what="roles %s quiet" % (roles,),
                      diagnostics=diagnostics, interval=interval)


# ---------------------------------------------------------------------------
# time: China Standard Time, the holiday calendar, the manual test clock

CST = datetime.timezone(datetime.timedelta(hours=8))
DAY = datetime.timedelta(days=1)


def cst_ms(text):
    """Milliseconds of a CST time written "YYYY-MM-DD HH:MM"."""
    moment = datetime.datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=CST)
    return int(moment.timestamp() * 1000)


def cst_datetime(ms):
    return datetime.datetime.fromtimestamp(ms / 1000.0, CST)


def cst_text(ms):
    return cst_datetime(ms).strftime("%Y-%m-%d %H:%M")


def cst_date(ms):
    """The CST date "YYYY-MM-DD" of a time in ms (the date of an event)."""
    return cst_datetime(ms).strftime("%Y-%m-%d")


def as_date(day):
    return datetime.date.fromisoformat(day) if isinstance(day, str) else day


class HolidayCalendar:
    """The working days of the published holiday notices, read by the test
    itself from config/calendar/YEAR.cfg (lines "YYYY-MM-DD = off|work"):
    Monday to Friday unless declared off, plus the make-up days declared
    work. Dates outside the years read raise, so that a test never
    computes an expected date from a guess. Days are returned as
    "YYYY-MM-DD" strings."""

    LINE = re.compile(r"^\s*(\d{4}-\d\d-\d\d)\s*=\s*(off|work)\b")
    YEAR = re.compile(r"^year\s*=\s*(\d{4})\b")

    def __init__(self, directory=None):
        directory = directory or os.path.join(SOURCE_DIR, "config", "calendar")
        self.off, self.work, self.years = set(), set(), set()
        for path in sorted(glob.glob(os.path.join(directory, "*.cfg"))):
            with open(path, encoding="utf-8") as handle:
                for line in handle:
                    match = self.YEAR.match(line)
                    if match:
                        self.years.add(int(match.group(1)))
                    match = self.LINE.match(line)
                    if match:
                        day = datetime.date.fromisoformat(match.group(1))
                        (self.off if match.group(2) == "off" else self.work).add(day)
        if not self.years:
            raise AssertionError("no holiday calendar under %s" % directory)

    def is_working(self, day):
        day = as_date(day)
        if day.year not in self.years:
            raise AssertionError("%s is outside the holiday calendar %s"
                                 % (day, sorted(self.years)))
        if day in self.work:
            return True
        return day.weekday() < 5 and day not in self.off

    def add_working_days(self, day, count):
        """The count-th working day strictly after day (day itself never counts)."""
        day = as_date(day)
        while count > 0:
            day += DAY
            if self.is_working(day):
                count -= 1
        return day.isoformat()

    def sub_working_days(self, day, count):
        """The count-th working day strictly before day."""
        day = as_date(day)
        while count > 0:
            day -= DAY
            if self.is_working(day):
                count -= 1
        return day.isoformat()

    def next_working_day(self, day):
        return self.add_working_days(day, 1)

    def working_days_between(self, after, through):
        """The working days strictly after `after`, up to and including `through`."""
        day, end, count = as_date(after), as_date(through), 0
        while day < end:
            day += DAY
            count += self.is_working(day)
        return count

    def add_days(self, day, count):
        """count calendar days after day, moved to the next working day when
        that is not one (limit_unit "days")."""
        day = as_date(day) + count * DAY
        while not self.is_working(day):
            day += DAY
        return day.isoformat()


class ManualClock:
    """The broker's manual test clock, driven by the test. set() moves it
    and waits until everything that came due has fired and every role is
    quiet again (settle). walk() moves it on through checkpoints, every
    calendar day at each of `times`, so that each timer fires at its own
    moment and not at the end of a long jump (a timer fires with the
    clock's time, and the roles judge dates by it)."""

    CHECKPOINTS = ("08:00", "08:30", "12:00")

    def __init__(self, client, now_ms, settle):
        self.client = client
        self.now = now_ms
        self.settle = settle

    def set(self, ms, settle=True):
        if isinstance(ms, str):
            ms = cst_ms(ms)
        reply = self.client.request({"op": "clock", "set": ms})
        if reply.get("ok") is not True or reply.get("now") != ms:
            raise AssertionError("clock set %s: %r" % (cst_text(ms), reply))
        self.now = ms
        if settle:
            return self.settle()
        return None

    def walk(self, to, times=CHECKPOINTS, settle_last=True):
        """Moves on to `to` through every checkpoint strictly between now and
        it; settles after each step (but the last when settle_last is
        false: the test then acts while the step's timers fire)."""
        target = cst_ms(to) if isinstance(to, str) else to
        day = cst_datetime(self.now).date()
        while True:
            for hhmm in times:
                point = cst_ms("%s %s" % (day.isoformat(), hhmm))
                if self.now < point < target:
                    self.set(point)
            day += DAY
            if cst_ms("%s 00:00" % day.isoformat()) >= target:
                break
        if self.now < target:
            self.set(target, settle=settle_last)
        return self.now


# ---------------------------------------------------------------------------
# the default supervision policy (PROTOCOL.md "Workflow semantics",
# docs/policy.md), as the tests read it: what must happen to one released
# item, and when, computed with the test's own HolidayCalendar

POLICY = {"warn_days": 2, "notice_time": "08:00", "office_open": "08:30",
          "reminder_every_days": 2, "escalate_reminders": 2, "escalate_overdue_days": 3,
          "escalate_level2_days": 5, "alert_repeat_ms": 24 * 3600 * 1000,
          "group_leader": "专班组长", "city_government": "市政府"}

#   The catalog's department of each item the time tests use, and its chief
#   representative (config/catalog.cfg: departments, contact).
DEPARTMENTS = {"S1-01": "市发改委", "S1-05": "市自然资源局", "S1-06": "市自然资源局",
               "S1-07": "市生态环境局", "S1-08": "市水利局", "U-04": "国网鞍山供电公司"}


def chief_representative(department):
    return department + "首席代表"


def due_and_warn(calendar, start, limit_days, unit="working_days",
                 warn_days=POLICY["warn_days"]):
    """(due, warn) of an item released on start (a date) with no pause:
    due is the limit_days-th working day strictly after start (calendar
    days moved to the next working day for unit "days"); warn is warn_days
    working days before due, or the first working day after start when
    that would fall on or before start."""
    if unit == "days":
        due = calendar.add_days(start, limit_days)
    else:
        due = calendar.add_working_days(start, limit_days)
    warn = calendar.sub_working_days(due, warn_days)
    if warn <= as_date(start).isoformat():
        warn = calendar.next_working_day(start)
    return due, warn


class TimerInstance:
    """One setting of a timer: set at set_at, due at `at`, ended at `end`
    (its firing, or its cancellation); fires says which."""

    def __init__(self, timer_id, set_at, at):
        self.id, self.set_at, self.at, self.end, self.fires = timer_id, set_at, at, at, True

    def cancel(self, when):
        if when < self.end:
            self.end, self.fires = when, False

    def pending_at(self, when):
        return self.set_at <= when < self.end


def expected_supervision(calendar, case_id, item, start_ms, limit_days, horizon_ms,
                         decided_ms=None, acks=None, unit="working_days"):
    """What the default policy does to one city item released at start_ms
    (never suspended, no item.progress), up to horizon_ms, when the clock
    is walked through every 08:00 and 08:30 (ManualClock.walk): returns
    {"due", "warn", "events": [(ms, type, body)], "timers": [TimerInstance]}.
    decided_ms: the item is approved then (it ends every timer); acks:
    {alert id: ms of its alert.acknowledged}."""
    acks = acks or {}
    start = cst_date(start_ms)
    due, warn = due_and_warn(calendar, start, limit_days, unit)
    department = DEPARTMENTS[item]
    at = lambda day, hhmm: cst_ms("%s %s" % (day, hhmm))        # noqa: E731
    notice, opening = POLICY["notice_time"], POLICY["office_open"]
    events, timers = [], []
    live = lambda when: when <= horizon_ms and (decided_ms is None or when < decided_ms)  # noqa: E731

    def timer(kind, set_at, when, suffix=None):
        instance = TimerInstance("%s/%s" % (kind, suffix or "%s/%s" % (case_id, item)),
                                 set_at, when)
        if decided_ms is not None:
            instance.cancel(decided_ms)
        timers.append(instance)
        return instance

    def emit(when, type_, body):
        if live(when):
            events.append((when, type_, body))

    reminders = []                      # ms of each reminder.sent, in order

    def remind(when):
        if live(when):
            reminders.append(when)
            emit(when, "reminder.sent", {"item": item, "to": department,
                                         "contact": chief_representative(department),
                                         "count": len(reminders)})

    # the warning, and its reminder at the next office opening
    warned = at(warn, notice)
    timer("deadline/warning", start_ms, warned)
    emit(warned, "deadline.warning", {"item": item, "due": due,
                                      "days_left": calendar.working_days_between(warn, due)})
    if live(warned):
        timer("reminder/warning", warned, at(warn, opening))
        remind(at(warn, opening))
    # the overdue notice, its reminder, then one every reminder_every_days
    overdue_day = calendar.next_working_day(due)
    noticed = at(overdue_day, notice)
    timer("deadline/overdue", start_ms, noticed)
    emit(noticed, "deadline.overdue", {"item": item, "due": due, "days_over": 1})
    repeat_day = overdue_day
    if live(noticed):
        timer("reminder/overdue", noticed, at(overdue_day, opening))
        remind(at(overdue_day, opening))
        set_at = at(overdue_day, opening)
        while set_at <= horizon_ms and live(set_at):
            repeat_day = calendar.add_working_days(repeat_day, POLICY["reminder_every_days"])
            instance = timer("reminder/repeat", set_at, at(repeat_day, opening))
            remind(instance.at)
            set_at = instance.at
    # level 1: the reminder that reaches escalate_reminders, or the
    # escalate_overdue_days-th working day overdue, whichever is first
    levels = []
    if live(noticed):
        overdue_timer = timer("escalation/overdue", noticed,
                              at(calendar.add_working_days(due, POLICY["escalate_overdue_days"]),
                                 notice))
        by_reminders = reminders[POLICY["escalate_reminders"] - 1] \
            if len(reminders) >= POLICY["escalate_reminders"] else None
        if by_reminders is not None and by_reminders < overdue_timer.at:
            overdue_timer.cancel(by_reminders)
            levels.append((by_reminders, 1, "reminders"))
        elif live(overdue_timer.at):
            levels.append((overdue_timer.at, 1, "overdue"))
    if levels and live(levels[0][0]):
        level1_ms = levels[0][0]
        level2 = timer("escalation/level2", level1_ms,
                       at(calendar.add_working_days(cst_date(level1_ms),
                                                    POLICY["escalate_level2_days"]), notice))
        if live(level2.at):
            levels.append((level2.at, 2, "no_result"))
    # each level raised once, with its alert, repeated every 24 h until
    # acknowledged
    for raised_ms, level, reason in levels:
        emit(raised_ms, "escalation.raised", {"item": item, "level": level, "reason": reason})
        alert_id = "%s/%s/L%d" % (case_id, item, level)
        to = POLICY["group_leader"] if level == 1 else POLICY["city_government"]
        alert = {"alert": alert_id, "to": to, "level": level, "item": item}
        emit(raised_ms, "alert.raised", alert)
        set_at, repeat = raised_ms, 0
        while set_at <= horizon_ms and live(set_at):
            instance = timer("escalation/alert", set_at, set_at + POLICY["alert_repeat_ms"],
                             suffix=alert_id)
            if alert_id in acks:
                instance.cancel(acks[alert_id])
            if not instance.fires:
                break
            repeat += 1
            emit(instance.at, "alert.raised", dict(alert, repeat=repeat))
            set_at = instance.at
    events.sort(key=lambda entry: entry[0])
    return {"due": due, "warn": warn, "events": events, "timers": timers}


SUPERVISION_TYPES = ("deadline.warning", "deadline.overdue", "reminder.sent",
                     "escalation.raised", "alert.raised")
#   The body fields compared per type (alert.raised: repeat 0 = first raising).
COMPARED = {"deadline.warning": ("item", "due", "days_left"),
            "deadline.overdue": ("item", "due", "days_over"),
            "reminder.sent": ("item", "to", "contact", "count"),
            "escalation.raised": ("item", "level", "reason"),
            "alert.raised": ("alert", "to", "level", "item", "repeat")}


def describe(ms, type_, body):
    """One supervision event as a comparable line: time, type, fields."""
    fields = {key: body.get(key, 0 if key == "repeat" else None) for key in COMPARED[type_]}
    return "%s %s %s" % (cst_text(ms), type_, json.dumps(fields, ensure_ascii=False,
                                                         sort_keys=True))


def observed(events, item=None):
    """The supervision events of a log (of one item) as sorted lines."""
    return sorted(describe(ev["ts"], ev["type"], ev["body"]) for ev in events
                  if ev["type"] in SUPERVISION_TYPES
                  and (item is None or ev["body"].get("item") == item))


def expected_lines(model):
    """The events of an expected_supervision model as sorted lines."""
    return sorted(describe(ms, type_, body) for ms, type_, body in model["events"])


# ---------------------------------------------------------------------------
# the workflow's events (real codes of config/catalog.cfg)

MATERIALS = {
    "S1-01": ["企业投资项目备案信息表", "项目代码赋码信息", "企业营业执照"],
    "S1-05": ["用地预审与选址申请表", "项目代码或项目建议书批复", "拟选址位置图"],
    "S1-06": ["建设用地规划许可申请表", "国有建设用地使用权出让合同或划拨决定书", "宗地图"],
    "S1-07": ["环境影响报告书或报告表", "环评审批申请书", "公众参与说明"],
    "S2-01": ["设计方案审查申请表", "建设工程设计方案文本", "建设用地规划许可证"],
}
#   More items, for the time tests (test_workers_flow registers every code
#   of MATERIALS, so they are kept apart).
TIME_MATERIALS = dict(MATERIALS, **{
    "S1-08": ["水土保持方案报告书", "水土保持方案审批申请"],
    "U-04": ["用电报装申请表", "用电负荷清单", "用电地址权属证明"],
})
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


def start_time_fleet(test, start_ms, settle):
    """For the time tests: a broker on the manual clock at start_ms with one
    process of each role, set on test as broker, fleet, client and clock
    (a ManualClock that calls settle after each step); cleaned up with it."""
    from daiban_harness import Broker
    test.broker = Broker(test_clock=start_ms, config_text=TEST_CONFIG)
    test.fleet = Fleet(test.broker)
    test.addCleanup(test.fleet.cleanup)
    test.broker.start()
    for role in ALL_ROLES:
        test.fleet.worker(role)
    test.client = test.broker.client()
    test.addCleanup(test.client.close)
    test.clock = ManualClock(test.client, start_ms, settle)
