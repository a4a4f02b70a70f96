/*  cases: one case's state, the list of cases and one case's timeline
    (docs/http.md, Cases). The state is the broker's, with the working
    days left of each open item added from the holiday calendar; the
    list adds to the broker's summaries what the board shows (county,
    items done of total, next due date, escalation), reading each case. */
#include "handlers.h"

#include <czmq.h>
#include <string.h>
#include "date.h"
#include "rights.h"

#define CASES_DEFAULT_LIMIT 100
#define CASES_MAX_LIMIT 1000
#define TIMELINE_MAX 10000

static bool
s_item_open (const char *status)
{
    return status && !streq (status, "approved") && !streq (status, "rejected")
        && !streq (status, "withdrawn");
}

//  Adds days_left (working days after today up to the due date) or
//  days_over to an open item with a due date.
static void
s_add_days (gateway_t *gateway, json_t *item, date_t today)
{
    date_t due;
    const char *due_text = json_string_value (json_object_get (item, "due"));
    if (!s_item_open (json_string_value (json_object_get (item, "status")))
    ||  !due_text || date_parse (due_text, &due, NULL) != DAIBAN_OK)
        return;
    bool provisional = false;
    if (today <= due)
        json_object_set_new (item, "days_left", json_integer (
            calendar_working_days_between (gateway->calendar, today, due, &provisional)));
    else
        json_object_set_new (item, "days_over", json_integer (
            calendar_working_days_between (gateway->calendar, due, today, &provisional)));
}

static void
s_enrich (gateway_t *gateway, json_t *state)
{
    date_t today = date_from_ms (zclock_time ());
    size_t index;
    json_t *item;
    json_array_foreach (json_object_get (state, "items"), index, item)
        s_add_days (gateway, item, today);
}

//  The state of case_id, enriched; NULL after answering the error.
static json_t *
s_state (request_t *request, const char *case_id)
{
    json_t *reply = NULL;
    if (!reply_call (request, json_pack ("{s:s, s:s}", "op", "case", "case", case_id), &reply))
        return NULL;
    json_t *state = json_incref (json_object_get (reply, "case"));
    json_decref (reply);
    if (state)
        s_enrich (request->gateway, state);
    else
        request->result = reply_error (request, 502, "internal", "the broker's reply holds "
                                       "no case");
    return state;
}

enum MHD_Result
handle_case (request_t *request)
{
    if (!handlers_may (request, "case"))
        return request->result;
    json_t *state = s_state (request, request->param);
    return state? reply_json (request, 200, state): request->result;
}

//  The board's summary of a case: the fields of the list of cases.
static json_t *
s_summary (json_t *state)
{
    json_t *summary = json_object ();
    const char *keys [] = { "case", "status", "project", "applicant", "county", "agent",
                            "expected_done", "escalation", "updated_at", "closed_at", NULL };
    for (int index = 0; keys [index]; index++)
        json_object_set (summary, keys [index], json_object_get (state, keys [index]));
    int total = 0, done = 0, open_alerts = 0;
    json_t *next = NULL, *item, *alert;
    size_t index;
    json_array_foreach (json_object_get (state, "items"), index, item) {
        total++;
        const char *due = json_string_value (json_object_get (item, "due"));
        if (!s_item_open (json_string_value (json_object_get (item, "status"))))
            done++;
        else
        if (due && (!next || strcmp (due, json_string_value (json_object_get (next, "due"))) < 0))
            next = item;
    }
    json_array_foreach (json_object_get (state, "alerts"), index, alert)
        open_alerts += !json_is_true (json_object_get (alert, "acknowledged"));
    json_object_set_new (summary, "items_total", json_integer (total));
    json_object_set_new (summary, "items_done", json_integer (done));
    json_object_set_new (summary, "alerts_open", json_integer (open_alerts));
    json_object_set_new (summary, "overdue", json_boolean (next && json_is_true (
                         json_object_get (next, "overdue"))));
    const char *copied [] = { "due", "days_left", "days_over", NULL };
    for (int key = 0; next && copied [key]; key++)
        json_object_set (summary, key? copied [key]: "next_due", json_object_get (next, copied [key]));
    return summary;
}

static bool
s_selected (request_t *request, json_t *state)
{
    const char *filters [] = { "county", "agent", NULL };
    for (int index = 0; filters [index]; index++) {
        const char *wanted = request_arg (request, filters [index]);
        const char *have = json_string_value (json_object_get (state, filters [index]));
        if (wanted && *wanted && (!have || !streq (have, wanted)))
            return false;
    }
    return true;
}

//  The broker's cases request for one page from after.
static json_t *
s_cases_request (request_t *request, const char *after, int64_t limit)
{
    json_t *query = json_pack ("{s:s, s:I}", "op", "cases", "limit", (json_int_t) limit);
    const char *status = request_arg (request, "status");
    const char *overdue = request_arg (request, "overdue");
    if (query && status && *status)
        json_object_set_new (query, "status", json_string (status));
    if (query && overdue && (streq (overdue, "1") || streq (overdue, "true")))
        json_object_set_new (query, "overdue", json_true ());
    if (query && after)
        json_object_set_new (query, "after", json_string (after));
    return query;
}

//  Adds the selected cases of one broker page to list; *after becomes
//  the page's next (NULL at the end). False after answering an error.
static bool
s_cases_page (request_t *request, json_t *list, int64_t limit, char **after)
{
    json_t *reply = NULL;
    if (!reply_call (request, s_cases_request (request, *after, limit), &reply))
        return false;
    free (*after);
    const char *next = json_string_value (json_object_get (reply, "next"));
    *after = next? strdup (next): NULL;
    size_t index;
    json_t *summary;
    json_array_foreach (json_object_get (reply, "cases"), index, summary) {
        if ((int64_t) json_array_size (list) >= limit)
            break;
        const char *case_id = json_string_value (json_object_get (summary, "case"));
        json_t *state = case_id? s_state (request, case_id): NULL;
        if (!state) {
            json_decref (reply);
            return false;
        }
        if (s_selected (request, state))
            json_array_append_new (list, s_summary (state));
        json_decref (state);
        free (*after);
        *after = strdup (case_id);
    }
    if (index == json_array_size (json_object_get (reply, "cases")) && !next) {
        free (*after);
        *after = NULL;
    }
    json_decref (reply);
    return true;
}

enum MHD_Result
handle_cases (request_t *request)
{
    int64_t limit = 0;
    if (!handlers_may (request, "cases")
    ||  !handlers_int_arg (request, "limit", 1, CASES_MAX_LIMIT, CASES_DEFAULT_LIMIT, &limit))
        return request->result;
    const char *after_arg = request_arg (request, "after");
    char *after = after_arg && *after_arg? strdup (after_arg): NULL;
    json_t *list = json_array ();
    do {
        if (!s_cases_page (request, list, limit, &after)) {
            json_decref (list);
            free (after);
            return request->result;
        }
    } while (after && (int64_t) json_array_size (list) < limit);
    json_t *next = after? json_string (after): json_null ();
    free (after);
    return reply_json (request, 200, json_pack ("{s:o, s:o}", "cases", list, "next", next));
}

static bool
s_append (json_t *event, void *closure)
{
    return json_array_append (closure, event) == 0;
}

enum MHD_Result
handle_case_events (request_t *request)
{
    if (!handlers_may (request, "history"))
        return request->result;
    json_t *state = s_state (request, request->param);
    if (!state)
        return request->result;
    json_decref (state);
    json_t *list = json_array ();
    if (!handlers_scan (request, request->param, NULL, TIMELINE_MAX, s_append, list)) {
        json_decref (list);
        return request->result;
    }
    return reply_json (request, 200, json_pack ("{s:o}", "events", list));
}
