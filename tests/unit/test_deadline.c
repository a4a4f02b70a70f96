/*  test_deadline: the deadline role's decisions, by tables of (event, case
    state as of that event, time) -> the `done` answer, through the same
    worker_dispatch_answer the socket loop calls: due and warn dates on
    release (a normal week, across National Day 2026 with its make-up
    Saturday 10-10, a limit in calendar days, short limits, past the known
    calendar), the clock stopped by a suspension and moved on resumption,
    the warning and overdue notices when their timers fire, and stale
    timers. Provisional deadlines (past the known calendar) set a recheck
    timer; its firing computes them again with the calendar the worker has
    then: the default one (2023-2026), or one that also loaded a 2027 file
    from calendar/dir, as a worker restarted after the next notice does.
    The default catalog, calendar and policy (config/). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit_support.h"
#include "worker_test_support.h"
#include "deadline.h"

static worker_test_t s_test;

//  The same defaults plus a 2027 file in calendar/dir: the worker after
//  the State Council's 2027 notice. The file is a test fixture in the
//  project's format, not the real arrangement: New Year's Day (Friday
//  2027-01-01) off, nothing else.
static worker_test_t s_new_year;
static char s_calendar_dir [] = "/tmp/daiban-test-deadline-XXXXXX";
static char s_calendar_file [sizeof s_calendar_dir + 16];

static int
s_new_year_setup (void)
{
    if (!mkdtemp (s_calendar_dir))
        return -1;
    snprintf (s_calendar_file, sizeof s_calendar_file, "%s/2027.cfg", s_calendar_dir);
    FILE *file = fopen (s_calendar_file, "w");
    if (!file)
        return -1;
    fputs ("#   test fixture: a 2027 notice with New Year's Day only\n"
           "year = 2027\n"
           "holiday = \"元旦\"\n"
           "    2027-01-01 = off   # Friday\n", file);
    if (fclose (file))
        return -1;
    daiban_error_t err = { 0 };
    s_new_year.config = config_new (NULL, &err);
    if (!s_new_year.config)
        return -1;
    config_set (s_new_year.config, "calendar/dir", s_calendar_dir);
    s_new_year.context = worker_context_new (s_new_year.config, &err);
    if (!s_new_year.context)
        fprintf (stderr, "2027 context: %s\n", err.message);
    s_new_year.output = worker_output_new ();
    return s_new_year.context && s_new_year.output? 0: -1;
}

static int
s_setup (void **state)
{
    (void) state;
    return worker_test_setup (&s_test) || s_new_year_setup ();
}

static int
s_teardown (void **state)
{
    (void) state;
    worker_test_teardown (&s_test);
    worker_test_teardown (&s_new_year);
    unlink (s_calendar_file);
    rmdir (s_calendar_dir);
    return 0;
}

static void
s_run (const worker_test_case_t *cases, size_t count)
{
    worker_test_run (&s_test, &deadline_role, cases, count);
}

//  A case with one item in the state's form; extra adds its fields.
#define CASE_ITEM(code, limit, status, extra) \
    "{'case':'AS-1','status':'in_progress','project':'鞍山测试项目','items':[" \
    "{'code':'" code "','level':'city','department':'市自然资源局','status':'" status "'," \
    "'limit_days':" #limit extra "}]}"
#define SUBMITTED(code) "{'item':'" code "','department':'市自然资源局','window':'综合服务窗口'}"
#define FIRED(kind, code, due) \
    "{'id':'deadline/x/AS-1/" code "','kind':'" kind "','data':{'item':'" code "','due':'" due "'}}"
#define NOTHING "{'op':'done','lease':11,'emit':[],'timers':[]}"

//  A timer set by the role: which is warning, overdue or recheck.
#define TIMER_SET(which, code, due, at) \
    "{'set':{'id':'deadline/" which "/AS-1/" code "','at':'@cst:" at "','case':'AS-1'," \
    "'kind':'deadline." which "','data':{'item':'" code "','due':'" due "'}}}"
#define DEADLINE_SET(code, due, warn, limit, paused, provisional) \
    "{'type':'item.deadline_set','case':'AS-1','body':" \
    "{'item':'" code "','due':'" due "','warn':'" warn "','limit_days':" #limit "," \
    "'paused_days':" #paused ",'provisional':" provisional "}}"

//  The answer to a release: item.deadline_set and both timers.
#define RELEASED(code, due, warn, limit, paused, provisional, warn_at, overdue_at) \
    "{'op':'done','lease':11,'emit':[" DEADLINE_SET (code, due, warn, limit, paused, provisional) \
    "],'timers':[" TIMER_SET ("warning", code, due, warn_at) "," \
    TIMER_SET ("overdue", code, due, overdue_at) "]}"

//  The same, provisional, with the recheck timer.
#define RELEASED_PROVISIONAL(code, due, warn, limit, paused, warn_at, overdue_at, recheck_at) \
    "{'op':'done','lease':11,'emit':[" DEADLINE_SET (code, due, warn, limit, paused, "true") \
    "],'timers':[" TIMER_SET ("warning", code, due, warn_at) "," \
    TIMER_SET ("overdue", code, due, overdue_at) "," \
    TIMER_SET ("recheck", code, due, recheck_at) "]}"

//  --- Release ----------------------------------------------------------------

static void
test_release (void **state)
{
    (void) state;
    static const worker_test_case_t cases [] = {
        { "a normal week: 5 working days after Monday 03-02, warned 2 before",
          "item.submitted", SUBMITTED ("S1-06"), CASE_ITEM ("S1-06", 5, "submitted", ""),
          "2026-03-02 10:00",
          RELEASED ("S1-06", "2026-03-09", "2026-03-05", 5, 0, "false",
                    "2026-03-05 08:00", "2026-03-10 08:00") },
        { "the start date never counts, even released at 00:01 on a working day",
          "item.submitted", SUBMITTED ("S1-06"), CASE_ITEM ("S1-06", 5, "submitted", ""),
          "2026-03-02 00:01",
          RELEASED ("S1-06", "2026-03-09", "2026-03-05", 5, 0, "false",
                    "2026-03-05 08:00", "2026-03-10 08:00") },
        { "released on a Sunday: counting starts on Monday",
          "item.submitted", SUBMITTED ("S1-06"), CASE_ITEM ("S1-06", 5, "submitted", ""),
          "2026-03-01 15:00",
          RELEASED ("S1-06", "2026-03-06", "2026-03-04", 5, 0, "false",
                    "2026-03-04 08:00", "2026-03-09 08:00") },
        { "across National Day: 10-01..10-07 off, Saturday 10-10 a working day",
          "item.submitted", SUBMITTED ("S1-06"), CASE_ITEM ("S1-06", 5, "submitted", ""),
          "2026-09-28 09:30",
          RELEASED ("S1-06", "2026-10-10", "2026-10-08", 5, 0, "false",
                    "2026-10-08 08:00", "2026-10-12 08:00") },
        { "a transferred (county) item starts its clock the same way",
          "item.transferred", "{'item':'S1-06','county':'海城市','office':'海城市营商环境建设局'}",
          CASE_ITEM ("S1-06", 5, "transferred", ",'county':'海城市'"), "2026-09-28 16:45",
          RELEASED ("S1-06", "2026-10-10", "2026-10-08", 5, 0, "false",
                    "2026-10-08 08:00", "2026-10-12 08:00") },
        { "20 working days over the Sunday make-up day 09-20 and National Day",
          "item.submitted", SUBMITTED ("S1-05"), CASE_ITEM ("S1-05", 20, "submitted", ""),
          "2026-09-14 11:00",
          RELEASED ("S1-05", "2026-10-16", "2026-10-14", 20, 0, "false",
                    "2026-10-14 08:00", "2026-10-19 08:00") },
        { "60 calendar days (环评法): 10-02 is a holiday, due moves to 10-08",
          "item.submitted", SUBMITTED ("S1-07"), CASE_ITEM ("S1-07", 60, "submitted", ""),
          "2026-08-03 10:00",
          RELEASED ("S1-07", "2026-10-08", "2026-09-29", 60, 0, "false",
                    "2026-09-29 08:00", "2026-10-09 08:00") },
        { "7 calendar days (建筑法) from 09-30: 10-07 off -> 10-08; short: warned on it",
          "item.submitted", SUBMITTED ("S3-03"), CASE_ITEM ("S3-03", 7, "submitted", ""),
          "2026-09-30 14:00",
          RELEASED ("S3-03", "2026-10-08", "2026-10-08", 7, 0, "false",
                    "2026-10-08 08:00", "2026-10-09 08:00") },
        { "a 1-day limit from a Friday: due Monday, warned the first working day after start",
          "item.submitted", SUBMITTED ("S1-01"), CASE_ITEM ("S1-01", 1, "submitted", ""),
          "2026-03-06 10:00",
          RELEASED ("S1-01", "2026-03-09", "2026-03-09", 1, 0, "false",
                    "2026-03-09 08:00", "2026-03-10 08:00") },
        { "a 2-day limit: 2 before due would be the start date itself",
          "item.submitted", SUBMITTED ("S1-06"), CASE_ITEM ("S1-06", 2, "submitted", ""),
          "2026-03-02 10:00",
          RELEASED ("S1-06", "2026-03-04", "2026-03-03", 2, 0, "false",
                    "2026-03-03 08:00", "2026-03-05 08:00") },
        { "a 3-day limit is not short: warned 2 before due",
          "item.submitted", SUBMITTED ("U-01"), CASE_ITEM ("U-01", 3, "submitted", ""),
          "2026-03-02 10:00",
          RELEASED ("U-01", "2026-03-05", "2026-03-03", 3, 0, "false",
                    "2026-03-03 08:00", "2026-03-06 08:00") },
        { "past the known calendar (2027): weekends only, provisional, rechecked in 24 h",
          "item.submitted", SUBMITTED ("S1-05"), CASE_ITEM ("S1-05", 20, "submitted", ""),
          "2026-12-15 10:00",
          RELEASED_PROVISIONAL ("S1-05", "2027-01-12", "2027-01-08", 20, 0,
                                "2027-01-08 08:00", "2027-01-13 08:00", "2026-12-16 10:00") },
        { "the recheck is set 24 h after the dispatch's now, not the event's ts",
          "item.submitted", SUBMITTED ("S1-05"), CASE_ITEM ("S1-05", 20, "submitted", ""),
          "2026-12-15 10:00/2026-12-15 13:30",
          "{'timers':[{},{}," TIMER_SET ("recheck", "S1-05", "2027-01-12", "2026-12-16 13:30")
          "]}" },
        { "due in 2026 but the overdue notice falls in 2027: not provisional, no recheck",
          "item.submitted", SUBMITTED ("S1-06"), CASE_ITEM ("S1-06", 5, "submitted", ""),
          "2026-12-24 10:00",
          RELEASED ("S1-06", "2026-12-31", "2026-12-29", 5, 0, "false",
                    "2026-12-29 08:00", "2027-01-01 08:00") },
        { "the plan's limit (case.accepted) wins over the catalog's",
          "item.submitted", SUBMITTED ("S1-05"), CASE_ITEM ("S1-05", 5, "submitted", ""),
          "2026-03-02 10:00",
          RELEASED ("S1-05", "2026-03-09", "2026-03-05", 5, 0, "false",
                    "2026-03-05 08:00", "2026-03-10 08:00") },
        { "no limit in the plan: the catalog's (S1-06: 5)",
          "item.submitted", SUBMITTED ("S1-06"), CASE_ITEM ("S1-06", 0, "submitted", ""),
          "2026-03-02 10:00",
          "{'emit':[{'body':{'due':'2026-03-09','limit_days':5}}]}" },
        { "an item the case does not have: nothing",
          "item.submitted", SUBMITTED ("S9-99"), CASE_ITEM ("S1-06", 5, "submitted", ""),
          "2026-03-02 10:00", NOTHING },
        { "an unknown case: nothing",
          "item.submitted", SUBMITTED ("S1-06"), NULL, "2026-03-02 10:00", NOTHING },
    };
    s_run (cases, sizeof cases / sizeof cases [0]);
}

static void
test_release_errors (void **state)
{
    (void) state;
    static const worker_test_case_t cases [] = {
        { "an item with no limit anywhere fails (the broker retries, then parks it)",
          "item.submitted", SUBMITTED ("X-01"), CASE_ITEM ("X-01", 0, "submitted", ""),
          "2026-03-02 10:00",
          "{'op':'fail','lease':11,'message':'item X-01 has no time limit (limit_days 0)'}" },
    };
    s_run (cases, sizeof cases / sizeof cases [0]);
}

//  A warn_days of 3 from a -c file moves the warning; short limits still
//  fall back to the first working day after the start.
static void
test_release_policy (void **state)
{
    (void) state;
    config_set (s_test.config, "policy/warn_days", "3");
    config_set (s_test.config, "policy/notice_time", "07:15");
    static const worker_test_case_t cases [] = {
        { "warn_days 3, notices at 07:15",
          "item.submitted", SUBMITTED ("S1-06"), CASE_ITEM ("S1-06", 5, "submitted", ""),
          "2026-03-02 10:00",
          RELEASED ("S1-06", "2026-03-09", "2026-03-04", 5, 0, "false",
                    "2026-03-04 07:15", "2026-03-10 07:15") },
        { "warn_days 3 with a 3-day limit: the first working day after the start",
          "item.submitted", SUBMITTED ("U-01"), CASE_ITEM ("U-01", 3, "submitted", ""),
          "2026-03-02 10:00",
          RELEASED ("U-01", "2026-03-05", "2026-03-03", 3, 0, "false",
                    "2026-03-03 07:15", "2026-03-06 07:15") },
    };
    s_run (cases, sizeof cases / sizeof cases [0]);
    config_set (s_test.config, "policy/warn_days", "two");
    static const worker_test_case_t bad [] = {
        { "a policy value that is not a number fails the dispatch, naming the key",
          "item.submitted", SUBMITTED ("S1-06"), CASE_ITEM ("S1-06", 5, "submitted", ""),
          "2026-03-02 10:00", "{'op':'fail','lease':11}" },
    };
    s_run (bad, 1);
    json_t *answer = worker_test_decide (&s_test, &deadline_role, "item.submitted",
                                         SUBMITTED ("S1-06"),
                                         CASE_ITEM ("S1-06", 5, "submitted", ""),
                                         "2026-03-02 10:00", "2026-03-02 10:00");
    assert_non_null (strstr (json_string_value (json_object_get (answer, "message")),
                             "policy/warn_days"));
    json_decref (answer);
    config_set (s_test.config, "policy/warn_days", "2");
    config_set (s_test.config, "policy/notice_time", "08:00");
}

//  --- Suspension ----------------------------------------------------------------

#define CANCELLED(code) \
    "{'op':'done','emit':[],'timers':[{'cancel':'deadline/warning/AS-1/" code "'}," \
    "{'cancel':'deadline/overdue/AS-1/" code "'},{'cancel':'deadline/recheck/AS-1/" code "'}]}"
#define DECIDED "{'item':'S1-05','reason':'x','result':{'number':'N','kind':'license'," \
    "'electronic':true}}"

static void
test_suspension (void **state)
{
    (void) state;
    static const worker_test_case_t cases [] = {
        { "item.suspended stops the clock: the timers cancelled, the recheck too",
          "item.suspended", "{'item':'S1-05','reason':'expert_review'}",
          CASE_ITEM ("S1-05", 20, "suspended", ",'released_at':'@cst:2026-09-14 11:00',"
                     "'suspended_at':'@cst:2026-09-29 15:00','due':'2026-10-16'"),
          "2026-09-29 15:00", CANCELLED ("S1-05") },
        { "resumed across National Day: 09-30, 10-08, 10-09 paused, due 10-16 -> 10-21",
          "item.resumed", "{'item':'S1-05'}",
          CASE_ITEM ("S1-05", 20, "submitted", ",'released_at':'@cst:2026-09-14 11:00',"
                     "'suspended_at':'@cst:2026-09-29 15:00','due':'2026-10-16',"
                     "'warn':'2026-10-14'"),
          "2026-10-09 10:00",
          RELEASED ("S1-05", "2026-10-21", "2026-10-19", 20, 3, "false",
                    "2026-10-19 08:00", "2026-10-22 08:00") },
        { "paused days are cumulative: 2 from before plus 3 now",
          "item.resumed", "{'item':'S1-05'}",
          CASE_ITEM ("S1-05", 20, "submitted", ",'released_at':'@cst:2026-09-14 11:00',"
                     "'suspended_at':'@cst:2026-09-29 15:00','due':'2026-10-20',"
                     "'paused_days':2"),
          "2026-10-09 10:00",
          RELEASED ("S1-05", "2026-10-23", "2026-10-21", 20, 5, "false",
                    "2026-10-21 08:00", "2026-10-26 08:00") },
        { "suspended and resumed the same day: nothing paused",
          "item.resumed", "{'item':'S1-05'}",
          CASE_ITEM ("S1-05", 20, "submitted", ",'released_at':'@cst:2026-09-14 11:00',"
                     "'suspended_at':'@cst:2026-09-29 09:00'"),
          "2026-09-29 17:00",
          RELEASED ("S1-05", "2026-10-16", "2026-10-14", 20, 0, "false",
                    "2026-10-14 08:00", "2026-10-19 08:00") },
        { "a warning already given is not armed again, the overdue notice is",
          "item.resumed", "{'item':'S1-05'}",
          CASE_ITEM ("S1-05", 20, "submitted", ",'released_at':'@cst:2026-09-14 11:00',"
                     "'suspended_at':'@cst:2026-10-14 15:00','warned':true"),
          "2026-10-15 10:00",
          "{'emit':[{'type':'item.deadline_set','body':{'due':'2026-10-19','warn':'2026-10-15',"
          "'paused_days':1}}],'timers':[{'set':{'id':'deadline/overdue/AS-1/S1-05',"
          "'at':'@cst:2026-10-20 08:00'}}]}" },
        { "an overdue notice already given: no timer at all",
          "item.resumed", "{'item':'S1-05'}",
          CASE_ITEM ("S1-05", 20, "submitted", ",'released_at':'@cst:2026-09-14 11:00',"
                     "'suspended_at':'@cst:2026-10-20 15:00','warned':true,'overdue':true"),
          "2026-10-21 10:00",
          "{'emit':[{'type':'item.deadline_set','body':{'due':'2026-10-19','paused_days':1}}],"
          "'timers':[]}" },
        { "a short limit keeps its warn date on the due date after a pause",
          "item.resumed", "{'item':'S1-01'}",
          CASE_ITEM ("S1-01", 1, "submitted", ",'released_at':'@cst:2026-09-30 10:00',"
                     "'suspended_at':'@cst:2026-10-08 09:00'"),
          "2026-10-09 09:00",
          RELEASED ("S1-01", "2026-10-09", "2026-10-09", 1, 1, "false",
                    "2026-10-09 08:00", "2026-10-10 08:00") },
        { "resumed into 2027: still provisional, and rechecked again",
          "item.resumed", "{'item':'S1-05'}",
          CASE_ITEM ("S1-05", 20, "submitted", ",'released_at':'@cst:2026-12-15 10:00',"
                     "'suspended_at':'@cst:2026-12-17 15:00','due':'2027-01-12',"
                     "'provisional':true"),
          "2026-12-22 10:00",
          RELEASED_PROVISIONAL ("S1-05", "2027-01-15", "2027-01-13", 20, 3,
                                "2027-01-13 08:00", "2027-01-18 08:00", "2026-12-23 10:00") },
        { "item.approved ends the timers", "item.approved", DECIDED,
          CASE_ITEM ("S1-05", 20, "approved", ""), "2026-10-12 10:00", CANCELLED ("S1-05") },
        { "item.rejected ends the timers", "item.rejected", DECIDED,
          CASE_ITEM ("S1-05", 20, "rejected", ""), "2026-10-12 10:00", CANCELLED ("S1-05") },
        { "item.withdrawn ends the timers", "item.withdrawn", DECIDED,
          CASE_ITEM ("S1-05", 20, "withdrawn", ""), "2026-10-12 10:00", CANCELLED ("S1-05") },
        { "resumed but the state does not say when it was suspended: fail",
          "item.resumed", "{'item':'S1-05'}",
          CASE_ITEM ("S1-05", 20, "submitted", ",'released_at':'@cst:2026-09-14 11:00'"),
          "2026-10-09 10:00", "{'op':'fail','lease':11}" },
    };
    s_run (cases, sizeof cases / sizeof cases [0]);
}

//  --- Notices --------------------------------------------------------------------

static void
test_notices (void **state)
{
    (void) state;
    static const worker_test_case_t cases [] = {
        { "the warning on its date: 2 working days left (10-09, make-up Saturday 10-10)",
          "timer.fired", FIRED ("deadline.warning", "S1-06", "2026-10-10"),
          CASE_ITEM ("S1-06", 5, "submitted", ",'due':'2026-10-10','warn':'2026-10-08'"),
          "2026-10-08 08:00",
          "{'op':'done','emit':[{'type':'deadline.warning','case':'AS-1','body':"
          "{'item':'S1-06','due':'2026-10-10','days_left':2}}],'timers':[]}" },
        { "a short limit warned on its due date: 0 days left",
          "timer.fired", FIRED ("deadline.warning", "S1-01", "2026-03-09"),
          CASE_ITEM ("S1-01", 1, "in_review", ",'due':'2026-03-09'"), "2026-03-09 08:00",
          "{'emit':[{'type':'deadline.warning','body':{'days_left':0}}]}" },
        { "the overdue notice on the first working day after due: days_over 1",
          "timer.fired", FIRED ("deadline.overdue", "S1-06", "2026-10-10"),
          CASE_ITEM ("S1-06", 5, "submitted", ",'due':'2026-10-10','warned':true"),
          "2026-10-12 08:00",
          "{'op':'done','emit':[{'type':'deadline.overdue','case':'AS-1','body':"
          "{'item':'S1-06','due':'2026-10-10','days_over':1}}],'timers':[]}" },
        { "an overdue timer fired late (broker down) counts the days since due",
          "timer.fired", FIRED ("deadline.overdue", "S1-06", "2026-10-10"),
          CASE_ITEM ("S1-06", 5, "transferred", ",'due':'2026-10-10'"), "2026-10-14 13:00",
          "{'emit':[{'type':'deadline.overdue','body':{'days_over':3}}]}" },
        { "stale: the due date moved since the timer was set",
          "timer.fired", FIRED ("deadline.overdue", "S1-05", "2026-10-16"),
          CASE_ITEM ("S1-05", 20, "submitted", ",'due':'2026-10-21'"), "2026-10-19 08:00",
          NOTHING },
        { "stale: the item is suspended",
          "timer.fired", FIRED ("deadline.warning", "S1-05", "2026-10-16"),
          CASE_ITEM ("S1-05", 20, "suspended", ",'due':'2026-10-16'"), "2026-10-14 08:00",
          NOTHING },
        { "stale: the item was approved",
          "timer.fired", FIRED ("deadline.overdue", "S1-05", "2026-10-16"),
          CASE_ITEM ("S1-05", 20, "approved", ",'due':'2026-10-16'"), "2026-10-19 08:00",
          NOTHING },
        { "stale: withdrawn",
          "timer.fired", FIRED ("deadline.warning", "S1-05", "2026-10-16"),
          CASE_ITEM ("S1-05", 20, "withdrawn", ",'due':'2026-10-16'"), "2026-10-14 08:00",
          NOTHING },
        { "the warning is not given twice",
          "timer.fired", FIRED ("deadline.warning", "S1-05", "2026-10-16"),
          CASE_ITEM ("S1-05", 20, "submitted", ",'due':'2026-10-16','warned':true"),
          "2026-10-14 08:00", NOTHING },
        { "the overdue notice is not repeated",
          "timer.fired", FIRED ("deadline.overdue", "S1-05", "2026-10-16"),
          CASE_ITEM ("S1-05", 20, "submitted", ",'due':'2026-10-16','overdue':true"),
          "2026-10-21 08:00", NOTHING },
        { "a warning timer that fires after due is left to the overdue notice",
          "timer.fired", FIRED ("deadline.warning", "S1-05", "2026-10-16"),
          CASE_ITEM ("S1-05", 20, "submitted", ",'due':'2026-10-16'"), "2026-10-19 08:00",
          NOTHING },
        { "another role's timer: nothing",
          "timer.fired", "{'id':'transfer/handover/AS-1/S1-05','kind':'transfer.handover',"
          "'data':{'item':'S1-05','county':'海城市','office':'海城市营商环境建设局'}}",
          CASE_ITEM ("S1-05", 20, "transferred", ",'due':'2026-10-16'"), "2026-10-14 08:00",
          NOTHING },
        { "a closed case: nothing",
          "timer.fired", FIRED ("deadline.overdue", "S1-05", "2026-10-16"),
          "{'case':'AS-1','status':'closed','items':[{'code':'S1-05','status':'approved',"
          "'due':'2026-10-16'}]}", "2026-10-19 08:00", NOTHING },
    };
    s_run (cases, sizeof cases / sizeof cases [0]);
}

//  --- Recheck of provisional deadlines ----------------------------------------------

//  An item released on Tuesday 2026-12-15 with limit working days, as the
//  state shows it after the role's provisional item.deadline_set; extra
//  adds fields.
#define PROVISIONAL_ITEM(code, limit, status, due, warn, extra) \
    CASE_ITEM (code, limit, status, ",'released_at':'@cst:2026-12-15 10:00','due':'" due "'," \
               "'warn':'" warn "','provisional':true" extra)
#define RECHECK(code, due) FIRED ("deadline.recheck", code, due)

//  The calendar has not changed (no 2027 file yet): the same dates, so no
//  new item.deadline_set, only the next recheck.
static void
test_recheck_same_calendar (void **state)
{
    (void) state;
    static const worker_test_case_t cases [] = {
        { "still provisional, same dates: only the recheck again, 24 h after now",
          "timer.fired", RECHECK ("S1-05", "2027-01-12"),
          PROVISIONAL_ITEM ("S1-05", 20, "submitted", "2027-01-12", "2027-01-08", ""),
          "2026-12-16 10:00",
          "{'op':'done','lease':11,'emit':[],'timers':["
          TIMER_SET ("recheck", "S1-05", "2027-01-12", "2026-12-17 10:00") "]}" },
        { "paused days from the state count: 3 paused, due 2027-01-15",
          "timer.fired", RECHECK ("S1-05", "2027-01-15"),
          PROVISIONAL_ITEM ("S1-05", 20, "in_review", "2027-01-15", "2027-01-13",
                            ",'paused_days':3"),
          "2026-12-23 10:00",
          "{'op':'done','lease':11,'emit':[],'timers':["
          TIMER_SET ("recheck", "S1-05", "2027-01-15", "2026-12-24 10:00") "]}" },
        { "the state's due differs from what the release computes: corrected, still provisional",
          "timer.fired", RECHECK ("S1-05", "2027-01-11"),
          PROVISIONAL_ITEM ("S1-05", 20, "submitted", "2027-01-11", "2027-01-07", ""),
          "2026-12-16 10:00",
          RELEASED_PROVISIONAL ("S1-05", "2027-01-12", "2027-01-08", 20, 0,
                                "2027-01-08 08:00", "2027-01-13 08:00", "2026-12-17 10:00") },
    };
    s_run (cases, sizeof cases / sizeof cases [0]);
    //  The interval is policy/recheck_hours.
    config_set (s_test.config, "policy/recheck_hours", "6");
    static const worker_test_case_t configured [] = {
        { "recheck_hours 6",
          "timer.fired", RECHECK ("S1-05", "2027-01-12"),
          PROVISIONAL_ITEM ("S1-05", 20, "submitted", "2027-01-12", "2027-01-08", ""),
          "2026-12-16 10:00",
          "{'emit':[],'timers':["
          TIMER_SET ("recheck", "S1-05", "2027-01-12", "2026-12-16 16:00") "]}" },
    };
    s_run (configured, 1);
    config_set (s_test.config, "policy/recheck_hours", "0");
    s_run ((const worker_test_case_t []) {
        { "recheck_hours 0 is refused, naming the key",
          "timer.fired", RECHECK ("S1-05", "2027-01-12"),
          PROVISIONAL_ITEM ("S1-05", 20, "submitted", "2027-01-12", "2027-01-08", ""),
          "2026-12-16 10:00",
          "{'op':'fail','lease':11,'message':'config policy/recheck_hours: 0 is not in 1..8784'}" },
    }, 1);
    config_set (s_test.config, "policy/recheck_hours", "24");
}

//  The worker restarted with a 2027 file (2027-01-01 off): the deadline
//  moves by a day and is no longer provisional.
static void
test_recheck_new_year (void **state)
{
    (void) state;
    static const worker_test_case_t cases [] = {
        { "2027-01-01 now off: due 01-12 -> 01-13, warn 01-08 -> 01-11, not provisional, "
          "both notices moved, no more recheck",
          "timer.fired", RECHECK ("S1-05", "2027-01-12"),
          PROVISIONAL_ITEM ("S1-05", 20, "submitted", "2027-01-12", "2027-01-08", ""),
          "2026-12-16 10:00",
          RELEASED ("S1-05", "2027-01-13", "2027-01-11", 20, 0, "false",
                    "2027-01-11 08:00", "2027-01-14 08:00") },
        { "with 3 paused days and the warning given: due 01-15 -> 01-18, only the overdue "
          "notice moves",
          "timer.fired", RECHECK ("S1-05", "2027-01-15"),
          PROVISIONAL_ITEM ("S1-05", 20, "in_review", "2027-01-15", "2027-01-13",
                            ",'paused_days':3,'warned':true"),
          "2027-01-14 10:00",
          "{'op':'done','lease':11,'emit':["
          DEADLINE_SET ("S1-05", "2027-01-18", "2027-01-14", 20, 3, "false") "],'timers':["
          TIMER_SET ("overdue", "S1-05", "2027-01-18", "2027-01-19 08:00") "]}" },
        { "both notices already given: the corrected dates, no timer",
          "timer.fired", RECHECK ("S1-05", "2027-01-12"),
          PROVISIONAL_ITEM ("S1-05", 20, "submitted", "2027-01-12", "2027-01-08",
                            ",'warned':true,'overdue':true"),
          "2027-01-20 10:00",
          "{'op':'done','lease':11,'emit':["
          DEADLINE_SET ("S1-05", "2027-01-13", "2027-01-11", 20, 0, "false") "],'timers':[]}" },
        { "same dates (released after 01-01), no longer provisional: said so, timers kept",
          "timer.fired", RECHECK ("S1-06", "2027-01-11"),
          CASE_ITEM ("S1-06", 5, "submitted", ",'released_at':'@cst:2027-01-04 10:00',"
                     "'due':'2027-01-11','warn':'2027-01-07','provisional':true"),
          "2027-01-05 10:00",
          RELEASED ("S1-06", "2027-01-11", "2027-01-07", 5, 0, "false",
                    "2027-01-07 08:00", "2027-01-12 08:00") },
        { "due in 2028 (no file): corrected by a day, still provisional, rechecked again",
          "timer.fired", RECHECK ("S1-05", "2028-02-08"),
          PROVISIONAL_ITEM ("S1-05", 300, "submitted", "2028-02-08", "2028-02-04", ""),
          "2026-12-16 10:00",
          RELEASED_PROVISIONAL ("S1-05", "2028-02-09", "2028-02-07", 300, 0,
                                "2028-02-07 08:00", "2028-02-10 08:00", "2026-12-17 10:00") },
        { "already recomputed and not provisional: nothing",
          "timer.fired", RECHECK ("S1-05", "2027-01-13"),
          CASE_ITEM ("S1-05", 20, "submitted", ",'released_at':'@cst:2026-12-15 10:00',"
                     "'due':'2027-01-13','warn':'2027-01-11','provisional':false"),
          "2026-12-17 10:00", NOTHING },
        { "approved: nothing emitted, nothing set",
          "timer.fired", RECHECK ("S1-05", "2027-01-12"),
          PROVISIONAL_ITEM ("S1-05", 20, "approved", "2027-01-12", "2027-01-08", ""),
          "2026-12-16 10:00", NOTHING },
        { "rejected: nothing",
          "timer.fired", RECHECK ("S1-05", "2027-01-12"),
          PROVISIONAL_ITEM ("S1-05", 20, "rejected", "2027-01-12", "2027-01-08", ""),
          "2026-12-16 10:00", NOTHING },
        { "withdrawn: nothing",
          "timer.fired", RECHECK ("S1-05", "2027-01-12"),
          PROVISIONAL_ITEM ("S1-05", 20, "withdrawn", "2027-01-12", "2027-01-08", ""),
          "2026-12-16 10:00", NOTHING },
        { "suspended: nothing (the resumption computes again)",
          "timer.fired", RECHECK ("S1-05", "2027-01-12"),
          PROVISIONAL_ITEM ("S1-05", 20, "suspended", "2027-01-12", "2027-01-08",
                            ",'suspended_at':'@cst:2026-12-16 09:00'"),
          "2026-12-16 10:00", NOTHING },
        { "an item the case does not have: nothing",
          "timer.fired", RECHECK ("S9-99", "2027-01-12"),
          PROVISIONAL_ITEM ("S1-05", 20, "submitted", "2027-01-12", "2027-01-08", ""),
          "2026-12-16 10:00", NOTHING },
        { "a closed case: nothing",
          "timer.fired", RECHECK ("S1-05", "2027-01-12"),
          "{'case':'AS-1','status':'closed','items':[{'code':'S1-05','status':'approved',"
          "'limit_days':20,'released_at':'@cst:2026-12-15 10:00','due':'2027-01-12',"
          "'provisional':true}]}", "2026-12-16 10:00", NOTHING },
        { "a release once the 2027 file is loaded: not provisional, no recheck",
          "item.submitted", SUBMITTED ("S1-05"), CASE_ITEM ("S1-05", 20, "submitted", ""),
          "2026-12-15 10:00",
          RELEASED ("S1-05", "2027-01-13", "2027-01-11", 20, 0, "false",
                    "2027-01-11 08:00", "2027-01-14 08:00") },
        { "an overdue timer set for 2027-01-01 (weekends only) fires on what is now a "
          "holiday: set again for the next working day, nothing lost",
          "timer.fired", FIRED ("deadline.overdue", "S1-06", "2026-12-31"),
          CASE_ITEM ("S1-06", 5, "submitted", ",'due':'2026-12-31','warned':true"),
          "2027-01-01 08:00",
          "{'op':'done','lease':11,'emit':[],'timers':["
          TIMER_SET ("overdue", "S1-06", "2026-12-31", "2027-01-04 08:00") "]}" },
        { "... and gives the notice when that fires",
          "timer.fired", FIRED ("deadline.overdue", "S1-06", "2026-12-31"),
          CASE_ITEM ("S1-06", 5, "submitted", ",'due':'2026-12-31','warned':true"),
          "2027-01-04 08:00",
          "{'emit':[{'type':'deadline.overdue','body':{'item':'S1-06','due':'2026-12-31',"
          "'days_over':1}}],'timers':[]}" },
    };
    worker_test_run (&s_new_year, &deadline_role, cases, sizeof cases / sizeof cases [0]);
    //  Without the 2027 file, 2027-01-01 is a working day: the notice then.
    static const worker_test_case_t old [] = {
        { "the same overdue timer on the old calendar: days_over 1 on 2027-01-01",
          "timer.fired", FIRED ("deadline.overdue", "S1-06", "2026-12-31"),
          CASE_ITEM ("S1-06", 5, "submitted", ",'due':'2026-12-31','warned':true"),
          "2027-01-01 08:00",
          "{'emit':[{'type':'deadline.overdue','body':{'days_over':1}}],'timers':[]}" },
    };
    s_run (old, 1);
}

//  --- Schedule (the date arithmetic alone) and the policy -----------------------

static void
test_schedule (void **state)
{
    (void) state;
    policy_t policy;
    daiban_error_t err = { 0 };
    assert_int_equal (policy_read (s_test.context, &policy, &err), DAIBAN_OK);
    date_t start, due, warn, overdue;
    assert_int_equal (date_parse ("2026-09-28", &start, &err), DAIBAN_OK);
    assert_int_equal (date_parse ("2026-10-10", &due, &err), DAIBAN_OK);
    assert_int_equal (date_parse ("2026-10-08", &warn, &err), DAIBAN_OK);
    assert_int_equal (date_parse ("2026-10-12", &overdue, &err), DAIBAN_OK);
    deadline_schedule_t schedule;
    assert_int_equal (deadline_schedule (s_test.context->calendar, &policy, start, 5,
                                         CATALOG_WORKING_DAYS, 0, &schedule, &err), DAIBAN_OK);
    assert_int_equal (schedule.due, due);
    assert_int_equal (schedule.warn, warn);
    assert_int_equal (schedule.overdue, overdue);
    assert_false (schedule.provisional);
    //  A limit too large for the calendar is an error, not a date.
    assert_int_not_equal (deadline_schedule (s_test.context->calendar, &policy, start,
                                             CALENDAR_DAYS_MAX + 1, CATALOG_WORKING_DAYS, 0,
                                             &schedule, &err), DAIBAN_OK);
    //  The embedded policy is the protocol's default.
    assert_int_equal (policy.warn_days, 2);
    assert_int_equal (policy.notice_minute, 8 * 60);
    assert_int_equal (policy.office_open, 8 * 60 + 30);
    assert_int_equal (policy.office_close, 17 * 60 + 30);
    assert_int_equal (policy.reminder_every_days, 2);
    assert_int_equal (policy.escalate_reminders, 2);
    assert_int_equal (policy.escalate_overdue_days, 3);
    assert_int_equal (policy.escalate_level2_days, 5);
    assert_int_equal (policy.alert_repeat_ms, 24 * DATE_HOUR_MS);
    assert_int_equal (policy.recheck_ms, 24 * DATE_HOUR_MS);
    assert_string_equal (policy.group_leader, "专班组长");
    assert_string_equal (policy.city_government, "市政府");
    assert_int_equal (policy_parse_time ("23:59"), 23 * 60 + 59);
    assert_int_equal (policy_parse_time ("24:00"), -1);
    assert_int_equal (policy_parse_time ("8:30"), -1);
    assert_int_equal (policy_parse_time ("08:60"), -1);
    assert_int_equal (policy_check (s_test.context, &err), DAIBAN_OK);
    config_set (s_test.config, "policy/office_close", "08:00");
    assert_int_not_equal (policy_check (s_test.context, &err), DAIBAN_OK);
    assert_non_null (strstr (err.message, "office"));
    config_set (s_test.config, "policy/office_close", "17:30");
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_release),
        cmocka_unit_test (test_release_errors),
        cmocka_unit_test (test_release_policy),
        cmocka_unit_test (test_suspension),
        cmocka_unit_test (test_notices),
        cmocka_unit_test (test_recheck_same_calendar),
        cmocka_unit_test (test_recheck_new_year),
        cmocka_unit_test (test_schedule),
    };
    return cmocka_run_group_tests (tests, s_setup, s_teardown);
}
