/*  worker: the shared socket loop of the worker roles (see worker.h). */
#include "worker.h"

#include <czmq.h>
#include <errno.h>
#include "client_keys.h"
#include "log.h"
#include "wire.h"

//  Reconnection back-off (notes/workers-spec.md): short enough that a
//  restarted broker sees its workers again within a second, capped so
//  that a broker down for long is not hammered.
#define BACKOFF_FIRST_MS 250
#define BACKOFF_MAX_MS 8000
//  On shutdown the last `done` may still be queued: give it this long.
#define SHUTDOWN_LINGER_MS 1000

struct _worker_t {
    const worker_role_t *role;
    const worker_context_t *context;
    const char *endpoint;
    int64_t heartbeat_ms, liveness, credit;
    zsock_t *socket;
    int64_t heard_at;               //  when the broker was last heard (monotonic ms)
    int64_t ping_at;                //  when the next ping goes out
    int64_t backoff_ms;             //  the wait before the next reconnection
    worker_output_t *output;
    wire_buffer_t reply;
    client_keys_t *keys;            //  CURVE keys (plaintext when none are configured)
    bool refused;                   //  the broker refused our ready: stop
};

//  A new DEALER connected to the endpoint; no identity, so each
//  reconnection is a new peer for the broker.
static zsock_t *
s_socket_new (worker_t *self, daiban_error_t *err)
{
    zsock_t *socket = zsock_new (ZMQ_DEALER);
    if (!socket) {
        daiban_error_set (err, DAIBAN_INTERNAL, "cannot create a socket: %s", zmq_strerror (errno));
        return NULL;
    }
    zsock_set_linger (socket, 0);
    zsock_set_sndtimeo (socket, (int) self->heartbeat_ms);
    client_keys_apply (self->keys, socket);
    if (zsock_connect (socket, "%s", self->endpoint) == -1) {
        daiban_error_set (err, DAIBAN_BAD_REQUEST, "cannot connect to %s: %s", self->endpoint,
                          zmq_strerror (errno));
        zsock_destroy (&socket);
    }
    return socket;
}

//  Sends [empty, bytes]. A failure is logged, not fatal: liveness
//  notices a broker that does not answer.
static void
s_send (worker_t *self, const void *data, size_t size)
{
    void *handle = zsock_resolve (self->socket);
    int rc;
    while ((rc = zmq_send (handle, "", 0, ZMQ_SNDMORE)) == -1 && errno == EINTR)
        ;
    if (rc != -1)
        while ((rc = zmq_send (handle, data, size, 0)) == -1 && errno == EINTR)
            ;
    if (rc == -1)
        log_warning ("cannot send to the broker: %s", zmq_strerror (errno));
}

static void
s_send_op (worker_t *self, const char *op)
{
    wire_buffer_clear (&self->reply);
    msgpack_pack_map (&self->reply.packer, 1);
    wire_pack_key (&self->reply.packer, "op");
    wire_pack_str (&self->reply.packer, op);
    if (!self->reply.failed)
        s_send (self, self->reply.buffer.data, self->reply.buffer.size);
}

static void
s_send_ready (worker_t *self)
{
    wire_buffer_clear (&self->reply);
    msgpack_packer *packer = &self->reply.packer;
    size_t count = 0;
    while (self->role->types [count])
        count++;
    msgpack_pack_map (packer, 4);
    wire_pack_key (packer, "op");
    wire_pack_str (packer, "ready");
    wire_pack_key (packer, "role");
    wire_pack_str (packer, self->role->name);
    wire_pack_key (packer, "types");
    msgpack_pack_array (packer, count);
    for (size_t index = 0; index < count; index++)
        wire_pack_str (packer, self->role->types [index]);
    wire_pack_key (packer, "credit");
    msgpack_pack_int64 (packer, self->credit);
    if (!self->reply.failed)
        s_send (self, self->reply.buffer.data, self->reply.buffer.size);
    int64_t now = zclock_mono ();
    self->heard_at = now;
    self->ping_at = now + self->heartbeat_ms;
}

//  Sleeps ms, in slices, so that a signal is obeyed within 100 ms.
static void
s_sleep (int64_t ms)
{
    int64_t until = zclock_mono () + ms;
    while (!zsys_interrupted && zclock_mono () < until) {
        int64_t left = until - zclock_mono ();
        zclock_sleep ((int) (left < 100? left: 100));
    }
}

//  Drops the socket and connects a new one; waits the back-off first
//  unless told to reconnect at once.
static int
s_reconnect (worker_t *self, bool at_once)
{
    zsock_destroy (&self->socket);
    if (!at_once) {
        s_sleep (self->backoff_ms);
        self->backoff_ms = self->backoff_ms * 2 > BACKOFF_MAX_MS? BACKOFF_MAX_MS: self->backoff_ms * 2;
    }
    daiban_error_t err = { DAIBAN_OK, "" };
    self->socket = s_socket_new (self, &err);
    if (!self->socket) {
        log_error ("%s", err.message);
        return -1;
    }
    s_send_ready (self);
    log_info ("reconnected to %s", self->endpoint);
    return 0;
}

static void
s_dispatch (worker_t *self, const msgpack_object *message)
{
    daiban_error_t err = { DAIBAN_OK, "" };
    wire_buffer_clear (&self->reply);
    if (worker_dispatch_answer (self->role, self->context, message, self->output,
                                &self->reply, &err) == DAIBAN_OK)
        s_send (self, self->reply.buffer.data, self->reply.buffer.size);
    else
        log_warning ("dispatch not answered: %s", err.message);
}

//  Reads one message [empty, msgpack map] and acts on it. Returns true
//  when the broker asked for a reconnection.
static bool
s_receive (worker_t *self)
{
    zmsg_t *message = zmsg_recv (self->socket);
    if (!message)
        return false;
    self->heard_at = zclock_mono ();
    self->backoff_ms = BACKOFF_FIRST_MS;
    zframe_t *empty = zmsg_first (message);
    zframe_t *body = zmsg_next (message);
    bool reconnect = false;
    msgpack_zone zone;
    msgpack_zone_init (&zone, 2048);
    msgpack_object root;
    daiban_error_t err = { DAIBAN_OK, "" };
    if (zmsg_size (message) != 2 || zframe_size (empty) != 0)
        log_warning ("dropped a message from the broker: not [empty, body]");
    else
    if (wire_unpack (zframe_data (body), zframe_size (body), &zone, &root, &err))
        log_warning ("dropped a message from the broker: %s", err.message);
    else {
        const msgpack_object *op = wire_map_get (&root, "op");
        if (wire_str_eq (op, "dispatch"))
            s_dispatch (self, &root);
        else
        if (wire_str_eq (op, "ping"))
            s_send_op (self, "pong");
        else
        if (wire_str_eq (op, "refused")) {
            char text [400] = "";
            wire_str_copy (wire_map_get (&root, "message"), text, sizeof text);
            log_error ("the broker refused this worker: %s", text);
            self->refused = true;
        }
        else
        if (wire_str_eq (op, "disconnect")) {
            log_info ("the broker does not know this worker: reconnecting");
            reconnect = true;
        }
        else
        if (!wire_str_eq (op, "pong"))
            log_debug ("ignored a broker message without a known op");
    }
    msgpack_zone_destroy (&zone);
    zmsg_destroy (&message);
    return reconnect;
}

static daiban_code_t
s_setting (const worker_context_t *context, const char *path, int64_t fallback, int64_t minimum,
           int64_t *value, daiban_error_t *err)
{
    daiban_code_t code = worker_context_int (context, path, fallback, value, err);
    if (!code && (*value < minimum || *value > 3600000))
        code = daiban_error_set (err, DAIBAN_BAD_REQUEST, "config %s: %lld is out of range",
                                 path, (long long) *value);
    return code;
}

worker_t *
worker_new (const worker_role_t *role, const worker_context_t *context, daiban_error_t *err)
{
    worker_t *self = (worker_t *) calloc (1, sizeof (worker_t));
    if (!self) {
        daiban_error_set (err, DAIBAN_INTERNAL, "out of memory");
        return NULL;
    }
    self->role = role;
    self->context = context;
    self->endpoint = worker_context_text (context, "broker/workers", "tcp://127.0.0.1:7701");
    self->backoff_ms = BACKOFF_FIRST_MS;
    wire_buffer_init (&self->reply);
    if (s_setting (context, "workers/heartbeat_ms", 1000, 10, &self->heartbeat_ms, err)
    ||  s_setting (context, "workers/liveness", 3, 1, &self->liveness, err)
    ||  s_setting (context, "workers/credit", 1, 1, &self->credit, err)
    ||  (context->config && !(self->keys = client_keys_new (context->config, err))))
        worker_destroy (&self);
    else
    if (!(self->output = worker_output_new ())) {
        daiban_error_set (err, DAIBAN_INTERNAL, "out of memory");
        worker_destroy (&self);
    }
    else
    if (!(self->socket = s_socket_new (self, err)))
        worker_destroy (&self);
    return self;
}

void
worker_destroy (worker_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    worker_t *self = *self_p;
    zsock_destroy (&self->socket);
    client_keys_destroy (&self->keys);
    worker_output_destroy (&self->output);
    wire_buffer_release (&self->reply);
    free (self);
    *self_p = NULL;
}

int
worker_run (worker_t *self)
{
    s_send_ready (self);
    fprintf (stderr, "daiban-%s ready\n", self->role->name);
    log_info ("connected to %s (credit %lld)", self->endpoint, (long long) self->credit);
    while (!zsys_interrupted) {
        int64_t now = zclock_mono ();
        int64_t dead_at = self->heard_at + self->liveness * self->heartbeat_ms;
        int64_t wake_at = self->ping_at < dead_at? self->ping_at: dead_at;
        zmq_pollitem_t items [] = { { zsock_resolve (self->socket), 0, ZMQ_POLLIN, 0 } };
        int rc = zmq_poll (items, 1, wake_at > now? wake_at - now: 0);
        if (rc == -1 && errno != EINTR) {
            log_error ("poll: %s", zmq_strerror (errno));
            return -1;
        }
        bool reconnect = rc > 0 && (items [0].revents & ZMQ_POLLIN) && s_receive (self);
        if (self->refused)
            return -1;
        now = zclock_mono ();
        if (!reconnect && now >= self->heard_at + self->liveness * self->heartbeat_ms
        &&  !zsys_interrupted) {
            log_warning ("the broker is silent: reconnecting in %lld ms",
                         (long long) self->backoff_ms);
            if (s_reconnect (self, false))
                return -1;
        }
        else
        if (reconnect && s_reconnect (self, true))
            return -1;
        else
        if (now >= self->ping_at) {
            s_send_op (self, "ping");
            self->ping_at = now + self->heartbeat_ms;
        }
    }
    //  Let the last answer leave before the socket closes.
    zsock_set_linger (self->socket, SHUTDOWN_LINGER_MS);
    log_info ("interrupted: stopping");
    return 0;
}

int
worker_main (const worker_role_t *role, int argc, char **argv)
{
    static char ident [64];
    snprintf (ident, sizeof ident, "daiban-%s", role->name);
    log_set_ident (ident);
    static const config_flag_t flags [] = {
        { "--broker", "broker/workers" }, { "--key", "security/key" },
        { "--server-key", "security/server_key" }, { NULL, NULL }
    };
    daiban_error_t err = { DAIBAN_OK, "" };
    int rest;
    config_t *config = config_from_args (argc, argv, flags, &rest, &err);
    if (config && rest < argc)
        daiban_error_set (&err, DAIBAN_BAD_REQUEST, "unexpected argument %s", argv [rest]);
    if (!config || err.code) {
        fprintf (stderr, "%s: %s\nusage: %s [--broker EP] [--key FILE --server-key FILE] [-c FILE] [-v]\n",
                 ident, err.message, ident);
        config_destroy (&config);
        return 2;
    }
    log_set_level_name (config_get (config, "log/level"));
    //  czmq turns SIGINT and SIGTERM into zsys_interrupted.
    zsys_init ();
    worker_context_t *context = worker_context_new (config, &err);
    if (context && role->check && role->check (context, &err))
        worker_context_destroy (&context);
    worker_t *worker = context? worker_new (role, context, &err): NULL;
    int rc = 1;
    if (worker)
        rc = worker_run (worker) == 0? 0: 1;
    else
        fprintf (stderr, "%s: %s\n", ident, err.message);
    worker_destroy (&worker);
    worker_context_destroy (&context);
    config_destroy (&config);
    return rc;
}
