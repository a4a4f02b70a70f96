"""Integration test of durable timers through broker crashes: 30 cases of
two items (S1-01, 1 working day; S1-06, 5) are released on the manual test
clock with all five workers running, so that 120 deadline timers wait; the
broker is SIGKILLed with them pending, and twice more right after a clock
step that makes 60, then 120 timers due at once (the kill lands while they
fire and their effects are dispatched). After each restart on the same data
directory, with the clock set back to the moment of the kill, the test
walks the clock on. Every timer the rules set must fire exactly once, at
its due time (timer.fired counted per timer id and due time), none lost,
none twice; the reminders, escalations and alerts are exactly those of the
rules; and after the items are approved no timer is left. The expected
timers come from the rules (worker_harness.expected_supervision) and the
test's own holiday calendar, never from the code under test.
TimersFiredInBatchesTest kills the broker while more timers are due than
it fires in one transaction; EscalationWorkerDownTest has the escalation
worker down while both rungs of level 1 come due."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daiban_harness import Broker, event, new_case_id, worklog  # noqa: E402
from worker_harness import (ALL_ROLES, TEST_CONFIG, TIME_MATERIALS, Fleet,  # noqa: E402
                            HolidayCalendar, ManualClock, approved, case_events,
                            check_log_integrity, cst_date, cst_ms, cst_text, due_and_warn,
                            expected_lines, expected_supervision, observed, registration,
                            start_time_fleet, timer_firings, wait_quiet)

CALENDAR = HolidayCalendar()
CASES = 30
ITEMS = {"S1-01": 1, "S1-06": 5}
START = "2026-03-02 09:00"              # a Monday; no holiday for weeks
FIRST_KILL = "2026-03-05 08:30"         # S1-06 warning reminders + S1-01 alert repeats
SECOND_KILL = "2026-03-12 08:30"        # reminders and alert repeats of both items
END = "2026-03-12 09:00"
APPROVE = "2026-03-12 10:00"
AFTER = "2026-03-16 09:00"
SETTLE_TIMEOUT = 90.0                   # seconds: 30 cases, 2 cores shared


class TimersSurviveCrashTest(unittest.TestCase):
    def setUp(self):
        start_time_fleet(self, cst_ms(START), self.settle)
        self.kills = []

    def settle(self):
        return wait_quiet(self.client, timeout=SETTLE_TIMEOUT, diagnostics=self.fleet.diagnostics)

    def models(self, horizon_ms, decided_ms=None):
        return [expected_supervision(CALENDAR, case_id, code, cst_ms(START), limit, horizon_ms,
                                     decided_ms=decided_ms)
                for case_id in self.cases for code, limit in ITEMS.items()]

    @staticmethod
    def pending(models, when_ms):
        return sum(instance.pending_at(when_ms) for model in models
                   for instance in model["timers"])

    def kill_and_restart(self, when_ms, seq_before):
        """SIGKILL, then start again on the same data directory with the
        manual clock at when_ms (the time of the kill), and set it there
        once more with the clock op (equal time: allowed). Records the
        last seq before the step, at the restart and once settled again."""
        self.broker.kill()
        self.broker.test_clock = when_ms
        self.broker.start()
        with self.broker.client() as probe:
            at_restart = probe.stats()["last_seq"]
        self.clock.set(when_ms, settle=False)
        stats = self.settle()
        self.kills.append((cst_text(when_ms), seq_before, at_restart, stats["last_seq"]))
        return stats, at_restart

    def check_firings(self, until_ms, label):
        """Every timer of the rules due by until_ms fired exactly once, at its
        due time, and no other timer fired."""
        expected = {(instance.id, instance.at) for model in self.models(until_ms)
                    for instance in model["timers"] if instance.fires and instance.at <= until_ms}
        fired = timer_firings(self.client.all_history(1, prefix="timer."))
        twice = sorted((timer_id, cst_text(at), len(evs)) for (timer_id, at), evs in fired.items()
                       if len(evs) != 1)
        self.assertEqual(twice, [], "%s: timers fired more than once" % label)
        lost = sorted((timer_id, cst_text(at)) for timer_id, at in expected - set(fired))
        extra = sorted((timer_id, cst_text(at)) for timer_id, at in set(fired) - expected)
        self.assertEqual(lost, [], "%s: timers lost\n%s" % (label, self.fleet.diagnostics()))
        self.assertEqual(extra, [], "%s: timers fired that the rules do not set" % label)
        late = sorted((timer_id, cst_text(at), cst_text(evs[0]["ts"]))
                      for (timer_id, at), evs in fired.items() if evs[0]["ts"] != at)
        self.assertEqual(late, [], "%s: timers not fired at their due time" % label)
        return len(expected)

    def test_timers_fire_once_across_sigkills(self):
        self.cases = [new_case_id() for _ in range(CASES)]
        items = [(code, "city", TIME_MATERIALS[code]) for code in ITEMS]
        replies = self.client.pipeline([{"op": "post", "event": registration(case_id, items)}
                                        for case_id in self.cases])
        self.assertTrue(all(reply.get("ok") is True for reply in replies), replies)
        stats = self.settle()
        deadline_sets = self.client.all_history(1, prefix="item.deadline_set")
        self.assertEqual(len(deadline_sets), CASES * len(ITEMS))
        start_ms = cst_ms(START)
        self.assertEqual(self.pending(self.models(start_ms), start_ms), 2 * CASES * len(ITEMS))
        self.assertEqual(stats["timers_pending"], 2 * CASES * len(ITEMS))

        # 1. killed with every timer pending, none due
        last_seq = stats["last_seq"]
        stats, at_restart = self.kill_and_restart(start_ms, last_seq)
        self.assertEqual((at_restart, stats["last_seq"], stats["timers_pending"]),
                         (last_seq, last_seq, 2 * CASES * len(ITEMS)))

        # 2. killed as soon as the clock reply is in, on the step that makes
        #    60 timers due at once (they fire in the same turn of the broker)
        first_ms = cst_ms(FIRST_KILL)
        due_now = [instance for model in self.models(first_ms) for instance in model["timers"]
                   if instance.at == first_ms and instance.fires]
        self.assertEqual(len(due_now), 2 * CASES)
        self.clock.walk(first_ms - 1)
        before = self.client.stats()["last_seq"]
        self.clock.set(first_ms, settle=False)
        stats, _ = self.kill_and_restart(first_ms, before)
        self.check_firings(first_ms, "after the kill at %s" % FIRST_KILL)
        self.assertEqual(stats["timers_pending"], self.pending(self.models(first_ms), first_ms))

        # 3. killed while the effects of 120 timers due at once are being
        #    dispatched and committed: at the first reminder on the stream
        second_ms = cst_ms(SECOND_KILL)
        due_now = [instance for model in self.models(second_ms) for instance in model["timers"]
                   if instance.at == second_ms and instance.fires]
        self.assertEqual(len(due_now), 4 * CASES)
        self.clock.walk(second_ms - 1)
        subscriber = self.broker.subscriber(("reminder.sent", "worklog.added"))
        self.addCleanup(subscriber.close)
        subscriber.sync(self.client, lambda: worklog(self.cases[0]))
        before = self.settle()["last_seq"]
        self.clock.set(second_ms, settle=False)
        subscriber.until(lambda topic, ev: topic == "reminder.sent", timeout=SETTLE_TIMEOUT)
        _, at_restart = self.kill_and_restart(second_ms, before)
        self.assertGreater(at_restart, before + len(due_now),
                           "the timers and a reminder were published, so committed")
        self.clock.walk(END)
        end_ms = cst_ms(END)
        fired_count = self.check_firings(end_ms, "after the kill at %s" % SECOND_KILL)
        stats = self.client.stats()
        self.assertEqual(stats["timers_pending"], self.pending(self.models(end_ms), end_ms))
        # the effects are those of the rules, once each, in every case
        for case_id in self.cases:
            events = case_events(self.client, case_id)
            for code, limit in ITEMS.items():
                model = expected_supervision(CALENDAR, case_id, code, start_ms, limit, end_ms)
                self.assertEqual(observed(events, code), expected_lines(model),
                                 "supervision of %s %s" % (case_id, code))

        # approvals end every timer; nothing fires afterwards
        self.clock.set(APPROVE)
        replies = self.client.pipeline([
            {"op": "post", "event": approved(case_id, code)}
            for case_id in self.cases for code in ITEMS])
        self.assertTrue(all(reply.get("ok") is True for reply in replies), replies)
        stats = self.settle()
        self.assertEqual(stats["timers_pending"], 0)
        last_seq = stats["last_seq"]
        self.clock.walk(AFTER)
        stats = self.client.stats()
        self.assertEqual((stats["last_seq"], stats["timers_pending"]), (last_seq, 0),
                         "something happened after every item was approved")
        self.check_firings(end_ms, "at the end")

        events = self.client.all_history(1)
        check_log_integrity(self, events)
        self.assertEqual([ev for ev in events if ev["type"] == "dispatch.dead_lettered"], [])
        self.assertEqual(stats["dead_lettered"], 0)
        sys.stderr.write("\n  %d timers fired once each; %d events; kills (clock, last seq "
                         "before the step, at the restart, settled): %s; emits_refused %d\n"
                         % (fired_count, len(events), self.kills, stats["emits_refused"]))
        self.fleet.stop_workers()


class TimersFiredInBatchesTest(unittest.TestCase):
    """More timers due at once than the broker fires in one transaction
    (1,000 a turn): 560 one-item cases (S1-01) released on Monday, then the
    clock jumps to Wednesday 08:00, where both deadline timers of every
    item are due (1,120). The broker is SIGKILLed as soon as the clock's
    reply is in: the first batch fires in the same turn, the next one in
    the turn after (in practice the kill lands between them); after the
    restart every timer has fired exactly once, the late warnings are left
    to the overdue notice (docs/policy.md), each item has one
    deadline.overdue, and the reminder timers the rules set next are all
    there."""

    CASES = 560

    def setUp(self):
        self.broker = Broker(test_clock=cst_ms(START), config_text=TEST_CONFIG)
        self.fleet = Fleet(self.broker)
        self.addCleanup(self.fleet.cleanup)
        self.broker.start()
        for role in ALL_ROLES:
            self.fleet.worker(role)
        self.client = self.broker.client()
        self.addCleanup(self.client.close)
        self.clock = ManualClock(self.client, cst_ms(START), self.settle)

    def settle(self):
        return wait_quiet(self.client, timeout=SETTLE_TIMEOUT * 3,
                          diagnostics=self.fleet.diagnostics)

    def test_kill_while_due_timers_fire_in_batches(self):
        cases = [new_case_id() for _ in range(self.CASES)]
        items = [("S1-01", "city", TIME_MATERIALS["S1-01"])]
        replies = self.client.pipeline([{"op": "post", "event": registration(case_id, items)}
                                        for case_id in cases])
        self.assertTrue(all(reply.get("ok") is True for reply in replies), replies)
        before = self.settle()
        self.assertEqual(before["timers_pending"], 2 * self.CASES)
        start = cst_date(cst_ms(START))
        due, warn = due_and_warn(CALENDAR, start, 1)
        overdue_day = CALENDAR.next_working_day(due)
        jump_ms = cst_ms("%s 08:00" % overdue_day)
        self.assertLess(cst_ms("%s 08:00" % warn), jump_ms)    # both timers due at the jump

        #   A subscriber on the stream: publishing each batch then takes a
        #   while, which widens the gap between the batches' commits.
        subscriber = self.broker.subscriber(("timer.fired", "worklog.added"))
        self.addCleanup(subscriber.close)
        subscriber.sync(self.client, lambda: worklog(cases[0]))
        seq_before = self.settle()["last_seq"]
        self.clock.set(jump_ms, settle=False)
        self.broker.kill()                  # the first batch fires in the turn of the reply
        self.broker.test_clock = jump_ms
        self.broker.start()
        with self.broker.client() as probe:
            at_restart = probe.stats()["last_seq"]
        self.assertGreaterEqual(at_restart, seq_before)
        self.clock.set(jump_ms, settle=False)
        stats = self.settle()

        expected = {("deadline/%s/%s/S1-01" % (which, case_id), cst_ms("%s 08:00" % day))
                    for case_id in cases
                    for which, day in (("warning", warn), ("overdue", overdue_day))}
        fired = timer_firings(self.client.all_history(1, prefix="timer."))
        self.assertEqual(sorted(key for key, evs in fired.items() if len(evs) != 1), [],
                         "timers fired more than once")
        self.assertEqual(sorted(expected - set(fired)), [], "timers lost")
        self.assertEqual(sorted(set(fired) - expected), [], "timers the rules do not set")
        self.assertEqual({evs[0]["ts"] for evs in fired.values()}, {jump_ms})
        overdue = self.client.all_history(1, prefix="deadline.")
        self.assertEqual(sorted((ev["type"], ev["case"], ev["body"]["due"],
                                 ev["body"]["days_over"]) for ev in overdue),
                         sorted(("deadline.overdue", case_id, due, 1) for case_id in cases),
                         "one overdue notice per item, and no warning after the due date")
        # next: the overdue reminder at the opening, the 3rd-day escalation check
        self.assertEqual(stats["timers_pending"], 2 * self.CASES)
        self.clock.set("%s 08:30" % overdue_day)
        reminders = self.client.all_history(1, prefix="reminder.sent")
        self.assertEqual(sorted((ev["case"], ev["body"]["count"], ev["ts"]) for ev in reminders),
                         sorted((case_id, 1, cst_ms("%s 08:30" % overdue_day))
                                for case_id in cases))
        events = self.client.all_history(1)
        check_log_integrity(self, events)
        self.assertEqual(self.client.stats()["dead_lettered"], 0)
        sys.stderr.write("\n  %d timers due at once; last seq before the jump %d, at the "
                         "restart %d (%d committed before the kill); %d events\n"
                         % (len(expected), seq_before, at_restart, at_restart - seq_before,
                            len(events)))
        self.fleet.stop_workers()


class EscalationWorkerDownTest(unittest.TestCase):
    """The escalation worker is down (SIGTERM, exit 0) from before 08:00 to
    after 08:30 of an item's 3rd working day overdue, when both rungs of
    level 1 come due: the escalation role's own timer (08:00, reason
    overdue) and the reminder (08:30) that makes 2 reminders since the
    last item.progress (posted between the warning's reminder and the
    overdue one). When the worker is back it decides on both events; the
    item must still get level 1 once, with one alert (docs/policy.md:
    "each level is raised once per item"; the notes: never doubles an
    effect)."""

    def test_level1_raised_once_after_the_worker_was_down(self):
        broker = Broker(test_clock=cst_ms(START), config_text=TEST_CONFIG)
        fleet = Fleet(broker)
        self.addCleanup(fleet.cleanup)
        broker.start()
        workers = {role: fleet.worker(role) for role in ALL_ROLES}
        client = broker.client()
        self.addCleanup(client.close)
        others = tuple(role for role in ALL_ROLES if role != "escalation")
        roles = [ALL_ROLES]
        clock = ManualClock(client, cst_ms(START), lambda: wait_quiet(
            client, roles=roles[0], timeout=SETTLE_TIMEOUT, diagnostics=fleet.diagnostics))
        case_id = new_case_id()
        client.post_ok(registration(case_id, [("S1-01", "city", TIME_MATERIALS["S1-01"])]))
        clock.settle()
        start = cst_date(cst_ms(START))
        due, warn = due_and_warn(CALENDAR, start, 1)
        # progress after the warning's reminder: the count starts again
        clock.walk("%s 10:00" % warn)
        client.post_ok(event("item.progress", case_id, {"item": "S1-01", "note": "审查中"},
                             source="dept"))
        third = CALENDAR.add_working_days(due, 3)        # the 3rd working day overdue
        clock.walk("%s 07:00" % third)
        events = case_events(client, case_id)
        self.assertEqual([ev["body"]["count"] for ev in events if ev["type"] == "reminder.sent"],
                         [1, 2])
        self.assertEqual([ev for ev in events if ev["type"] == "escalation.raised"], [])

        workers["escalation"].stop()                     # down from 07:00 ...
        roles[0] = others
        clock.walk("%s 09:00" % third)
        self.assertEqual([ev["body"]["count"] for ev in case_events(client, case_id)
                          if ev["type"] == "reminder.sent"], [1, 2, 3])
        workers["escalation"].start()                    # ... back at 09:00
        roles[0] = ALL_ROLES
        clock.settle()

        events = case_events(client, case_id)
        raised = [(ev["seq"], ev["body"]["level"], ev["body"]["reason"], ev["cause"])
                  for ev in events if ev["type"] == "escalation.raised"]
        alerts = [(ev["seq"], ev["body"]["alert"], ev["body"].get("repeat", 0), ev["cause"])
                  for ev in events if ev["type"] == "alert.raised"]
        self.assertEqual(len(raised), 1, "level 1 raised %d times: %r; alerts %r"
                         % (len(raised), raised, alerts))
        self.assertEqual(len(alerts), 1, "alert raised %d times: %r" % (len(alerts), alerts))
        check_log_integrity(self, client.all_history(1))
        fleet.stop_workers()


if __name__ == "__main__":
    unittest.main(verbosity=2)
