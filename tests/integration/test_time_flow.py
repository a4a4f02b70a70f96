"""Integration test of the time roles (deadline, reminder, escalation) with
the real broker on its manual test clock and all five workers: due and warn
dates, warnings, overdue notices, reminders in office hours on working days
only, escalation to level 1 and 2 with alerts, acknowledgement, repeated
alerts, and a suspension across the National Day 2026 holiday. Every
expected date is computed here from the rules (PROTOCOL.md "Workflow
semantics", docs/policy.md) with the test's own reading of the holiday
calendar (worker_harness.HolidayCalendar), never by the code under test.
The clock is walked through every 08:00, 08:30 and 12:00, so each timer
fires at its own moment, and each step waits until every role is quiet."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daiban_harness import event, new_case_id  # noqa: E402
from worker_harness import (DEPARTMENTS, POLICY, SUPERVISION_TYPES,  # noqa: E402
                            TIME_MATERIALS, HolidayCalendar,
                            approved, case_events, case_state, check_log_integrity,
                            chief_representative, cst_date, cst_datetime, cst_ms, cst_text,
                            due_and_warn, events_of_type, expected_lines, expected_supervision,
                            item_of, observed, registration, start_time_fleet, timer_firings,
                            wait_quiet)

CALENDAR = HolidayCalendar()
LIMITS = {"S1-01": 1, "S1-06": 5, "S1-08": 10, "U-04": 5}
SUPERVISOR = "supervisor-zhang"


def in_office_hours(ms):
    moment = cst_datetime(ms)
    hhmm = moment.strftime("%H:%M")
    return CALENDAR.is_working(moment.date()) and POLICY["office_open"] <= hhmm < "17:30"


class TimeFlowBase(unittest.TestCase):
    """A broker on the manual clock at `start` and one process of each role."""

    def start_fleet(self, start):
        start_time_fleet(self, cst_ms(start), self.settle)
        self.settle()

    def settle(self):
        return wait_quiet(self.client, diagnostics=self.fleet.diagnostics)

    def register(self, case_id, codes):
        seq = self.client.post_ok(registration(
            case_id, [(code, "city", TIME_MATERIALS[code]) for code in codes]))
        self.settle()
        return seq

    def post(self, type_, case_id, body, source="dept"):
        seq = self.client.post_ok(event(type_, case_id, body, source=source))
        self.settle()
        return seq

    def events(self, case_id, type_=None, item=None):
        events = case_events(self.client, case_id)
        return [ev for ev in events if (type_ is None or ev["type"] == type_)
                and (item is None or ev["body"].get("item") == item)]

    def one(self, case_id, type_, item):
        found = self.events(case_id, type_, item)
        self.assertEqual(len(found), 1, "%s of %s %s: %r\n%s"
                         % (type_, case_id, item, found, self.fleet.diagnostics()))
        return found[0]

    def overdue_cases(self):
        reply = self.client.request({"op": "cases", "overdue": True})
        self.assertIs(reply.get("ok"), True, reply)
        return {summary["case"]: summary for summary in reply["cases"]}

    def check_deadline_set(self, case_id, code, due, warn, paused_days=0, count=1):
        """The item's count-th item.deadline_set says due, warn, paused_days."""
        found = self.events(case_id, "item.deadline_set", code)
        self.assertEqual(len(found), count, found)
        body = found[-1]["body"]
        self.assertEqual((body["due"], body["warn"], body["limit_days"], body["paused_days"]),
                         (due, warn, LIMITS[code], paused_days), "deadline_set of %s" % code)
        self.assertIs(body.get("provisional"), False, body)
        return found[-1]

    def check_reminders_in_office_hours(self, events):
        for ev in events_of_type(events, "reminder.sent"):
            self.assertTrue(in_office_hours(ev["ts"]),
                            "reminder at %s, outside office hours or on a day off: %r"
                            % (cst_text(ev["ts"]), ev))

    def check_alert_summaries(self, events):
        for ev in events_of_type(events, "alert.raised"):
            summary = ev["body"].get("summary")
            self.assertIsInstance(summary, str, ev)
            self.assertIn(ev["case"], summary)
            if "item" in ev["body"]:
                self.assertIn(ev["body"]["item"], summary)


class CalendarSelfTest(unittest.TestCase):
    """The test's own calendar arithmetic, against dates read off the 2026
    notice by hand, so that a mistake in the test is not taken for one in
    the code."""

    def test_known_dates(self):
        self.assertTrue(CALENDAR.is_working("2026-09-20"))      # make-up Sunday
        self.assertTrue(CALENDAR.is_working("2026-10-10"))      # make-up Saturday
        self.assertFalse(CALENDAR.is_working("2026-10-01"))
        self.assertFalse(CALENDAR.is_working("2026-10-11"))
        self.assertFalse(CALENDAR.is_working("2026-04-06"))     # 清明, a Monday
        self.assertEqual(CALENDAR.add_working_days("2026-09-30", 1), "2026-10-08")
        self.assertEqual(CALENDAR.add_working_days("2026-09-18", 10), "2026-10-09")
        self.assertEqual(CALENDAR.working_days_between("2026-09-29", "2026-10-10"), 4)
        self.assertEqual(CALENDAR.add_days("2026-03-02", 60), "2026-05-06")   # 05-01..05 off
        self.assertEqual(due_and_warn(CALENDAR, "2026-03-02", 1), ("2026-03-03", "2026-03-03"))
        with self.assertRaises(AssertionError):
            CALENDAR.is_working("2031-01-01")                   # no notice: no guess


class SupervisionLadderTest(TimeFlowBase):
    START = "2026-03-02 09:00"          # a Monday; no holiday for weeks
    END = "2026-03-11 09:00"

    def test_warning_overdue_reminders_escalation_alerts(self):
        self.start_fleet(self.START)
        start = cst_date(cst_ms(self.START))
        case_id, other = new_case_id(), new_case_id()
        self.register(case_id, ["S1-01", "S1-06", "U-04"])
        self.register(other, ["S1-07"])            # 60 calendar days, not overdue

        # released at once, on the start date; deadline_set with the rules' dates
        for code in ("S1-01", "S1-06", "U-04"):
            submitted = self.one(case_id, "item.submitted", code)
            self.assertEqual(cst_date(submitted["ts"]), start)
            due, warn = due_and_warn(CALENDAR, start, LIMITS[code])
            deadline_set = self.check_deadline_set(case_id, code, due, warn)
            self.assertEqual(deadline_set["cause"], submitted["seq"])
        due, warn = due_and_warn(CALENDAR, start, 60, unit="days")
        body = self.one(other, "item.deadline_set", "S1-07")["body"]
        self.assertEqual((body["due"], body["warn"], body["limit_days"]), (due, warn, 60))
        # two deadline timers per item, nothing else yet
        self.assertEqual(self.client.stats()["timers_pending"], 2 * 4)

        s101 = due_and_warn(CALENDAR, start, 1)
        s106 = due_and_warn(CALENDAR, start, 5)
        # -- the warn date of S1-01 (its due date too: a 1-day limit)
        self.clock.walk("%s 07:59" % s101[1])
        self.assertEqual(self.events(case_id, "deadline.warning"), [])
        self.clock.set("%s 08:00" % s101[1])
        warning = self.one(case_id, "deadline.warning", "S1-01")
        self.assertEqual(cst_text(warning["ts"]), "%s 08:00" % s101[1])
        self.assertEqual((warning["body"]["due"], warning["body"]["days_left"]),
                         (s101[0], CALENDAR.working_days_between(s101[1], s101[0])))
        self.assertEqual(self.events(case_id, "reminder.sent"), [],
                         "a reminder before the offices open")
        self.clock.set("%s 08:30" % s101[1])
        reminder = self.one(case_id, "reminder.sent", "S1-01")
        self.assertEqual(reminder["body"], {"item": "S1-01", "to": DEPARTMENTS["S1-01"],
                                            "contact": chief_representative(DEPARTMENTS["S1-01"]),
                                            "count": 1})
        self.assertEqual(cst_text(reminder["ts"]), "%s 08:30" % s101[1])

        # U-04 is approved before its warn date: its timers end, it never warns
        approve_ms = cst_ms("%s 10:00" % s101[1])
        self.clock.set(approve_ms)
        pending = self.client.stats()["timers_pending"]
        self.post("item.approved", case_id, approved(case_id, "U-04")["body"])
        self.assertEqual(self.client.stats()["timers_pending"], pending - 2)
        self.assertNotIn(case_id, self.overdue_cases(), "overdue on its due date")

        # -- the first working day after the due date: overdue, 2nd reminder,
        #    level 1 (2 reminders without progress) and its alert
        overdue_day = CALENDAR.next_working_day(s101[0])
        self.clock.walk("%s 08:00" % overdue_day)
        overdue = self.one(case_id, "deadline.overdue", "S1-01")
        self.assertEqual((cst_text(overdue["ts"]), overdue["body"]["due"],
                          overdue["body"]["days_over"]),
                         ("%s 08:00" % overdue_day, s101[0], 1))
        overdue_cases = self.overdue_cases()
        self.assertIn(case_id, overdue_cases)
        self.assertIs(overdue_cases[case_id]["overdue"], True)
        self.assertNotIn(other, overdue_cases)
        self.clock.set("%s 08:30" % overdue_day)
        counts = [ev["body"]["count"] for ev in self.events(case_id, "reminder.sent", "S1-01")]
        self.assertEqual(counts, [1, 2])
        level1 = self.one(case_id, "escalation.raised", "S1-01")
        self.assertEqual((level1["body"]["level"], level1["body"]["reason"]), (1, "reminders"))
        self.assertEqual(cst_text(level1["ts"]), "%s 08:30" % overdue_day)
        alert_id = "%s/S1-01/L1" % case_id
        alert = self.one(case_id, "alert.raised", "S1-01")
        self.assertEqual((alert["body"]["alert"], alert["body"]["to"], alert["body"]["level"],
                          alert["body"].get("repeat", 0)),
                         (alert_id, POLICY["group_leader"], 1, 0))

        # a supervisor acknowledges it: it is never raised again
        ack_ms = cst_ms("%s 10:00" % overdue_day)
        self.clock.set(ack_ms)
        self.post("alert.acknowledged", case_id, {"alert": alert_id, "by": "督查室张主任"},
                  source=SUPERVISOR)
        alerts = {entry["alert"]: entry for entry in case_state(self.client, case_id)["alerts"]}
        self.assertIs(alerts[alert_id]["acknowledged"], True)
        again = self.client.post(event("alert.acknowledged", case_id,
                                       {"alert": alert_id, "by": "督查室张主任"},
                                       source=SUPERVISOR))
        self.assertEqual(again.get("error", {}).get("code"), "conflict", again)

        # -- on to the end, through every 08:00, 08:30 and 12:00
        self.clock.walk(self.END)
        end_ms = cst_ms(self.END)
        events = case_events(self.client, case_id)
        models = {
            "S1-01": expected_supervision(CALENDAR, case_id, "S1-01", cst_ms(self.START), 1,
                                          end_ms, acks={alert_id: ack_ms}),
            "S1-06": expected_supervision(CALENDAR, case_id, "S1-06", cst_ms(self.START), 5,
                                          end_ms),
            "U-04": expected_supervision(CALENDAR, case_id, "U-04", cst_ms(self.START), 5,
                                         end_ms, decided_ms=approve_ms)}
        for code, model in models.items():
            self.assertEqual(observed(events, code), expected_lines(model),
                             "supervision of %s\n%s" % (code, self.fleet.diagnostics()))
        self.assertEqual(observed(case_events(self.client, other)), [])
        # what the brief names, read off the model run: S1-06's alert is
        # raised again 24 h later with repeat 1, S1-01 reached level 2
        s106_alert = "%s/S1-06/L1" % case_id
        repeats = [ev for ev in self.events(case_id, "alert.raised")
                   if ev["body"]["alert"] == s106_alert and ev["body"].get("repeat")]
        self.assertEqual([ev["body"]["repeat"] for ev in repeats], [1])
        first = [ev for ev in self.events(case_id, "alert.raised")
                 if ev["body"]["alert"] == s106_alert and not ev["body"].get("repeat")]
        self.assertEqual(repeats[0]["ts"] - first[0]["ts"], POLICY["alert_repeat_ms"])
        self.assertFalse([ev for ev in self.events(case_id, "alert.raised")
                          if ev["body"]["alert"] == alert_id and ev["body"].get("repeat")],
                         "raised again after its acknowledgement")
        level2 = [ev for ev in self.events(case_id, "alert.raised")
                  if ev["body"]["level"] == 2]
        self.assertEqual([(ev["body"]["alert"], ev["body"]["to"]) for ev in level2],
                         [("%s/S1-01/L2" % case_id, POLICY["city_government"])])
        level1_day = cst_date(level1["ts"])
        self.assertEqual(cst_text(level2[0]["ts"]), "%s 08:00" % CALENDAR.add_working_days(
            level1_day, POLICY["escalate_level2_days"]))
        self.check_reminders_in_office_hours(events)
        self.check_alert_summaries(events)

        # the case view
        state = case_state(self.client, case_id)
        expected_items = {
            "S1-01": (s101[0], s101[1], True, 4, 2),
            "S1-06": (s106[0], s106[1], True, 2, 1),
            "U-04": due_and_warn(CALENDAR, start, 5) + (False, 0, 0)}
        for code, (due, warn, overdue_flag, reminders, level) in expected_items.items():
            item = item_of(state, code)
            self.assertEqual((item["due"], item["warn"], item["paused_days"], item["overdue"],
                              item["reminders"], item["escalation"]),
                             (due, warn, 0, overdue_flag, reminders, level), code)
            self.assertEqual(reminders, len(self.events(case_id, "reminder.sent", code)))
        self.assertEqual(item_of(state, "U-04")["status"], "approved")
        alerts = {(entry["alert"], entry["to"], entry["level"], entry["acknowledged"])
                  for entry in state["alerts"]}
        self.assertEqual(alerts, {(alert_id, POLICY["group_leader"], 1, True),
                                  (s106_alert, POLICY["group_leader"], 1, False),
                                  ("%s/S1-01/L2" % case_id, POLICY["city_government"], 2, False)})
        self.assertIn(case_id, self.overdue_cases())
        self.assertNotIn(other, self.overdue_cases())

        # the timers pending are exactly those the rules leave set
        stats = self.client.stats()
        pending = sum(instance.pending_at(end_ms) for model in models.values()
                      for instance in model["timers"])
        other_model = expected_supervision(CALENDAR, other, "S1-07", cst_ms(self.START), 60,
                                           end_ms, unit="days")
        pending += sum(instance.pending_at(end_ms) for instance in other_model["timers"])
        self.assertEqual(stats["timers_pending"], pending)
        all_events = self.client.all_history(1)
        check_log_integrity(self, all_events)
        fired = timer_firings(all_events)
        self.assertEqual(sorted(key for key, evs in fired.items() if len(evs) > 1), [])
        for (timer_id, due_ms), evs in fired.items():
            self.assertEqual(evs[0]["ts"], due_ms, "timer %s fired late" % timer_id)
        self.assertEqual((stats["emits_refused"], stats["failed"], stats["dead_lettered"]),
                         (0, 0, 0))
        self.fleet.stop_workers()


class OfficeHoursTest(TimeFlowBase):
    """A warning that comes on a Friday evening (the clock jumps there past
    its 08:00 timer): its reminder waits for the next office opening, the
    Monday's 08:30, or the Tuesday's when the Monday is a holiday."""

    def friday_evening(self, release, expected_weekday):
        self.start_fleet(release)
        start = cst_date(cst_ms(release))
        case_id = new_case_id()
        self.register(case_id, ["S1-06"])
        due, warn = due_and_warn(CALENDAR, start, LIMITS["S1-06"])
        self.check_deadline_set(case_id, "S1-06", due, warn)
        self.assertEqual(cst_datetime(cst_ms("%s 12:00" % warn)).strftime("%A"), "Friday",
                         "the scenario needs a warn date on a Friday")
        self.clock.walk("%s 07:59" % warn)
        self.assertEqual(self.events(case_id, "deadline.warning"), [])
        self.clock.set("%s 18:00" % warn)
        warning = self.one(case_id, "deadline.warning", "S1-06")
        self.assertEqual(cst_text(warning["ts"]), "%s 18:00" % warn)
        self.assertEqual(warning["body"]["days_left"], CALENDAR.working_days_between(warn, due))
        self.assertEqual(self.events(case_id, "reminder.sent"), [], "a reminder at 18:00")

        opening = CALENDAR.next_working_day(warn)
        self.assertEqual(cst_datetime(cst_ms("%s 12:00" % opening)).strftime("%A"),
                         expected_weekday)
        self.clock.walk("%s 08:29" % opening)      # the weekend's (and holiday's) 08:30s
        self.assertEqual(self.events(case_id, "reminder.sent"), [],
                         "a reminder on a day off or before the offices open")
        self.clock.set("%s 08:30" % opening)
        reminder = self.one(case_id, "reminder.sent", "S1-06")
        self.assertEqual(cst_text(reminder["ts"]), "%s 08:30" % opening)
        self.assertEqual(reminder["body"], {"item": "S1-06", "to": DEPARTMENTS["S1-06"],
                                            "contact": chief_representative(DEPARTMENTS["S1-06"]),
                                            "count": 1})
        check_log_integrity(self, self.client.all_history(1))

    def test_friday_evening_waits_for_monday(self):
        self.friday_evening("2026-03-10 09:00", "Monday")      # due Tue 03-17, warn Fri 03-13

    def test_friday_evening_before_a_holiday_monday(self):
        self.friday_evening("2026-03-31 09:00", "Tuesday")     # 清明: Mon 04-06 off


class SuspensionAcrossNationalDayTest(TimeFlowBase):
    """S1-08 (10 working days) released on Friday 2026-09-18, so its limit
    runs over the make-up Sunday 09-20 and the 中秋 days; suspended for an
    expert review before National Day and resumed on the make-up Saturday
    10-10; then suspended once more, so paused_days adds up."""

    RELEASE = "2026-09-18 09:00"

    def test_suspension_moves_due_by_paused_working_days(self):
        self.start_fleet(self.RELEASE)
        start = cst_date(cst_ms(self.RELEASE))
        case_id = new_case_id()
        self.register(case_id, ["S1-08"])
        due0, warn0 = due_and_warn(CALENDAR, start, 10)
        gap = CALENDAR.working_days_between(warn0, due0)
        self.check_deadline_set(case_id, "S1-08", due0, warn0)

        # suspended the day before its warn date: the clock stops
        suspend1 = "2026-09-29 10:00"
        self.assertLess(cst_date(cst_ms(suspend1)), warn0)
        self.clock.walk(suspend1)
        self.post("item.suspended", case_id, {"item": "S1-08", "reason": "expert_review"})
        self.assertEqual(item_of(case_state(self.client, case_id), "S1-08")["status"],
                         "suspended")
        self.assertEqual(self.client.stats()["timers_pending"], 0,
                         "timers left set on a suspended item")

        # through the holiday: nothing happens to a suspended item
        resume1 = "2026-10-10 10:00"                 # the make-up Saturday
        self.clock.walk(resume1)
        for type_ in SUPERVISION_TYPES:
            self.assertEqual(self.events(case_id, type_), [], type_)
        self.post("item.resumed", case_id, {"item": "S1-08"})
        paused1 = CALENDAR.working_days_between(cst_date(cst_ms(suspend1)),
                                                cst_date(cst_ms(resume1)))
        due1 = CALENDAR.add_working_days(due0, paused1)
        warn1 = CALENDAR.sub_working_days(due1, gap)
        self.check_deadline_set(case_id, "S1-08", due1, warn1, paused1, count=2)
        item = item_of(case_state(self.client, case_id), "S1-08")
        self.assertIn(item["status"], ("submitted", "in_review"))
        self.assertEqual((item["due"], item["warn"], item["paused_days"]),
                         (due1, warn1, paused1))

        # the warning comes on the new warn date, with its reminder
        self.clock.walk("%s 08:30" % warn1)
        warning = self.one(case_id, "deadline.warning", "S1-08")
        self.assertEqual(cst_text(warning["ts"]), "%s 08:00" % warn1)
        self.assertEqual((warning["body"]["due"], warning["body"]["days_left"]),
                         (due1, CALENDAR.working_days_between(warn1, due1)))
        reminder = self.one(case_id, "reminder.sent", "S1-08")
        self.assertEqual(cst_text(reminder["ts"]), "%s 08:30" % warn1)
        self.assertEqual(reminder["body"], {"item": "S1-08", "to": DEPARTMENTS["S1-08"],
                                            "contact": chief_representative(DEPARTMENTS["S1-08"]),
                                            "count": 1})

        # a second, short suspension: paused_days is cumulative, and the
        # due date is recomputed from the original one
        suspend2 = "%s 10:00" % warn1
        self.clock.set(suspend2)
        self.post("item.suspended", case_id, {"item": "S1-08", "reason": "correction"})
        resume2 = "%s 11:00" % CALENDAR.next_working_day(warn1)
        self.clock.walk(resume2)
        self.post("item.resumed", case_id, {"item": "S1-08"})
        paused = paused1 + CALENDAR.working_days_between(cst_date(cst_ms(suspend2)),
                                                         cst_date(cst_ms(resume2)))
        due2 = CALENDAR.add_working_days(due0, paused)
        warn2 = CALENDAR.sub_working_days(due2, gap)
        self.check_deadline_set(case_id, "S1-08", due2, warn2, paused, count=3)
        item = item_of(case_state(self.client, case_id), "S1-08")
        self.assertEqual((item["due"], item["warn"], item["paused_days"]), (due2, warn2, paused))

        # overdue once, the first working day after the new due date (not
        # after the one of the first resumption), and no second warning
        overdue_day = CALENDAR.next_working_day(due2)
        self.assertNotEqual(CALENDAR.next_working_day(due1), overdue_day)
        self.clock.walk("%s 09:00" % overdue_day)
        overdue = self.one(case_id, "deadline.overdue", "S1-08")
        self.assertEqual((cst_text(overdue["ts"]), overdue["body"]["due"],
                          overdue["body"]["days_over"]),
                         ("%s 08:00" % overdue_day, due2, 1))
        self.one(case_id, "deadline.warning", "S1-08")
        counts = [ev["body"]["count"] for ev in self.events(case_id, "reminder.sent")]
        self.assertEqual(counts, [1, 2])
        self.assertIn(case_id, self.overdue_cases())
        events = case_events(self.client, case_id)
        self.check_reminders_in_office_hours(events)
        check_log_integrity(self, self.client.all_history(1))
        stats = self.client.stats()
        self.assertEqual((stats["emits_refused"], stats["failed"], stats["dead_lettered"]),
                         (0, 0, 0))
        self.fleet.stop_workers()


if __name__ == "__main__":
    unittest.main(verbosity=2)
