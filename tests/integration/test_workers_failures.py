"""Integration test of dispatch under failures, with real processes and
sockets: a worker lost while it holds a lease, the broker killed between
a dispatch and its answer, a worker that always fails (dead letter, then
`retry` after the fix), and workers that outlive or predate the broker.
Each scenario checks that the event's effects are committed exactly once
and that the log stays whole (seqs without gaps, no (source, id) twice)."""

import os
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daiban_harness import Broker, error_code, executable, new_case_id  # noqa: E402
from worker_harness import (TEST_CONFIG, TEST_HEARTBEAT_MS, TEST_MAX_ATTEMPTS,  # noqa: E402
                            FailingWorker, FakeWorker, Fleet, case_events, case_state,
                            check_log_integrity, complete_registration, events_of_type,
                            wait_until, write_config)


class FailureTest(unittest.TestCase):
    def setUp(self):
        self.broker = Broker(config_text=TEST_CONFIG)
        self.fleet = Fleet(self.broker)
        self.addCleanup(self.fleet.cleanup)

    def start_broker(self):
        self.broker.start()
        self.client = self.broker.client()
        self.addCleanup(self.client.close)

    def wait(self, probe, what, timeout=30.0):
        return wait_until(probe, timeout=timeout, what=what, diagnostics=self.fleet.diagnostics)

    def role_workers(self, role):
        return self.client.stats()["roles"].get(role, {}).get("workers")

    def wait_workers(self, role, count):
        self.wait(lambda: self.role_workers(role) == count,
                  "%d %s worker(s) known to the broker" % (count, role))

    def wait_event(self, case_id, type_, count=1):
        def found():
            events = events_of_type(case_events(self.client, case_id), type_)
            return events if len(events) >= count else None
        return self.wait(found, "%d x %s of %s" % (count, type_, case_id))

    def wait_idle(self):
        def idle():
            stats = self.client.stats()
            return all(not state["queued"] and not state["in_flight"]
                       and state["watermark"] >= stats["last_seq"]
                       for state in stats["roles"].values())
        self.wait(idle, "every role idle")

    def assert_once(self, case_id, *types):
        events = case_events(self.client, case_id)
        for type_ in types:
            self.assertEqual(len(events_of_type(events, type_)), 1,
                             "%s of %s committed %d times:\n%s"
                             % (type_, case_id, len(events_of_type(events, type_)),
                                self.fleet.diagnostics()))
        return events

    def forged_acceptance(self, case_id):
        """A well-formed case.accepted a stale worker might still send."""
        return [{"type": "case.accepted", "case": case_id,
                 "body": {"agent": "DB05", "expected_done": "2026-12-31",
                          "items": [{"code": "S1-01", "name": "企业投资项目备案",
                                     "department": "市发改委", "level": "city",
                                     "limit_days": 1, "after": []}]}}]

    # -- a. a worker lost while it holds a lease ----------------------------

    def test_silent_fake_worker_loses_its_lease(self):
        self.start_broker()
        self.fleet.worker("transfer")
        fake = FakeWorker(self.broker.workers)
        self.addCleanup(fake.close)
        self.wait_workers("intake", 1)
        case_id = new_case_id()
        registered_seq = self.client.post_ok(complete_registration(case_id))
        dispatch = fake.recv_dispatch()
        self.assertEqual(dispatch["event"]["seq"], registered_seq)
        self.assertEqual(dispatch["event"]["type"], "case.registered")
        self.assertEqual(dispatch["case"]["case"], case_id)
        self.assertEqual(dispatch["case"]["status"], "registered")
        self.assertIsInstance(dispatch["now"], int)
        self.assertIsInstance(dispatch["agents"], dict)
        self.assertIsInstance(dispatch["lease"], int)

        # the fake now neither pings nor answers: the broker declares it dead
        self.wait(lambda: self.client.stats()["workers_lost"] >= 1, "the fake declared dead")
        self.assertEqual(self.role_workers("intake"), 0)
        self.assertEqual(case_state(self.client, case_id)["status"], "registered")
        self.assertEqual(events_of_type(case_events(self.client, case_id), "case.accepted"), [])

        self.fleet.worker("intake")
        accepted = self.wait_event(case_id, "case.accepted")[0]
        self.assertEqual((accepted["source"], accepted["cause"]), ("intake", registered_seq))
        self.wait_event(case_id, "item.submitted")

        # the lost worker's late answer is refused: it is told to reconnect
        fake.done(dispatch["lease"], emit=self.forged_acceptance(case_id))
        answer = fake.recv(5.0)
        self.assertEqual(answer, {"op": "disconnect"})
        self.wait_idle()
        events = self.assert_once(case_id, "case.accepted", "item.submitted")
        self.assertEqual(events_of_type(events, "case.accepted")[0]["body"]["agent"], "DB01")
        self.assertEqual(self.client.stats()["dead_lettered"], 0)
        check_log_integrity(self, self.client.all_history(1))
        self.fleet.stop_workers()

    def test_stopped_then_killed_intake_lease_goes_to_another(self):
        self.start_broker()
        self.fleet.worker("transfer")
        frozen = self.fleet.worker("intake")
        self.wait_workers("intake", 1)
        frozen.pause()                      # SIGSTOP: it will hold the lease unanswered
        case_id = new_case_id()
        registered_seq = self.client.post_ok(complete_registration(case_id))
        # the only thing to dispatch is the registration, to the frozen intake
        self.wait(lambda: self.client.stats()["dispatched"] >= 1, "the dispatch to the frozen intake")
        frozen.kill()                       # SIGKILL while stopped, lease in hand
        self.fleet.worker("intake")
        accepted = self.wait_event(case_id, "case.accepted")[0]
        self.assertEqual(accepted["cause"], registered_seq)
        self.wait_event(case_id, "item.submitted")
        self.wait_idle()
        stats = self.client.stats()
        self.assertGreaterEqual(stats["workers_lost"] + stats["expired"], 1)
        self.assertEqual(stats["dead_lettered"], 0)
        self.assert_once(case_id, "case.accepted", "item.submitted")
        check_log_integrity(self, self.client.all_history(1))
        self.fleet.stop_workers()

    # -- b. the broker killed between dispatch and done ---------------------

    def test_broker_killed_between_dispatch_and_done(self):
        self.start_broker()
        intake = self.fleet.worker("intake")
        self.fleet.worker("transfer")
        first = new_case_id()
        self.client.post_ok(complete_registration(first))
        self.wait_event(first, "item.submitted")
        intake.stop()                       # SIGTERM: exit 0
        self.wait_workers("intake", 0)

        fake = FakeWorker(self.broker.workers)
        self.addCleanup(fake.close)
        self.wait_workers("intake", 1)
        second = new_case_id()
        registered_seq = self.client.post_ok(complete_registration(second))
        dispatch = fake.recv_dispatch()
        self.assertEqual(dispatch["event"]["seq"], registered_seq)

        self.broker.kill()
        self.broker.start()
        # the answer to a dispatch of the previous broker is not taken
        fake.done(dispatch["lease"], emit=self.forged_acceptance(second))
        self.assertEqual(fake.recv(10.0), {"op": "disconnect"})
        fake.close()
        self.assertEqual(case_state(self.client, second)["status"], "registered")

        self.fleet.worker("intake")         # transfer is still the same process
        accepted = self.wait_event(second, "case.accepted")[0]
        self.assertEqual(accepted["cause"], registered_seq)
        # the open-case count of DB01 (the first case's agent) survived the crash
        self.assertEqual(accepted["body"]["agent"], "DB02")
        self.wait_event(second, "item.submitted")
        self.wait_idle()
        for case_id in (first, second):
            self.assert_once(case_id, "case.accepted", "item.submitted")
        check_log_integrity(self, self.client.all_history(1))
        self.fleet.stop_workers()

    # -- c. a worker that always fails: dead letter, then retry -------------

    def test_always_failing_worker_dead_letter_and_retry(self):
        self.start_broker()
        self.fleet.worker("transfer")
        failing = FailingWorker(self.broker.workers)
        failing.start()
        self.addCleanup(failing.stop)
        self.wait_workers("intake", 1)
        case_id = new_case_id()
        registered_seq = self.client.post_ok(complete_registration(case_id))

        dead = self.wait(lambda: self.client.all_history(1, prefix="dispatch."),
                         "dispatch.dead_lettered")
        self.assertEqual(len(dead), 1)
        self.assertEqual((dead[0]["type"], dead[0]["source"]),
                         ("dispatch.dead_lettered", "broker"))
        self.assertEqual(dead[0]["case"], case_id)
        self.assertTrue(dead[0]["id"].startswith("dead_letter:intake:%d:" % registered_seq),
                        dead[0]["id"])
        body = dead[0]["body"]
        self.assertEqual((body["role"], body["event"], body["attempts"]),
                         ("intake", registered_seq, TEST_MAX_ATTEMPTS))
        self.assertIn(failing.message, body["message"])
        self.assertEqual([d["event"]["seq"] for d in failing.dispatches],
                         [registered_seq] * TEST_MAX_ATTEMPTS)
        self.assertEqual(len({d["lease"] for d in failing.dispatches}), TEST_MAX_ATTEMPTS)
        gaps = [later - earlier for earlier, later in zip(failing.times, failing.times[1:])]
        self.assertTrue(all(gap >= 0.2 for gap in gaps), "no back-off between attempts: %r" % gaps)

        reply = self.client.request({"op": "deadletters"})
        self.assertTrue(reply.get("ok"), reply)
        self.assertEqual(len(reply["deadletters"]), 1)
        letter = reply["deadletters"][0]
        self.assertEqual((letter["role"], letter["seq"], letter["case"], letter["attempts"],
                          letter["status"]),
                         ("intake", registered_seq, case_id, TEST_MAX_ATTEMPTS, "dead"))
        self.assertEqual(letter["event"], registered_seq)
        self.assertIn(failing.message, letter["message"])
        self.assertEqual(self.client.request({"op": "deadletters", "role": "transfer"})
                         ["deadletters"], [])
        self.assertEqual(self.client.stats()["dead_lettered"], 1)
        self.assertEqual(case_state(self.client, case_id)["status"], "registered")
        # daibanctl has no deadletters/retry commands; its raw request reaches the op
        listed = subprocess.run([executable("daibanctl"), "--ingress", self.broker.ingress,
                                 "raw", '{"op":"deadletters","role":"intake"}'],
                                capture_output=True, text=True, timeout=30)
        self.assertEqual(listed.returncode, 0, listed.stderr)
        self.assertIn(case_id, listed.stdout)
        self.assertIn('"dead"', listed.stdout)

        # the fix: the failing worker goes, retries before a worker is back
        failing.stop()
        self.wait_workers("intake", 0)
        self.assertEqual(error_code(self.client.request(
            {"op": "retry", "role": "intake", "seq": registered_seq + 1000})), "not_found")
        self.assertEqual(error_code(self.client.request(
            {"op": "retry", "role": "nobody", "seq": registered_seq})), "not_found")
        self.assertEqual(self.client.request(
            {"op": "retry", "role": "intake", "seq": registered_seq}).get("ok"), True)
        self.assertEqual(self.client.request({"op": "deadletters"})["deadletters"][0]["status"],
                         "retrying")
        self.assertEqual(error_code(self.client.request(
            {"op": "retry", "role": "intake", "seq": registered_seq})), "conflict")

        self.fleet.worker("intake")
        accepted = self.wait_event(case_id, "case.accepted")[0]
        self.assertEqual(accepted["cause"], registered_seq)
        self.wait_event(case_id, "item.submitted")
        self.wait(lambda: self.client.request({"op": "deadletters"})["deadletters"] == [],
                  "the dead letter gone after its retry")
        self.assertEqual(error_code(self.client.request(
            {"op": "retry", "role": "intake", "seq": registered_seq})), "not_found")
        self.wait_idle()
        self.assert_once(case_id, "case.accepted", "item.submitted")
        self.assertEqual(len(self.client.all_history(1, prefix="dispatch.")), 1)
        check_log_integrity(self, self.client.all_history(1))
        self.fleet.stop_workers()

    # -- d. reconnection ----------------------------------------------------

    def accept_new_case(self, timeout=30.0):
        case_id = new_case_id()
        self.client.post_ok(complete_registration(case_id))
        wait_until(lambda: events_of_type(case_events(self.client, case_id), "item.submitted"),
                   timeout=timeout, what="case %s accepted and released" % case_id,
                   diagnostics=self.fleet.diagnostics)
        self.assert_once(case_id, "case.accepted", "item.submitted")
        return case_id

    def test_workers_started_before_the_broker(self):
        workers = [self.fleet.worker("intake"), self.fleet.worker("transfer")]
        wait_until(lambda: all("the broker is silent" in w.log_text() for w in workers),
                   what="the workers noticing there is no broker",
                   diagnostics=self.fleet.diagnostics)
        self.start_broker()
        self.accept_new_case()
        self.assertEqual((self.role_workers("intake"), self.role_workers("transfer")), (1, 1))
        self.assertTrue(all(w.alive() for w in workers))
        check_log_integrity(self, self.client.all_history(1))
        self.fleet.stop_workers()

    def test_broker_restarted_under_running_workers_disconnect(self):
        # The workers would presume the broker dead only after 50 silent
        # heartbeats (10 s); recovering sooner proves it was the broker's
        # {"op":"disconnect"} to workers it does not know.
        patient_text = TEST_CONFIG.replace("liveness = 3", "liveness = 50")
        self.assertNotEqual(patient_text, TEST_CONFIG)
        patient = write_config(self.broker.tmp, patient_text, name="patient.cfg")
        self.start_broker()
        workers = [self.fleet.worker("intake", config_path=patient),
                   self.fleet.worker("transfer", config_path=patient)]
        self.accept_new_case()
        for restart in ("kill", "stop"):
            getattr(self.broker, restart)()
            self.broker.start()
            started = time.monotonic()
            self.accept_new_case(timeout=60.0)
            self.assertLess(time.monotonic() - started, 50 * TEST_HEARTBEAT_MS / 1000.0,
                            "recovered only by the workers' own silence detection:\n"
                            + self.fleet.diagnostics())
            self.assertEqual((self.role_workers("intake"), self.role_workers("transfer")), (1, 1))
        for worker in workers:
            log = worker.log_text()
            self.assertIn("the broker does not know this worker", log)
            self.assertNotIn("the broker is silent", log)
            self.assertTrue(worker.alive())
        check_log_integrity(self, self.client.all_history(1))
        self.fleet.stop_workers()

    def test_broker_down_longer_than_liveness(self):
        self.start_broker()
        workers = [self.fleet.worker("intake"), self.fleet.worker("transfer")]
        self.accept_new_case()
        self.broker.stop()
        wait_until(lambda: all("the broker is silent" in w.log_text() for w in workers),
                   what="the workers noticing the silence", diagnostics=self.fleet.diagnostics)
        self.broker.start()
        self.accept_new_case()
        self.assertEqual((self.role_workers("intake"), self.role_workers("transfer")), (1, 1))
        self.assertTrue(all(w.alive() for w in workers))
        check_log_integrity(self, self.client.all_history(1))
        self.fleet.stop_workers()


if __name__ == "__main__":
    unittest.main(verbosity=2)
