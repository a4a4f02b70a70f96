/*  dispatch_send: handing ready jobs to workers — the dispatch message
    with the case state as of the event — heartbeats, and how long the
    loop may sleep (see dispatch.h). */
#include "dispatch_internal.h"

#include <stdlib.h>
#include <string.h>
#include "case_state.h"
#include "envelope.h"
#include "reducer.h"

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
    dispatch_send_message (self, worker->identity, worker->identity_size, &self->message);
    self->counters.dispatched++;
    return true;
}


void
dispatch_send (dispatch_t *self, int64_t now, int64_t mono)
{
    dispatch_expire (self, mono);
    schedule_t schedule = { self, NULL, now, mono };
    for (role_t *role = (role_t *) zhashx_first (self->roles); role;
         role = (role_t *) zhashx_next (self->roles))
        if (role_pick_worker (role))
            role_each_ready (role, mono, s_take, &schedule);
    store_read_end (self->store, &schedule.txn);
    for (worker_t *worker = (worker_t *) zhashx_first (self->workers); worker;
         worker = (worker_t *) zhashx_next (self->workers))
        if (worker->ping_at <= mono) {
            dispatch_send_op (self, worker->identity, worker->identity_size, "ping");
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
