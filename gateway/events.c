/*  events: posting events, one or a batch, and reading the log
    (docs/http.md, Events). The source of a posted event is the token's
    name unless the event names one; posts are answered only after the
    broker's durable reply. */
#include "handlers.h"

#include <czmq.h>
#include <string.h>
#include "link.h"
#include "rights.h"

//  Why an event cannot be posted: its status, code and message.
typedef struct {
    int status;
    const char *code;
    char message [300];
} s_refusal_t;

static bool
s_refuse (s_refusal_t *refusal, int status, const char *code, const char *format,
          const char *field)
{
    refusal->status = status;
    refusal->code = code;
    snprintf (refusal->message, sizeof refusal->message, format, field);
    return false;
}

//  Checks the fields of a posted event: each present with its JSON type.
static bool
s_check_fields (json_t *input, s_refusal_t *refusal)
{
    static const struct { const char *name; json_type type; bool optional; } fields [] = {
        { "type", JSON_STRING, false }, { "case", JSON_STRING, false },
        { "id", JSON_STRING, false }, { "body", JSON_OBJECT, false },
        { "source", JSON_STRING, true }, { "at", JSON_INTEGER, true }, { NULL, 0, false }
    };
    if (!json_is_object (input))
        return s_refuse (refusal, 400, "bad_request", "an event must be a JSON object%s", "");
    for (int index = 0; fields [index].name; index++) {
        json_t *value = json_object_get (input, fields [index].name);
        if (!value && !fields [index].optional)
            return s_refuse (refusal, 400, "bad_request", "missing field: %s",
                             fields [index].name);
        if (value && json_typeof (value) != fields [index].type)
            return s_refuse (refusal, 400, "bad_request", "field %s has the wrong type",
                             fields [index].name);
    }
    return true;
}

//  The event to post for input (a new reference), or NULL with refusal.
static json_t *
s_event (request_t *request, json_t *input, s_refusal_t *refusal)
{
    if (!s_check_fields (input, refusal))
        return NULL;
    json_t *event = json_pack ("{s:O, s:O, s:O, s:O}", "type", json_object_get (input, "type"),
                               "case", json_object_get (input, "case"),
                               "id", json_object_get (input, "id"),
                               "body", json_object_get (input, "body"));
    if (!event) {
        s_refuse (refusal, 500, "internal", "out of memory%s", "");
        return NULL;
    }
    json_t *source = json_object_get (input, "source"), *at = json_object_get (input, "at");
    json_object_set_new (event, "source", source? json_incref (source)
                                                : json_string (request->principal.name));
    if (at)
        json_object_set (event, "at", at);
    if (!rights_may_post (&request->principal, event, refusal->message,
                          sizeof refusal->message)) {
        refusal->status = 403;
        refusal->code = "forbidden";
        json_decref (event);
        return NULL;
    }
    return event;
}

//  The result of a post: {"seq":N} (201) or {"seq":N,"duplicate":true}.
static json_t *
s_posted (json_t *reply, int *status)
{
    bool duplicate = json_is_true (json_object_get (reply, "duplicate"));
    *status = duplicate? 200: 201;
    json_t *result = json_pack ("{s:O}", "seq", json_object_get (reply, "seq"));
    if (result && duplicate)
        json_object_set_new (result, "duplicate", json_true ());
    return result;
}

static json_t *
s_post_request (json_t *event)
{
    return json_pack ("{s:s, s:o}", "op", "post", "event", event);
}

enum MHD_Result
handle_post_event (request_t *request)
{
    json_t *input = handlers_body_object (request);
    return input? handlers_post (request, input, NULL): request->result;
}

enum MHD_Result
handlers_post (request_t *request, json_t *input, json_t *extra)
{
    s_refusal_t refusal;
    json_t *event = s_event (request, input, &refusal);
    json_decref (input);
    if (!event) {
        json_decref (extra);
        return reply_error (request, refusal.status, refusal.code, "%s", refusal.message);
    }
    json_t *reply = NULL;
    if (!reply_call (request, s_post_request (event), &reply)) {
        json_decref (extra);
        return request->result;
    }
    int status = 0;
    json_t *result = s_posted (reply, &status);
    if (result && extra)
        json_object_update (result, extra);
    json_decref (extra);
    json_decref (reply);
    metrics_post (request->gateway->metrics, zclock_usecs () - request->started);
    return reply_json (request, status, result);
}

static json_t *
s_error_result (int status, const char *code, const char *message)
{
    return json_pack ("{s:i, s:{s:s, s:s}}", "status", status, "error", "code", code,
                      "message", message);
}

//  The result of one event of a batch, with its own status. *gone is
//  set when the broker was not reachable or silent: the rest of the
//  batch is then not tried (the caller sees which ones were committed).
static json_t *
s_batch_one (request_t *request, json_t *input, bool *gone)
{
    if (*gone)
        return s_error_result (503, "unavailable", "not tried: the broker was not reachable "
                               "for an earlier event of the batch");
    s_refusal_t refusal;
    json_t *event = s_event (request, input, &refusal);
    if (!event)
        return s_error_result (refusal.status, refusal.code, refusal.message);
    json_t *post = s_post_request (event), *reply = NULL;
    daiban_error_t err;
    daiban_error_clear (&err);
    link_result_t result = post? link_call (request->gateway, post, &request->principal,
                                            &reply, &err): LINK_FAILED;
    json_decref (post);
    json_t *answer = NULL;
    int status = 0;
    *gone = result == LINK_DOWN || result == LINK_TIMEOUT;
    if (result == LINK_REPLIED && json_is_true (json_object_get (reply, "ok"))) {
        answer = s_posted (reply, &status);
        if (answer)
            json_object_set_new (answer, "status", json_integer (status));
    }
    else
    if (result == LINK_REPLIED) {
        json_t *error = json_object_get (reply, "error");
        answer = json_pack ("{s:i, s:O}", "status", rights_http_status (json_string_value (
                            json_object_get (error, "code"))), "error", error);
    }
    else
        answer = s_error_result (result == LINK_DOWN? 503: result == LINK_TIMEOUT? 504: 500,
                                 result == LINK_DOWN? "unavailable": result == LINK_TIMEOUT
                                 ? "timeout": "internal", err.message);
    json_decref (reply);
    return answer;
}

//  The list of a batch: a JSON array, or {"events":[...]}; NULL after
//  answering what is wrong.
static json_t *
s_batch_list (request_t *request, json_t *input)
{
    json_t *list = json_is_array (input)? input: json_object_get (input, "events");
    if (!json_is_array (list)) {
        request->result = reply_error (request, 400, "bad_request",
                                       "a batch is a JSON array of events or {\"events\":[...]}");
        return NULL;
    }
    if (json_array_size (list) > GATEWAY_BATCH_MAX) {
        request->result = reply_error (request, 413, "too_large", "%zu events: a batch holds "
                                       "at most %d", json_array_size (list), GATEWAY_BATCH_MAX);
        return NULL;
    }
    return list;
}

enum MHD_Result
handle_post_batch (request_t *request)
{
    json_error_t error;
    json_t *input = json_loadb (request->body, request->size, JSON_REJECT_DUPLICATES, &error);
    if (!input)
        return reply_error (request, 400, "bad_request", "the body is not JSON: %s "
                            "(line %d, column %d)", error.text, error.line, error.column);
    json_t *list = s_batch_list (request, input);
    json_t *results = list? json_array (): NULL;
    size_t index;
    json_t *item;
    bool gone = false;
    json_array_foreach (list, index, item)
        json_array_append_new (results, s_batch_one (request, item, &gone));
    json_decref (input);
    if (!list)
        return request->result;
    metrics_batch (request->gateway->metrics, json_array_size (results));
    return reply_json (request, 200, json_pack ("{s:o}", "results", results));
}

enum MHD_Result
handle_history (request_t *request)
{
    if (!handlers_may (request, "history"))
        return request->result;
    int64_t from = 1, limit = 100;
    if (!handlers_int_arg (request, "from", 1, INT64_MAX, 1, &from)
    ||  !handlers_int_arg (request, "limit", 1, 10000, 100, &limit))
        return request->result;
    json_t *query = json_pack ("{s:s, s:I, s:I}", "op", "history", "from", (json_int_t) from,
                               "limit", (json_int_t) limit);
    const char *types = request_arg (request, "types"), *case_id = request_arg (request, "case");
    if (query && types)
        json_object_set_new (query, "prefix", json_string (types));
    if (query && case_id)
        json_object_set_new (query, "case", json_string (case_id));
    return reply_call_json (request, query);
}
