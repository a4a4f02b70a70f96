/*  reply: the answers to a request, counted in the metrics (see http_request.h). */
#include "http_request.h"

#include <czmq.h>
#include <stdarg.h>
#include <string.h>
#include "link.h"
#include "rights.h"

enum MHD_Result
reply_response (request_t *self, int status, struct MHD_Response *response)
{
    if (!response)
        return MHD_NO;
    MHD_add_response_header (response, "Cache-Control", "no-store");
    self->answered = true;
    enum MHD_Result result = MHD_queue_response (self->connection, (unsigned) status, response);
    MHD_destroy_response (response);
    metrics_request (self->gateway->metrics, self->route, status,
                     zclock_usecs () - self->started);
    return result;
}

enum MHD_Result
reply_text (request_t *self, int status, const char *content_type, const char *text,
            size_t size)
{
    struct MHD_Response *response = MHD_create_response_from_buffer (size, (void *) text,
                                                                     MHD_RESPMEM_MUST_COPY);
    if (response)
        MHD_add_response_header (response, "Content-Type", content_type);
    return reply_response (self, status, response);
}

enum MHD_Result
reply_json (request_t *self, int status, json_t *body)
{
    char *text = body? json_dumps (body, JSON_COMPACT): NULL;
    json_decref (body);
    if (!text)
        return reply_text (self, 500, "application/json",
                           "{\"error\":{\"code\":\"internal\",\"message\":\"out of memory\"}}",
                           62);
    size_t size = strlen (text);
    struct MHD_Response *response = MHD_create_response_from_buffer (size, text,
                                                                     MHD_RESPMEM_MUST_FREE);
    if (!response)
        free (text);
    else
        MHD_add_response_header (response, "Content-Type", "application/json; charset=utf-8");
    return reply_response (self, status, response);
}

enum MHD_Result
reply_error (request_t *self, int status, const char *code, const char *format, ...)
{
    char message [512];
    va_list args;
    va_start (args, format);
    vsnprintf (message, sizeof message, format, args);
    va_end (args);
    //  A message quoting bad input may hold bytes that are not UTF-8.
    json_t *text = json_string (message);
    if (!text)
        text = json_string ("the request holds bytes that are not UTF-8");
    return reply_json (self, status, json_pack ("{s:{s:s, s:o}}", "error", "code", code,
                                                "message", text));
}

enum MHD_Result
reply_broker_error (request_t *self, json_t *reply)
{
    json_t *error = json_object_get (reply, "error");
    const char *code = json_string_value (json_object_get (error, "code"));
    if (!code)
        return reply_error (self, 502, "internal", "the broker's reply holds no error code");
    return reply_json (self, rights_http_status (code), json_pack ("{s:O}", "error", error));
}

//  503 for a broker not connected, 504 for one that did not answer.
static enum MHD_Result
s_no_reply (request_t *self, link_result_t result)
{
    if (result == LINK_DOWN)
        return reply_error (self, 503, "unavailable", "the broker at %s is not reachable",
                            self->gateway->ingress);
    return reply_error (self, 504, "timeout", "the broker did not answer within %d ms",
                        self->gateway->broker_timeout_ms);
}

enum MHD_Result
reply_blob_error (request_t *self, const blob_link_t *link, const daiban_error_t *err)
{
    link_result_t result = link_blob_result (link, err);
    if (result == LINK_DOWN || result == LINK_TIMEOUT)
        return s_no_reply (self, result);
    const char *code = daiban_error_code_name (err->code);
    if (result == LINK_REPLIED)
        return reply_error (self, rights_http_status (code), code, "%s", err->message);
    return reply_error (self, 500, "internal", "%s", err->message);
}

bool
reply_call (request_t *self, json_t *request, json_t **reply)
{
    daiban_error_t err;
    daiban_error_clear (&err);
    *reply = NULL;
    link_result_t result = request? link_call (self->gateway, request, &self->principal,
                                               reply, &err): LINK_FAILED;
    json_decref (request);
    if (result == LINK_REPLIED && json_is_true (json_object_get (*reply, "ok")))
        return true;
    if (result == LINK_REPLIED)
        self->result = reply_broker_error (self, *reply);
    else
    if (result == LINK_DOWN || result == LINK_TIMEOUT)
        self->result = s_no_reply (self, result);
    else
    if (!request)
        self->result = reply_error (self, 400, "bad_request", "the request's text could not "
                                    "be encoded (not UTF-8, or out of memory)");
    else
        self->result = reply_error (self, 500, "internal", "%s",
                                    err.code? err.message: "out of memory");
    json_decref (*reply);
    *reply = NULL;
    return false;
}

enum MHD_Result
reply_call_json (request_t *self, json_t *request)
{
    json_t *reply = NULL;
    if (!reply_call (self, request, &reply))
        return self->result;
    json_object_del (reply, "ok");
    json_object_del (reply, "rid");
    return reply_json (self, 200, reply);
}
