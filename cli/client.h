/*  client: one request, one reply, over a DEALER connected to the
    broker's ingress (PROTOCOL.md, Ingress). Each request goes out as
    [empty, msgpack body]; the reply is awaited for at most the timeout,
    so the caller never hangs on a broker that is down or slow. Replies
    carry the request's "rid"; a late reply to an earlier request that
    timed out is recognised by its rid and dropped. */
#ifndef DAIBAN_CLIENT_H
#define DAIBAN_CLIENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include "client_keys.h"
#include "daiban_error.h"

typedef struct _client_t client_t;

//  Connects (asynchronously, as ZeroMQ does) to endpoint. NULL with
//  DAIBAN_BAD_REQUEST when the endpoint is not a valid ZeroMQ endpoint.
client_t *client_new (const char *endpoint, client_keys_t *keys, int timeout_ms,
                      daiban_error_t *err);
void client_destroy (client_t **self_p);

//  Like client_new, but a request is only queued for a broker that is
//  connected (ZMQ_IMMEDIATE): with none, the send gives up after send_ms
//  and client_unsent tells the caller so (the gateway answers 503 for a
//  broker that is down, 504 for one that took the request and did not
//  answer in time).
client_t *client_new_immediate (const char *endpoint, client_keys_t *keys, int timeout_ms,
                                int send_ms, daiban_error_t *err);

//  True when the last call failed because its request found no
//  connection to send on.
bool client_unsent (client_t *self);

const char *client_endpoint (client_t *self);
int client_timeout (client_t *self);

//  Sends request (a JSON value, sent as msgpack) and returns its decoded
//  reply in *reply (a new reference). When add_rid is true and request
//  is an object without "rid", a fresh integer rid is added to it and
//  replies with another rid are dropped. Errors: DAIBAN_BAD_REQUEST when
//  the request cannot be encoded; DAIBAN_UNAVAILABLE when no reply came
//  within the timeout (or the process was interrupted); DAIBAN_INTERNAL
//  when the reply is not a msgpack value. A reply with "ok": false is a
//  successful call: the caller reads the error from it.
daiban_code_t client_call (client_t *self, json_t *request, bool add_rid, json_t **reply,
                           daiban_error_t *err);

//  Sends body as is and returns the raw reply body (malloc'd) in *reply
//  and *reply_size; the same timeouts and errors as client_call.
daiban_code_t client_call_raw (client_t *self, const void *body, size_t size,
                               char **reply, size_t *reply_size, daiban_error_t *err);

#endif
