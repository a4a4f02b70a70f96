"""gateway_harness: shared helpers of the gateway's integration tests
(test_gateway*.py, test_board*.py). They start the real daiban-gateway
beside a real broker (daiban_harness.Broker) on a port the kernel hands
out, and speak HTTP to it with Python's own http.client, an HTTP
implementation independent of libmicrohttpd. Every read has a timeout."""

import http.client
import json
import os
import re
import signal
import subprocess
import tempfile

from daiban_harness import STOP_TIMEOUT, LogFile, executable, start_process

READY_LINE = " ready"
HTTP_TIMEOUT = 10.0


class Gateway(LogFile):
    """One daiban-gateway process for broker; port 0 (the kernel's) on the
    first start, the same port on a restart."""

    def __init__(self, broker, tokens=None, extra_args=(), tmp=None):
        self.broker = broker
        self.tokens = tokens
        self.extra_args = list(extra_args)
        self.tmp = tmp or broker.tmp
        self.log_path = os.path.join(self.tmp, "gateway.log")
        self.port = 0
        self.process = None
        self._drain = None
        self.starts = 0

    def args(self):
        args = [executable("daiban-gateway"), "--listen", "127.0.0.1:%d" % self.port,
                "--broker", self.broker.ingress, "--stream", self.broker.stream]
        if self.tokens:
            args += ["--tokens", self.tokens]
        return args + self.extra_args

    def start(self):
        self.starts += 1
        self.process, self._drain = start_process(
            self.args(), self.log_path, "=== gateway start %d" % self.starts, READY_LINE,
            15.0, "gateway", self.log_tail, self.kill)
        ports = re.findall(r"daiban-gateway at http://127\.0\.0\.1:(\d+)/ ready", self.log_text())
        assert ports, "no ready line with a port:\n" + self.log_tail()
        self.port = int(ports[-1])
        return self

    def alive(self):
        return self.process is not None and self.process.poll() is None

    def stop(self, expect_code=0):
        if self.alive():
            self.process.send_signal(signal.SIGTERM)
            code = self.process.wait(STOP_TIMEOUT)
            if self._drain:
                self._drain.join(5)
            assert expect_code is None or code == expect_code, \
                "gateway exited with %r:\n%s" % (code, self.log_tail())

    def kill(self):
        if self.alive():
            self.process.kill()
            self.process.wait(STOP_TIMEOUT)

    def restart(self):
        self.stop()
        return self.start()

    @property
    def url(self):
        return "http://127.0.0.1:%d/" % self.port

    def connection(self, timeout=HTTP_TIMEOUT):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def request(self, method, path, body=None, token=None, headers=None, timeout=HTTP_TIMEOUT):
        """One request on a new connection: (status, JSON or text, headers).
        body: a JSON value, or bytes sent as they are."""
        connection = self.connection(timeout)
        sent = dict(headers or {})
        if token:
            sent["Authorization"] = "Bearer " + token
        data = body
        if body is not None and not isinstance(body, bytes):
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
            sent.setdefault("Content-Type", "application/json")
        try:
            connection.request(method, path, body=data, headers=sent)
            response = connection.getresponse()
            raw = response.read()
            kind = response.getheader("Content-Type", "")
            value = json.loads(raw) if kind.startswith("application/json") else raw.decode()
            return response.status, value, dict(response.getheaders())
        finally:
            connection.close()

    def get(self, path, token=None, **kw):
        return self.request("GET", path, token=token, **kw)

    def post(self, path, body, token=None, **kw):
        return self.request("POST", path, body, token=token, **kw)


def run_gateway_expecting_failure(args, timeout=15.0):
    process = subprocess.run([executable("daiban-gateway")] + list(args),
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, timeout=timeout)
    return process.returncode, process.stderr.decode("utf-8", errors="replace")


def make_token(path, name, role):
    """Creates a token with `daibanctl token` and returns it."""
    result = subprocess.run([executable("daibanctl"), "token", name, "--role", role,
                             "--file", path], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def token_file(directory, principals):
    """A token file with one token per (name, role); returns (path, {name: token})."""
    path = os.path.join(directory, "tokens.json")
    return path, {name: make_token(path, name, role) for name, role in principals}


class EventStream:
    """A client of GET /v1/stream: reads Server-Sent Events as (id, data)."""

    def __init__(self, gateway, path="/v1/stream?from=1", token=None, last_id=None,
                 timeout=HTTP_TIMEOUT):
        self.connection = gateway.connection(timeout)
        headers = {"Accept": "text/event-stream"}
        if token:
            headers["Authorization"] = "Bearer " + token
        if last_id is not None:
            headers["Last-Event-ID"] = str(last_id)
        self.connection.request("GET", path, headers=headers)
        self.response = self.connection.getresponse()
        self.status = self.response.status

    def next(self):
        """The next event: (id as int, data as JSON); comments are skipped.
        socket.timeout when none comes in time."""
        event_id, data = None, []
        while True:
            line = self.response.readline()
            if not line:
                raise EOFError("the stream ended")
            line = line.decode("utf-8").rstrip("\r\n")
            if line.startswith("id:"):
                event_id = int(line[3:].strip())
            elif line.startswith("data:"):
                data.append(line[5:].lstrip())
            elif line == "" and data:
                return event_id, json.loads("\n".join(data))

    def close(self):
        self.connection.close()


def temp_dir():
    return tempfile.mkdtemp(prefix="daiban-gw-")
