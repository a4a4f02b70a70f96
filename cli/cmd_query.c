/*  cmd_query: reading cases (`case`, `cases`, `export`) and
    the log (`history`). Readable by default; --json prints the broker's
    values as JSON, one per line, for scripts. */
#include "commands.h"

#include <czmq.h>
#include <stdlib.h>
#include "args.h"
#include "calendar.h"
#include "case_file.h"
#include "format.h"
#include "format_state.h"
#include "history.h"
#include "log.h"

#define CASES_PAGE 1000             //  cases asked for per request

//  The broker's time, which is its test clock when it runs one: the
//  "now" of `stats`. A broker that does not say falls back on this
//  machine's clock, but never before the case's last change, which the
//  broker's clock stamped.
static int64_t
s_broker_now (cli_t *cli, json_t *state)
{
    bool known;
    int64_t now = cli_broker_now (cli, &known);
    json_t *updated = json_object_get (state, "updated_at");
    if (!known && json_is_integer (updated) && json_integer_value (updated) > now)
        now = json_integer_value (updated);
    return now;
}

int
cmd_case (cli_t *cli, int argc, char **argv)
{
    bool json = false;
    args_option_t options [] = { { "--json", ARGS_FLAG, &json }, { NULL, 0, NULL } };
    const char *case_id [1];
    size_t positional = 0;
    daiban_error_t err;
    if (args_parse (argc, argv, 1, options, case_id, 1, &positional, &err) != DAIBAN_OK)
        return cli_fail (&err);
    if (positional != 1)
        return cli_usage_error ("usage: case ID [--json]");
    int code;
    json_t *state = case_file_state (cli, case_id [0], &code);
    if (!state)
        return code;
    if (json)
        format_json_line (stdout, state);
    else {
        calendar_t *calendar = calendar_new (cli_config (cli), &err);
        if (!calendar)
            log_warning ("no holiday calendar, days left are not shown: %s", err.message);
        format_case (stdout, state, calendar, s_broker_now (cli, state));
        calendar_destroy (&calendar);
    }
    json_decref (state);
    return cli_flush ();
}

//  The summaries of `cases` requests, page after page (`after`, `next`),
//  up to limit (every case when limit < 0); NULL when one failed (*code
//  says why).
static json_t *
s_fetch_cases (cli_t *cli, const char *status, bool overdue, int64_t limit, int *code)
{
    json_t *all = json_array (), *next = json_null ();
    *code = CLI_EXIT_OK;
    while (all && (limit < 0 || (int64_t) json_array_size (all) < limit)) {
        int64_t wanted = limit < 0? CASES_PAGE: limit - (int64_t) json_array_size (all);
        json_t *request = json_pack ("{s:s, s:I}", "op", "cases", "limit",
                                     (json_int_t) (wanted > CASES_PAGE? CASES_PAGE: wanted));
        if (status)
            json_object_set_new (request, "status", json_string (status));
        if (overdue)
            json_object_set_new (request, "overdue", json_true ());
        if (json_is_string (next))
            json_object_set (request, "after", next);
        json_t *reply = NULL;
        *code = cli_call (cli, request, &reply);
        json_decref (request);
        json_t *cases = reply? json_object_get (reply, "cases"): NULL;
        if (*code == CLI_EXIT_OK && !json_is_array (cases)) {
            fprintf (stderr, "daibanctl: a cases reply without its list\n");
            *code = CLI_EXIT_BROKER_ERROR;
        }
        if (*code != CLI_EXIT_OK) {
            json_decref (reply);
            json_decref (all);
            json_decref (next);
            return NULL;
        }
        bool empty = json_array_size (cases) == 0;
        json_array_extend (all, cases);
        json_decref (next);
        next = json_incref (json_object_get (reply, "next"));
        json_decref (reply);
        if (!json_is_string (next) || empty)
            break;
    }
    json_decref (next);
    return all;
}

int
cmd_cases (cli_t *cli, int argc, char **argv)
{
    const char *status = NULL;
    bool overdue = false, json = false;
    int64_t limit = -1;
    args_option_t options [] = {
        { "--status", ARGS_TEXT, &status }, { "--overdue", ARGS_FLAG, &overdue },
        { "--limit", ARGS_INTEGER, &limit }, { "--json", ARGS_FLAG, &json },
        { NULL, 0, NULL }
    };
    size_t positional = 0;
    daiban_error_t err;
    if (args_parse (argc, argv, 1, options, NULL, 0, &positional, &err) != DAIBAN_OK)
        return cli_fail (&err);
    int code;
    json_t *cases = s_fetch_cases (cli, status, overdue, limit, &code);
    if (!cases)
        return code;
    size_t index;
    json_t *summary;
    json_array_foreach (cases, index, summary) {
        if (json)
            format_json_line (stdout, summary);
        else
            format_case_summary (stdout, summary);
    }
    json_decref (cases);
    return cli_flush ();
}

static int
s_print_event (json_t *event, void *closure)
{
    bool json = *(bool *) closure;
    if (json)
        format_json_line (stdout, event);
    else
        format_event (stdout, event);
    return cli_flush ();
}

int
cmd_history (cli_t *cli, int argc, char **argv)
{
    history_query_t query = { .from = 1, .limit = -1 };
    bool json = false;
    args_option_t options [] = {
        { "--from", ARGS_INTEGER, &query.from }, { "--limit", ARGS_INTEGER, &query.limit },
        { "--case", ARGS_TEXT, &query.case_id }, { "--prefix", ARGS_TEXT, &query.prefix },
        { "--json", ARGS_FLAG, &json }, { NULL, 0, NULL }
    };
    size_t positional = 0;
    daiban_error_t err;
    if (args_parse (argc, argv, 1, options, NULL, 0, &positional, &err) != DAIBAN_OK)
        return cli_fail (&err);
    int64_t next = 0, last = 0;
    int code = history_run (cli, &query, s_print_event, &json, &next, &last);
    if (code == CLI_EXIT_OK && !json) {
        printf ("-- next %lld, last %lld\n", (long long) next, (long long) last);
        code = cli_flush ();
    }
    return code;
}

int
cmd_export (cli_t *cli, int argc, char **argv)
{
    args_option_t options [] = { { NULL, 0, NULL } };
    const char *case_id [1];
    size_t positional = 0;
    daiban_error_t err;
    if (args_parse (argc, argv, 1, options, case_id, 1, &positional, &err) != DAIBAN_OK)
        return cli_fail (&err);
    if (positional != 1)
        return cli_usage_error ("usage: export ID");
    json_t *state, *events;
    int code = case_file_fetch (cli, case_id [0], &state, &events);
    if (code != CLI_EXIT_OK)
        return code;
    json_t *file = json_pack ("{s:o, s:o, s:I}", "case", state, "events", events,
                              "exported_at", (json_int_t) zclock_time ());
    char *text = file? json_dumps (file, JSON_INDENT (2)): NULL;
    if (text)
        printf ("%s\n", text);
    free (text);
    json_decref (file);
    return cli_flush ();
}
