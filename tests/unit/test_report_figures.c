/*  test_report_figures: the periodic report's figures on a generated set
    of cases whose outcomes the generator knows (docs/archive.md). Each case
    i of 48 follows rules of i (registered in the previous or the current
    week, returned once or not, item X1 of D1 decided after i % 6 working
    days against a limit of 3, item X2 of D2 suspended for a day for some,
    decided after i % 7 working days against 5 for even i, left open for
    odd i; reminders, escalations with alerts acknowledged after a known
    number of minutes, closing when both items are decided). The expected
    figures are counted here from those rules, case by case, and every
    figure of both periods must equal them. March 2026 has no holidays, so
    a working day here is a weekday. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "date.h"
#include "report_figures.h"

#define CASES 48
#define AGENTS 3
static const char *s_counties [] = { "海城市", "台安县", "" };

typedef struct {
    date_t registered, x1_decided, x2_decided, closed;
    bool returned, suspended, x2_open, reminded, escalated, level2, acknowledged;
    int x1_days, x2_days, ack_minutes;
    const char *county;
    char id [32], agent [8];
} s_case_t;

static date_t s_monday_prev, s_monday;      //  2026-03-02 and 2026-03-09
static calendar_t *s_calendar;
static s_case_t s_cases [CASES];
static json_t *s_events;

static date_t
s_add_weekdays (date_t day, int count)
{
    while (count > 0)
        if (date_weekday (++day) <= 5)
            count--;
    return day;
}

//  Weekdays strictly after from up to and including to.
static int
s_weekdays_between (date_t from, date_t to)
{
    int count = 0;
    for (date_t day = from + 1; day <= to; day++)
        count += date_weekday (day) <= 5;
    return count;
}

static void
s_event (const char *type, const s_case_t *c, date_t day, int hour, int minute, json_t *body)
{
    json_array_append_new (s_events, json_pack ("{s:s, s:s, s:I, s:o}", "type", type, "case",
                                                c->id, "ts",
                                                (json_int_t) date_at_ms (day, hour, minute),
                                                "body", body));
}

static void
s_make_case (int i)
{
    s_case_t *c = &s_cases [i];
    snprintf (c->id, sizeof c->id, "R-%02d", i);
    snprintf (c->agent, sizeof c->agent, "A%d", i % AGENTS);
    c->registered = (i < CASES / 2? s_monday_prev: s_monday) + i % 5;
    c->returned = i % 4 == 0;
    c->suspended = i % 3 == 0;
    c->x2_open = i % 2 == 1;
    c->reminded = i % 3 == 1;
    c->escalated = i % 5 == 1;
    c->level2 = i % 10 == 1;
    c->acknowledged = i % 2 == 1;
    c->ack_minutes = (i % 4 + 1) * 30;
    c->county = s_counties [i % 3];
    c->x1_days = i % 6;
    c->x2_days = i % 7;
    c->x1_decided = s_add_weekdays (c->registered, c->x1_days);
    c->x2_decided = s_add_weekdays (c->registered, c->x2_days);
    date_t last = c->x1_decided > c->x2_decided? c->x1_decided: c->x2_decided;
    c->closed = c->x2_open? 0: last;
}

static int
s_by_ts (const void *a, const void *b)
{
    json_t *x = *(json_t *const *) a, *y = *(json_t *const *) b;
    json_int_t left = json_integer_value (json_object_get (x, "ts"));
    json_int_t right = json_integer_value (json_object_get (y, "ts"));
    if (left == right) {
        left = json_integer_value (json_object_get (x, "order"));
        right = json_integer_value (json_object_get (y, "order"));
    }
    return left < right? -1: left > right;
}

//  The log of case i, as the broker and the workers would have written it.
static void
s_log_case (int i)
{
    s_case_t *c = &s_cases [i];
    date_t day = c->registered;
    s_event ("case.registered", c, day, 9, 0, json_pack ("{s:s, s:s}", "project", "项目",
                                                         "county", c->county));
    if (c->returned)
        s_event ("case.returned", c, day, 9, 5, json_pack ("{s:[], s:[]}", "missing",
                                                           "unknown_items"));
    s_event ("case.accepted", c, day, 9, 30, json_pack (
        "{s:s, s:[{s:s, s:s, s:s, s:i}, {s:s, s:s, s:s, s:i}]}", "agent", c->agent, "items",
        "code", "X1", "name", "一号事项", "department", "D1", "limit_days", 3,
        "code", "X2", "name", "二号事项", "department", "D2", "limit_days", 5));
    char due [16];
    for (int item = 1; item <= 2; item++) {
        const char *code = item == 1? "X1": "X2";
        s_event ("item.submitted", c, day, 10, 0, json_pack ("{s:s}", "item", code));
        date_format (s_add_weekdays (day, item == 1? 3: 5), due);
        s_event ("item.deadline_set", c, day, 10, 1, json_pack ("{s:s, s:s, s:i}", "item", code,
                                                                "due", due, "paused_days", 0));
    }
    if (c->suspended) {
        date_format (s_add_weekdays (day, 6), due);
        s_event ("item.deadline_set", c, s_add_weekdays (day, 1), 7, 0,
                 json_pack ("{s:s, s:s, s:i}", "item", "X2", "due", due, "paused_days", 1));
    }
    s_event ("item.approved", c, c->x1_decided, 16, 0, json_pack ("{s:s}", "item", "X1"));
    if (!c->x2_open)
        s_event ("item.rejected", c, c->x2_decided, 16, 30, json_pack ("{s:s}", "item", "X2"));
    if (c->closed)
        s_event ("case.closed", c, c->closed, 17, 0, json_object ());
    if (c->reminded)
        s_event ("reminder.sent", c, s_add_weekdays (day, 1), 8, 30,
                 json_pack ("{s:s, s:s}", "item", "X1", "to", "D1"));
    if (!c->escalated)
        return;
    char alert [40];
    snprintf (alert, sizeof alert, "%s/L1", c->id);
    date_t raised = s_add_weekdays (day, 1);
    s_event ("escalation.raised", c, raised, 11, 0, json_pack ("{s:s, s:i}", "item", "X1",
                                                               "level", c->level2? 2: 1));
    s_event ("alert.raised", c, raised, 11, 0, json_pack ("{s:s, s:i}", "alert", alert,
                                                          "level", c->level2? 2: 1));
    s_event ("alert.raised", c, raised, 11, 10, json_pack ("{s:s, s:i, s:i}", "alert", alert,
                                                           "level", c->level2? 2: 1, "repeat", 1));
    if (c->acknowledged)
        s_event ("alert.acknowledged", c, raised, 11, c->ack_minutes,
                 json_pack ("{s:s}", "alert", alert));
}

static json_t *
s_agents (void)
{
    return json_pack ("[{s:s, s:s, s:i}, {s:s, s:s, s:i}, {s:s, s:s, s:i}]",
                      "id", "A0", "name", "甲", "capacity", 10, "id", "A1", "name", "乙",
                      "capacity", 8, "id", "A2", "name", "丙", "capacity", 6);
}

static int
s_setup (void **state)
{
    (void) state;
    s_calendar = calendar_new (NULL, NULL);
    assert_non_null (s_calendar);
    assert_int_equal (date_parse ("2026-03-02", &s_monday_prev, NULL), DAIBAN_OK);
    s_monday = s_monday_prev + 7;
    s_events = json_array ();
    for (int i = 0; i < CASES; i++) {
        s_make_case (i);
        s_log_case (i);
    }
    size_t count = json_array_size (s_events);
    json_t **sorted = calloc (count, sizeof (json_t *));
    for (size_t index = 0; index < count; index++)
        sorted [index] = json_incref (json_array_get (s_events, index));
    //  The log's order: by commit time, ties in the order written.
    for (size_t index = 0; index < count; index++)
        json_object_set_new (sorted [index], "order", json_integer ((json_int_t) index));
    qsort (sorted, count, sizeof (json_t *), s_by_ts);
    json_array_clear (s_events);
    for (size_t index = 0; index < count; index++) {
        json_object_set_new (sorted [index], "seq", json_integer ((json_int_t) index + 1));
        json_array_append_new (s_events, sorted [index]);
    }
    free (sorted);
    return 0;
}

static int
s_teardown (void **state)
{
    (void) state;
    json_decref (s_events);
    calendar_destroy (&s_calendar);
    return 0;
}

//  --- the expected figures, counted case by case from the rules above

static void
s_add (json_t *object, const char *key, int by)
{
    json_object_set_new (object, key,
                         json_integer (json_integer_value (json_object_get (object, key)) + by));
}

static json_t *
s_group (json_t *parent, const char *key)
{
    json_t *group = json_object_get (parent, key);
    if (!group)
        json_object_set_new (parent, key, group = json_pack ("{s:i, s:i, s:i}", "decided", 0,
                                                             "on_time", 0, "late", 0));
    return group;
}

static void
s_decision (json_t *items, json_t *values, const char *department, const char *county,
            bool on_time, int used)
{
    json_t *groups [] = { items, s_group (json_object_get (items, "by_department"), department),
                          s_group (json_object_get (items, "by_county"),
                                   *county? county: "（未填县区）") };
    for (int index = 0; index < 3; index++) {
        s_add (groups [index], "decided", 1);
        s_add (groups [index], on_time? "on_time": "late", 1);
    }
    json_array_append_new (values, json_integer (used));
}

static int
s_int_compare (const void *a, const void *b)
{
    return *(const int *) a - *(const int *) b;
}

//  {median, worst} of a list of ints into entry.
static void
s_stats (json_t *values, json_t *entry, const char *median, const char *worst)
{
    size_t count = json_array_size (values);
    int numbers [CASES * 2];
    for (size_t index = 0; index < count; index++)
        numbers [index] = (int) json_integer_value (json_array_get (values, index));
    qsort (numbers, count, sizeof (int), s_int_compare);
    json_object_set_new (entry, median, count? json_integer (numbers [(count - 1) / 2]): json_null ());
    json_object_set_new (entry, worst, count? json_integer (numbers [count - 1]): json_null ());
}

static void
s_rates (json_t *group)
{
    json_int_t decided = json_integer_value (json_object_get (group, "decided"));
    json_int_t on_time = json_integer_value (json_object_get (group, "on_time"));
    json_object_set_new (group, "on_time_rate",
                         decided? json_real ((double) on_time / (double) decided): json_null ());
}

static void
s_expected_items (json_t *figures, date_t from, date_t to)
{
    json_t *items = json_pack ("{s:i, s:i, s:i, s:{}, s:{}}", "decided", 0, "on_time", 0,
                               "late", 0, "by_department", "by_county");
    json_t *x1 = json_array (), *x2 = json_array ();
    for (int i = 0; i < CASES; i++) {
        s_case_t *c = &s_cases [i];
        if (c->x1_decided >= from && c->x1_decided <= to)
            s_decision (items, x1, "D1", c->county, c->x1_days <= 3, c->x1_days);
        int paused = c->suspended && c->x2_days >= 1;
        if (!c->x2_open && c->x2_decided >= from && c->x2_decided <= to)
            s_decision (items, x2, "D2", c->county, c->x2_days <= 5 + paused,
                        c->x2_days - paused);
    }
    s_rates (items);
    const char *key;
    json_t *group;
    json_object_foreach (json_object_get (items, "by_department"), key, group)
        s_rates (group);
    json_object_foreach (json_object_get (items, "by_county"), key, group)
        s_rates (group);
    json_object_set_new (figures, "items", items);
    json_t *used = json_object ();
    json_t *lists [] = { x1, x2 };
    const char *codes [] = { "X1", "X2" }, *names [] = { "一号事项", "二号事项" };
    for (int index = 0; index < 2; index++) {
        if (!json_array_size (lists [index]))
            continue;
        json_t *entry = json_pack ("{s:s, s:i, s:I}", "name", names [index], "limit_days",
                                   index? 5: 3, "decided",
                                   (json_int_t) json_array_size (lists [index]));
        s_stats (lists [index], entry, "median", "worst");
        json_object_set_new (used, codes [index], entry);
    }
    json_object_set_new (figures, "working_days", used);
    json_decref (x1);
    json_decref (x2);
}

static void
s_expected_overdue (json_t *overdue, s_case_t *c, date_t as_of)
{
    char due_text [16], key [48];
    for (int item = 1; item <= 2; item++) {
        date_t decided = item == 1? c->x1_decided: c->x2_decided;
        if (item == 2 && !c->x2_open && decided <= as_of)
            continue;
        if (item == 1 && decided <= as_of)
            continue;
        date_t due = s_add_weekdays (c->registered, item == 1? 3: 5);
        if (item == 2 && c->suspended && s_add_weekdays (c->registered, 1) <= as_of)
            due = s_add_weekdays (c->registered, 6);
        int days = s_weekdays_between (due, as_of);
        if (days < 1)
            continue;
        int level = item == 1 && c->escalated && s_add_weekdays (c->registered, 1) <= as_of
                  ? (c->level2? 2: 1): 0;
        snprintf (key, sizeof key, "%s/X%d", c->id, item);
        json_object_set_new (overdue, key, json_pack ("{s:s, s:s, s:s, s:s, s:s, s:i, s:i}",
            "case", c->id, "item", item == 1? "X1": "X2", "department", item == 1? "D1": "D2",
            "agent", c->agent, "due", date_format (due, due_text), "days_over", days,
            "escalation", level));
    }
}

static void
s_expected_escalations (json_t *figures, date_t from, date_t to)
{
    json_t *levels = json_object (), *minutes = json_object ();
    for (int i = 0; i < CASES; i++) {
        s_case_t *c = &s_cases [i];
        date_t raised = s_add_weekdays (c->registered, 1);
        if (!c->escalated || raised < from || raised > to)
            continue;
        const char *level = c->level2? "2": "1";
        json_t *entry = json_object_get (levels, level);
        if (!entry)
            json_object_set_new (levels, level, entry = json_pack (
                "{s:i, s:i, s:i}", "raised", 0, "acknowledged", 0, "unacknowledged", 0));
        s_add (entry, "raised", 1);
        s_add (entry, c->acknowledged? "acknowledged": "unacknowledged", 1);
        if (!json_object_get (minutes, level))
            json_object_set_new (minutes, level, json_array ());
        if (c->acknowledged)
            json_array_append_new (json_object_get (minutes, level), json_integer (c->ack_minutes));
    }
    const char *key;
    json_t *entry;
    json_object_foreach (levels, key, entry)
        s_stats (json_object_get (minutes, key), entry, "ack_minutes_median", "ack_minutes_worst");
    json_object_set_new (figures, "escalations", levels);
    json_decref (minutes);
}

static json_t *
s_expected (date_t from, date_t to, date_t as_of)
{
    json_t *figures = json_object (), *overdue = json_object (), *load = json_object ();
    json_t *reminders = json_object ();
    int registered = 0, returned = 0, closed = 0, open = 0;
    for (int i = 0; i < CASES; i++) {
        s_case_t *c = &s_cases [i];
        bool in = c->registered >= from && c->registered <= to;
        registered += in;
        returned += in && c->returned;
        closed += c->closed && c->closed >= from && c->closed <= to;
        date_t reminded = s_add_weekdays (c->registered, 1);
        if (c->reminded && reminded >= from && reminded <= to)
            s_add (reminders, "D1", 1);
        //  What is open at the end: as of the report's day when the week
        //  is not over (as_of is to otherwise).
        if (c->registered > as_of || (c->closed && c->closed <= as_of))
            continue;
        open++;
        s_add (load, c->agent, 1);
        s_expected_overdue (overdue, c, as_of);
    }
    json_object_set_new (figures, "cases", json_pack ("{s:i, s:i, s:i, s:i, s:i}", "registered",
        registered, "accepted", registered, "returned", returned, "closed", closed,
        "open_at_end", open));
    s_expected_items (figures, from, to);
    s_expected_escalations (figures, from, to);
    json_object_set_new (figures, "reminders", reminders);
    json_object_set_new (figures, "overdue", overdue);
    json_t *agents = json_array ();
    const char *names [] = { "甲", "乙", "丙" };
    int capacities [] = { 10, 8, 6 };
    for (int index = 0; index < AGENTS; index++) {
        char id [8];
        snprintf (id, sizeof id, "A%d", index);
        json_array_append_new (agents, json_pack ("{s:s, s:s, s:I, s:i}", "agent", id, "name",
            names [index], "open", json_integer_value (json_object_get (load, id)),
            "capacity", capacities [index]));
    }
    json_object_set_new (figures, "agents", agents);
    json_decref (load);
    return figures;
}

static void
s_check_figure (const char *period, const char *key, json_t *actual, json_t *expected)
{
    if (json_equal (actual, expected))
        return;
    char *left = json_dumps (actual, JSON_SORT_KEYS | JSON_COMPACT | JSON_ENCODE_ANY);
    char *right = json_dumps (expected, JSON_SORT_KEYS | JSON_COMPACT | JSON_ENCODE_ANY);
    print_error ("%s.%s:\n  report:   %s\n  expected: %s\n", period, key, left, right);
    free (left);
    free (right);
    fail ();
}

//  The overdue list: the expected entries, sorted by days over, longest first.
static void
s_check_overdue (const char *period, json_t *actual, json_t *expected)
{
    json_t *keyed = json_object ();
    size_t index;
    json_t *entry;
    json_int_t previous = INT64_MAX;
    json_array_foreach (actual, index, entry) {
        char key [64];
        snprintf (key, sizeof key, "%s/%s", json_string_value (json_object_get (entry, "case")),
                  json_string_value (json_object_get (entry, "item")));
        json_object_set (keyed, key, entry);
        json_int_t days = json_integer_value (json_object_get (entry, "days_over"));
        assert_true (days <= previous);
        previous = days;
    }
    assert_int_equal (json_array_size (actual), json_object_size (keyed));
    s_check_figure (period, "overdue", keyed, expected);
    json_decref (keyed);
}

static void
s_check_period (json_t *actual, date_t from, date_t to, date_t as_of, const char *period)
{
    json_t *expected = s_expected (from, to, as_of);
    assert_non_null (actual);
    const char *key;
    json_t *value;
    json_object_foreach (expected, key, value) {
        if (strcmp (key, "overdue"))
            s_check_figure (period, key, json_object_get (actual, key), value);
        else
            s_check_overdue (period, json_object_get (actual, key), value);
    }
    assert_int_equal (json_object_size (actual), json_object_size (expected));
    json_decref (expected);
}

static json_t *
s_report_on (date_t from, date_t to, date_t today, size_t events)
{
    json_t *agents = s_agents ();
    report_figures_t *figures = report_figures_new (from, to, today, s_calendar, agents);
    assert_non_null (figures);
    for (size_t index = 0; index < events; index++)
        report_figures_add (figures, json_array_get (s_events, index));
    json_t *result = report_figures_result (figures);
    report_figures_destroy (&figures);
    json_decref (agents);
    return result;
}

//  A report made after the period (today far later).
static json_t *
s_report (date_t from, date_t to, size_t events)
{
    return s_report_on (from, to, to + 365, events);
}

static void
test_every_figure_of_both_weeks (void **state)
{
    (void) state;
    json_t *result = s_report (s_monday, s_monday + 6, json_array_size (s_events));
    assert_string_equal (json_string_value (json_object_get (result, "from")), "2026-03-09");
    assert_string_equal (json_string_value (json_object_get (result, "previous_to")),
                         "2026-03-08");
    s_check_period (json_object_get (result, "current"), s_monday, s_monday + 6, s_monday + 6,
                    "current");
    s_check_period (json_object_get (result, "previous"), s_monday_prev, s_monday_prev + 6,
                    s_monday_prev + 6, "previous");
    //  Not a figure that happens to be zero: the set exercises each one.
    json_t *items = json_object_get (json_object_get (result, "current"), "items");
    assert_true (json_integer_value (json_object_get (items, "late")) > 0);
    assert_true (json_integer_value (json_object_get (items, "on_time")) > 0);
    assert_true (json_array_size (json_object_get (json_object_get (result, "current"),
                                                   "overdue")) > 0);
    json_decref (result);
}

//  The report of a past week is the same when made later: events after its
//  end change none of its figures.
static void
test_a_past_week_made_again (void **state)
{
    (void) state;
    date_t from = s_monday_prev, to = s_monday_prev + 6;
    size_t upto = 0;
    while (upto < json_array_size (s_events)
       &&  json_integer_value (json_object_get (json_array_get (s_events, upto), "ts"))
           < date_end_ms (to))
        upto++;
    json_t *then = s_report (from, to, upto);
    json_t *now = s_report (from, to, json_array_size (s_events));
    assert_true (json_equal (then, now));
    s_check_period (json_object_get (now, "current"), from, to, to, "current (made later)");
    json_decref (then);
    json_decref (now);
}

//  Made on the Wednesday of the current week, with the log as it stood
//  then: overdue days count up to Wednesday, not up to Sunday.
static void
test_a_week_not_over (void **state)
{
    (void) state;
    date_t wednesday = s_monday + 2;
    size_t upto = 0;
    while (upto < json_array_size (s_events)
       &&  json_integer_value (json_object_get (json_array_get (s_events, upto), "ts"))
           < date_end_ms (wednesday))
        upto++;
    json_t *result = s_report_on (s_monday, s_monday + 6, wednesday, upto);
    assert_string_equal (json_string_value (json_object_get (result, "as_of")), "2026-03-11");
    json_t *expected = s_expected (s_monday, s_monday + 6, wednesday);
    json_t *overdue = json_object_get (json_object_get (result, "current"), "overdue");
    size_t index;
    json_t *entry;
    json_array_foreach (overdue, index, entry) {
        char key [64];
        snprintf (key, sizeof key, "%s/%s", json_string_value (json_object_get (entry, "case")),
                  json_string_value (json_object_get (entry, "item")));
        json_t *wanted = json_object_get (json_object_get (expected, "overdue"), key);
        assert_non_null (wanted);
        assert_int_equal (json_integer_value (json_object_get (entry, "days_over")),
                          json_integer_value (json_object_get (wanted, "days_over")));
    }
    assert_true (json_array_size (overdue) > 0);
    assert_int_equal (json_array_size (overdue),
                      json_object_size (json_object_get (expected, "overdue")));
    json_decref (expected);
    json_decref (result);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_every_figure_of_both_weeks),
        cmocka_unit_test (test_a_past_week_made_again),
        cmocka_unit_test (test_a_week_not_over),
    };
    return cmocka_run_group_tests (tests, s_setup, s_teardown);
}
