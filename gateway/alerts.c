/*  alerts: the open alerts, folded from the log's alert events with the
    alert book that `daibanctl alerts` uses, newest first; and their
    acknowledgement by a supervisor (docs/http.md, Alerts). */
#include "handlers.h"

#include <czmq.h>
#include <string.h>
#include "alert_book.h"

static bool
s_fold (json_t *event, void *closure)
{
    json_t *alert = NULL;
    return alert_book_apply ((alert_book_t *) closure, event, &alert, NULL) == DAIBAN_OK;
}

alert_book_t *
handlers_alert_book (request_t *request)
{
    alert_book_t *book = alert_book_new ();
    if (!book) {
        request->result = reply_error (request, 500, "internal", "out of memory");
        return NULL;
    }
    if (!handlers_scan (request, NULL, "alert.", SIZE_MAX, s_fold, book))
        alert_book_destroy (&book);
    return book;
}

enum MHD_Result
handle_alerts (request_t *request)
{
    if (!handlers_may (request, "stream"))
        return request->result;
    alert_book_t *book = handlers_alert_book (request);
    if (!book)
        return request->result;
    const char *all = request_arg (request, "all");
    bool every = all && (streq (all, "1") || streq (all, "true"));
    json_t *list = json_array (), *alerts = alert_book_alerts (book);
    //  First raised first in the book: walked backwards, newest first.
    for (size_t index = json_array_size (alerts); index-- > 0;) {
        json_t *alert = json_array_get (alerts, index);
        if (alert_book_selects (alert, request_arg (request, "role"), every))
            json_array_append (list, alert);
    }
    alert_book_destroy (&book);
    return reply_json (request, 200, json_pack ("{s:o}", "alerts", list));
}

//  The case of the alert request->param, from the book; NULL after
//  answering 404.
static char *
s_alert_case (request_t *request)
{
    alert_book_t *book = handlers_alert_book (request);
    if (!book)
        return NULL;
    char *case_id = NULL;
    size_t index;
    json_t *alert;
    json_array_foreach (alert_book_alerts (book), index, alert) {
        const char *id = json_string_value (json_object_get (alert, "alert"));
        if (id && streq (id, request->param) && !case_id)
            case_id = strdup (json_string_value (json_object_get (alert, "case")));
    }
    alert_book_destroy (&book);
    if (!case_id)
        request->result = reply_error (request, 404, "not_found", "no alert %s",
                                       request->param);
    return case_id;
}

enum MHD_Result
handle_ack (request_t *request)
{
    json_t *input = request->size? handlers_body_object (request): json_object ();
    if (!input)
        return request->result;
    const char *given = json_string_value (json_object_get (input, "case"));
    char *case_id = given? strdup (given): s_alert_case (request);
    if (!case_id) {
        json_decref (input);
        return request->result;
    }
    const char *note = json_string_value (json_object_get (input, "note"));
    char id [400];
    snprintf (id, sizeof id, "ack:%s:%s", request->param, case_id);
    json_t *event = json_pack ("{s:s, s:s, s:s, s:{s:s, s:s}}", "type", "alert.acknowledged",
                               "case", case_id, "id", id, "body", "alert", request->param,
                               "by", request->principal.name);
    if (event && note)
        json_object_set_new (json_object_get (event, "body"), "note", json_string (note));
    free (case_id);
    json_decref (input);
    if (!event)
        return reply_error (request, 400, "bad_request", "the case id is not text");
    return handlers_post (request, event, NULL);
}
