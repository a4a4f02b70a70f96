/*  report_figures: two periods over one fold of the log (see
    report_figures.h). The counts of a period are taken as its events go
    by; what is "at the end" (open cases, overdue items, agent load) is a
    snapshot of the fold taken when the first event past the end arrives,
    or at the result when none did. */
#include "report_figures.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "json_field.h"
#include "report_fold.h"

typedef struct {
    date_t from, to;
    date_t as_of;                   //  overdue days are counted up to this date
    int64_t start, end;             //  ms: start <= ts < end
    json_t *figures;                //  the counters as they grow
    json_t *returned;               //  case ids returned in the period (a set)
    json_t *used;                   //  item code -> {name, limit_days, values: [days]}
    bool snapped;
} s_period_t;

struct _report_figures_t {
    report_fold_t *fold;
    calendar_t *calendar;
    json_t *agents;
    s_period_t periods [2];         //  0 current, 1 previous
};

static void
s_period_init (s_period_t *period, date_t from, date_t to, date_t today)
{
    period->from = from;
    period->to = to;
    period->as_of = today < to? today: to;
    period->start = date_start_ms (from);
    period->end = date_end_ms (to);
    period->figures = json_pack ("{s:{s:i, s:i, s:i, s:i, s:i}, s:{s:i, s:i, s:i, s:n, "
                                 "s:{}, s:{}}, s:{}, s:{}}",
                                 "cases", "registered", 0, "accepted", 0, "returned", 0,
                                 "closed", 0, "open_at_end", 0,
                                 "items", "decided", 0, "on_time", 0, "late", 0, "on_time_rate",
                                 "by_department", "by_county", "reminders", "escalations");
    period->returned = json_object ();
    period->used = json_object ();
}

report_figures_t *
report_figures_new (date_t from, date_t to, date_t today, calendar_t *calendar, json_t *agents)
{
    report_figures_t *self = (report_figures_t *) calloc (1, sizeof (report_figures_t));
    if (!self || !(self->fold = report_fold_new ())) {
        free (self);
        return NULL;
    }
    self->calendar = calendar;
    self->agents = json_incref (agents);
    int length = to - from + 1;
    s_period_init (&self->periods [0], from, to, today);
    s_period_init (&self->periods [1], from - length, from - 1, today);
    return self;
}

void
report_figures_destroy (report_figures_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    report_figures_t *self = *self_p;
    for (int index = 0; index < 2; index++) {
        json_decref (self->periods [index].figures);
        json_decref (self->periods [index].returned);
        json_decref (self->periods [index].used);
    }
    json_decref (self->agents);
    report_fold_destroy (&self->fold);
    free (self);
    *self_p = NULL;
}

static void
s_increment (json_t *object, const char *key, int64_t by)
{
    json_object_set_new (object, key, json_integer (json_field_int (object, key) + by));
}

static json_t *
s_child (json_t *object, const char *key)
{
    json_t *child = json_object_get (object, key);
    if (!child) {
        child = json_object ();
        json_object_set_new (object, key, child);
    }
    return child;
}

static int
s_working_days (report_figures_t *self, int64_t from_ms, int64_t to_ms)
{
    return calendar_working_days_between (self->calendar, date_from_ms (from_ms),
                                          date_from_ms (to_ms), NULL);
}

//  A decision (approved or rejected) in the period: on time when made by
//  the due date; the working days used, less the paused ones.
static void
s_decided (report_figures_t *self, s_period_t *period, report_case_t *state,
           report_item_t *item, int64_t ts)
{
    if (!item->released)
        return;
    int used = s_working_days (self, item->released, ts) - item->paused_days;
    bool on_time = item->has_due? date_from_ms (ts) <= item->due: used <= item->limit_days;
    json_t *items = json_object_get (period->figures, "items");
    s_increment (items, "decided", 1);
    s_increment (items, on_time? "on_time": "late", 1);
    const char *groups [][2] = { { "by_department", item->department },
                                 { "by_county", *state->county? state->county: "（未填县区）" } };
    for (size_t index = 0; index < 2; index++) {
        json_t *group = s_child (s_child (items, groups [index][0]), groups [index][1]);
        s_increment (group, "decided", 1);
        s_increment (group, on_time? "on_time": "late", 1);
    }
    json_t *entry = json_object_get (period->used, item->code);
    if (!entry) {
        entry = json_pack ("{s:s, s:i, s:[]}", "name", item->name, "limit_days",
                           item->limit_days, "values");
        json_object_set_new (period->used, item->code, entry);
    }
    json_array_append_new (json_object_get (entry, "values"), json_integer (used));
}

//  Counts the event into the period, with the fold as it was before it.
static void
s_count (report_figures_t *self, s_period_t *period, json_t *event, const char *type,
         int64_t ts)
{
    json_t *cases = json_object_get (period->figures, "cases");
    json_t *body = json_object_get (event, "body");
    const char *case_id = json_field_text (event, "case", "");
    if (!strcmp (type, "case.registered"))
        s_increment (cases, "registered", 1);
    else if (!strcmp (type, "case.accepted"))
        s_increment (cases, "accepted", 1);
    else if (!strcmp (type, "case.closed"))
        s_increment (cases, "closed", 1);
    else if (!strcmp (type, "case.returned"))
        json_object_set_new (period->returned, case_id, json_true ());
    else if (!strcmp (type, "reminder.sent"))
        s_increment (json_object_get (period->figures, "reminders"),
                     json_field_text (body, "to", "?"), 1);
    else if (!strcmp (type, "escalation.raised")) {
        char level [24];
        snprintf (level, sizeof level, "%lld", (long long) json_field_int (body, "level"));
        s_increment (s_child (json_object_get (period->figures, "escalations"), level),
                     "raised", 1);
    }
    else if (!strcmp (type, "item.approved") || !strcmp (type, "item.rejected")) {
        report_case_t *state = report_fold_case (self->fold, case_id);
        report_item_t *item = report_fold_item (state, json_field_text (body, "item", NULL));
        if (item && !item->decided)
            s_decided (self, period, state, item, ts);
    }
}

static void s_snapshot (report_figures_t *self, s_period_t *period);

void
report_figures_add (report_figures_t *self, json_t *event)
{
    int64_t ts = json_field_int (event, "ts");
    for (int index = 1; index >= 0; index--)
        if (ts >= self->periods [index].end && !self->periods [index].snapped)
            s_snapshot (self, &self->periods [index]);
    if (ts >= self->periods [0].end)
        return;
    const char *type = json_field_text (event, "type", "");
    for (int index = 0; index < 2; index++)
        if (ts >= self->periods [index].start && ts < self->periods [index].end)
            s_count (self, &self->periods [index], event, type, ts);
    report_fold_add (self->fold, event);
}

//  An item overdue at the end: open, released, with at least one working
//  day after its due date up to the period's last date, or today when that
//  comes first (the first overdue notice has days_over 1, PROTOCOL.md).
static void
s_overdue (report_figures_t *self, s_period_t *period, report_case_t *state, json_t *list)
{
    for (size_t index = 0; index < state->item_count; index++) {
        report_item_t *item = &state->items [index];
        if (!item->released || item->decided || !item->has_due)
            continue;
        int days = calendar_working_days_between (self->calendar, item->due, period->as_of,
                                                  NULL);
        if (days < 1)
            continue;
        char due [16];
        json_array_append_new (list, json_pack ("{s:s, s:s, s:s, s:s, s:s, s:i, s:i}",
            "case", state->id, "item", item->code, "department", item->department,
            "agent", state->agent? state->agent: "", "due", date_format (item->due, due),
            "days_over", days, "escalation", item->escalation));
    }
}

static int
s_by_days_over (const void *a, const void *b)
{
    json_t *left = *(json_t *const *) a, *right = *(json_t *const *) b;
    int64_t difference = json_field_int (right, "days_over") - json_field_int (left, "days_over");
    if (difference)
        return difference > 0? 1: -1;
    int by_case = strcmp (json_field_text (left, "case", ""), json_field_text (right, "case", ""));
    return by_case? by_case: strcmp (json_field_text (left, "item", ""),
                                     json_field_text (right, "item", ""));
}

//  The list sorted with compare (jansson arrays have no sort of their own).
static json_t *
s_sorted (json_t *list, int (*compare) (const void *, const void *))
{
    size_t count = json_array_size (list);
    json_t **values = (json_t **) calloc (count + 1, sizeof (json_t *));
    json_t *sorted = json_array ();
    for (size_t index = 0; values && index < count; index++)
        values [index] = json_array_get (list, index);
    if (values)
        qsort (values, count, sizeof (json_t *), compare);
    for (size_t index = 0; values && index < count; index++)
        json_array_append (sorted, values [index]);
    free (values);
    json_decref (list);
    return sorted;
}

static void
s_snapshot (report_figures_t *self, s_period_t *period)
{
    period->snapped = true;
    json_t *overdue = json_array (), *load = json_object ();
    int64_t open = 0;
    report_case_t *state;
    for (state = (report_case_t *) zhashx_first (report_fold_cases (self->fold)); state;
         state = (report_case_t *) zhashx_next (report_fold_cases (self->fold))) {
        if (state->closed)
            continue;
        open++;
        if (state->accepted && state->agent)
            s_increment (load, state->agent, 1);
        s_overdue (self, period, state, overdue);
    }
    json_object_set_new (json_object_get (period->figures, "cases"), "open_at_end",
                         json_integer (open));
    json_object_set_new (period->figures, "overdue", s_sorted (overdue, s_by_days_over));
    json_t *agents = json_array ();
    size_t index;
    json_t *agent;
    json_array_foreach (self->agents, index, agent) {
        const char *id = json_field_text (agent, "id", "");
        json_array_append_new (agents, json_pack ("{s:s, s:s, s:I, s:I}", "agent", id, "name",
            json_field_text (agent, "name", id), "open", (json_int_t) json_field_int (load, id),
            "capacity", (json_int_t) json_field_int (agent, "capacity")));
    }
    json_object_set_new (period->figures, "agents", agents);
    json_decref (load);
}

static int
s_by_value (const void *a, const void *b)
{
    int64_t left = json_integer_value (*(json_t *const *) a);
    int64_t right = json_integer_value (*(json_t *const *) b);
    return left < right? -1: left > right;
}

//  Median (the lower middle for an even count) and worst of integers.
static void
s_median_worst (json_t *values, json_t *into, const char *median_key, const char *worst_key)
{
    json_t *sorted = s_sorted (json_incref (values), s_by_value);
    size_t count = json_array_size (sorted);
    json_object_set_new (into, median_key, count? json_integer (json_integer_value (
                         json_array_get (sorted, (count - 1) / 2))): json_null ());
    json_object_set_new (into, worst_key, count? json_integer (json_integer_value (
                         json_array_get (sorted, count - 1))): json_null ());
    json_decref (sorted);
}

static void
s_rate (json_t *group)
{
    int64_t decided = json_field_int (group, "decided");
    json_object_set_new (group, "on_time_rate", decided
        ? json_real ((double) json_field_int (group, "on_time") / (double) decided): json_null ());
    if (!json_object_get (group, "late"))
        json_object_set_new (group, "late", json_integer (0));
    if (!json_object_get (group, "on_time"))
        json_object_set_new (group, "on_time", json_integer (0));
}

//  Per level: raised in the period; of the alerts first raised in it, how
//  many were acknowledged before its end, in how many minutes.
static void
s_escalations (report_figures_t *self, s_period_t *period)
{
    json_t *levels = json_object_get (period->figures, "escalations");
    json_t *minutes = json_object ();
    report_alert_t *alert;
    for (alert = (report_alert_t *) zhashx_first (report_fold_alerts (self->fold)); alert;
         alert = (report_alert_t *) zhashx_next (report_fold_alerts (self->fold))) {
        if (alert->raised < period->start || alert->raised >= period->end)
            continue;
        char level [24];
        snprintf (level, sizeof level, "%d", alert->level);
        json_t *entry = s_child (levels, level);
        bool acknowledged = alert->acknowledged && alert->acknowledged < period->end;
        s_increment (entry, acknowledged? "acknowledged": "unacknowledged", 1);
        if (acknowledged) {
            json_t *list = json_object_get (minutes, level);
            if (!list)
                json_object_set_new (minutes, level, list = json_array ());
            json_array_append_new (list, json_integer ((alert->acknowledged - alert->raised)
                                                       / 60000));
        }
    }
    const char *key;
    json_t *entry;
    json_object_foreach (levels, key, entry) {
        static const char *const counters [] = { "raised", "acknowledged", "unacknowledged" };
        for (size_t index = 0; index < 3; index++)
            if (!json_object_get (entry, counters [index]))
                json_object_set_new (entry, counters [index], json_integer (0));
        json_t *list = json_object_get (minutes, key);
        json_t *empty = json_array ();
        s_median_worst (list? list: empty, entry, "ack_minutes_median", "ack_minutes_worst");
        json_decref (empty);
    }
    json_decref (minutes);
}

static json_t *
s_finish (report_figures_t *self, s_period_t *period)
{
    if (!period->snapped)
        s_snapshot (self, period);
    json_object_set_new (json_object_get (period->figures, "cases"), "returned",
                         json_integer ((json_int_t) json_object_size (period->returned)));
    json_t *items = json_object_get (period->figures, "items");
    s_rate (items);
    const char *key;
    json_t *group;
    json_object_foreach (json_object_get (items, "by_department"), key, group)
        s_rate (group);
    json_object_foreach (json_object_get (items, "by_county"), key, group)
        s_rate (group);
    json_t *used = json_object ();
    json_object_foreach (period->used, key, group) {
        json_t *entry = json_pack ("{s:O, s:O, s:I}", "name", json_object_get (group, "name"),
                                   "limit_days", json_object_get (group, "limit_days"),
                                   "decided", (json_int_t) json_array_size (
                                       json_object_get (group, "values")));
        s_median_worst (json_object_get (group, "values"), entry, "median", "worst");
        json_object_set_new (used, key, entry);
    }
    json_object_set_new (period->figures, "working_days", used);
    s_escalations (self, period);
    return json_deep_copy (period->figures);
}

json_t *
report_figures_result (report_figures_t *self)
{
    char dates [5][16];
    json_t *current = s_finish (self, &self->periods [0]);
    json_t *previous = s_finish (self, &self->periods [1]);
    return json_pack ("{s:s, s:s, s:s, s:s, s:s, s:o, s:o}",
                      "from", date_format (self->periods [0].from, dates [0]),
                      "to", date_format (self->periods [0].to, dates [1]),
                      "as_of", date_format (self->periods [0].as_of, dates [4]),
                      "previous_from", date_format (self->periods [1].from, dates [2]),
                      "previous_to", date_format (self->periods [1].to, dates [3]),
                      "current", current, "previous", previous);
}
