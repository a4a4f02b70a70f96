/*  info: the catalog, the calendar, the broker's counters, the health
    check and who the caller is (docs/http.md). The calendar answers
    from the gateway's own holiday calendar, without the broker, as
    `daibanctl due` and `workdays` do. */
#include "handlers.h"

#include <czmq.h>
#include "date.h"
#include "link.h"

#define DUE_MAX_DAYS 3660

enum MHD_Result
handle_catalog (request_t *request)
{
    if (!handlers_may (request, "catalog"))
        return request->result;
    return reply_call_json (request, json_pack ("{s:s}", "op", "catalog"));
}

enum MHD_Result
handle_stats (request_t *request)
{
    if (!handlers_may (request, "stats"))
        return request->result;
    return reply_call_json (request, json_pack ("{s:s}", "op", "stats"));
}

enum MHD_Result
handle_whoami (request_t *request)
{
    return reply_json (request, 200, json_pack ("{s:s, s:s, s:b}", "name",
                                                request->principal.name, "role",
                                                request->principal.role, "tokens",
                                                request->gateway->tokens != NULL));
}

//  A date argument; false after answering 400 naming it.
static bool
s_date_arg (request_t *request, const char *name, date_t *date)
{
    const char *text = request_arg (request, name);
    daiban_error_t err;
    if (text && date_parse (text, date, &err) == DAIBAN_OK)
        return true;
    request->result = reply_error (request, 400, "bad_request", "argument %s: a date "
                                   "YYYY-MM-DD is required", name);
    return false;
}

enum MHD_Result
handle_due (request_t *request)
{
    date_t from, due;
    int64_t days = 0;
    if (!s_date_arg (request, "from", &from)
    ||  !handlers_int_arg (request, "days", 0, DUE_MAX_DAYS, -1, &days))
        return request->result;
    if (days < 0)
        return reply_error (request, 400, "bad_request", "argument days: required");
    const char *unit = request_arg (request, "unit");
    bool calendar_days = unit && streq (unit, "days");
    bool provisional = false;
    daiban_error_t err;
    daiban_code_t code = calendar_days
        ? calendar_add_days (request->gateway->calendar, from, (int) days, &due, &provisional,
                             &err)
        : calendar_add_working_days (request->gateway->calendar, from, (int) days, &due,
                                     &provisional, &err);
    if (code != DAIBAN_OK)
        return reply_error (request, 400, "bad_request", "%s", err.message);
    char from_text [16], due_text [16];
    return reply_json (request, 200, json_pack ("{s:s, s:I, s:s, s:s, s:b}", "from",
                       date_format (from, from_text), "days", (json_int_t) days, "unit",
                       calendar_days? "days": "working_days", "due",
                       date_format (due, due_text), "provisional", provisional));
}

enum MHD_Result
handle_workdays (request_t *request)
{
    date_t from, to;
    if (!s_date_arg (request, "from", &from) || !s_date_arg (request, "to", &to))
        return request->result;
    if (to < from)
        return reply_error (request, 400, "bad_request", "argument to: before from");
    bool provisional = false;
    int count = calendar_working_days_between (request->gateway->calendar, from, to,
                                               &provisional);
    char from_text [16], to_text [16];
    return reply_json (request, 200, json_pack ("{s:s, s:s, s:i, s:b}", "from",
                       date_format (from, from_text), "to", date_format (to, to_text),
                       "working_days", count, "provisional", provisional));
}

enum MHD_Result
handle_healthz (request_t *request)
{
    json_t *reply = NULL;
    daiban_error_t err;
    daiban_error_clear (&err);
    json_t *query = json_pack ("{s:s}", "op", "stats");
    link_result_t result = link_call (request->gateway, query, NULL, &reply, &err);
    json_decref (query);
    bool up = result == LINK_REPLIED && json_is_true (json_object_get (reply, "ok"));
    json_t *body = json_pack ("{s:s, s:s, s:b}", "gateway", "up", "broker", up? "up": "down",
                              "tokens", request->gateway->tokens != NULL);
    if (up)
        json_object_set (body, "last_seq", json_object_get (reply, "last_seq"));
    else
        json_object_set_new (body, "message", json_string (err.code? err.message
                                                           : "the broker answered an error"));
    json_decref (reply);
    return reply_json (request, up? 200: 503, body);
}
