"""Integration test of security (docs/security.md): a broker with CURVE on
every socket, keys made with `daibanctl keygen`, real worker processes with
their keys. A case closes with every party holding its key, and every
committed event's `by` is the principal that posted it; then each refusal
the role rules make (no key, a wrong key, another source, another
department's item, an operator's acknowledgement, a worker readying as
another role, a subscriber without an allowed key), a key removed and the
broker reloaded (SIGHUP and the reload op), the gateway acting for a
principal with `as`, and the plaintext broker that binds loopback only."""

import os
import shutil
import signal
import subprocess
import sys
import time
import unittest

import zmq

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daiban_harness import (Broker, Client, Subscriber, error_code, event, executable,  # noqa: E402
                            free_endpoint, new_case_id, pack, run_broker_expecting_failure,
                            sample_registration, unpack)
from worker_harness import (TEST_CONFIG, Fleet, Worker, approved, case_events,  # noqa: E402
                            case_state, complete_registration, cst_ms, delivered,
                            events_of_type, wait_until)

START = "2026-03-02 09:00"          # a Monday, far from holidays
REFUSED_WAIT = 1.5                  # seconds a refused client waits for nothing
HOUR_MS = 3600 * 1000


def daibanctl(broker, key, *args, timeout_ms=1500):
    """Runs daibanctl against broker holding key (None: no key at all)."""
    command = [executable("daibanctl"), "--ingress", broker.ingress, "--stream", broker.stream,
               "--timeout", str(timeout_ms)]
    if key is not None:
        command += key.cli_args(broker.keys.broker)
    return subprocess.run(command + list(args), capture_output=True, text=True, timeout=60)


class CurveFleetTest(unittest.TestCase):
    """One CURVE broker on the manual clock with intake, transfer and
    escalation, and a key for each party of the tests."""

    @classmethod
    def setUpClass(cls):
        cls.broker = Broker(test_clock=cst_ms(START), config_text=TEST_CONFIG, curve=True)
        keys = cls.broker.keys
        cls.window = keys.make("window-3", "system")
        cls.ndrc = keys.make("市发改委", "department")
        cls.land = keys.make("市自然资源局", "department")
        cls.agent = keys.make("agent-李明", "operator")
        cls.supervisor = keys.make("supervisor-孔玲", "supervisor")
        cls.gateway = keys.make("daiban-gateway", "gateway")
        cls.fleet = Fleet(cls.broker)
        try:
            cls.broker.start()
            for role in ("intake", "transfer", "escalation"):
                cls.fleet.worker(role)
        except Exception:
            cls.fleet.cleanup()
            raise
        cls.admin = cls.broker.client()

    @classmethod
    def tearDownClass(cls):
        cls.admin.close()
        cls.fleet.cleanup()

    def client(self, key):
        client = self.broker.client(key=key)
        self.addCleanup(client.close)
        return client

    def wait(self, probe, what):
        return wait_until(probe, what=what, diagnostics=self.fleet.diagnostics)

    def wait_type(self, case_id, type_):
        return self.wait(lambda: events_of_type(case_events(self.admin, case_id), type_),
                         "%s of %s" % (type_, case_id))

    def registered(self):
        """A case registered by the window and accepted by intake."""
        case_id = new_case_id()
        self.assertEqual(error_code(self.client(self.window).post(
            complete_registration(case_id, source=self.window.name))), None)
        self.wait_type(case_id, "item.submitted")
        return case_id

    def assertForbidden(self, reply, *words):
        self.assertEqual(error_code(reply), "forbidden", reply)
        for word in words:
            self.assertIn(word, reply["error"]["message"])

    def test_case_closes_and_every_event_names_who_posted_it(self):
        case_id = self.registered()
        department = self.client(self.ndrc)
        self.assertIsNone(error_code(department.post(approved(case_id, "S1-01",
                                                              source=self.ndrc.name))))
        self.assertIsNone(error_code(self.client(self.window).post(
            delivered(case_id, "S1-01", source=self.window.name))))
        self.wait_type(case_id, "case.closed")
        expected_by = {"case.registered": "window-3", "case.accepted": "intake",
                       "item.submitted": "transfer", "item.approved": "市发改委",
                       "result.delivered": "window-3", "case.closed": "transfer"}
        events = case_events(self.admin, case_id)
        self.assertEqual({ev["type"] for ev in events}, set(expected_by))
        for ev in events:
            self.assertEqual(ev["by"], expected_by[ev["type"]], ev)
        self.assertEqual(case_state(self.admin, case_id)["status"], "closed")

    def test_alerts_are_acknowledged_by_supervisors_only(self):
        case_id = self.registered()
        self.assertIsNone(error_code(self.client(self.agent).post(event(
            "problem.reported", case_id, {"kind": "complex", "description": "管线迁改需多部门协调"},
            source=self.agent.name))))
        alert = self.wait_type(case_id, "alert.raised")[0]["body"]["alert"]
        ack = {"alert": alert, "by": self.agent.name}
        self.assertForbidden(self.client(self.agent).post(event(
            "alert.acknowledged", case_id, ack, source=self.agent.name)),
            "operator", "alert.acknowledged")
        self.assertForbidden(self.client(self.window).post(event(
            "alert.acknowledged", case_id, ack, source=self.window.name)), "system")
        supervisor = self.client(self.supervisor)
        self.assertForbidden(supervisor.post(event(
            "alert.acknowledged", case_id, {"alert": alert, "by": "someone-else"},
            source="专班")), "by", self.supervisor.name)
        seq = supervisor.post_ok(event("alert.acknowledged", case_id,
                                       {"alert": alert, "by": self.supervisor.name}, source="专班"))
        committed = self.admin.history(seq, 1)["events"][0]
        self.assertEqual((committed["type"], committed["by"]),
                         ("alert.acknowledged", self.supervisor.name))
        state = case_state(self.admin, case_id)
        self.assertTrue([a for a in state["alerts"] if a["alert"] == alert and a["acknowledged"]])

    def test_broker_events_are_by_the_broker(self):
        case_id = self.registered()
        self.client(self.agent).post_ok(event(
            "problem.reported", case_id, {"kind": "complex", "description": "征地拆迁"},
            source=self.agent.name))
        self.wait_type(case_id, "alert.raised")
        #   The alert's 24-hour repeat is a durable timer: the broker fires it.
        self.admin.request({"op": "clock", "advance_ms": 25 * HOUR_MS})
        fired = self.wait_type(case_id, "timer.fired")
        self.assertTrue(all(ev["by"] == "broker" and ev["source"] == "broker" for ev in fired))
        for ev in case_events(self.admin, case_id):
            self.assertIn("by", ev)
            if ev["type"] in ("alert.raised", "escalation.raised"):
                self.assertEqual(ev["by"], "escalation")

    def test_a_system_posts_only_as_itself(self):
        case_id = new_case_id()
        self.assertForbidden(self.client(self.window).post(complete_registration(
            case_id, source="window-9")), "source", "window-3")
        self.assertForbidden(self.client(self.window).post(approved(case_id, "S1-01",
                                                                    source=self.window.name)),
                             "system", "item.approved")
        self.assertForbidden(self.client(self.window).request({"op": "stats"}), "stats", "system")
        self.assertEqual(error_code(self.admin.case(case_id)), "not_found")

    def test_a_department_decides_only_its_own_items(self):
        case_id = self.registered()
        reply = self.client(self.land).post(approved(case_id, "S1-01", source=self.land.name))
        self.assertForbidden(reply, "S1-01", "市发改委", "市自然资源局")
        state = case_state(self.admin, case_id)
        self.assertEqual([item["status"] for item in state["items"]], ["submitted"])

    def test_no_key_and_a_wrong_key_are_refused_and_counted(self):
        refused = self.admin.stats()["auth_refused"]
        stranger = self.broker.keys.make("stranger", "admin", admit=False)
        for curve in (None, stranger.curve(self.broker.keys.broker)):
            with Client(self.broker.ingress, curve=curve) as client:
                with self.assertRaises(TimeoutError):
                    client.request({"op": "whoami"}, timeout=REFUSED_WAIT)
        result = daibanctl(self.broker, None, "whoami")
        self.assertEqual(result.returncode, 3, result.stderr)
        self.assertIn("CURVE handshake failed", result.stderr)
        result = daibanctl(self.broker, stranger, "whoami")
        self.assertIn("refused this key", result.stderr)
        self.assertTrue(self.broker.alive())
        self.assertGreaterEqual(self.admin.stats()["auth_refused"], refused + 4)
        self.assertIn("refused key", self.broker.log_text())

    def test_whoami_names_each_key(self):
        for key in (self.window, self.ndrc, self.agent, self.supervisor):
            result = daibanctl(self.broker, key, "whoami")
            self.assertEqual(result.returncode, 0, result.stderr)
            self.assertEqual(result.stdout.strip(), "%s (role %s, CURVE)" % (key.name, key.role))

    def test_a_worker_key_readies_only_as_its_role(self):
        intake_key = self.broker.keys.workers["intake"]
        dealer = zmq.Context.instance().socket(zmq.DEALER)
        self.addCleanup(dealer.close, 0)
        dealer.curve_publickey, dealer.curve_secretkey, dealer.curve_serverkey = \
            intake_key.curve(self.broker.keys.broker)
        dealer.connect(self.broker.workers)
        dealer.send_multipart([b"", pack({"op": "ready", "role": "deadline",
                                          "types": ["case.accepted"]})])
        self.assertTrue(dealer.poll(5000), "no answer to the ready")
        answer = unpack(dealer.recv_multipart()[-1])
        self.assertEqual(answer["op"], "refused")
        self.assertIn("may not ready as role deadline", answer["message"])
        self.assertNotIn("deadline", self.admin.stats()["roles"])
        #   A real process started with another role's key stops, saying why.
        worker = Worker("deadline", self.broker.workers, self.fleet.config_path,
                        tmp=self.broker.tmp,
                        extra_args=intake_key.cli_args(self.broker.keys.broker))
        worker.start()
        self.assertEqual(worker.process.wait(15), 1)
        worker.stop(expect_code=None)
        self.assertIn("the broker refused this worker", worker.log_text())
        #   An operator's key is not let in on the workers socket at all.
        with Client(self.broker.workers, curve=self.agent.curve(self.broker.keys.broker)) as other:
            other.send({"op": "ready", "role": "intake", "types": ["case.registered"]})
            with self.assertRaises(TimeoutError):
                other.recv(REFUSED_WAIT)

    def test_the_stream_needs_a_key_allowed_on_it(self):
        server = self.broker.keys.broker
        operator = Subscriber(self.broker.stream, curve=self.agent.curve(server))
        plain = Subscriber(self.broker.stream)
        system = Subscriber(self.broker.stream, curve=self.window.curve(server))
        for subscriber in (operator, plain, system):
            self.addCleanup(subscriber.close)
        probe = lambda: event("worklog.added", case_id, {"agent": "李明", "note": "探针"},  # noqa: E731
                              source=self.agent.name)
        case_id = self.registered()
        operator.sync(self.client(self.agent), probe)
        seq = self.client(self.agent).post_ok(probe())
        self.assertEqual(operator.until(lambda topic, ev: ev["seq"] == seq)[-1][1]["by"],
                         self.agent.name)
        self.assertIsNone(plain.try_recv(0.5))
        self.assertIsNone(system.try_recv(0.1))

    def test_the_gateway_acts_for_the_principal_it_names(self):
        case_id = self.registered()
        gateway = self.client(self.gateway)
        reply = gateway.request({"op": "whoami", "as": {"name": "王丽", "role": "operator"}})
        self.assertEqual((reply["name"], reply["role"]), ("王丽", "operator"))
        self.assertForbidden(gateway.request({"op": "stats"}), "gateway")
        self.assertForbidden(gateway.post(event(
            "worklog.added", case_id, {"agent": "王丽", "note": "x"}, source="王丽"),
            **{"as": {"name": "window-3", "role": "system"}}), "source", "window-3")
        seq = gateway.post(event(
            "worklog.added", case_id, {"agent": "王丽", "note": "电话联系企业"}, source="王丽"),
            **{"as": {"name": "王丽", "role": "operator"}})["seq"]
        self.assertEqual(self.admin.history(seq, 1)["events"][0]["by"], "王丽")
        self.assertForbidden(self.client(self.agent).request(
            {"op": "case", "case": case_id, "as": {"name": "x", "role": "admin"}}),
            "as", "operator")


class RevocationTest(unittest.TestCase):
    """Keys removed from the directory are refused after SIGHUP or the
    reload op, their open connections included; the others go on."""

    def setUp(self):
        self.broker = Broker(curve=True)
        self.addCleanup(self.broker.cleanup)
        keys = self.broker.keys
        self.kept = keys.make("window-1", "system")
        self.gone = keys.make("window-2", "system")
        self.watcher = keys.make("agent-kept", "operator")
        self.watcher_gone = keys.make("agent-gone", "operator")
        self.broker.start()
        self.admin = self.broker.client()
        self.addCleanup(self.admin.close)

    def post(self, client, key):
        return client.post(event("case.registered", new_case_id(), {}, source=key.name))

    def test_removed_key_is_refused_on_its_next_request(self):
        server = self.broker.keys.broker
        kept, gone = self.broker.client(key=self.kept), self.broker.client(key=self.gone)
        for client in (kept, gone):
            self.addCleanup(client.close)
        #   Both reach the broker (invalid_body: the key got past the door).
        self.assertEqual(error_code(self.post(kept, self.kept)), "invalid_body")
        self.assertEqual(error_code(self.post(gone, self.gone)), "invalid_body")
        subscribers = {key.name: Subscriber(self.broker.stream, curve=key.curve(server))
                       for key in (self.watcher, self.watcher_gone)}
        for subscriber in subscribers.values():
            self.addCleanup(subscriber.close)

        self.broker.keys.remove(self.gone)
        self.broker.keys.remove(self.watcher_gone)
        self.broker.send_signal(signal.SIGHUP)
        wait_until(lambda: error_code(self.post(gone, self.gone)) == "unauthorized",
                   what="the removed key refused")
        reply = self.post(gone, self.gone)
        self.assertIn("removed", reply["error"]["message"])
        self.assertEqual(error_code(self.post(kept, self.kept)), "invalid_body")
        with Client(self.broker.ingress, curve=self.gone.curve(server)) as fresh:
            with self.assertRaises(TimeoutError):
                fresh.request({"op": "whoami"}, timeout=REFUSED_WAIT)
        #   The stream was made anew: the kept key gets events again, the
        #   removed one reconnects into a refusal.
        case_id = new_case_id()
        self.admin.post_ok(sample_registration(case_id))
        probe = lambda: event("worklog.added", case_id, {"agent": "a", "note": "n"},  # noqa: E731
                              source="tests")
        subscribers["agent-kept"].sync(self.admin, probe)
        self.assertIsNone(subscribers["agent-gone"].try_recv(0.5))
        self.assertGreaterEqual(self.admin.stats()["keys"], 3)

        #   A key added and the reload op admit it.
        late = self.broker.keys.make("window-late", "system")
        reply = self.admin.request({"op": "reload"})
        self.assertEqual(reply["keys"], self.admin.stats()["keys"])
        with self.broker.client(key=late) as client:
            self.assertEqual(client.request({"op": "whoami"})["name"], "window-late")
        self.assertEqual(error_code(self.broker.client(key=self.kept).request({"op": "reload"})),
                         "forbidden")

    def test_two_reloads_in_one_turn_keep_the_turn_s_principals(self):
        #   SIGHUP and a reload op land in one turn: the whoami after them must
        #   still read its principal (the keyring of SIGHUP's reload).
        client = self.broker.client()
        self.addCleanup(client.close)
        for attempt in range(5):
            os.kill(self.broker.pid, signal.SIGSTOP)
            os.kill(self.broker.pid, signal.SIGHUP)
            client.send({"op": "reload", "rid": 1})
            client.send({"op": "whoami", "rid": 2})
            time.sleep(0.05)
            os.kill(self.broker.pid, signal.SIGCONT)
            replies = {reply["rid"]: reply for reply in (client.recv(), client.recv())}
            self.assertEqual(replies[2]["name"], self.broker.keys.admin.name)
            self.assertIsNone(error_code(replies[1]))
        self.assertTrue(self.broker.alive())

    def worker_after_reload(self, change):
        """A worker on the intake key; the key changed by change(path) and
        reloaded; then five registrations: what reaches the worker in 3 s."""
        from worker_harness import INTAKE_TYPES
        key = self.broker.keys.workers["intake"]
        worker = zmq.Context.instance().socket(zmq.DEALER)
        self.addCleanup(worker.close, 0)
        worker.setsockopt(zmq.LINGER, 0)
        worker.curve_publickey, worker.curve_secretkey, worker.curve_serverkey = \
            key.curve(self.broker.keys.broker)
        worker.connect(self.broker.workers)
        send = lambda message: worker.send_multipart([b"", pack(message)])  # noqa: E731
        send({"op": "ready", "role": "intake", "types": list(INTAKE_TYPES), "credit": 50})
        wait_until(lambda: self.admin.stats()["roles"].get("intake", {}).get("workers") == 1,
                   what="the intake worker known")
        change(os.path.join(self.broker.keys.public_dir, "intake.key"))
        self.assertIsNone(error_code(self.admin.request({"op": "reload"})))
        for _ in range(5):
            self.admin.post_ok(sample_registration())
        received = []
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            send({"op": "ping"})
            if worker.poll(200):
                received.append(unpack(worker.recv_multipart()[-1]).get("op"))
        self.assertEqual(self.admin.stats()["roles"]["intake"]["workers"], 0)
        return received

    def test_a_removed_worker_key_gets_no_more_work(self):
        received = self.worker_after_reload(os.remove)
        self.assertNotIn("dispatch", received)
        self.assertIn("disconnect", received)

    def test_a_worker_key_changed_to_another_role_gets_no_more_work(self):
        def demote(path):
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(text.replace('role = "worker"', 'role = "system"'))
        received = self.worker_after_reload(demote)
        self.assertNotIn("dispatch", received)
        self.assertNotIn("pong", received[1:])

    def test_a_secret_key_among_the_public_keys_is_refused(self):
        leaked = self.broker.keys.make("leaky", "operator")
        shutil.copy(leaked.secret_path, os.path.join(self.broker.keys.public_dir,
                                                     "leaky.key_secret"))
        reply = self.admin.request({"op": "reload"})
        self.assertEqual(error_code(reply), "bad_request")
        self.assertIn("leaky.key_secret", reply["error"]["message"])

    def test_a_bad_directory_keeps_the_keys_in_force(self):
        with open(os.path.join(self.broker.keys.public_dir, "junk.key"), "w") as handle:
            handle.write("not a certificate\n")
        reply = self.admin.request({"op": "reload"})
        self.assertEqual(error_code(reply), "bad_request")
        self.assertIn("junk.key", reply["error"]["message"])
        with self.broker.client(key=self.kept) as client:
            self.assertEqual(client.request({"op": "whoami"})["name"], "window-1")


class PlaintextTest(unittest.TestCase):
    def test_plaintext_binds_loopback_only_and_everyone_is_admin(self):
        port_ep = free_endpoint().replace("127.0.0.1", "0.0.0.0")
        for flag in ("--ingress", "--workers", "--stream"):
            args = {"--ingress": free_endpoint(), "--workers": free_endpoint(),
                    "--stream": free_endpoint()}
            args[flag] = port_ep
            flat = [part for pair in args.items() for part in pair]
            code, stderr = run_broker_expecting_failure(flat + ["--data", "/tmp/daiban-never"])
            self.assertNotEqual(code, 0)
            self.assertIn("refusing to bind %s without CURVE" % port_ep, stderr)
            self.assertIn("security/secret_key", stderr)
            self.assertEqual(len(stderr.strip().splitlines()), 1, stderr)
        broker = Broker(curve=False).start()
        self.addCleanup(broker.cleanup)
        with broker.client() as client:
            reply = client.request({"op": "whoami"})
            self.assertEqual((reply["name"], reply["role"], reply["curve"]),
                             ("local", "admin", False))
            seq = client.post_ok(sample_registration())
            self.assertEqual(client.history(seq, 1)["events"][0]["by"], "local")
            listed = subprocess.run([executable("daibanctl")] + broker.cli_args()
                                    + ["history", "--from", str(seq)],
                                    capture_output=True, text=True, timeout=30)
            self.assertIn("window-3", listed.stdout)
            self.assertIn("(by local)", listed.stdout)
            self.assertEqual(error_code(client.request({"op": "reload"})), "bad_request")

    def test_curve_may_bind_any_address(self):
        broker = Broker(curve=True)
        self.addCleanup(broker.cleanup)
        local = broker.ingress
        broker.ingress = local.replace("127.0.0.1", "0.0.0.0")
        broker.start()
        with Client(local, curve=broker.curve()) as client:
            self.assertTrue(client.request({"op": "whoami"})["curve"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
