/*  handlers: what the routes share: the JSON body, integer arguments,
    the role check and the scan of the log (see handlers.h). */
#include "handlers.h"

#include <czmq.h>
#include <errno.h>
#include <stdlib.h>
#include "rights.h"

json_t *
handlers_body_object (request_t *request)
{
    json_error_t error;
    json_t *input = json_loadb (request->body, request->size, JSON_REJECT_DUPLICATES, &error);
    if (!input)
        request->result = reply_error (request, 400, "bad_request", "the body is not JSON: %s "
                                       "(line %d, column %d)", error.text, error.line,
                                       error.column);
    else
    if (!json_is_object (input)) {
        json_decref (input);
        input = NULL;
        request->result = reply_error (request, 400, "bad_request",
                                       "the body must be a JSON object {...}");
    }
    return input;
}

bool
handlers_int_arg (request_t *request, const char *name, int64_t min, int64_t max,
                  int64_t fallback, int64_t *value)
{
    const char *text = request_arg (request, name);
    *value = fallback;
    if (!text || !*text)
        return true;
    char *end = NULL;
    errno = 0;
    long long parsed = strtoll (text, &end, 10);
    if (errno || *end || parsed < min || parsed > max) {
        request->result = reply_error (request, 400, "bad_request", "argument %s: must be an "
                                       "integer %lld..%lld", name, (long long) min,
                                       (long long) max);
        return false;
    }
    *value = parsed;
    return true;
}

bool
handlers_may (request_t *request, const char *op)
{
    char why [200];
    if (rights_may_read (&request->principal, op, why, sizeof why))
        return true;
    request->result = reply_error (request, 403, "forbidden", "%s", why);
    return false;
}

bool
handlers_may_post (request_t *request, json_t *event)
{
    char why [300];
    if (rights_may_post (&request->principal, event, why, sizeof why))
        return true;
    request->result = reply_error (request, 403, "forbidden", "%s", why);
    return false;
}

static json_t *
s_history_request (const char *case_id, const char *prefix, int64_t from)
{
    json_t *query = json_pack ("{s:s, s:I, s:i}", "op", "history", "from", (json_int_t) from,
                               "limit", 1000);
    if (query && case_id)
        json_object_set_new (query, "case", json_string (case_id));
    if (query && prefix)
        json_object_set_new (query, "prefix", json_string (prefix));
    return query;
}

bool
handlers_scan (request_t *request, const char *case_id, const char *prefix, size_t max,
               bool (*fn) (json_t *event, void *closure), void *closure)
{
    int64_t from = 1;
    size_t count = 0;
    while (count < max) {
        json_t *reply = NULL;
        if (!reply_call (request, s_history_request (case_id, prefix, from), &reply))
            return false;
        size_t index;
        json_t *event;
        bool going = true;
        json_array_foreach (json_object_get (reply, "events"), index, event)
            if (going && count < max)
                going = fn (event, closure) && ++count;
        int64_t next = json_integer_value (json_object_get (reply, "next"));
        int64_t last = json_integer_value (json_object_get (reply, "last"));
        json_decref (reply);
        //  The end of the log, or a next that does not move.
        if (!going || next <= from || next > last)
            break;
        from = next;
    }
    return true;
}
