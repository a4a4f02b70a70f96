"""daiban_harness: shared helpers of the integration tests. They start the
real executables (daiban-broker, later the workers) as processes on free
ports with a temporary data directory, and talk to them over real ZeroMQ
sockets with Debian's python3-zmq and python3-msgpack, an implementation
independent of the broker's msgpack-c. Every receive has a timeout, so a
broker bug fails a test instead of hanging ctest."""

import itertools
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time

import msgpack
import zmq

RECV_TIMEOUT = 5.0          # seconds; generous, a healthy broker answers in ms
READY_TIMEOUT = 15.0        # seconds to print "daiban-broker ready"
STOP_TIMEOUT = 15.0         # seconds to exit after SIGTERM
READY_LINE = "daiban-broker ready"
#   DAIBAN_TEST_CURVE=1: every Broker of a test runs with CURVE keys and every
#   client of broker.client() / broker.subscriber() holds an admin key, so a
#   whole test file runs again over encrypted, authenticated sockets.
CURVE_MODE = os.environ.get("DAIBAN_TEST_CURVE") == "1"

SOURCE_DIR = os.environ.get(
    "DAIBAN_SOURCE_DIR",
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
BIN_DIR = os.environ.get("DAIBAN_BIN", os.path.join(SOURCE_DIR, "build", "bin"))


def executable(name):
    """The path of a daiban executable; fails loudly when it was not built."""
    path = os.path.join(BIN_DIR, name)
    if not os.access(path, os.X_OK):
        raise AssertionError("%s not found or not executable (set DAIBAN_BIN to the "
                             "build's bin directory)" % path)
    return path


_handed_out = set()


def free_endpoint():
    """A tcp endpoint on a port the kernel just handed out (bind to port 0),
    never one this process handed out before: the kernel may give a port
    just closed again, and a broker's three endpoints must differ."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        if port not in _handed_out:
            _handed_out.add(port)
            return "tcp://127.0.0.1:%d" % port


# ---------------------------------------------------------------------------
# msgpack

def pack(value):
    return msgpack.packb(value, use_bin_type=True)


def unpack(data):
    """Strict decoding of what the broker sends: one value, str as str,
    bin as bytes, string keys; trailing bytes raise."""
    return msgpack.unpackb(data, raw=False, strict_map_key=True)


def pack_with_raw(value, replacements):
    """Packs value, then swaps each placeholder string for raw bytes of the
    same length (to send strings that are not valid UTF-8). replacements
    maps placeholder (str) -> bytes of the same length."""
    data = pack(value)
    for placeholder, raw in replacements.items():
        encoded = placeholder.encode("utf-8")
        assert len(encoded) == len(raw), "placeholder and raw bytes must have the same length"
        assert data.count(encoded) == 1, "placeholder must occur once"
        data = data.replace(encoded, raw)
    return data


def raw_map(pairs):
    """A msgpack map built from (key, already packed value bytes) pairs, for
    requests that embed hand-made bytes (huge declared lengths, deep nesting)."""
    count = len(pairs)
    assert count < 16
    out = bytes([0x80 | count])
    for key, packed_value in pairs:
        out += pack(key) + packed_value
    return out


# ---------------------------------------------------------------------------
# events

_counter = itertools.count(1)


def new_event_id(prefix="ev"):
    return "%s-%d-%d-%d" % (prefix, os.getpid(), int(time.time() * 1000) % 100000000,
                            next(_counter))


def new_case_id(prefix="AS-2026"):
    return "%s-T%d-%06d" % (prefix, os.getpid() % 100000, next(_counter))


def event(type_, case, body, source="window-3", event_id=None, at=None):
    """An event as a client posts it."""
    result = {"id": event_id or new_event_id(), "type": type_, "case": case,
              "source": source, "body": body}
    if at is not None:
        result["at"] = at
    return result


# Real codes of config/catalog.cfg with every material it requires, so
# that the intake worker accepts the sample as it stands: S1-01 (备案,
# handled by the county), S1-05 (用地预审, after S1-01), S1-07 (环评).
SAMPLE_ITEMS = [
    {"code": "S1-01", "level": "county",
     "materials": ["企业投资项目备案信息表", "项目代码赋码信息", "企业营业执照"]},
    {"code": "S1-05", "level": "city",
     "materials": ["用地预审与选址申请表", "项目代码或项目建议书批复", "拟选址位置图"]},
    {"code": "S1-07", "level": "city",
     "materials": ["环境影响报告书或报告表", "环评审批申请书", "公众参与说明"]},
]


def sample_registration(case=None, source="window-3", event_id=None, items=None,
                        **body_overrides):
    """A realistic case.registered event (Chinese names, several items)."""
    body = {
        "project": "鞍山市铁西区新能源装备产业园一期工程",
        "applicant": "鞍山鑫达新能源装备有限公司",
        "contact": {"name": "王丽", "phone": "13904120000"},
        "channel": "window",
        "county": "铁西区",
        "items": [dict(item) for item in (items if items is not None else SAMPLE_ITEMS)],
    }
    body.update(body_overrides)
    return event("case.registered", case or new_case_id(), body, source=source,
                 event_id=event_id)


def worklog(case, note="与市自然资源局首席代表沟通用地预审材料", source="agent-li",
            event_id=None):
    return event("worklog.added", case, {"agent": "李明", "note": note}, source=source,
                 event_id=event_id)


def progress(case, item="S1-05", note="材料已受理，正在审查", source="dept-nr", event_id=None):
    return event("item.progress", case, {"item": item, "note": note}, source=source,
                 event_id=event_id)


def post_request(ev, rid=None):
    request = {"op": "post", "event": ev}
    if rid is not None:
        request["rid"] = rid
    return request


# ---------------------------------------------------------------------------
# CURVE keys (docs/security.md)

_CERT_KEY = re.compile(r'^\s*(public|secret)-key\s*=\s*"([^"]{40})"', re.M)


class Key:
    """One certificate pair written by `daibanctl keygen`: its files and its
    Z85 keys, and the socket options of a client holding it."""

    def __init__(self, name, role, public_path, secret_path):
        self.name, self.role = name, role
        self.public_path, self.secret_path = public_path, secret_path
        with open(secret_path, encoding="utf-8") as handle:
            keys = dict(_CERT_KEY.findall(handle.read()))
        self.public, self.secret = keys["public"].encode(), keys["secret"].encode()

    def curve(self, server):
        """(public, secret, server public) for Client and Subscriber."""
        return (self.public, self.secret, server.public)

    def cli_args(self, server):
        """daibanctl's and the workers' flags for this key."""
        return ["--key", self.secret_path, "--server-key", server.public_path]


class KeyDirectory:
    """The broker's key and its directory of admitted public keys, in tmp;
    make() writes a pair with `daibanctl keygen` and admits it, remove()
    takes a public key out of the directory (then reload the broker)."""

    def __init__(self, tmp):
        self.root = os.path.join(tmp, "keys")
        self.public_dir = os.path.join(self.root, "public")
        os.makedirs(self.public_dir, exist_ok=True)
        self.broker = self.make("broker", "admin", admit=False)
        self.admin = self.make("admin-tests", "admin")
        #   One per worker role, admitted before the broker starts.
        self.workers = {role: self.make(role, "worker")
                        for role in ("intake", "transfer", "deadline", "reminder", "escalation")}

    def make(self, name, role, admit=True):
        out = os.path.join(self.root, "pairs", "%s-%d" % (role, next(_counter)))
        result = subprocess.run([executable("daibanctl"), "keygen", name, "--role", role,
                                 "--out", out], capture_output=True, text=True, timeout=30)
        if result.returncode != 0:
            raise AssertionError("keygen %s failed: %s" % (name, result.stderr))
        public = os.path.join(out, name + ".key")
        key = Key(name, role, public, public + "_secret")
        if admit:
            shutil.copy(public, os.path.join(self.public_dir, name + ".key"))
        return key

    def remove(self, key):
        os.remove(os.path.join(self.public_dir, key.name + ".key"))

    def broker_args(self):
        return ["--secret-key", self.broker.secret_path, "--public-keys", self.public_dir]


# ---------------------------------------------------------------------------
# broker process

def start_process(args, log_path, banner, ready_line, timeout, name, log_tail, kill,
                  preexec=None):
    """Starts one of daiban's processes with stderr drained into log_path by
    a thread (so the pipe never fills) and waits for its ready line;
    returns (process, drain thread). Fails with the log's tail when the
    process exits or stays silent past timeout."""
    ready = threading.Event()
    log = open(log_path, "a", encoding="utf-8", errors="replace")
    log.write("%s: %s\n" % (banner, " ".join(args)))
    log.flush()
    process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=log,
                               stderr=subprocess.PIPE, preexec_fn=preexec)

    def drain(stream, log, ready):
        for raw in iter(stream.readline, b""):
            line = raw.decode("utf-8", errors="replace")
            log.write(line)
            log.flush()
            if line.strip().endswith(ready_line):
                ready.set()
        stream.close()
        log.close()

    thread = threading.Thread(target=drain, args=(process.stderr, log, ready), daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not ready.wait(0.02):
        if process.poll() is not None:
            thread.join(2)
            raise AssertionError("%s exited with %d before ready:\n%s"
                                 % (name, process.returncode, log_tail()))
        if time.monotonic() > deadline:
            kill()
            raise AssertionError("%s not ready after %.0f s:\n%s" % (name, timeout, log_tail()))
    return process, thread


class LogFile:
    """The log of a process a test started: self.log_path, read whole or
    its last lines (for failure messages)."""

    def log_text(self):
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as handle:
                return handle.read()
        except OSError:
            return ""

    def log_tail(self, lines=40):
        return "".join(self.log_text().splitlines(True)[-lines:])


class Broker(LogFile):
    """One daiban-broker process on free ports with its own data directory.
    stderr is drained into <tmp>/broker.log by a thread, so the pipe never
    fills; start() returns once the ready line appeared."""

    def __init__(self, test_clock=None, config_text=None, extra_args=(), data_dir=None,
                 verbose=False, curve=CURVE_MODE):
        self.tmp = tempfile.mkdtemp(prefix="daiban-it-")
        self.keys = KeyDirectory(self.tmp) if curve else None
        self.data_dir = data_dir or os.path.join(self.tmp, "data")
        self.ingress = free_endpoint()
        self.workers = free_endpoint()
        self.stream = free_endpoint()
        self.test_clock = test_clock
        self.config_path = None
        if config_text is not None:
            self.config_path = os.path.join(self.tmp, "broker.cfg")
            with open(self.config_path, "w", encoding="utf-8") as handle:
                handle.write(config_text)
        self.extra_args = list(extra_args)
        self.verbose = verbose or bool(os.environ.get("DAIBAN_VERBOSE"))
        self.log_path = os.path.join(self.tmp, "broker.log")
        self.process = None
        self.starts = 0
        self._drain = None
        self.preexec = None         # run in the child before exec (resource limits)

    def args(self):
        args = [executable("daiban-broker"), "--ingress", self.ingress,
                "--workers", self.workers, "--stream", self.stream, "--data", self.data_dir]
        if self.test_clock is not None:
            args += ["--test-clock", str(self.test_clock)]
        if self.config_path:
            args += ["-c", self.config_path]
        if self.verbose:
            args.append("-v")
        if self.keys:
            args += self.keys.broker_args()
        return args + self.extra_args

    def start(self, timeout=READY_TIMEOUT):
        assert self.process is None or self.process.poll() is not None, "already running"
        self.starts += 1
        self.process, self._drain = start_process(
            self.args(), self.log_path, "=== start %d" % self.starts, READY_LINE, timeout,
            "broker", self.log_tail, self.kill, preexec=self.preexec)
        return self

    @property
    def pid(self):
        return self.process.pid

    def alive(self):
        return self.process is not None and self.process.poll() is None

    def rss_kb(self):
        """Resident set size in kB (VmRSS of /proc/PID/status), or None."""
        try:
            with open("/proc/%d/status" % self.process.pid) as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1])
        except OSError:
            return None
        return None

    def send_signal(self, signum):
        self.process.send_signal(signum)

    def stop(self, signum=signal.SIGTERM, timeout=STOP_TIMEOUT, expect_code=0):
        """Asks the broker to exit and checks its exit code (0 by default)."""
        if self.process is None or self.process.poll() is not None:
            code = None if self.process is None else self.process.returncode
        else:
            self.process.send_signal(signum)
            try:
                code = self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                stacks = self.stacks()
                self.kill()
                raise AssertionError("broker did not exit within %.0f s of signal %d:\n%s\n%s"
                                     % (timeout, signum, self.log_tail(), stacks))
        if self._drain:
            self._drain.join(5)
        if expect_code is not None and code != expect_code:
            raise AssertionError("broker exited with %r, expected %d:\n%s"
                                 % (code, expect_code, self.log_tail()))
        return code

    def stacks(self):
        """The threads' stacks of the running broker (gdb), to diagnose a hang."""
        if shutil.which("gdb") is None or not self.alive():
            return ""
        try:
            result = subprocess.run(["gdb", "-p", str(self.process.pid), "-batch", "-nx",
                                     "-ex", "thread apply all bt"], stdin=subprocess.DEVNULL,
                                    capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            return ""
        return "\n".join(line for line in result.stdout.splitlines()
                         if line.startswith(("Thread", "#")))

    def kill(self):
        """SIGKILL: the crash of the machine, as far as the broker can tell."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(STOP_TIMEOUT)
        if self._drain:
            self._drain.join(5)

    def restart(self, timeout=READY_TIMEOUT):
        """Starts again on the same data directory and endpoints."""
        if self.alive():
            self.stop()
        return self.start(timeout)

    def cleanup(self):
        """Kills the process if it still runs and removes the temp directory
        (kept when DAIBAN_KEEP_TMP is set, to read the log)."""
        self.kill()
        if not os.environ.get("DAIBAN_KEEP_TMP"):
            shutil.rmtree(self.tmp, ignore_errors=True)

    def curve(self, key=None):
        """The CURVE options of a client holding key (the admin key by
        default), or None without keys."""
        if not self.keys:
            return None
        return (key or self.keys.admin).curve(self.keys.broker)

    def client(self, socket_type=zmq.DEALER, key=None):
        return Client(self.ingress, socket_type, curve=self.curve(key))

    def subscriber(self, prefixes=("",), key=None):
        return Subscriber(self.stream, prefixes, curve=self.curve(key))

    def cli_args(self, key=None):
        """daibanctl's endpoint and key flags for this broker."""
        args = ["--ingress", self.ingress, "--stream", self.stream]
        if self.keys:
            args += (key or self.keys.admin).cli_args(self.keys.broker)
        return args


def run_broker_expecting_failure(args, timeout=READY_TIMEOUT):
    """Runs daiban-broker with args that must not start; returns (code, stderr)."""
    process = subprocess.run([executable("daiban-broker")] + list(args),
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, timeout=timeout)
    return process.returncode, process.stderr.decode("utf-8", errors="replace")


# ---------------------------------------------------------------------------
# clients

def apply_curve(socket, curve):
    """Makes socket a CURVE client: curve is (public, secret, server public)
    Z85 keys, or None for plaintext."""
    if curve:
        socket.curve_publickey, socket.curve_secretkey, socket.curve_serverkey = curve


class Client:
    """An ingress client: a DEALER (or REQ) socket. request() sends one
    request and waits for its reply; send()/recv() pipeline."""

    def __init__(self, endpoint, socket_type=zmq.DEALER, curve=None):
        self.context = zmq.Context.instance()
        self.socket = self.context.socket(socket_type)
        self.socket.setsockopt(zmq.LINGER, 0)
        self.socket.setsockopt(zmq.SNDTIMEO, int(RECV_TIMEOUT * 1000))
        self.socket_type = socket_type
        apply_curve(self.socket, curve)
        self.socket.connect(endpoint)

    def close(self):
        self.socket.close(0)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send_frames(self, frames):
        self.socket.send_multipart(frames)

    def send_raw(self, body):
        """Sends one request frame (bytes), framed as PROTOCOL.md says."""
        if self.socket_type == zmq.REQ:
            self.socket.send(body)
        else:
            self.socket.send_multipart([b"", body])

    def send(self, request):
        self.send_raw(pack(request))

    def recv_frames(self, timeout=RECV_TIMEOUT):
        """The next message as a list of frames; TimeoutError when none comes."""
        if not self.socket.poll(int(timeout * 1000), zmq.POLLIN):
            raise TimeoutError("no reply within %.1f s" % timeout)
        return self.socket.recv_multipart()

    def try_recv_frames(self, timeout):
        try:
            return self.recv_frames(timeout)
        except TimeoutError:
            return None

    def recv(self, timeout=RECV_TIMEOUT):
        """The next reply, checked to be framed [empty, one msgpack map]."""
        frames = self.recv_frames(timeout)
        if self.socket_type == zmq.REQ:
            if len(frames) != 1:
                raise AssertionError("REQ reply has %d frames" % len(frames))
            body = frames[0]
        else:
            if len(frames) != 2 or frames[0] != b"":
                raise AssertionError("reply not framed [empty, body]: %r"
                                     % [f[:60] for f in frames])
            body = frames[1]
        reply = unpack(body)
        if not isinstance(reply, dict):
            raise AssertionError("reply is not a map: %r" % (reply,))
        return reply

    def request(self, request, timeout=RECV_TIMEOUT):
        self.send(request)
        return self.recv(timeout)

    def request_raw(self, body, timeout=RECV_TIMEOUT):
        self.send_raw(body)
        return self.recv(timeout)

    def post(self, ev, timeout=RECV_TIMEOUT, **extra):
        request = {"op": "post", "event": ev}
        request.update(extra)
        return self.request(request, timeout)

    def post_ok(self, ev, timeout=RECV_TIMEOUT):
        """Posts and returns the seq; fails with the error when refused."""
        reply = self.post(ev, timeout)
        if reply.get("ok") is not True:
            raise AssertionError("post refused: %r for %r" % (reply, ev))
        return reply["seq"]

    def pipeline(self, requests, window=200, timeout=RECV_TIMEOUT):
        """Sends all requests keeping at most window unanswered, tagging each
        with rid = its index (requests must not carry one); returns the
        replies in the order of the requests."""
        replies = [None] * len(requests)
        sent = received = 0
        while received < len(requests):
            while sent < len(requests) and sent - received < window:
                request = dict(requests[sent])
                assert "rid" not in request
                request["rid"] = sent
                self.send(request)
                sent += 1
            reply = self.recv(timeout)
            rid = reply.get("rid")
            if not isinstance(rid, int) or not 0 <= rid < len(requests) \
                    or replies[rid] is not None:
                raise AssertionError("unexpected rid in reply %r" % (reply,))
            replies[rid] = reply
            received += 1
        return replies

    def stats(self):
        reply = self.request({"op": "stats"})
        if reply.get("ok") is not True:
            raise AssertionError("stats failed: %r" % (reply,))
        return reply

    def history(self, from_seq=1, limit=None, **filters):
        request = {"op": "history", "from": from_seq}
        if limit is not None:
            request["limit"] = limit
        request.update(filters)
        reply = self.request(request)
        if reply.get("ok") is not True:
            raise AssertionError("history failed: %r for %r" % (reply, request))
        return reply

    def all_history(self, from_seq=1, limit=1000, **filters):
        """Every event from from_seq to the end of the log, page by page."""
        events = []
        while True:
            reply = self.history(from_seq, limit, **filters)
            events.extend(reply["events"])
            if reply["next"] <= from_seq:
                raise AssertionError("history next %r does not move on from %d"
                                     % (reply["next"], from_seq))
            from_seq = reply["next"]
            if from_seq > reply["last"]:
                return events

    def case(self, case_id):
        return self.request({"op": "case", "case": case_id})


class Subscriber:
    """A SUB socket on the stream. recv() returns (topic, event)."""

    def __init__(self, endpoint, prefixes=("",), curve=None):
        self.context = zmq.Context.instance()
        self.socket = self.context.socket(zmq.SUB)
        self.socket.setsockopt(zmq.LINGER, 0)
        self.socket.setsockopt(zmq.RCVHWM, 0)       # the test must not drop
        apply_curve(self.socket, curve)
        for prefix in prefixes:
            self.socket.setsockopt(zmq.SUBSCRIBE, prefix.encode("utf-8"))
        self.socket.connect(endpoint)

    def close(self):
        self.socket.close(0)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def recv(self, timeout=RECV_TIMEOUT):
        if not self.socket.poll(int(timeout * 1000), zmq.POLLIN):
            raise TimeoutError("no stream message within %.1f s" % timeout)
        frames = self.socket.recv_multipart()
        if len(frames) != 2:
            raise AssertionError("stream message has %d frames, expected [topic, event]"
                                 % len(frames))
        topic = frames[0].decode("utf-8")
        ev = unpack(frames[1])
        if not isinstance(ev, dict):
            raise AssertionError("stream event is not a map: %r" % (ev,))
        return topic, ev

    def try_recv(self, timeout):
        try:
            return self.recv(timeout)
        except TimeoutError:
            return None

    def until(self, predicate, timeout=RECV_TIMEOUT):
        """Receives until predicate(topic, event); returns every message
        received, the matching one last."""
        received = []
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("stream: expected message not seen within %.1f s "
                                   "(%d others received)" % (timeout, len(received)))
            topic, ev = self.recv(left)
            received.append((topic, ev))
            if predicate(topic, ev):
                return received

    def sync(self, client, make_probe, timeout=RECV_TIMEOUT):
        """Waits until the subscription is in effect at the broker: posts
        probes (make_probe() returns an event this subscriber receives)
        until one arrives, then posts a fence and drains through it, so
        the next message received was published after this returns."""
        deadline = time.monotonic() + timeout
        while True:
            if time.monotonic() > deadline:
                raise TimeoutError("stream subscription never took effect")
            client.post_ok(make_probe())
            got = self.try_recv(0.1)
            if got is not None:
                break
        fence = make_probe()
        client.post_ok(fence)
        self.until(lambda topic, ev: ev.get("id") == fence["id"])


def error_code(reply):
    """The error code of a failure reply, or None for a success."""
    if reply.get("ok") is True:
        return None
    error = reply.get("error")
    if reply.get("ok") is not False or not isinstance(error, dict):
        raise AssertionError("malformed failure reply: %r" % (reply,))
    if not isinstance(error.get("code"), str) or not isinstance(error.get("message"), str):
        raise AssertionError("failure reply without code and message strings: %r" % (reply,))
    return error["code"]


class RssSampler:
    """Samples a broker's VmRSS every interval seconds in a thread; peak_kb."""

    def __init__(self, broker, interval=0.05):
        self.broker = broker
        self.interval = interval
        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set():
            rss = self.broker.rss_kb()
            if rss is not None and rss > self.peak_kb:
                self.peak_kb = rss
            self._stop.wait(self.interval)

    def stop(self):
        self._stop.set()
        self._thread.join(2)


# ---------------------------------------------------------------------------
# attachments (docs/archive.md)

BLOB_CHUNK = 768 * 1024     # what a client puts in one blob_put, under the 1 MiB frame


def blob_put(client, data, upload=None, chunk=BLOB_CHUNK):
    """Uploads data with blob_put in chunks; returns the final reply."""
    import hashlib
    upload = upload or "up-%d-%d" % (os.getpid(), next(_counter))
    sha256 = hashlib.sha256(data).hexdigest()
    offset = 0
    while True:
        piece = data[offset:offset + chunk]
        request = {"op": "blob_put", "upload": upload, "offset": offset, "data": piece}
        last = offset + len(piece) >= len(data)
        if last:
            request.update(sha256=sha256, size=len(data))
        reply = client.request(request, timeout=30)
        if reply.get("ok") is not True or last:
            return reply
        offset += len(piece)


def blob_get(client, sha256):
    """Reads a whole blob back with blob_get."""
    out = bytearray()
    while True:
        reply = client.request({"op": "blob_get", "sha256": sha256, "offset": len(out)})
        if reply.get("ok") is not True:
            raise AssertionError("blob_get failed: %r" % (reply,))
        out += reply["data"]
        if len(out) >= reply["size"] or not reply["data"]:
            return bytes(out)


def attachment(case, blob_reply, kind="申请材料", name="立项申请书.pdf",
               media_type="application/pdf", **extra):
    """An attachment.added event for a stored blob."""
    body = {"kind": kind, "name": name, "media_type": media_type,
            "size": blob_reply["size"], "sha256": blob_reply["sha256"]}
    body.update(extra)
    return event("attachment.added", case, body, source="agent-li")
