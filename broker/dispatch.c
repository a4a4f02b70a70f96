/*  dispatch: roles, workers, leases and scheduling (see dispatch.h).
    The outcomes of leases are committed by settle.c. */
#include "dispatch_internal.h"

#include <stdlib.h>
#include <string.h>
#include "case_state.h"
#include "envelope.h"
#include "log.h"
#include "reducer.h"

static void
s_role_free (void **item)
{
    role_destroy ((role_t **) item);
}

static void
s_free (void **item)
{
    free (*item);
    *item = NULL;
}

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

//  The type and case of a stored event, read from its bytes.
static bool
s_event_type_case (const void *data, size_t size, char *type, size_t type_size, char *case_id)
{
    msgpack_zone zone;
    msgpack_zone_init (&zone, 1024);
    msgpack_object root;
    bool ok = wire_unpack (data, size, &zone, &root, NULL) == DAIBAN_OK
           && wire_str_copy (wire_map_get (&root, "type"), type, type_size)
           && wire_str_copy (wire_map_get (&root, "case"), case_id, ENVELOPE_CASE_MAX + 1);
    msgpack_zone_destroy (&zone);
    return ok;
}

static bool
s_acked (dispatch_t *self, MDB_txn *txn, role_t *role, uint64_t seq)
{
    unsigned char key [ROLE_NAME_MAX + 9];
    MDB_val entry = { store_scoped_key (key, role->name, seq), key }, value;
    return mdb_get (txn, store_dbi (self->store, STORE_DB_ACKS), &entry, &value) == 0;
}

//  Tops up a role's queue from the log, from where it last looked.
static void
s_fill (dispatch_t *self, role_t *role)
{
    uint64_t last = store_last_seq (self->store);
    if (role->scanned >= last || role->jobs >= DISPATCH_WINDOW / 2)
        return;
    MDB_txn *txn;
    daiban_error_t err;
    if (store_read_begin (self->store, &txn, &err))
        return;
    while (role->scanned < last && role->jobs < DISPATCH_WINDOW) {
        uint64_t seq = role->scanned + 1;
        MDB_val event;
        char type [48], case_id [ENVELOPE_CASE_MAX + 1];
        if (store_event_get (self->store, txn, seq, &event, &err) == DAIBAN_OK
        &&  s_event_type_case (event.mv_data, event.mv_size, type, sizeof type, case_id)
        &&  role_wants (role, type, strlen (type)) && !s_acked (self, txn, role, seq)
        &&  !role_enqueue (role, seq, case_id, false))
            break;
        role->scanned = seq;
    }
    store_read_end (self->store, &txn);
}

void
dispatch_feed (dispatch_t *self, size_t from)
{
    for (role_t *role = (role_t *) zhashx_first (self->roles); role;
         role = (role_t *) zhashx_next (self->roles)) {
        for (size_t index = from; index < outbox_size (self->outbox); index++) {
            const outbox_entry_t *entry = outbox_at (self->outbox, index);
            if (role->scanned != entry->seq - 1 || role->jobs >= DISPATCH_WINDOW)
                break;      //  behind: s_fill reads it from the log
            if (role_wants (role, entry->type, strlen (entry->type))
            &&  !role_enqueue (role, entry->seq, entry->case_id, false))
                break;
            role->scanned = entry->seq;
        }
        s_fill (self, role);
    }
}

//  Decodes a role record {types, watermark} into a new role.
static role_t *
s_role_load (const MDB_val *name, const MDB_val *record)
{
    char role_name [ROLE_NAME_MAX + 1];
    if (name->mv_size == 0 || name->mv_size > ROLE_NAME_MAX)
        return NULL;
    memcpy (role_name, name->mv_data, name->mv_size);
    role_name [name->mv_size] = 0;
    msgpack_zone zone;
    msgpack_zone_init (&zone, 1024);
    msgpack_object root;
    role_t *role = NULL;
    if (wire_unpack (record->mv_data, record->mv_size, &zone, &root, NULL) == DAIBAN_OK) {
        const msgpack_object *types = wire_map_get (&root, "types");
        int64_t watermark = 0;
        wire_get_int (wire_map_get (&root, "watermark"), &watermark);
        role = role_new (role_name);
        for (uint32_t index = 0; role && types && types->type == MSGPACK_OBJECT_ARRAY
                                  && index < types->via.array.size; index++) {
            char *type = wire_str_dup (&types->via.array.ptr [index]);
            if (type)
                zlistx_add_end (role->types, type);
        }
        if (role)
            role->scanned = role->persisted = (uint64_t) watermark;
    }
    msgpack_zone_destroy (&zone);
    return role;
}

//  Dead letters an operator asked to retry before a restart go back in.
static void
s_load_retries (dispatch_t *self, MDB_txn *txn)
{
    MDB_cursor *cursor;
    if (mdb_cursor_open (txn, store_dbi (self->store, STORE_DB_DEADLETTERS), &cursor))
        return;
    MDB_val key, value;
    int rc = mdb_cursor_get (cursor, &key, &value, MDB_FIRST);
    for (; rc == 0; rc = mdb_cursor_get (cursor, &key, &value, MDB_NEXT)) {
        msgpack_zone zone;
        msgpack_zone_init (&zone, 512);
        msgpack_object root;
        char role_name [ROLE_NAME_MAX + 1], case_id [ENVELOPE_CASE_MAX + 1];
        int64_t seq;
        if (wire_unpack (value.mv_data, value.mv_size, &zone, &root, NULL) == DAIBAN_OK
        &&  wire_str_eq (wire_map_get (&root, "status"), "retrying")
        &&  wire_str_copy (wire_map_get (&root, "role"), role_name, sizeof role_name)
        &&  wire_str_copy (wire_map_get (&root, "case"), case_id, sizeof case_id)
        &&  wire_get_int (wire_map_get (&root, "seq"), &seq)) {
            role_t *role = (role_t *) zhashx_lookup (self->roles, role_name);
            if (role && !role_find (role, (uint64_t) seq))
                role_enqueue (role, (uint64_t) seq, case_id, true);
        }
        msgpack_zone_destroy (&zone);
    }
    mdb_cursor_close (cursor);
}

static daiban_code_t
s_load_roles (dispatch_t *self, daiban_error_t *err)
{
    MDB_txn *txn;
    if (store_read_begin (self->store, &txn, err))
        return err->code;
    MDB_cursor *cursor;
    if (mdb_cursor_open (txn, store_dbi (self->store, STORE_DB_ROLES), &cursor) == 0) {
        MDB_val key, value;
        int rc = mdb_cursor_get (cursor, &key, &value, MDB_FIRST);
        for (; rc == 0; rc = mdb_cursor_get (cursor, &key, &value, MDB_NEXT)) {
            role_t *role = s_role_load (&key, &value);
            if (role)
                zhashx_insert (self->roles, role->name, role);
        }
        mdb_cursor_close (cursor);
    }
    s_load_retries (self, txn);
    store_read_end (self->store, &txn);
    for (role_t *role = (role_t *) zhashx_first (self->roles); role;
         role = (role_t *) zhashx_next (self->roles)) {
        s_fill (self, role);
        log_info ("role %s: acknowledged up to %llu, %zu events queued", role->name,
                  (unsigned long long) role->persisted, role->jobs);
    }
    return DAIBAN_OK;
}

static daiban_code_t
s_read_settings (dispatch_t *self, config_t *config, daiban_error_t *err)
{
    if (config_get_int (config, "workers/heartbeat_ms", &self->heartbeat_ms, err)
    ||  config_get_int (config, "workers/liveness", &self->liveness, err)
    ||  config_get_int (config, "workers/lease_ms", &self->lease_ms, err)
    ||  config_get_int (config, "workers/max_attempts", &self->max_attempts, err))
        return err->code;
    if (self->heartbeat_ms < 10 || self->liveness < 1 || self->lease_ms < 10 || self->max_attempts < 1)
        return daiban_error_set (err, DAIBAN_BAD_REQUEST,
                                 "config workers: heartbeat_ms, lease_ms >= 10; liveness, max_attempts >= 1");
    return DAIBAN_OK;
}

dispatch_t *
dispatch_new (store_t *store, void *socket, outbox_t *outbox, config_t *config,
              daiban_error_t *err)
{
    dispatch_t *self = (dispatch_t *) calloc (1, sizeof (dispatch_t));
    if (!self) {
        daiban_error_set (err, DAIBAN_UNAVAILABLE, "out of memory");
        return NULL;
    }
    self->store = store;
    self->socket = socket;
    self->outbox = outbox;
    //  Lease ids start from the clock so that a done addressed to a
    //  lease of an earlier broker run never matches one of this run.
    self->next_lease = (uint64_t) zclock_time () * 1000;
    self->retry_at = INT64_MAX;
    wire_buffer_init (&self->message);
    wire_buffer_init (&self->event);
    self->roles = zhashx_new ();
    self->workers = zhashx_new ();
    self->leases = zhashx_new ();
    self->completions = zlistx_new ();
    if (!self->roles || !self->workers || !self->leases || !self->completions) {
        daiban_error_set (err, DAIBAN_UNAVAILABLE, "out of memory");
        dispatch_destroy (&self);
        return NULL;
    }
    zhashx_set_destructor (self->roles, s_role_free);
    zhashx_set_destructor (self->workers, s_free);
    zhashx_set_destructor (self->leases, s_free);
    if (s_read_settings (self, config, err) || s_load_roles (self, err))
        dispatch_destroy (&self);
    return self;
}

void
dispatch_destroy (dispatch_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    dispatch_t *self = *self_p;
    if (self->completions) {
        completion_t *completion = (completion_t *) zlistx_first (self->completions);
        for (; completion; completion = (completion_t *) zlistx_next (self->completions))
            dispatch_completion_destroy (&completion);
        zlistx_destroy (&self->completions);
    }
    zhashx_destroy (&self->leases);
    zhashx_destroy (&self->workers);
    zhashx_destroy (&self->roles);
    wire_buffer_release (&self->message);
    wire_buffer_release (&self->event);
    free (self);
    *self_p = NULL;
}

//  Sends [identity, empty, message] without ever blocking.
static void
s_send (dispatch_t *self, const unsigned char *identity, size_t identity_size,
        const wire_buffer_t *message)
{
    if (message->failed)
        return;
    if (zmq_send (self->socket, identity, identity_size, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0)
        return;
    zmq_send (self->socket, "", 0, ZMQ_SNDMORE | ZMQ_DONTWAIT);
    zmq_send (self->socket, message->buffer.data, message->buffer.size, ZMQ_DONTWAIT);
}

static void
s_send_op (dispatch_t *self, const unsigned char *identity, size_t size, const char *op)
{
    wire_buffer_clear (&self->message);
    msgpack_pack_map (&self->message.packer, 1);
    wire_pack_key (&self->message.packer, "op");
    wire_pack_str (&self->message.packer, op);
    s_send (self, identity, size, &self->message);
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
    s_fill (self, role);
    return role;
}

static void
s_on_ready (dispatch_t *self, const unsigned char *identity, size_t size, const char *key,
            const msgpack_object *message, int64_t mono)
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
    role_t *role = s_role_from_ready (self, name, types);
    worker_t *worker = (worker_t *) zhashx_lookup (self->workers, key);
    if (!role || (!worker && !(worker = (worker_t *) calloc (1, sizeof (worker_t)))))
        return;
    if (!worker->role) {
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
static void
s_on_message (dispatch_t *self, const unsigned char *identity, size_t size, void *data,
              size_t data_size, int64_t mono)
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
        s_on_ready (self, identity, size, key, &message, mono);
    else
    if (!worker)
        s_send_op (self, identity, size, "disconnect");
    else {
        worker->expiry = mono + self->heartbeat_ms * self->liveness;
        if (wire_str_eq (op, "ping"))
            s_send_op (self, identity, size, "pong");
        else
        if (wire_str_eq (op, "done") || wire_str_eq (op, "fail"))
            s_on_outcome (self, worker, wire_str_eq (op, "done"), data, data_size, &message);
    }
    msgpack_zone_destroy (&zone);
}

void
dispatch_receive (dispatch_t *self, int64_t mono)
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
        if (received == 3 && zmq_msg_size (&frames [1]) == 0 && zmq_msg_size (&frames [0]) <= WORKER_IDENTITY_MAX)
            s_on_message (self, zmq_msg_data (&frames [0]), zmq_msg_size (&frames [0]),
                          zmq_msg_data (&frames [2]), zmq_msg_size (&frames [2]), mono);
        for (int index = 0; index < 3; index++)
            zmq_msg_close (&frames [index]);
        if (received == 0)
            break;
    }
}

//  Open cases per agent, from meta "load/<agent>" (for intake).
static void
s_pack_agents (dispatch_t *self, MDB_txn *txn, msgpack_packer *packer)
{
    MDB_cursor *cursor;
    MDB_val key = { 5, (void *) "load/" }, value;
    char names [64][64];
    uint64_t loads [64];
    size_t count = 0;
    if (mdb_cursor_open (txn, store_dbi (self->store, STORE_DB_META), &cursor) == 0) {
        int rc = mdb_cursor_get (cursor, &key, &value, MDB_SET_RANGE);
        while (rc == 0 && count < 64 && key.mv_size > 5 && key.mv_size < 69
           &&  memcmp (key.mv_data, "load/", 5) == 0 && value.mv_size == 8) {
            memcpy (names [count], (char *) key.mv_data + 5, key.mv_size - 5);
            names [count][key.mv_size - 5] = 0;
            loads [count++] = store_key_to_u64 (value.mv_data);
            rc = mdb_cursor_get (cursor, &key, &value, MDB_NEXT);
        }
        mdb_cursor_close (cursor);
    }
    msgpack_pack_map (packer, count);
    for (size_t index = 0; index < count; index++) {
        wire_pack_str (packer, names [index]);
        msgpack_pack_uint64 (packer, loads [index]);
    }
}

typedef struct {
    case_state_t *state;
    uint64_t until;
} replay_t;

//  Applies one stored event of the case to the state being rebuilt.
static bool
s_replay (uint64_t seq, const MDB_val *stored, void *argument)
{
    replay_t *replay = (replay_t *) argument;
    if (seq > replay->until)
        return false;
    msgpack_zone zone;
    msgpack_zone_init (&zone, 2048);
    msgpack_object root;
    envelope_t event;
    int64_t ts = 0;
    if (wire_unpack (stored->mv_data, stored->mv_size, &zone, &root, NULL) == DAIBAN_OK
    &&  envelope_parse (&event, &root, ENVELOPE_STORED, NULL) == DAIBAN_OK) {
        wire_get_int (wire_map_get (&root, "ts"), &ts);
        daiban_error_t err;
        reducer_apply (&replay->state, &event, seq, ts, &err);
    }
    msgpack_zone_destroy (&zone);
    return true;
}

//  The case state as of seq: the stored state when the case has not
//  moved since, else the case's events replayed up to seq.
static void
s_pack_state_at (dispatch_t *self, MDB_txn *txn, const char *case_id, uint64_t seq,
                 msgpack_packer *packer, wire_buffer_t *buffer)
{
    MDB_val stored;
    daiban_error_t err;
    if (store_case_get (self->store, txn, case_id, &stored, &err)) {
        msgpack_pack_nil (packer);
        return;
    }
    case_state_t *state = case_state_decode (stored.mv_data, stored.mv_size, &err);
    if (state && (uint64_t) state->last_seq == seq) {
        if (msgpack_sbuffer_write (&buffer->buffer, stored.mv_data, stored.mv_size))
            buffer->failed = true;
        case_state_destroy (&state);
        return;
    }
    case_state_destroy (&state);
    replay_t replay = { NULL, seq };
    store_events_each (self->store, txn, 1, case_id, s_replay, &replay, &err);
    if (replay.state)
        case_state_pack (replay.state, packer);
    else
        msgpack_pack_nil (packer);
    case_state_destroy (&replay.state);
}

typedef struct {
    dispatch_t *self;
    MDB_txn *txn;
    int64_t now, mono;
} schedule_t;

//  Packs {op: dispatch, lease, event, case, now, agents} for a job.
static bool
s_pack_dispatch (schedule_t *schedule, job_t *job, uint64_t lease)
{
    dispatch_t *self = schedule->self;
    MDB_val event;
    daiban_error_t err;
    if (store_event_get (self->store, schedule->txn, job->seq, &event, &err))
        return false;
    wire_buffer_t *message = &self->message;
    wire_buffer_clear (message);
    msgpack_pack_map (&message->packer, 6);
    wire_pack_key (&message->packer, "op");
    wire_pack_str (&message->packer, "dispatch");
    wire_pack_key (&message->packer, "lease");
    msgpack_pack_uint64 (&message->packer, lease);
    wire_pack_key (&message->packer, "event");
    if (msgpack_sbuffer_write (&message->buffer, event.mv_data, event.mv_size))
        message->failed = true;
    wire_pack_key (&message->packer, "case");
    s_pack_state_at (self, schedule->txn, job->case_id, job->seq, &message->packer, message);
    wire_pack_key (&message->packer, "now");
    msgpack_pack_int64 (&message->packer, schedule->now);
    wire_pack_key (&message->packer, "agents");
    s_pack_agents (self, schedule->txn, &message->packer);
    return !message->failed;
}

static bool
s_take (role_t *role, job_t *job, void *argument)
{
    schedule_t *schedule = (schedule_t *) argument;
    dispatch_t *self = schedule->self;
    worker_t *worker = role_pick_worker (role);
    if (!worker)
        return false;
    daiban_error_t err;
    if (!schedule->txn && store_read_begin (self->store, &schedule->txn, &err))
        return false;
    lease_t *lease = (lease_t *) calloc (1, sizeof (lease_t));
    if (!lease)
        return false;
    lease->id = ++self->next_lease;
    if (!s_pack_dispatch (schedule, job, lease->id)) {
        free (lease);
        return true;        //  this job cannot be read now; try the others
    }
    char key [24];
    snprintf (key, sizeof key, "%llu", (unsigned long long) lease->id);
    lease->role = role;
    lease->job = job;
    lease->worker = worker;
    lease->deadline = schedule->mono + self->lease_ms;
    zhashx_insert (self->leases, key, lease);
    job->lease = lease->id;
    worker->in_flight++;
    worker->used = ++self->used;
    worker->ping_at = schedule->mono + self->heartbeat_ms;
    s_send (self, worker->identity, worker->identity_size, &self->message);
    self->counters.dispatched++;
    return true;
}

//  Workers silent past their liveness are gone; their leases fail.
static void
s_expire (dispatch_t *self, int64_t mono)
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

void
dispatch_send (dispatch_t *self, int64_t now, int64_t mono)
{
    s_expire (self, mono);
    schedule_t schedule = { self, NULL, now, mono };
    for (role_t *role = (role_t *) zhashx_first (self->roles); role;
         role = (role_t *) zhashx_next (self->roles))
        if (role_pick_worker (role))
            role_each_ready (role, mono, s_take, &schedule);
    store_read_end (self->store, &schedule.txn);
    for (worker_t *worker = (worker_t *) zhashx_first (self->workers); worker;
         worker = (worker_t *) zhashx_next (self->workers))
        if (worker->ping_at <= mono) {
            s_send_op (self, worker->identity, worker->identity_size, "ping");
            worker->ping_at = mono + self->heartbeat_ms;
        }
}

int64_t
dispatch_timeout (dispatch_t *self, int64_t now, int64_t mono)
{
    int64_t timeout = -1;
    if (zhashx_size (self->workers) || zhashx_size (self->leases))
        timeout = self->heartbeat_ms;
    //  Jobs backing off after a failure come back on their own. The
    //  queues are scanned only when the earliest back-off has passed.
    if (self->retry_at <= mono) {
        self->retry_at = INT64_MAX;
        for (role_t *role = (role_t *) zhashx_first (self->roles); role;
             role = (role_t *) zhashx_next (self->roles))
            for (job_t *job = (job_t *) zlistx_first (role->queue); job;
                 job = (job_t *) zlistx_next (role->queue))
                if (!job->lease && job->not_before > mono && job->not_before < self->retry_at)
                    self->retry_at = job->not_before;
    }
    if (self->retry_at != INT64_MAX && (timeout < 0 || self->retry_at - mono < timeout))
        timeout = self->retry_at - mono;
    MDB_txn *txn;
    daiban_error_t err;
    int64_t due;
    if (store_read_begin (self->store, &txn, &err) == DAIBAN_OK) {
        if (timers_next_due (self->store, txn, &due)) {
            int64_t wait = due > now? due - now: 0;
            if (timeout < 0 || wait < timeout)
                timeout = wait;
        }
        store_read_end (self->store, &txn);
    }
    return timeout;
}
