"""Integration test of the broker's durability and process life: under
load from 4 clients the broker is killed with SIGKILL and restarted on the
same data directory, three times; every acknowledged event must still be
there with its seq, the log must have no gap and no repeated id, and
posting must resume after the last seq. Also: clean exit on SIGTERM and
SIGINT (under load too), refusal to start with a one-line reason, and a
tiny initial LMDB map that has to grow."""

import os
import random
import signal
import sys
import threading
import time
import unittest

import zmq

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daiban_harness import (RECV_TIMEOUT, Broker, new_case_id, post_request,  # noqa: E402
                            run_broker_expecting_failure, sample_registration, worklog)

LOADERS = 4
WINDOW = 16         # requests each loader keeps in flight


class Loader(threading.Thread):
    """One client posting in a loop with WINDOW posts in flight; records
    (source, id) -> seq of every acknowledged post, and what was in flight
    when the broker went away."""

    def __init__(self, broker, number, cycle, case):
        super().__init__(daemon=True)
        self.broker = broker
        self.source = "loader-%d" % number
        self.cycle = cycle
        self.case = case
        self.acked = {}
        self.in_flight = {}         # rid -> event
        self.failures = []
        self.registered = []
        self.stop = threading.Event()

    def make_event(self, count):
        event_id = "c%d-%s-%d" % (self.cycle, self.source, count)
        if count % 25 == 24:
            case = "CR-%d-%d-%s-%d" % (os.getpid(), self.cycle, self.source[-1], count)
            ev = sample_registration(case, source=self.source, event_id=event_id)
            self.registered.append(case)
            return ev
        return worklog(self.case, note="负载 %d" % count, source=self.source, event_id=event_id)

    def run(self):
        client = self.broker.client()
        count = 0
        last_reply = time.monotonic()
        try:
            while not self.stop.is_set():
                while len(self.in_flight) < WINDOW and not self.stop.is_set():
                    ev = self.make_event(count)
                    try:
                        client.send(post_request(ev, rid=count))
                    except zmq.Again:
                        break
                    self.in_flight[count] = ev
                    count += 1
                try:
                    reply = client.recv(0.2)
                except TimeoutError:
                    if not self.stop.is_set() and time.monotonic() - last_reply > RECV_TIMEOUT:
                        if self.broker.alive():
                            self.failures.append("no reply for %.0f s" % RECV_TIMEOUT)
                        return
                    continue
                last_reply = time.monotonic()
                ev = self.in_flight.pop(reply.get("rid"), None)
                if ev is None:
                    self.failures.append("reply with unknown rid: %r" % (reply,))
                elif reply.get("ok") is not True or reply.get("duplicate") is not False:
                    self.failures.append("post %s refused: %r" % (ev["id"], reply))
                else:
                    self.acked[(ev["source"], ev["id"])] = reply["seq"]
        except Exception as error:              # reported by the test
            self.failures.append("loader crashed: %r" % (error,))
        finally:
            client.close()


class CrashTest(unittest.TestCase):

    def setUp(self):
        self.broker = Broker().start()
        self.client = self.broker.client()

    def tearDown(self):
        self.client.close()
        try:
            self.broker.stop()
        finally:
            self.broker.cleanup()

    def reconnect(self):
        self.client.close()
        self.client = self.broker.client()

    def run_load(self, cycle, cases, seconds, interrupt):
        loaders = [Loader(self.broker, number, cycle, cases[number]) for number in range(LOADERS)]
        for loader in loaders:
            loader.start()
        time.sleep(seconds)
        interrupt()
        for loader in loaders:
            loader.stop.set()
        for loader in loaders:
            loader.join(RECV_TIMEOUT * 2)
            self.assertFalse(loader.is_alive(), "a loader hangs")
            self.assertEqual(loader.failures, [], loader.source)
        return loaders

    def check_log(self, acked, known_sources):
        """The log after a restart: no gap, no repeated (source, id), every
        acknowledged post at its seq, case states agreeing with the log."""
        history = self.client.all_history(1, 5000)
        seqs = [ev["seq"] for ev in history]
        self.assertEqual(seqs, list(range(1, len(history) + 1)), "the log has a gap")
        stats = self.client.stats()
        self.assertEqual(stats["last_seq"], len(history))
        by_key = {}
        for ev in history:
            key = (ev["source"], ev["id"])
            self.assertNotIn(key, by_key, "event %r committed twice" % (key,))
            self.assertIn(ev["source"], known_sources)
            by_key[key] = ev
        lost = [key for key in acked if key not in by_key]
        self.assertEqual(lost, [], "%d acknowledged events lost" % len(lost))
        moved = [(key, seq, by_key[key]["seq"]) for key, seq in acked.items()
                 if by_key[key]["seq"] != seq]
        self.assertEqual(moved, [], "acknowledged events at another seq")
        per_case = {}
        for ev in history:
            per_case[ev["case"]] = per_case.get(ev["case"], 0) + 1
        for case, count in per_case.items():
            reply = self.client.case(case)
            self.assertIs(reply.get("ok"), True, reply)
            self.assertEqual(reply["case"]["events"], count,
                             "case %s: state counts %r events, the log has %d"
                             % (case, reply["case"]["events"], count))
        self.assertEqual(stats["cases"], len(per_case))
        return by_key

    def test_sigkill_under_load_three_times(self):
        cases = [new_case_id("CRASH") for _ in range(LOADERS)]
        for case in cases:
            self.client.post_ok(sample_registration(case, source="setup"))
        acked = {}
        sources = {"setup"} | {"loader-%d" % n for n in range(LOADERS)}
        rng = random.Random(7)
        for cycle in range(3):
            loaders = self.run_load(cycle, cases, rng.uniform(1.0, 2.0), self.broker.kill)
            acked_now = sum(len(loader.acked) for loader in loaders)
            self.assertGreater(acked_now, 100, "cycle %d: the load hardly ran" % cycle)
            for loader in loaders:
                acked.update(loader.acked)
            self.broker.start()
            self.reconnect()
            by_key = self.check_log(acked, sources)
            last = len(by_key)
            # What was in flight when the broker died: committed or not, a
            # resend is a duplicate of what the log holds, or a new commit.
            resent = 0
            for loader in loaders:
                for ev in loader.in_flight.values():
                    reply = self.client.post(ev)
                    self.assertIs(reply.get("ok"), True, reply)
                    key = (ev["source"], ev["id"])
                    if key in by_key:
                        self.assertEqual((reply["duplicate"], reply["seq"]),
                                         (True, by_key[key]["seq"]), key)
                    else:
                        self.assertIs(reply["duplicate"], False, key)
                        last += 1
                        self.assertEqual(reply["seq"], last)
                    acked[key] = reply["seq"]
                    resent += 1
            after = worklog(cases[0], source="setup")
            seq = self.client.post_ok(after)
            self.assertEqual(seq, last + 1, "posting resumes after the last seq")
            acked[("setup", after["id"])] = seq
            sys.stderr.write("\n[crash] cycle %d: %d acked, %d resent, last seq %d\n"
                             % (cycle, acked_now, resent, seq))
        self.broker.stop()
        self.broker.start()
        self.reconnect()
        self.check_log(acked, sources)

    def test_sigterm_under_load_loses_nothing(self):
        cases = [new_case_id("TERM") for _ in range(LOADERS)]
        for case in cases:
            self.client.post_ok(sample_registration(case, source="setup"))
        codes = []
        loaders = self.run_load(0, cases, 1.0, lambda: codes.append(self.broker.stop()))
        self.assertEqual(codes, [0])
        acked = {}
        for loader in loaders:
            acked.update(loader.acked)
        self.assertGreater(len(acked), 100)
        self.broker.start()
        self.reconnect()
        self.check_log(acked, {"setup"} | {"loader-%d" % n for n in range(LOADERS)})


class LifecycleTest(unittest.TestCase):

    def test_sigint_and_sigterm_exit_0_and_keep_data(self):
        broker = Broker()
        try:
            broker.start()
            with broker.client() as client:
                seq = client.post_ok(sample_registration())
            broker.stop(signal.SIGINT)
            broker.start()
            with broker.client() as client:
                self.assertEqual(client.stats()["last_seq"], seq)
                self.assertEqual(len(client.all_history()), 1)
            broker.stop(signal.SIGTERM)
        finally:
            broker.cleanup()

    def test_refuses_to_start_with_a_reason(self):
        running = Broker().start()
        other = Broker()
        try:
            base = {"--ingress": other.ingress, "--workers": other.workers,
                    "--stream": other.stream, "--data": other.data_dir}
            blocker = os.path.join(other.tmp, "a-file")
            with open(blocker, "w") as handle:
                handle.write("not a directory\n")
            garbage = os.path.join(other.tmp, "garbage.cfg")
            with open(garbage, "w") as handle:
                handle.write("broker\n    map_size = lots\n")
            attempts = [
                ("ingress in use", dict(base, **{"--ingress": running.ingress}),
                 [running.ingress, "in use"]),
                ("workers in use", dict(base, **{"--workers": running.workers}),
                 [running.workers, "in use"]),
                ("stream in use", dict(base, **{"--stream": running.stream}),
                 [running.stream, "in use"]),
                ("data directory of the running broker",
                 dict(base, **{"--data": running.data_dir}), [running.data_dir, "in use"]),
                ("data under a file", dict(base, **{"--data": os.path.join(blocker, "data")}),
                 [blocker, "data"]),
                ("missing config", dict(base, **{"-c": os.path.join(other.tmp, "none.cfg")}),
                 ["none.cfg"]),
                ("bad config value", dict(base, **{"-c": garbage}), ["map_size", "lots"]),
                ("bad endpoint", dict(base, **{"--ingress": "tcp://nowhere:notaport"}),
                 ["nowhere"]),
            ]
            for what, flags, mentions in attempts:
                args = [part for pair in flags.items() for part in pair]
                code, stderr = run_broker_expecting_failure(args)
                self.assertNotEqual(code, 0, what)
                self.assertNotIn("daiban-broker ready", stderr, what)
                lines = [line for line in stderr.splitlines() if line.strip()]
                self.assertTrue(lines, "%s: no reason given" % what)
                self.assertTrue(any(m.lower() in stderr.lower() for m in mentions),
                                "%s: the reason should mention one of %r: %r"
                                % (what, mentions, stderr))
            with running.client() as client:
                self.assertIs(client.stats().get("ok"), True, "the running broker was disturbed")
            unknown_flag = run_broker_expecting_failure(
                [part for pair in base.items() for part in pair] + ["--no-such-flag"])
            self.assertNotEqual(unknown_flag[0], 0)
            running.stop()
        finally:
            running.cleanup()
            other.cleanup()

    def test_tiny_map_grows(self):
        broker = Broker(config_text="broker\n    map_size = 65536\n")
        try:
            broker.start()
            case = new_case_id()
            with broker.client() as client:
                client.post_ok(sample_registration(case))
                requests = [post_request(worklog(case, note="扩容测试 %d " % n + "x" * 500))
                            for n in range(3000)]
                replies = client.pipeline(requests, window=100, timeout=30)
                refused = [reply for reply in replies if reply.get("ok") is not True]
                self.assertEqual(refused[:3], [], "%d posts refused" % len(refused))
                self.assertEqual([reply["seq"] for reply in replies], list(range(2, 3002)))
            broker.stop()
            broker.start()
            with broker.client() as client:
                history = client.all_history()
                self.assertEqual(len(history), 3001)
                self.assertEqual([ev["id"] for ev in history[1:]],
                                 [request["event"]["id"] for request in requests])
            broker.stop()
        finally:
            broker.cleanup()


if __name__ == "__main__":
    unittest.main(verbosity=2)
