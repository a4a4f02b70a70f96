/*  stream: SUB socket on the broker's event stream (see stream.h). */
#include "stream.h"

#include <czmq.h>
#include <stdlib.h>
#include "json_msgpack.h"
#include "log.h"

struct _stream_t {
    zsock_t *subscriber;
    zpoller_t *poller;
};

stream_t *
stream_new (const char *endpoint, client_keys_t *keys, const char *prefix, daiban_error_t *err)
{
    assert (endpoint && prefix);
    stream_t *self = (stream_t *) calloc (1, sizeof (stream_t));
    if (!self) {
        daiban_error_set (err, DAIBAN_INTERNAL, "out of memory");
        return NULL;
    }
    self->subscriber = zsock_new (ZMQ_SUB);
    if (!self->subscriber) {
        daiban_error_set (err, DAIBAN_INTERNAL, "cannot create a ZeroMQ socket");
        stream_destroy (&self);
        return NULL;
    }
    zsock_set_linger (self->subscriber, 0);
    client_keys_apply (keys, self->subscriber);
    //  Subscribe before connecting, so the subscription goes out with
    //  the connection handshake.
    zsock_set_subscribe (self->subscriber, prefix);
    if (zsock_connect (self->subscriber, "%s", endpoint) != 0) {
        daiban_error_set (err, DAIBAN_BAD_REQUEST, "bad stream endpoint %s: %s", endpoint,
                          zmq_strerror (zmq_errno ()));
        stream_destroy (&self);
        return NULL;
    }
    self->poller = zpoller_new (self->subscriber, NULL);
    if (!self->poller) {
        daiban_error_set (err, DAIBAN_INTERNAL, "cannot create a poller");
        stream_destroy (&self);
    }
    return self;
}

void
stream_destroy (stream_t **self_p)
{
    assert (self_p);
    if (!*self_p)
        return;
    stream_t *self = *self_p;
    zpoller_destroy (&self->poller);
    zsock_destroy (&self->subscriber);
    free (self);
    *self_p = NULL;
}

//  The event of a [topic, event] message, or NULL when it is not one.
static json_t *
s_decode (zmsg_t *message)
{
    if (zmsg_size (message) != 2)
        return NULL;
    zframe_t *body = zmsg_last (message);
    daiban_error_t err;
    json_t *event = json_msgpack_decode (zframe_data (body), zframe_size (body),
                                         JSON_MSGPACK_BIN_BASE64, &err);
    if (!event)
        log_debug ("stream: unreadable event: %s", err.message);
    else
    if (!json_is_object (event))
        json_decref (event), event = NULL;
    return event;
}

daiban_code_t
stream_receive (stream_t *self, int timeout_ms, json_t **event, daiban_error_t *err)
{
    assert (self && event);
    *event = NULL;
    int64_t deadline = zclock_mono () + timeout_ms;
    while (!*event) {
        int64_t remaining = deadline - zclock_mono ();
        if (zsys_interrupted)
            return daiban_error_set (err, DAIBAN_UNAVAILABLE, "interrupted");
        if (remaining <= 0)
            return DAIBAN_OK;
        //  Short slices, as in client.c: a signal may not wake this wait.
        if (!zpoller_wait (self->poller, (int) (remaining < 250? remaining: 250)))
            continue;
        zmsg_t *message = zmsg_recv (self->subscriber);
        if (!message)
            continue;
        *event = s_decode (message);
        if (!*event)
            log_debug ("stream: skipped a message that is not [topic, event]");
        zmsg_destroy (&message);
    }
    return DAIBAN_OK;
}
