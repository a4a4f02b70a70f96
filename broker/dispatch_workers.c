/*  dispatch_workers: the workers socket — ready, heartbeats, done and
    fail from the workers, and workers that stop answering (see dispatch.h). */
#include "dispatch_internal.h"

#include <stdlib.h>
#include <string.h>
#include "guard.h"
#include "log.h"


static void
s_identity_key (const unsigned char *identity, size_t size, char *key)
{
    static const char hex [] = "0123456789abcdef";
    for (size_t index = 0; index < size; index++) {
        key [2 * index] = hex [identity [index] >> 4];
        key [2 * index + 1] = hex [identity [index] & 15];
    }
    key [2 * size] = 0;
}

//  Sends [identity, empty, message] without ever blocking.
void
dispatch_send_message (dispatch_t *self, const unsigned char *identity, size_t identity_size,
        const wire_buffer_t *message)
{
    if (message->failed)
        return;
    if (zmq_send (self->socket, identity, identity_size, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0)
        return;
    zmq_send (self->socket, "", 0, ZMQ_SNDMORE | ZMQ_DONTWAIT);
    zmq_send (self->socket, message->buffer.data, message->buffer.size, ZMQ_DONTWAIT);
}

void
dispatch_send_op (dispatch_t *self, const unsigned char *identity, size_t size, const char *op)
{
    wire_buffer_clear (&self->message);
    msgpack_pack_map (&self->message.packer, 1);
    wire_pack_key (&self->message.packer, "op");
    wire_pack_str (&self->message.packer, op);
    dispatch_send_message (self, identity, size, &self->message);
}

//  A role name: 1..32 bytes of [a-z0-9_-].
static bool
s_role_name_valid (const msgpack_object *name)
{
    if (!wire_is_str (name) || name->via.str.size == 0 || name->via.str.size > ROLE_NAME_MAX)
        return false;
    for (uint32_t index = 0; index < name->via.str.size; index++) {
        char c = name->via.str.ptr [index];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
            return false;
    }
    return true;
}

//  Registers (or updates) a role from a worker's ready, durably: a new
//  role starts at the beginning of the log.
static role_t *
s_role_from_ready (dispatch_t *self, const msgpack_object *name, const msgpack_object *types)
{
    char role_name [ROLE_NAME_MAX + 1];
    wire_str_copy (name, role_name, sizeof role_name);
    role_t *role = (role_t *) zhashx_lookup (self->roles, role_name);
    if (!role) {
        if (!(role = role_new (role_name)))
            return NULL;
        zhashx_insert (self->roles, role->name, role);
    }
    zlistx_purge (role->types);
    for (uint32_t index = 0; index < types->via.array.size; index++) {
        const msgpack_object *type = &types->via.array.ptr [index];
        if (!wire_is_str (type) || !event_type_find (type->via.str.ptr, type->via.str.size)) {
            log_warning ("role %s: ignoring unknown event type in ready", role_name);
            continue;
        }
        char *copy = wire_str_dup (type);
        if (copy && !zlistx_add_end (role->types, copy))
            free (copy);
    }
    MDB_txn *txn;
    daiban_error_t err;
    if (store_write_begin (self->store, &txn, &err) == DAIBAN_OK) {
        if (dispatch_role_persist (self, txn, role, role->persisted, &err) == DAIBAN_OK)
            store_write_commit (self->store, &err);
        else
            store_write_abort (self->store);
    }
    dispatch_fill (self, role);
    return role;
}

//  A worker key readies only as the role it names (an admin as any).
static bool
s_may_ready (dispatch_t *self, const unsigned char *identity, size_t size,
             const principal_t *principal, const msgpack_object *name)
{
    if (principal->role == ACCESS_ADMIN
    ||  (principal->role == ACCESS_WORKER && name->via.str.size == principal->name_size
     &&  memcmp (name->via.str.ptr, principal->name, principal->name_size) == 0))
        return true;
    wire_buffer_clear (&self->message);
    msgpack_pack_map (&self->message.packer, 2);
    wire_pack_key (&self->message.packer, "op");
    wire_pack_str (&self->message.packer, "refused");
    wire_pack_key (&self->message.packer, "message");
    char text [400];
    snprintf (text, sizeof text, "key %.*s (role %s) may not ready as role %.*s",
              (int) principal->name_size, principal->name, access_role_name (principal->role),
              (int) name->via.str.size, name->via.str.ptr);
    wire_pack_str (&self->message.packer, text);
    dispatch_send_message (self, identity, size, &self->message);
    log_warning ("worker refused: %s", text);
    return false;
}

static void
s_on_ready (dispatch_t *self, const unsigned char *identity, size_t size, const char *key,
            const char *user_id, const principal_t *principal, const msgpack_object *message,
            int64_t mono)
{
    const msgpack_object *name = wire_map_get (message, "role");
    const msgpack_object *types = wire_map_get (message, "types");
    int64_t credit = 1;
    const msgpack_object *credit_field = wire_map_get (message, "credit");
    if (!s_role_name_valid (name) || !types || types->type != MSGPACK_OBJECT_ARRAY
    ||  (credit_field && (!wire_get_int (credit_field, &credit) || credit < 1 || credit > 1000))) {
        log_warning ("worker %s: ready needs role ([a-z0-9_-], 1..32), types (list), credit 1..1000", key);
        return;
    }
    if (!s_may_ready (self, identity, size, principal, name))
        return;
    role_t *role = s_role_from_ready (self, name, types);
    worker_t *worker = (worker_t *) zhashx_lookup (self->workers, key);
    if (!role || (!worker && !(worker = (worker_t *) calloc (1, sizeof (worker_t)))))
        return;
    if (!worker->role) {
        snprintf (worker->key, sizeof worker->key, "%s", user_id);
        memcpy (worker->identity, identity, size);
        worker->identity_size = size;
        worker->role = role;
        zhashx_insert (self->workers, key, worker);
        zlistx_add_end (role->workers, worker);
        log_info ("worker %s joined role %s (credit %d)", key, role->name, (int) credit);
    }
    worker->credit = (int) credit;
    worker->expiry = mono + self->heartbeat_ms * self->liveness;
}

static void
s_on_outcome (dispatch_t *self, worker_t *worker, bool done, void *data, size_t size,
              const msgpack_object *message)
{
    int64_t lease_id;
    char lease_key [24];
    if (!wire_get_int (wire_map_get (message, "lease"), &lease_id))
        return;
    snprintf (lease_key, sizeof lease_key, "%llu", (unsigned long long) lease_id);
    lease_t *lease = (lease_t *) zhashx_lookup (self->leases, lease_key);
    //  Completed, reassigned, or from before a restart: ignored, so that
    //  an event's effects are committed once.
    if (!lease || lease->settling || lease->worker != worker) {
        log_debug ("ignoring %s for lease %s: not current", done? "done": "fail", lease_key);
        return;
    }
    if (!done) {
        char text [160] = "worker reported failure";
        wire_str_copy (wire_map_get (message, "message"), text, sizeof text);
        dispatch_lease_failed (self, lease, text);
        return;
    }
    completion_t *completion = (completion_t *) calloc (1, sizeof (completion_t));
    if (!completion || !(completion->data = malloc (size))) {
        free (completion);
        return;
    }
    memcpy (completion->data, data, size);
    completion->size = size;
    completion->done = true;
    completion->lease = lease;
    msgpack_zone_init (&completion->zone, 1024);
    wire_unpack (completion->data, size, &completion->zone, &completion->root, NULL);
    lease->settling = true;
    zlistx_add_end (self->completions, completion);
}

//  One message from a worker: [identity, empty, msgpack map].
//  A worker keeps its role only while its key may: admin, or a worker key
//  named after the role (a reload may have changed either).
static bool
s_still_may (const worker_t *worker, const principal_t *principal)
{
    return principal->role == ACCESS_ADMIN
        || (principal->role == ACCESS_WORKER && strlen (worker->role->name) == principal->name_size
         && memcmp (worker->role->name, principal->name, principal->name_size) == 0);
}

static void
s_on_message (dispatch_t *self, const unsigned char *identity, size_t size, const char *user_id,
              const principal_t *principal, void *data, size_t data_size, int64_t mono)
{
    char key [2 * WORKER_IDENTITY_MAX + 1];
    s_identity_key (identity, size, key);
    msgpack_zone zone;
    msgpack_zone_init (&zone, 1024);
    msgpack_object message;
    if (wire_unpack (data, data_size, &zone, &message, NULL) || message.type != MSGPACK_OBJECT_MAP) {
        log_warning ("worker %s: message is not a msgpack map", key);
        msgpack_zone_destroy (&zone);
        return;
    }
    const msgpack_object *op = wire_map_get (&message, "op");
    worker_t *worker = (worker_t *) zhashx_lookup (self->workers, key);
    if (wire_str_eq (op, "ready"))
        s_on_ready (self, identity, size, key, user_id, principal, &message, mono);
    else
    if (!worker)
        dispatch_send_op (self, identity, size, "disconnect");
    else
    if (!s_still_may (worker, principal))
        log_debug ("worker %s: its key may no longer act as role %s", key, worker->role->name);
    else {
        worker->expiry = mono + self->heartbeat_ms * self->liveness;
        if (wire_str_eq (op, "ping"))
            dispatch_send_op (self, identity, size, "pong");
        else
        if (wire_str_eq (op, "done") || wire_str_eq (op, "fail"))
            s_on_outcome (self, worker, wire_str_eq (op, "done"), data, data_size, &message);
    }
    msgpack_zone_destroy (&zone);
}

void
dispatch_receive (dispatch_t *self, guard_t *guard, int64_t mono)
{
    for (int count = 0; count < 10000; count++) {
        zmq_msg_t frames [3];
        for (int index = 0; index < 3; index++)
            zmq_msg_init (&frames [index]);
        int received = 0;
        bool more = true;
        while (more) {
            zmq_msg_t frame;
            zmq_msg_init (&frame);
            if (zmq_msg_recv (&frame, self->socket, received? 0: ZMQ_DONTWAIT) < 0) {
                zmq_msg_close (&frame);
                break;
            }
            more = zmq_msg_more (&frame);
            if (received < 3)
                zmq_msg_move (&frames [received], &frame);
            received++;
            zmq_msg_close (&frame);
        }
        principal_t principal;
        daiban_error_t err;
        //  A removed key's messages are dropped (dispatch_revoke has dropped
        //  its worker already).
        if (received == 3 && zmq_msg_size (&frames [1]) == 0 && zmq_msg_size (&frames [0]) <= WORKER_IDENTITY_MAX
        &&  guard_principal (guard, &frames [2], &principal, &err) == DAIBAN_OK)
            s_on_message (self, zmq_msg_data (&frames [0]), zmq_msg_size (&frames [0]),
                          guard_key (guard, &frames [2]), &principal,
                          zmq_msg_data (&frames [2]), zmq_msg_size (&frames [2]), mono);
        for (int index = 0; index < 3; index++)
            zmq_msg_close (&frames [index]);
        if (received == 0)
            break;
    }
}

void
dispatch_revoke (dispatch_t *self, guard_t *guard)
{
    for (worker_t *worker = (worker_t *) zhashx_first (self->workers); worker;
         worker = (worker_t *) zhashx_next (self->workers)) {
        principal_t principal;
        daiban_error_t err;
        if (guard_key_principal (guard, worker->key, &principal, &err) == DAIBAN_OK
        &&  s_still_may (worker, &principal))
            continue;
        log_warning ("worker %s of role %s: its key was removed or changed; dropped",
                     (const char *) zhashx_cursor (self->workers), worker->role->name);
        worker->expiry = 0;         //  dispatch_expire fails its leases next
        worker->credit = 0;         //  and nothing more goes to it meanwhile
        dispatch_send_op (self, worker->identity, worker->identity_size, "disconnect");
    }
}

//  Workers silent past their liveness are gone; their leases fail.
void
dispatch_expire (dispatch_t *self, int64_t mono)
{
    for (lease_t *lease = (lease_t *) zhashx_first (self->leases); lease;
         lease = (lease_t *) zhashx_next (self->leases))
        if (!lease->settling && lease->deadline <= mono) {
            char message [120];
            snprintf (message, sizeof message, "lease expired after %lld ms",
                      (long long) self->lease_ms);
            self->counters.expired++;
            dispatch_lease_failed (self, lease, message);
        }
    zlistx_t *dead = zlistx_new ();
    for (worker_t *worker = (worker_t *) zhashx_first (self->workers); worker && dead;
         worker = (worker_t *) zhashx_next (self->workers))
        if (worker->expiry <= mono)
            zlistx_add_end (dead, (void *) zhashx_cursor (self->workers));
    for (const char *key = dead? (const char *) zlistx_first (dead): NULL; key;
         key = (const char *) zlistx_next (dead)) {
        worker_t *worker = (worker_t *) zhashx_lookup (self->workers, key);
        log_warning ("worker %s of role %s stopped answering", key, worker->role->name);
        self->counters.workers_lost++;
        for (lease_t *lease = (lease_t *) zhashx_first (self->leases); lease;
             lease = (lease_t *) zhashx_next (self->leases))
            if (lease->worker == worker) {
                lease->worker = NULL;
                if (!lease->settling)
                    dispatch_lease_failed (self, lease, "the worker stopped answering");
            }
        zlistx_delete (worker->role->workers, zlistx_find (worker->role->workers, worker));
        zhashx_delete (self->workers, key);
    }
    zlistx_destroy (&dead);
}
