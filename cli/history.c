/*  history: paged reading of the broker's log (see history.h). */
#include "history.h"

#include <stdio.h>

static json_t *
s_request (const history_query_t *query)
{
    int64_t limit = query->limit < 0 || query->limit > HISTORY_PAGE? HISTORY_PAGE: query->limit;
    json_t *request = json_pack ("{s:s, s:I, s:I}", "op", "history",
                                 "from", (json_int_t) query->from, "limit", (json_int_t) limit);
    if (request && query->case_id)
        json_object_set_new (request, "case", json_string (query->case_id));
    if (request && query->prefix)
        json_object_set_new (request, "prefix", json_string (query->prefix));
    return request;
}

int
history_page (cli_t *cli, const history_query_t *query, history_fn_t *fn, void *closure,
              int64_t *next, int64_t *last, int64_t *delivered)
{
    *delivered = 0;
    json_t *request = s_request (query);
    if (!request)
        return cli_usage_error ("--case and --prefix must be UTF-8 text");
    json_t *reply = NULL;
    int code = cli_call (cli, request, &reply);
    json_decref (request);
    if (code != CLI_EXIT_OK)
        return code;
    json_t *events = json_object_get (reply, "events");
    json_t *reply_next = json_object_get (reply, "next");
    json_t *reply_last = json_object_get (reply, "last");
    if (!json_is_array (events) || !json_is_integer (reply_next)
    ||  !json_is_integer (reply_last)) {
        json_decref (reply);
        fprintf (stderr, "daibanctl: the broker's history reply lacks events, next or last\n");
        return CLI_EXIT_BROKER_ERROR;
    }
    *next = json_integer_value (reply_next);
    *last = json_integer_value (reply_last);
    size_t index;
    json_t *event;
    json_array_foreach (events, index, event) {
        json_t *seq = json_object_get (event, "seq");
        //  An event before from was delivered already: never twice.
        if (json_is_integer (seq) && json_integer_value (seq) < query->from)
            continue;
        code = fn (event, closure);
        (*delivered)++;
        if (code != CLI_EXIT_OK) {
            if (json_is_integer (seq))
                *next = json_integer_value (seq) + 1;
            break;
        }
    }
    json_decref (reply);
    return code;
}

int
history_run (cli_t *cli, const history_query_t *query, history_fn_t *fn, void *closure,
             int64_t *next, int64_t *last)
{
    history_query_t page = *query;
    if (page.from < 1)
        page.from = 1;
    *next = page.from;
    *last = 0;
    while (page.limit != 0) {
        int64_t delivered = 0;
        int code = history_page (cli, &page, fn, closure, next, last, &delivered);
        if (code == HISTORY_STOP)
            return CLI_EXIT_OK;
        if (code != CLI_EXIT_OK)
            return code;
        if (page.limit > 0)
            page.limit -= delivered;
        //  The end of the log; a next that does not move would loop forever.
        if (*next > *last || *next <= page.from)
            break;
        page.from = *next;
    }
    return CLI_EXIT_OK;
}
