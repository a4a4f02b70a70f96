/*  metrics_route: GET /metrics: the gateway's metrics, the broker's
    counters (stats) and two values derived from the log and the cases:
    the open alerts (the alert book) and the overdue open items (the
    cases the broker marks overdue, read one by one). A scrape of a big
    store costs a scan of its alert events: scrape every 15 s or more. */
#include "handlers.h"

#include <czmq.h>
#include <string.h>
#include "link.h"

static json_t *
s_call (request_t *request, json_t *query)
{
    json_t *reply = NULL;
    daiban_error_t err;
    daiban_error_clear (&err);
    link_result_t result = query? link_call (request->gateway, query, NULL, &reply, &err)
                                : LINK_FAILED;
    json_decref (query);
    if (result == LINK_REPLIED && json_is_true (json_object_get (reply, "ok")))
        return reply;
    json_decref (reply);
    return NULL;
}

static json_int_t
s_open_alerts (alert_book_t *book)
{
    json_int_t count = 0;
    size_t index;
    json_t *alert;
    json_array_foreach (alert_book_alerts (book), index, alert)
        count += alert_book_selects (alert, NULL, false);
    return count;
}

static json_int_t
s_overdue_items (request_t *request)
{
    json_t *cases = s_call (request, json_pack ("{s:s, s:b, s:i}", "op", "cases", "overdue", 1,
                                                "limit", 10000));
    json_int_t count = 0;
    size_t index, item_index;
    json_t *summary, *item;
    json_array_foreach (json_object_get (cases, "cases"), index, summary) {
        json_t *reply = s_call (request, json_pack ("{s:s, s:O}", "op", "case", "case",
                                                    json_object_get (summary, "case")));
        json_array_foreach (json_object_get (json_object_get (reply, "case"), "items"),
                            item_index, item)
            count += json_is_true (json_object_get (item, "overdue"));
        json_decref (reply);
    }
    json_decref (cases);
    return count;
}

enum MHD_Result
handle_metrics (request_t *request)
{
    json_t *stats = s_call (request, json_pack ("{s:s}", "op", "stats"));
    json_t *derived = NULL;
    if (stats) {
        derived = json_pack ("{s:I}", "overdue_items", s_overdue_items (request));
        alert_book_t *book = handlers_alert_book (request);
        if (!book) {
            json_decref (stats);
            json_decref (derived);
            return request->result;
        }
        json_object_set_new (derived, "open_alerts", json_integer (s_open_alerts (book)));
        alert_book_destroy (&book);
    }
    char *text = metrics_render (request->gateway->metrics, stats, derived);
    json_decref (stats);
    json_decref (derived);
    if (!text)
        return reply_error (request, 500, "internal", "out of memory");
    enum MHD_Result result = reply_text (request, 200, "text/plain; version=0.0.4", text,
                                         strlen (text));
    free (text);
    return result;
}
