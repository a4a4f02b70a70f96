/*  http_request: one HTTP request as the routes see it (method, path, the
    path's {id}, query arguments, the body, the caller's principal) and
    the ways to answer it. Every answer is JSON except the board's
    files, the metrics and the event stream; errors are
    {"error":{"code":C,"message":M}} with M naming what is wrong. Each
    answer is counted in the metrics by route and status. */
#ifndef DAIBAN_HTTP_REQUEST_H
#define DAIBAN_HTTP_REQUEST_H

#include <jansson.h>
#include <microhttpd.h>
#include <stdbool.h>
#include <stdint.h>
#include "blob_client.h"
#include "gateway.h"
#include "tokens.h"

typedef struct _request_t request_t;

struct _request_t {
    gateway_t *gateway;
    struct MHD_Connection *connection;
    const char *method;
    char *path;
    char *body;                 //  NUL-terminated; size bytes
    size_t size;
    size_t limit;               //  the most body bytes this route takes
    bool too_large;
    const char *route;          //  the route's pattern, for the metrics
    char param [256];           //  the path's {id}
    tokens_principal_t principal;
    int64_t started;            //  zclock_usecs at the first byte
    enum MHD_Result result;     //  of the answer queued by reply_call's failure
    bool answered;              //  a response is queued
    //  A body taken as it arrives (an upload), not kept: the route's
    //  handler runs at the headers and sets these; feed gets each piece,
    //  end answers once the body is in, release frees stream.
    void *stream;
    void (*stream_feed) (request_t *self, const char *data, size_t size);
    enum MHD_Result (*stream_end) (request_t *self);
    void (*stream_release) (void *stream);
};

request_t *request_new (gateway_t *gateway, struct MHD_Connection *connection,
                        const char *method, const char *url);
void request_destroy (request_t **self_p);

//  Appends a piece of the body; past the limit, the rest is dropped and
//  too_large set.
void request_append (request_t *self, const char *data, size_t size);

//  A query argument, or NULL.
const char *request_arg (request_t *self, const char *name);

//  Path segment index ("/v1/cases/C" has "v1", "cases", "C" at 0..2)
//  into buffer; false when there is none or it does not fit.
bool request_segment (request_t *self, int index, char *buffer, size_t size);

//  A header, or NULL.
const char *request_header (request_t *self, const char *name);

//  Queues body (stolen) as JSON with status.
enum MHD_Result reply_json (request_t *self, int status, json_t *body);

//  Queues {"error":{"code":code,"message":...}} with status.
enum MHD_Result reply_error (request_t *self, int status, const char *code,
                             const char *format, ...) __attribute__ ((format (printf, 4, 5)));

//  Queues the error of a broker's failure reply, with its status.
enum MHD_Result reply_broker_error (request_t *self, json_t *reply);

//  Queues text (copied) with a content type.
enum MHD_Result reply_text (request_t *self, int status, const char *content_type,
                            const char *text, size_t size);

//  Queues a prepared response (the event stream) and counts it.
enum MHD_Result reply_response (request_t *self, int status, struct MHD_Response *response);

//  Sends request to the broker as the caller. True with *reply when the
//  broker answered ok; otherwise the error answer is queued (503, 504,
//  or the broker's error by its status), self->result holds its result
//  and *reply is NULL.
bool reply_call (request_t *self, json_t *request, json_t **reply);

//  Queues the error of a failed blob call over link (the broker's
//  refusal with its status, 503, 504, or 500).
enum MHD_Result reply_blob_error (request_t *self, const blob_link_t *link,
                                  const daiban_error_t *err);

//  reply_call, then reply_json (200) of the reply without "ok" and "rid".
enum MHD_Result reply_call_json (request_t *self, json_t *request);

#endif
