/*  handlers: the routes of the HTTP API (docs/http.md), one function
    each, grouped by what they serve: events.c (posting and the log),
    cases.c, alerts.c, info.c (catalog, calendar, stats, health, who am
    I), sse.c (the event stream), board.c (the web board's files) and
    metrics_route in info.c, attachments.c (upload), attachment_get.c
    (download), dossier_route.c (the case file as a .zip). Each answers exactly once. */
#ifndef DAIBAN_HANDLERS_H
#define DAIBAN_HANDLERS_H

#include "alert_book.h"
#include "http_request.h"

typedef enum MHD_Result (handler_fn_t) (request_t *request);

handler_fn_t handle_post_event, handle_post_batch, handle_history;
handler_fn_t handle_case, handle_cases, handle_case_events;
handler_fn_t handle_alerts, handle_ack;
handler_fn_t handle_attachment_post, handle_attachment_get, handle_dossier;
handler_fn_t handle_catalog, handle_due, handle_workdays, handle_stats, handle_healthz;
handler_fn_t handle_whoami, handle_metrics, handle_stream, handle_board;

//  The JSON body of request as an object; NULL after answering 400 with
//  what is wrong (not JSON, not UTF-8, not an object).
json_t *handlers_body_object (request_t *request);

//  An integer query argument in [min, max], or fallback when absent;
//  false after answering 400 naming the argument.
bool handlers_int_arg (request_t *request, const char *name, int64_t min, int64_t max,
                       int64_t fallback, int64_t *value);

//  Reads the log from seq 1 (only case_id's events, only types with
//  prefix, when not NULL), handing each event to fn until fn returns
//  false or max events were read. False after answering an error.
bool handlers_scan (request_t *request, const char *case_id, const char *prefix, size_t max,
                    bool (*fn) (json_t *event, void *closure), void *closure);

//  Posts the event described by input (a JSON object, stolen) as the
//  caller and answers 201/200 with its seq and the members of extra
//  (stolen; NULL for none), or the error.
enum MHD_Result handlers_post (request_t *request, json_t *input, json_t *extra);

//  403 when the caller may not post event (rights_may_post); true otherwise.
bool handlers_may_post (request_t *request, json_t *event);

//  attachment_get.c: answers 200 with response (NULL: 500), its media
//  type and a Content-Disposition naming the download name (UTF-8).
enum MHD_Result handlers_send (request_t *request, struct MHD_Response *response,
                               const char *media_type, const char *name);

//  alerts.c: every alert of the log folded; NULL after answering an error.
alert_book_t *handlers_alert_book (request_t *request);

//  403 when the caller may not use op (rights_may_read); true otherwise.
bool handlers_may (request_t *request, const char *op);

#endif
