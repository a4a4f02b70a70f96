/*  broker: sockets, the store and the main loop (see broker.h).

    One turn of the loop (the Redis "before sleep" pattern, STYLE.md):
    drain every request waiting on ingress (up to batch_max), commit all
    posts of the turn in one write transaction (ingest.c), answer every
    request in arrival order, commit the workers' outcomes and due timers
    (dispatch.h). Replies and published events wait until the commit they
    report is durable (store.h): one sync of the write-ahead log at the end
    of the turn makes every commit of the turn so. So a turn costs one
    flush, and nothing is answered or published that a power loss could
    take back. Between turns, when the log is long or old, the store
    checkpoints it into LMDB (broker/checkpoint_bytes, checkpoint_ms). */
#include "broker.h"

#include <czmq.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "blobs.h"
#include "catalog.h"
#include "dispatch.h"
#include "guard.h"
#include "outbox.h"
#include "ingest.h"
#include "log.h"
#include "pending.h"
#include "query.h"
#include "replies.h"
#include "store.h"

//  Frames over this size are dropped by the transport (PROTOCOL.md); the
//  1 MiB request limit is answered with too_large below it.
#define TRANSPORT_MAX_FRAME (16LL * 1024 * 1024)
#define INGRESS_HWM 100000
#define SYNC_RETRY_MS 100           //  after a failed sync, while replies wait
#define STREAM_REBIND_MS 20         //  between tries to bind the stream again

struct _broker_t {
    config_t *config;
    store_t *store;
    catalog_t *catalog;
    blob_store_t *blobs;        //  attachments' content, beside the store
    case_cache_t *cases;        //  the case states of the ingest transaction
    dispatch_t *dispatch;
    outbox_t *outbox;           //  committed, to publish and dispatch once durable
    replies_t *replies;         //  answers waiting for their commit to be durable
    guard_t *guard;             //  CURVE keys and the principal of each message
    bool sync_failed;           //  the last sync failed: retry it, but not in a spin
    zsock_t *ingress, *workers, *stream;
    pending_t *pending;
    zmq_msg_t *bodies;          //  the request frames of the turn
    size_t batch_max;
    size_t history_max_bytes;
    size_t checkpoint_bytes;    //  checkpoint when the log is this long
    int64_t checkpoint_ms;      //  or this old
    int64_t checkpoint_at;      //  monotonic time of the last one
    const char *backup_dir;     //  where `backup` makes its copies (config)
    bool checkpoint_failed;     //  logged once until one succeeds
    wire_buffer_t reply;
    broker_counters_t counters;
    int64_t stream_retry_at;    //  monotonic ms: the next try to bind the stream again
    int stream_failed;          //  tries that failed since the stream was dropped
    int64_t waiting_since_us;   //  the receipt of the oldest post not yet durable
    uint64_t waiting_posts;     //  posts committed, their replies not yet out
    uint64_t waiting_commit;    //  the commit that makes them durable
    bool test_clock;
    int64_t test_now;
    int64_t started;
};

static int64_t
s_now (broker_t *self)
{
    return self->test_clock? self->test_now: zclock_time ();
}

//  Options first: a listener copies them when it binds, and every
//  connection it accepts later gets that copy (CURVE's included).
static zsock_t *
s_bind (guard_t *guard, access_socket_t which, int type, const char *name, const char *endpoint,
        int hwm, daiban_error_t *err)
{
    zsock_t *socket = zsock_new (type);
    if (!socket) {
        daiban_error_set (err, DAIBAN_UNAVAILABLE, "cannot create the %s socket", name);
        return NULL;
    }
    zsock_set_maxmsgsize (socket, TRANSPORT_MAX_FRAME);
    zsock_set_sndhwm (socket, hwm);
    zsock_set_rcvhwm (socket, hwm);
    if (guard_prepare (guard, socket, which, endpoint, err)) {
        zsock_destroy (&socket);
        return NULL;
    }
    if (!endpoint || zsock_bind (socket, "%s", endpoint) < 0) {
        daiban_error_set (err, DAIBAN_UNAVAILABLE, "cannot bind %s endpoint %s: %s", name,
                          endpoint? endpoint: "(none)", strerror (zmq_errno ()));
        zsock_destroy (&socket);
    }
    return socket;
}

static daiban_code_t
s_read_settings (broker_t *self, config_t *config, int64_t *map_size, daiban_error_t *err)
{
    int64_t batch_max, history_max_bytes, stream_hwm, checkpoint_bytes;
    if (config_get_int (config, "broker/map_size", map_size, err)
    ||  config_get_int (config, "broker/batch_max", &batch_max, err)
    ||  config_get_int (config, "broker/history_max_bytes", &history_max_bytes, err)
    ||  config_get_int (config, "broker/stream_hwm", &stream_hwm, err)
    ||  config_get_int (config, "broker/checkpoint_bytes", &checkpoint_bytes, err)
    ||  config_get_int (config, "broker/checkpoint_ms", &self->checkpoint_ms, err))
        return err->code;
    if (*map_size < 65536 || batch_max < 1 || history_max_bytes < 1024 || stream_hwm < 1
    ||  checkpoint_bytes < 1 || self->checkpoint_ms < 1)
        return daiban_error_set (err, DAIBAN_BAD_REQUEST,
                                 "config broker: map_size >= 65536, batch_max, history_max_bytes, "
                                 "stream_hwm, checkpoint_bytes and checkpoint_ms > 0");
    self->batch_max = (size_t) batch_max;
    self->history_max_bytes = (size_t) history_max_bytes;
    self->checkpoint_bytes = (size_t) checkpoint_bytes;
    self->backup_dir = config_get (config, "broker/backup_dir");
    if (!self->backup_dir || !*self->backup_dir)
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "config broker: backup_dir is empty");
    const char *test_clock = config_get (config, "broker/test_clock");
    if (test_clock && *test_clock) {
        char *end;
        self->test_now = strtoll (test_clock, &end, 10);
        if (*end || self->test_now < 0)
            return daiban_error_set (err, DAIBAN_BAD_REQUEST, "--test-clock: \"%s\" is not ms",
                                     test_clock);
        self->test_clock = true;
    }
    return DAIBAN_OK;
}

static daiban_code_t
s_open_sockets (broker_t *self, config_t *config, daiban_error_t *err)
{
    int64_t stream_hwm;
    config_get_int (config, "broker/stream_hwm", &stream_hwm, err);
    //  Room for pipelining clients: a reply over the high-water mark of a
    //  client that does not read is dropped, never waited for.
    self->ingress = s_bind (self->guard, ACCESS_INGRESS, ZMQ_ROUTER, "ingress",
                            config_get (config, "broker/ingress"), INGRESS_HWM, err);
    if (!self->ingress)
        return err->code;
    self->workers = s_bind (self->guard, ACCESS_WORKERS, ZMQ_ROUTER, "workers",
                            config_get (config, "broker/workers"), INGRESS_HWM, err);
    if (!self->workers)
        return err->code;
    self->stream = s_bind (self->guard, ACCESS_STREAM, ZMQ_XPUB, "stream",
                           config_get (config, "broker/stream"), (int) stream_hwm, err);
    return self->stream? DAIBAN_OK: err->code;
}

broker_t *
broker_new (config_t *config, daiban_error_t *err)
{
    broker_t *self = (broker_t *) calloc (1, sizeof (broker_t));
    if (!self) {
        daiban_error_set (err, DAIBAN_UNAVAILABLE, "out of memory");
        return NULL;
    }
    self->config = config;
    wire_buffer_init (&self->reply);
    int64_t map_size, blob_max_bytes, upload_idle_ms;
    const char *data = config_get (config, "broker/data");
    if (s_read_settings (self, config, &map_size, err)
    ||  blobs_read_settings (config, &blob_max_bytes, &upload_idle_ms, err)
    ||  !(self->catalog = catalog_new (config, err))
    ||  !(self->guard = guard_new (config, err))
    ||  !(self->store = store_new (data? data: "./daiban-data", (size_t) map_size, err))
    ||  !(self->blobs = blob_store_new (data? data: "./daiban-data", blob_max_bytes,
                                        upload_idle_ms, err))
    ||  s_open_sockets (self, config, err)
    ||  !(self->outbox = outbox_new ())
    ||  !(self->replies = replies_new ())
    ||  !(self->cases = case_cache_new (self->store))
    ||  !(self->dispatch = dispatch_new (self->store, zsock_resolve (self->workers), self->outbox,
                                         self->catalog, config, err))) {
        if (self->ingress && self->workers && self->stream && (!self->outbox || !self->cases || !self->replies))
            daiban_error_set (err, DAIBAN_UNAVAILABLE, "out of memory");
        broker_destroy (&self);
        return NULL;
    }
    self->pending = (pending_t *) calloc (self->batch_max, sizeof (pending_t));
    self->bodies = (zmq_msg_t *) calloc (self->batch_max, sizeof (zmq_msg_t));
    if (!self->pending || !self->bodies) {
        daiban_error_set (err, DAIBAN_UNAVAILABLE, "out of memory");
        broker_destroy (&self);
        return NULL;
    }
    bool zones = true;
    for (size_t index = 0; index < self->batch_max; index++) {
        wire_buffer_init (&self->pending [index].event);
        zones = request_init (&self->pending [index].request) && zones;
    }
    if (!zones) {
        daiban_error_set (err, DAIBAN_UNAVAILABLE, "out of memory");
        broker_destroy (&self);
        return NULL;
    }
    self->started = s_now (self);
    self->checkpoint_at = zclock_mono ();
    return self;
}

void
broker_destroy (broker_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    broker_t *self = *self_p;
    for (size_t index = 0; self->pending && index < self->batch_max; index++) {
        wire_buffer_release (&self->pending [index].event);
        request_release (&self->pending [index].request);
    }
    free (self->pending);
    free (self->bodies);
    wire_buffer_release (&self->reply);
    dispatch_destroy (&self->dispatch);
    case_cache_destroy (&self->cases);
    outbox_destroy (&self->outbox);
    replies_destroy (&self->replies);
    zsock_destroy (&self->ingress);
    zsock_destroy (&self->workers);
    zsock_destroy (&self->stream);
    guard_destroy (&self->guard);
    store_destroy (&self->store);
    blob_store_destroy (&self->blobs);
    catalog_destroy (&self->catalog);
    free (self);
    *self_p = NULL;
}

//  Decodes a request and judges its principal: the key's (a removed key
//  is refused first, whatever the request), or the one it names with
//  "as"; then whether that principal may make it (access.h). A post
//  records its principal as the event's `by`.
static void
s_decode (guard_t *guard, pending_t *pending, zmq_msg_t *body)
{
    principal_t connection;
    daiban_error_t revoked;
    request_decode (&pending->request, zmq_msg_data (body), zmq_msg_size (body), &pending->err);
    if (guard_principal (guard, body, &connection, &revoked))
        pending->err = revoked;
    else
    if (pending->err.code == DAIBAN_OK
    &&  !access_resolve (&connection, &pending->request, &pending->principal, &pending->err)
    &&  !access_check_request (&pending->principal, &pending->request, &pending->err)) {
        pending->request.event.by = pending->principal.name;
        pending->request.event.by_size = pending->principal.name_size;
    }
}

//  Receives one request without waiting: 1 when one was read, 0 when
//  none is waiting. Anything but [identity, empty, body] is answered
//  with bad_request; the body is decoded in place (msgpack-c objects
//  point into the frame, which lives until the turn ends).
static int
s_receive (guard_t *guard, void *socket, pending_t *pending, zmq_msg_t *body)
{
    zmq_msg_init (&pending->identity);
    zmq_msg_init (body);
    daiban_error_clear (&pending->err);
    if (zmq_msg_recv (&pending->identity, socket, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close (&pending->identity);
        return 0;
    }
    int frames = 0;
    bool framed = true, more = zmq_msg_more (&pending->identity);
    while (more) {
        zmq_msg_t frame;
        zmq_msg_init (&frame);
        if (zmq_msg_recv (&frame, socket, 0) < 0)
            break;
        frames++;
        more = zmq_msg_more (&frame);
        if (frames == 1)
            framed = zmq_msg_size (&frame) == 0;
        if (frames == 2)
            zmq_msg_move (body, &frame);
        zmq_msg_close (&frame);
    }
    if (frames != 2 || !framed)
        daiban_error_set (&pending->err, DAIBAN_BAD_REQUEST,
                          "a request is two frames: [empty, msgpack body] (got %d)", frames);
    else
        s_decode (guard, pending, body);
    return 1;
}

//  Binds the stream again after a reload dropped it: once per call, never
//  waiting (the old listener closes in libzmq's I/O thread, so its port
//  may take a moment to be free); the loop calls again every
//  STREAM_REBIND_MS until it binds, and logs the first failure only.
static void
s_rebind_stream (broker_t *self)
{
    daiban_error_t err;
    int64_t stream_hwm = 100000;
    config_get_int (self->config, "broker/stream_hwm", &stream_hwm, &err);
    self->stream = s_bind (self->guard, ACCESS_STREAM, ZMQ_XPUB, "stream",
                           config_get (self->config, "broker/stream"), (int) stream_hwm, &err);
    self->stream_retry_at = zclock_mono () + STREAM_REBIND_MS;
    if (self->stream)
        log_info ("stream bound again: subscribers reconnect through the key check");
    else
    if (!self->stream_failed++)
        log_error ("stream not bound again yet: %s (retried every %d ms; events stay in history)",
                   err.message, STREAM_REBIND_MS);
}

//  A reload removed or changed keys. A subscriber's key cannot be refused
//  on an open XPUB connection (it sends nothing to check), so the stream
//  socket is made anew: every subscriber reconnects through ZAP, and a
//  removed key is refused there (subscribers fill the gap from history).
//  Workers whose key went are dropped at once, their leases going elsewhere.
static void
s_keys_revoked (broker_t *self)
{
    dispatch_revoke (self->dispatch, self->guard);
    zsock_destroy (&self->stream);
    self->stream_failed = 0;
    s_rebind_stream (self);
}

//  Answers every request of the turn in arrival order, the reads from one
//  read transaction opened after the commit.
static void
s_answer (broker_t *self, size_t count, int64_t now)
{
    query_context_t context = { self->store, NULL, self->catalog, self->dispatch, &self->counters,
                                self->history_max_bytes, now, self->started,
                                self->test_clock, &self->test_now, self->backup_dir,
                                self->guard, { NULL, 0, ACCESS_ADMIN }, false, self->blobs,
                                self->stream != NULL };
    daiban_error_t read_err;
    for (size_t index = 0; index < count; index++) {
        pending_t *pending = &self->pending [index];
        wire_buffer_t *reply = &self->reply;
        wire_buffer_clear (reply);
        //  A read transaction per request: one (retry) may run a batch
        //  whose failure replaces the store's working transaction.
        if (pending->err.code == DAIBAN_OK && pending->request.op == REQUEST_POST)
            request_pack_posted (&pending->request, pending->seq, pending->duplicate, reply);
        else
        if (pending->err.code == DAIBAN_OK
        &&  store_read_begin (self->store, &context.txn, &read_err))
            pending->err = read_err;
        context.principal = pending->principal;
        if (pending->err.code == DAIBAN_OK && pending->request.op != REQUEST_POST)
            query_answer (&context, &pending->request, reply);
        if (pending->err.code) {
            self->counters.rejected++;
            self->counters.errors [pending->err.code]++;
            log_debug ("request refused: %s: %s", daiban_error_code_name (pending->err.code),
                       pending->err.message);
            request_pack_error (&reply->packer, pending->request.rid, &pending->err);
        }
        //  Everything this reply may show is committed by now; it goes
        //  out once that is durable.
        if (reply->failed
        ||  !replies_hold (self->replies, zmq_msg_data (&pending->identity),
                           zmq_msg_size (&pending->identity), reply->buffer.data,
                           reply->buffer.size, store_committed (self->store)))
            log_error ("out of memory: a reply is lost (the client times out)");
    }
    store_read_end (self->store, &context.txn);
    if (context.keys_revoked)
        s_keys_revoked (self);
}

//  The turn's new posts join the outbox, in seq order, after the commit.
static void
s_collect_posts (broker_t *self, size_t count)
{
    for (size_t index = 0; index < count; index++) {
        pending_t *post = &self->pending [index];
        if (post->err.code || post->request.op != REQUEST_POST || !post->published)
            continue;
        if (!outbox_add (self->outbox, post->seq, post->request.event.type->name,
                         post->request.event.case_id, post->event.buffer.data,
                         post->event.buffer.size, store_committed (self->store)))
            log_error ("out of memory: event %llu not published (it is committed: see history)",
                       (unsigned long long) post->seq);
    }
}

//  What is durable now goes out: the held replies, then the committed
//  events on the stream, in seq order, and into the queues of the roles
//  that subscribed to their types.
static void
s_release (broker_t *self)
{
    uint64_t durable = store_durable (self->store);
    replies_release (self->replies, zsock_resolve (self->ingress), durable);
    if (self->waiting_posts && durable >= self->waiting_commit) {
        latency_observe (&self->counters.commit_latency, zclock_usecs () - self->waiting_since_us,
                         self->waiting_posts);
        self->waiting_posts = 0;
    }
    void *stream = self->stream? zsock_resolve (self->stream): NULL;
    size_t ready = outbox_ready (self->outbox, durable);
    for (size_t index = 0; stream && index < ready; index++) {
        const outbox_entry_t *entry = outbox_at (self->outbox, index);
        zmq_send (stream, entry->type, strlen (entry->type), ZMQ_SNDMORE | ZMQ_DONTWAIT);
        zmq_send (stream, entry->data, entry->size, ZMQ_DONTWAIT);
        self->counters.published++;
    }
    dispatch_feed (self->dispatch, ready);
    outbox_drop (self->outbox, ready);
}

//  Flushes the turn's commits, so that their replies can go.
static void
s_sync (broker_t *self)
{
    daiban_error_t err;
    bool failed = store_durable (self->store) != store_committed (self->store)
               && store_sync (self->store, &err);
    if (failed && !self->sync_failed)
        log_error ("%s (replies wait until a sync succeeds)", err.message);
    self->sync_failed = failed;
}

//  Milliseconds until the log is old enough to checkpoint (-1: empty).
//  After a failed checkpoint only the time counts: a long log must not
//  make every turn try (and fail) a whole LMDB commit again.
static long
s_checkpoint_wait (broker_t *self, int64_t mono)
{
    if (store_log_bytes (self->store) == 0)
        return -1;
    if (store_log_bytes (self->store) >= self->checkpoint_bytes && !self->checkpoint_failed)
        return 0;
    int64_t wait = self->checkpoint_at + self->checkpoint_ms - mono;
    return wait > 0? (long) wait: 0;
}

//  Between turns: the log goes into LMDB when long or old, so that it
//  stays short to replay and the working transaction small.
static void
s_checkpoint (broker_t *self)
{
    int64_t mono = zclock_mono ();
    if (s_checkpoint_wait (self, mono) != 0)
        return;
    daiban_error_t err;
    bool failed = store_checkpoint (self->store, &err) != DAIBAN_OK;
    if (failed && !self->checkpoint_failed)
        log_error ("checkpoint: %s (the log keeps every event; retried)", err.message);
    self->checkpoint_failed = failed;
    self->checkpoint_at = mono;
}

static long
s_min_timeout (long a, long b)
{
    return a < 0? b: b < 0? a: a < b? a: b;
}

static void
s_ingress_turn (broker_t *self)
{
    void *ingress = zsock_resolve (self->ingress);
    int64_t received_us = zclock_usecs ();
    uint64_t posts_before = self->counters.posts;
    size_t count = 0;
    bool posts = false;
    while (count < self->batch_max
       &&  s_receive (self->guard, ingress, &self->pending [count], &self->bodies [count])) {
        posts |= self->pending [count].err.code == DAIBAN_OK
              && self->pending [count].request.op == REQUEST_POST;
        count++;
    }
    if (posts)
        blobs_check_posts (self->blobs, self->store, self->pending, count);
    if (posts)
        ingest_commit (self->cases, self->pending, count, s_now (self), &self->counters);
    if (self->counters.posts > posts_before) {
        if (!self->waiting_posts)
            self->waiting_since_us = received_us;
        self->waiting_posts += self->counters.posts - posts_before;
        self->waiting_commit = store_committed (self->store);
    }
    s_answer (self, count, s_now (self));
    s_collect_posts (self, count);
    //  Every slot is left reset (its zone's extra chunks freed) for its
    //  next receive.
    for (size_t index = 0; index < count; index++) {
        request_reset (&self->pending [index].request);
        zmq_msg_close (&self->pending [index].identity);
        zmq_msg_close (&self->bodies [index]);
    }
}

//  XPUB delivers subscriptions as messages; read them so they do not queue.
static void
s_drain_subscriptions (broker_t *self)
{
    zmq_msg_t message;
    zmq_msg_init (&message);
    while (self->stream && zmq_msg_recv (&message, zsock_resolve (self->stream), ZMQ_DONTWAIT) >= 0)
        ;
    zmq_msg_close (&message);
}

//  SIGHUP: the key directory is read again (as the reload op does).
static void
s_reload_on_signal (broker_t *self, int reload_fd)
{
    char drained [64];
    while (read (reload_fd, drained, sizeof drained) > 0)
        ;
    bool revoked;
    daiban_error_t err;
    if (guard_reload (self->guard, &revoked, &err))
        log_error ("SIGHUP: keys not reloaded: %s (the keys in force stay)", err.message);
    else
    if (revoked)
        s_keys_revoked (self);
}

int
broker_run (broker_t *self, int stop_fd, int reload_fd)
{
    fprintf (stderr, "daiban-broker ready\n");
    fflush (stderr);
    log_info ("ingress %s, workers %s, stream %s, last seq %llu%s%s",
              config_get (self->config, "broker/ingress"), config_get (self->config, "broker/workers"),
              config_get (self->config, "broker/stream"),
              (unsigned long long) store_last_seq (self->store),
              self->test_clock? ", manual test clock": "",
              guard_curve (self->guard)? ", CURVE": ", plaintext (loopback only)");
    bool stopping = false;
    //  Each turn: receive, commit, answer, publish, dispatch (STYLE.md).
    while (!stopping) {
        guard_end_turn (self->guard);
        if (!self->stream && zclock_mono () >= self->stream_retry_at)
            s_rebind_stream (self);
        //  Rebuilt each turn: a reload may have made the stream anew.
        zmq_pollitem_t items [] = {
            { zsock_resolve (self->ingress), 0, ZMQ_POLLIN, 0 },
            { zsock_resolve (self->workers), 0, ZMQ_POLLIN, 0 },
            { self->stream? zsock_resolve (self->stream): NULL, -1, ZMQ_POLLIN, 0 },
            { NULL, stop_fd, ZMQ_POLLIN, 0 },
            { NULL, reload_fd, ZMQ_POLLIN, 0 },
            { guard_zap_socket (self->guard), -1, ZMQ_POLLIN, 0 },
        };
        if (!items [2].socket)
            items [2].events = 0;
        int count = items [5].socket? 6: 5;
        bool waiting = store_durable (self->store) != store_committed (self->store);
        long timeout = waiting? SYNC_RETRY_MS
                              : (long) dispatch_timeout (self->dispatch, s_now (self), zclock_mono ());
        timeout = s_min_timeout (timeout, s_checkpoint_wait (self, zclock_mono ()));
        if (!self->stream)
            timeout = s_min_timeout (timeout, STREAM_REBIND_MS);
        int ready = zmq_poll (items, count, timeout);
        if (ready < 0) {
            if (zmq_errno () == EINTR)
                continue;
            log_error ("poll: %s", zmq_strerror (zmq_errno ()));
            return -1;
        }
        stopping = items [3].revents & ZMQ_POLLIN;
        guard_answer (self->guard, zclock_mono ());
        if (items [4].revents & ZMQ_POLLIN)
            s_reload_on_signal (self, reload_fd);
        if (items [0].revents & ZMQ_POLLIN)
            s_ingress_turn (self);
        if (items [1].revents & ZMQ_POLLIN)
            dispatch_receive (self->dispatch, self->guard, zclock_mono ());
        if (items [2].revents & ZMQ_POLLIN)
            s_drain_subscriptions (self);
        dispatch_settle (self->dispatch, s_now (self), zclock_mono ());
        s_sync (self);
        s_release (self);
        dispatch_send (self->dispatch, s_now (self), zclock_mono ());
        s_checkpoint (self);
    }
    s_sync (self);
    s_release (self);
    log_info ("interrupted: stopping at seq %llu", (unsigned long long) store_last_seq (self->store));
    return 0;
}
