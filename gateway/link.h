/*  link: the gateway's conversation with the broker's ingress. ZeroMQ
    sockets are not thread-safe and the HTTP server runs a thread per
    connection, so each thread gets its own DEALER (a client_t made on
    first use, destroyed when the thread ends): requests of one thread
    never wait for another's, and the broker batches the commits of all
    of them. Replies are matched by `rid` (client_t). */
#ifndef DAIBAN_LINK_H
#define DAIBAN_LINK_H

#include <jansson.h>
#include <stdbool.h>
#include "blob_client.h"
#include "daiban_error.h"
#include "gateway.h"
#include "tokens.h"

typedef enum {
    LINK_REPLIED,               //  *reply holds the broker's answer, ok or not
    LINK_DOWN,                  //  no connection to the broker: 503
    LINK_TIMEOUT,               //  sent, no answer in time: 504
    LINK_FAILED                 //  the request could not be encoded, or out of memory
} link_result_t;

//  Once, before the server starts.
daiban_code_t link_init (daiban_error_t *err);

//  Sends request (adding `as`: principal, when the gateway has tokens; for
//  as NULL, the gateway's own requests, {daiban-gateway, operator})
//  from the calling thread's socket; err says what went wrong otherwise.
link_result_t link_call (gateway_t *gateway, json_t *request, const tokens_principal_t *as,
                         json_t **reply, daiban_error_t *err);

//  The calling thread's socket as a blob link acting for as (blob_put and
//  blob_get carry bytes, which JSON requests cannot); false with err
//  when there is no socket.
bool link_blob (gateway_t *gateway, const tokens_principal_t *as, blob_link_t *link,
                daiban_error_t *err);

//  The result of a blob call that failed with err: LINK_REPLIED for the
//  broker's refusal, LINK_DOWN or LINK_TIMEOUT for no reply, LINK_FAILED
//  for the rest (out of memory, an unreadable reply).
link_result_t link_blob_result (const blob_link_t *link, const daiban_error_t *err);

#endif
