/*  ingest_client: client threads of the ingest benchmark (see ingest_client.h). */
#include "ingest_client.h"
#include "ingest_request.h"
#include "latencies.h"

#include <czmq.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  Where the client threads wait, once connected, until all are ready;
//  cancelled when some could not be started.
typedef struct {
    pthread_mutex_t mutex;
    pthread_cond_t changed;
    size_t ready;
    bool open;
    bool cancelled;
} s_gate_t;

//  One client thread: its socket, its share of the events, and per rid
//  the send time and the committed seq.
typedef struct {
    const ingest_options_t *options;
    size_t index;
    size_t events;
    s_gate_t *gate;
    zsock_t *dealer;
    ingest_request_t *request;
    latencies_t *latencies;
    uint64_t *sent_at;
    uint64_t *seqs;
    size_t request_bytes;
    uint64_t finished_at;
    bool failed;
    char error [256];
} s_client_t;

static int
s_fail (s_client_t *self, const char *format, ...)
{
    if (!self->failed) {
        va_list args;
        va_start (args, format);
        vsnprintf (self->error, sizeof self->error, format, args);
        va_end (args);
        self->failed = true;
    }
    return -1;
}

static s_client_t *
s_client_new (const ingest_options_t *options, size_t index, size_t events,
              const char *source)
{
    s_client_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->options = options;
    self->index = index;
    self->events = events;
    self->request = ingest_request_new (options->case_id, source, options->event_bytes);
    self->latencies = latencies_new (events);
    self->sent_at = calloc (events + 1, sizeof *self->sent_at);
    self->seqs = calloc (events + 1, sizeof *self->seqs);
    self->dealer = zsock_new (ZMQ_DEALER);
    if (!self->request || !self->latencies || !self->sent_at || !self->seqs
    ||  !self->dealer) {
        //  Freed by the caller's destroy; a NULL here means out of memory
        //  or no more sockets, both reported as a failed client.
        s_fail (self, "client %zu: out of memory or sockets", index);
        return self;
    }
    zsock_set_linger (self->dealer, 0);
    zsock_set_rcvtimeo (self->dealer, options->timeout_ms);
    //  No high-water mark: the number in flight is bounded by --inflight.
    zsock_set_sndhwm (self->dealer, 0);
    zsock_set_rcvhwm (self->dealer, 0);
    client_keys_apply (options->keys, self->dealer);
    if (zsock_connect (self->dealer, "%s", options->endpoint))
        s_fail (self, "cannot connect to %s", options->endpoint);
    return self;
}

static void
s_client_destroy (s_client_t **self_p)
{
    if (*self_p) {
        s_client_t *self = *self_p;
        zsock_destroy (&self->dealer);
        ingest_request_destroy (&self->request);
        latencies_destroy (&self->latencies);
        free (self->sent_at);
        free (self->seqs);
        free (self);
        *self_p = NULL;
    }
}

//  Sends [empty, request] as PROTOCOL.md frames it for a DEALER.
static int
s_client_send (s_client_t *self, const char *data, size_t size)
{
    void *handle = zsock_resolve (self->dealer);
    if (zmq_send (handle, "", 0, ZMQ_SNDMORE) == -1
    ||  zmq_send (handle, data, size, 0) == -1)
        return s_fail (self, "send: %s", zmq_strerror (zmq_errno ()));
    return 0;
}

//  Reads one reply [empty, body] and decodes it.
static int
s_client_receive (s_client_t *self, ingest_reply_t *reply)
{
    void *handle = zsock_resolve (self->dealer);
    zmq_msg_t frame;
    zmq_msg_init (&frame);
    int rc = -1;
    if (zmq_msg_recv (&frame, handle, 0) == -1)
        s_fail (self, "no reply within %d ms (%s)", self->options->timeout_ms,
                zmq_strerror (zmq_errno ()));
    else
    if (zmq_msg_size (&frame) != 0 || !zmq_msg_more (&frame))
        s_fail (self, "a reply without the empty delimiter frame");
    else
    if (zmq_msg_recv (&frame, handle, 0) == -1)
        s_fail (self, "receive: %s", zmq_strerror (zmq_errno ()));
    else
    if (zmq_msg_more (&frame))
        s_fail (self, "a reply of more than two frames");
    else
    if (ingest_request_read_reply (zmq_msg_data (&frame), zmq_msg_size (&frame), reply))
        s_fail (self, "a reply that is not one msgpack map");
    else
        rc = 0;
    zmq_msg_close (&frame);
    return rc;
}

//  Posts one event to open the connection (not measured).
static int
s_client_warm_up (s_client_t *self)
{
    char id [32];
    snprintf (id, sizeof id, "%s-warmup", self->options->tag);
    const char *data;
    size_t size;
    ingest_reply_t reply;
    if (ingest_request_worklog (self->request, id, 0, &data, &size))
        return s_fail (self, "cannot build a request");
    if (s_client_send (self, data, size) || s_client_receive (self, &reply))
        return -1;
    if (!reply.ok)
        return s_fail (self, "warm-up post refused: %s", reply.error);
    return 0;
}

static int
s_client_post (s_client_t *self, size_t number)
{
    char id [32];
    snprintf (id, sizeof id, "%s-%08zu", self->options->tag, number);
    const char *data;
    size_t size;
    //  rid 0 is the warm-up's; the measured posts use 1..events.
    if (ingest_request_worklog (self->request, id, number + 1, &data, &size))
        return s_fail (self, "cannot build a request");
    self->request_bytes = size;
    self->sent_at [number + 1] = latencies_now ();
    return s_client_send (self, data, size);
}

static int
s_client_take_reply (s_client_t *self, size_t sent)
{
    ingest_reply_t reply;
    if (s_client_receive (self, &reply))
        return -1;
    uint64_t now = latencies_now ();
    if (!reply.ok)
        return s_fail (self, "post refused: %s", reply.error);
    if (!reply.has_rid || reply.rid < 1 || reply.rid > sent || self->seqs [reply.rid])
        return s_fail (self, "a reply with an unexpected rid");
    if (reply.duplicate || reply.seq == 0)
        return s_fail (self, "a reply without a new seq (duplicate=%d)", reply.duplicate);
    self->seqs [reply.rid] = reply.seq;
    if (latencies_add (self->latencies, now - self->sent_at [reply.rid]))
        return s_fail (self, "out of memory");
    return 0;
}

static int
s_client_measure (s_client_t *self)
{
    size_t sent = 0;
    size_t received = 0;
    while (received < self->events) {
        while (sent < self->events && sent - received < self->options->inflight)
            if (s_client_post (self, sent++))
                return -1;
        if (s_client_take_reply (self, sent))
            return -1;
        received++;
    }
    //  PROTOCOL.md: posts on one connection are committed in the order
    //  they were sent, so their seqs rise with the rid.
    for (size_t rid = 2; rid <= self->events; rid++)
        if (self->seqs [rid] <= self->seqs [rid - 1])
            return s_fail (self, "rid %zu committed before rid %zu", rid, rid - 1);
    return 0;
}

static void *
s_client_thread (void *argument)
{
    s_client_t *self = argument;
    int rc = self->failed? -1: s_client_warm_up (self);
    s_gate_t *gate = self->gate;
    pthread_mutex_lock (&gate->mutex);
    gate->ready++;
    pthread_cond_broadcast (&gate->changed);
    while (!gate->open && !gate->cancelled)
        pthread_cond_wait (&gate->changed, &gate->mutex);
    if (gate->cancelled)
        rc = s_fail (self, "run cancelled");
    pthread_mutex_unlock (&gate->mutex);
    if (rc == 0)
        s_client_measure (self);
    self->finished_at = latencies_now ();
    return NULL;
}

int
ingest_client_register (const ingest_options_t *options, uint64_t *seq,
                        bool *duplicate, char *error, size_t error_size)
{
    s_client_t *client = s_client_new (options, 0, 1, "bench-setup");
    if (!client) {
        snprintf (error, error_size, "out of memory");
        return -1;
    }
    const char *data;
    size_t size;
    ingest_reply_t reply;
    if (!client->failed) {
        if (ingest_request_registration (client->request, "register-1", &data, &size))
            s_fail (client, "cannot build a request");
        else
        if (s_client_send (client, data, size) == 0
        &&  s_client_receive (client, &reply) == 0 && !reply.ok)
            s_fail (client, "%s", reply.error);
    }
    int rc = client->failed? -1: 0;
    if (rc)
        snprintf (error, error_size, "%s", client->error);
    else {
        *seq = reply.seq;
        *duplicate = reply.duplicate;
    }
    s_client_destroy (&client);
    return rc;
}

//  Merges the clients' latencies and fills result; -1 at the first
//  failed client.
static int
s_gather (s_client_t **clients, size_t count, uint64_t started, ingest_result_t *result)
{
    latencies_t *all = latencies_new (1);
    if (!all) {
        snprintf (result->error, sizeof result->error, "out of memory");
        return -1;
    }
    uint64_t finished = started;
    for (size_t index = 0; index < count; index++) {
        s_client_t *client = clients [index];
        if (client->failed) {
            snprintf (result->error, sizeof result->error, "client %zu: %s",
                      index, client->error);
            latencies_destroy (&all);
            return -1;
        }
        if (latencies_merge (all, client->latencies)) {
            snprintf (result->error, sizeof result->error, "out of memory");
            latencies_destroy (&all);
            return -1;
        }
        if (client->finished_at > finished)
            finished = client->finished_at;
        result->request_bytes = client->request_bytes;
        result->event_bytes = ingest_request_event_bytes (client->request);
    }
    result->events = latencies_count (all);
    result->seconds = (double) (finished - started) / 1e9;
    result->p50_us = (double) latencies_percentile (all, 50) / 1e3;
    result->p99_us = (double) latencies_percentile (all, 99) / 1e3;
    result->max_us = (double) latencies_percentile (all, 100) / 1e3;
    latencies_destroy (&all);
    return 0;
}

//  Opens the gate once the started threads are all ready, or cancels
//  the run when not all could be started; returns when it is open.
static uint64_t
s_gate_release (s_gate_t *gate, size_t started, size_t count)
{
    pthread_mutex_lock (&gate->mutex);
    while (gate->ready < started)
        pthread_cond_wait (&gate->changed, &gate->mutex);
    gate->open = started == count;
    gate->cancelled = !gate->open;
    uint64_t now = latencies_now ();
    pthread_cond_broadcast (&gate->changed);
    pthread_mutex_unlock (&gate->mutex);
    return now;
}

//  Starts the client threads, releases them together, waits for them.
static int
s_run_threads (s_client_t **clients, size_t count, ingest_result_t *result)
{
    s_gate_t gate = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, false, false };
    pthread_t *threads = calloc (count, sizeof *threads);
    size_t started = 0;
    if (threads)
        for (; started < count; started++) {
            clients [started]->gate = &gate;
            if (pthread_create (&threads [started], NULL, s_client_thread, clients [started]))
                break;
        }
    uint64_t started_at = s_gate_release (&gate, started, count);
    for (size_t index = 0; index < started; index++)
        pthread_join (threads [index], NULL);
    free (threads);
    if (started < count) {
        snprintf (result->error, sizeof result->error,
                  "could start %zu client threads of %zu", started, count);
        return -1;
    }
    return s_gather (clients, count, started_at, result);
}

int
ingest_client_run (const ingest_options_t *options, ingest_result_t *result)
{
    memset (result, 0, sizeof *result);
    size_t count = options->clients;
    s_client_t **clients = calloc (count, sizeof *clients);
    if (!clients) {
        snprintf (result->error, sizeof result->error, "out of memory");
        return -1;
    }
    int rc = 0;
    for (size_t index = 0; index < count && rc == 0; index++) {
        char source [32];
        snprintf (source, sizeof source, "bench-%02zu", index);
        //  The events shared out as evenly as they go.
        size_t events = options->events / count + (index < options->events % count);
        clients [index] = s_client_new (options, index, events, source);
        if (!clients [index]) {
            snprintf (result->error, sizeof result->error, "out of memory");
            rc = -1;
        }
    }
    if (rc == 0)
        rc = s_run_threads (clients, count, result);
    for (size_t index = 0; index < count; index++)
        s_client_destroy (&clients [index]);
    free (clients);
    return rc;
}
