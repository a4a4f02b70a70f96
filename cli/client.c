/*  client: request/reply over a DEALER to the broker's ingress (see client.h). */
#include "client.h"

#include <czmq.h>
#include <stdlib.h>
#include <string.h>
#include "json_msgpack.h"
#include "log.h"

struct _client_t {
    zsock_t *dealer;
    zsock_t *handshakes;        //  tells a refused key from a silent broker
    zpoller_t *poller;
    char *endpoint;
    int timeout_ms;
    json_int_t next_rid;
    bool unsent;                //  the last call's request found no connection
};

static client_t *
s_new (const char *endpoint, client_keys_t *keys, int timeout_ms, int send_ms,
       daiban_error_t *err)
{
    assert (endpoint);
    client_t *self = (client_t *) calloc (1, sizeof (client_t));
    if (!self) {
        daiban_error_set (err, DAIBAN_INTERNAL, "out of memory");
        return NULL;
    }
    self->timeout_ms = timeout_ms;
    self->next_rid = 1;
    self->endpoint = strdup (endpoint);
    self->dealer = zsock_new (ZMQ_DEALER);
    if (!self->endpoint || !self->dealer) {
        daiban_error_set (err, DAIBAN_INTERNAL, "cannot create a ZeroMQ socket");
        client_destroy (&self);
        return NULL;
    }
    //  Linger 0: a request still queued for a broker that never came up
    //  must not keep the process alive at exit.
    zsock_set_linger (self->dealer, 0);
    zsock_set_sndtimeo (self->dealer, send_ms > 0? send_ms: timeout_ms);
    if (send_ms > 0)
        zsock_set_immediate (self->dealer, 1);
    client_keys_apply (keys, self->dealer);
    self->handshakes = client_keys_watch (self->dealer);
    if (zsock_connect (self->dealer, "%s", endpoint) != 0) {
        daiban_error_set (err, DAIBAN_BAD_REQUEST, "bad endpoint %s: %s", endpoint,
                          zmq_strerror (zmq_errno ()));
        client_destroy (&self);
        return NULL;
    }
    self->poller = zpoller_new (self->dealer, NULL);
    if (!self->poller) {
        daiban_error_set (err, DAIBAN_INTERNAL, "cannot create a poller");
        client_destroy (&self);
    }
    return self;
}

client_t *
client_new (const char *endpoint, client_keys_t *keys, int timeout_ms, daiban_error_t *err)
{
    return s_new (endpoint, keys, timeout_ms, 0, err);
}

client_t *
client_new_immediate (const char *endpoint, client_keys_t *keys, int timeout_ms, int send_ms,
                      daiban_error_t *err)
{
    assert (send_ms > 0);
    return s_new (endpoint, keys, timeout_ms, send_ms, err);
}

bool
client_unsent (client_t *self)
{
    return self->unsent;
}

void
client_destroy (client_t **self_p)
{
    assert (self_p);
    if (!*self_p)
        return;
    client_t *self = *self_p;
    zpoller_destroy (&self->poller);
    zsock_destroy (&self->dealer);
    zsock_destroy (&self->handshakes);
    free (self->endpoint);
    free (self);
    *self_p = NULL;
}

const char *
client_endpoint (client_t *self)
{
    return self->endpoint;
}

int
client_timeout (client_t *self)
{
    return self->timeout_ms;
}

static daiban_code_t
s_no_reply (client_t *self, daiban_error_t *err)
{
    if (zsys_interrupted)
        return daiban_error_set (err, DAIBAN_UNAVAILABLE, "interrupted while waiting for %s",
                                 self->endpoint);
    char why [200];
    if (client_keys_refused (self->handshakes, why, sizeof why))
        return daiban_error_set (err, DAIBAN_UNAVAILABLE, "no reply from %s within %d ms: %s",
                                 self->endpoint, self->timeout_ms, why);
    return daiban_error_set (err, DAIBAN_UNAVAILABLE, "no reply from %s within %d ms",
                             self->endpoint, self->timeout_ms);
}

static daiban_code_t
s_send (client_t *self, const void *body, size_t size, daiban_error_t *err)
{
    zmsg_t *message = zmsg_new ();
    if (!message || zmsg_addmem (message, NULL, 0) != 0
    ||  zmsg_addmem (message, body, size) != 0) {
        zmsg_destroy (&message);
        return daiban_error_set (err, DAIBAN_INTERNAL, "out of memory");
    }
    int rc = zmsg_send (&message, self->dealer);
    zmsg_destroy (&message);
    self->unsent = rc != 0;
    if (rc != 0)
        return s_no_reply (self, err);
    return DAIBAN_OK;
}

//  The body frame of the next well-framed reply ([empty, body]) that
//  arrives before deadline (zclock_mono time). Anything else on the
//  socket is not a reply of ours and is dropped.
static daiban_code_t
s_receive (client_t *self, int64_t deadline, zframe_t **body, daiban_error_t *err)
{
    while (true) {
        int64_t remaining = deadline - zclock_mono ();
        if (remaining <= 0 || zsys_interrupted)
            return s_no_reply (self, err);
        //  Short slices: a signal may land on a ZeroMQ thread and leave
        //  this wait uninterrupted, so zsys_interrupted is checked often.
        if (!zpoller_wait (self->poller, (int) (remaining < 250? remaining: 250)))
            continue;
        zmsg_t *message = zmsg_recv (self->dealer);
        if (!message)
            continue;
        zframe_t *delimiter = zmsg_first (message);
        if (zmsg_size (message) == 2 && zframe_size (delimiter) == 0) {
            zframe_t *first = zmsg_pop (message);
            zframe_destroy (&first);
            *body = zmsg_pop (message);
            zmsg_destroy (&message);
            return DAIBAN_OK;
        }
        log_debug ("dropped a reply of %zu frames", zmsg_size (message));
        zmsg_destroy (&message);
    }
}

daiban_code_t
client_call_raw (client_t *self, const void *body, size_t size, char **reply,
                 size_t *reply_size, daiban_error_t *err)
{
    assert (self && reply && reply_size);
    int64_t deadline = zclock_mono () + self->timeout_ms;
    daiban_code_t code = s_send (self, body, size, err);
    zframe_t *frame = NULL;
    if (code == DAIBAN_OK)
        code = s_receive (self, deadline, &frame, err);
    if (code != DAIBAN_OK)
        return code;
    *reply_size = zframe_size (frame);
    *reply = (char *) malloc (*reply_size? *reply_size: 1);
    if (!*reply) {
        zframe_destroy (&frame);
        return daiban_error_set (err, DAIBAN_INTERNAL, "out of memory");
    }
    memcpy (*reply, zframe_data (frame), *reply_size);
    zframe_destroy (&frame);
    return DAIBAN_OK;
}

//  True when reply answers a request with this rid: its own rid is equal,
//  or it has none (a request the broker could not read has no rid to copy).
static bool
s_matches (json_t *reply, json_t *rid)
{
    json_t *reply_rid = json_is_object (reply)? json_object_get (reply, "rid"): NULL;
    return !rid || !reply_rid || json_equal (rid, reply_rid);
}

static daiban_code_t
s_await (client_t *self, int64_t deadline, json_t *rid, json_t **reply, daiban_error_t *err)
{
    while (true) {
        zframe_t *frame = NULL;
        daiban_code_t code = s_receive (self, deadline, &frame, err);
        if (code != DAIBAN_OK)
            return code;
        daiban_error_t decode_error;
        json_t *value = json_msgpack_decode (zframe_data (frame), zframe_size (frame),
                                             JSON_MSGPACK_BIN_BASE64, &decode_error);
        zframe_destroy (&frame);
        if (!value)
            return daiban_error_set (err, DAIBAN_INTERNAL, "unreadable reply from %s: %s",
                                     self->endpoint, decode_error.message);
        if (s_matches (value, rid)) {
            *reply = value;
            return DAIBAN_OK;
        }
        log_debug ("dropped a late reply to an earlier request");
        json_decref (value);
    }
}

daiban_code_t
client_call (client_t *self, json_t *request, bool add_rid, json_t **reply,
             daiban_error_t *err)
{
    assert (self && request && reply);
    json_t *rid = NULL;
    if (add_rid && json_is_object (request) && !json_object_get (request, "rid"))
        json_object_set_new (request, "rid", json_integer (self->next_rid++));
    if (add_rid && json_is_object (request))
        rid = json_object_get (request, "rid");

    char *body = NULL;
    size_t size = 0;
    daiban_code_t code = json_msgpack_encode (request, &body, &size, err);
    if (code != DAIBAN_OK)
        return code;
    int64_t deadline = zclock_mono () + self->timeout_ms;
    code = s_send (self, body, size, err);
    free (body);
    if (code == DAIBAN_OK)
        code = s_await (self, deadline, rid, reply, err);
    return code;
}
