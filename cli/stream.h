/*  stream: a subscriber to the broker's event stream (PROTOCOL.md,
    Stream): a SUB socket subscribed to one type prefix ("" for all),
    receiving [topic, event] messages. The stream may drop events for a
    slow or late subscriber; the watch command fills what it misses from
    `history`, this class only receives. */
#ifndef DAIBAN_STREAM_H
#define DAIBAN_STREAM_H

#include <jansson.h>
#include "client_keys.h"
#include "daiban_error.h"

typedef struct _stream_t stream_t;

//  Connects to endpoint and subscribes to prefix. NULL with
//  DAIBAN_BAD_REQUEST for an invalid endpoint.
stream_t *stream_new (const char *endpoint, client_keys_t *keys, const char *prefix,
                      daiban_error_t *err);
void stream_destroy (stream_t **self_p);

//  Waits at most timeout_ms for the next event and returns it decoded
//  in *event (a new reference), or *event = NULL when none came in time.
//  DAIBAN_UNAVAILABLE when the process was interrupted. A message that
//  is not [topic, msgpack map] is skipped (logged at debug level).
daiban_code_t stream_receive (stream_t *self, int timeout_ms, json_t **event,
                              daiban_error_t *err);

#endif
