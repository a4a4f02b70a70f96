/*  settle: commits the outcomes of the turn's leases in one write
    transaction — each done's emitted events, timer changes and the role's
    acknowledgement together; dead letters for jobs that failed too often;
    timers that came due — and only after the commit updates the queues
    (see dispatch.h). A transaction that fails changes nothing in memory,
    so the leases simply run out and their jobs go out again. */
#include "dispatch_internal.h"

#include <stdlib.h>
#include <string.h>
#include "ingest.h"
#include "log.h"

#define BROKER_SOURCE "broker"

daiban_code_t
dispatch_role_persist (dispatch_t *self, MDB_txn *txn, role_t *role, uint64_t watermark,
                       daiban_error_t *err)
{
    wire_buffer_t record;
    wire_buffer_init (&record);
    msgpack_pack_map (&record.packer, 2);
    wire_pack_key (&record.packer, "types");
    msgpack_pack_array (&record.packer, zlistx_size (role->types));
    for (const char *type = (const char *) zlistx_first (role->types); type;
         type = (const char *) zlistx_next (role->types))
        wire_pack_str (&record.packer, type);
    wire_pack_key (&record.packer, "watermark");
    msgpack_pack_uint64 (&record.packer, watermark);
    MDB_val key = { strlen (role->name), role->name };
    MDB_val value = { record.buffer.size, record.buffer.data };
    int rc = record.failed? MDB_PANIC: store_put (self->store, txn, STORE_DB_ROLES, &key, &value, 0);
    wire_buffer_release (&record);
    return store_lmdb_error (rc, "write role", err);
}

//  The watermark moved: write it and drop the acknowledgements at or
//  below it, which it now covers.
static daiban_code_t
s_persist_watermark (dispatch_t *self, MDB_txn *txn, role_t *role, uint64_t watermark,
                     daiban_error_t *err)
{
    daiban_code_t code = dispatch_role_persist (self, txn, role, watermark, err);
    MDB_cursor *cursor;
    if (code || (code = store_lmdb_error (mdb_cursor_open (txn, store_dbi (self->store, STORE_DB_ACKS), &cursor),
                                "acks", err)))
        return code;
    unsigned char start [ROLE_NAME_MAX + 9];
    size_t prefix = strlen (role->name) + 1;
    MDB_val key = { store_scoped_key (start, role->name, 0), start }, value;
    int rc = mdb_cursor_get (cursor, &key, &value, MDB_SET_RANGE);
    while (rc == 0 && key.mv_size == prefix + 8 && memcmp (key.mv_data, start, prefix) == 0
       &&  store_key_to_u64 ((unsigned char *) key.mv_data + prefix) <= watermark) {
        rc = store_cursor_del (self->store, cursor, STORE_DB_ACKS, &key);
        if (!rc)
            rc = mdb_cursor_get (cursor, &key, &value, MDB_GET_CURRENT);
        if (rc == EINVAL || rc == MDB_NOTFOUND)
            rc = mdb_cursor_get (cursor, &key, &value, MDB_NEXT);
    }
    mdb_cursor_close (cursor);
    return rc == MDB_NOTFOUND? DAIBAN_OK: store_lmdb_error (rc, "acks", err);
}

static daiban_code_t
s_ack (dispatch_t *self, MDB_txn *txn, lease_t *lease, char status, daiban_error_t *err)
{
    unsigned char key [ROLE_NAME_MAX + 9];
    MDB_val entry = { store_scoped_key (key, lease->role->name, lease->job->seq), key };
    MDB_val value = { 1, &status };
    int rc = store_put (self->store, txn, STORE_DB_ACKS, &entry, &value, 0);
    if (!rc && lease->job->retry && status == 'd') {
        rc = store_del (self->store, txn, STORE_DB_DEADLETTERS, &entry);
        if (rc == MDB_NOTFOUND)
            rc = 0;
    }
    return store_lmdb_error (rc, "acknowledge", err);
}

//  Appends one event through ingest (dedupe, body, reducer) and queues it
//  for publishing. A refusal by the case state is not fatal: the worker
//  decided on a snapshot, and the case has since moved on (e.g. the item
//  was withdrawn meanwhile); that effect is moot and is only logged.
static daiban_code_t
s_append (dispatch_t *self, MDB_txn *txn, envelope_t *event, uint64_t *seq, int64_t now,
          uint64_t cause, daiban_error_t *err)
{
    uint64_t committed;
    bool duplicate;
    (void) txn;
    daiban_code_t code = ingest_event (self->cases, event, NULL, *seq + 1, now, cause,
                                       &self->event, &committed, &duplicate, err);
    if (code == DAIBAN_RETRY || code == DAIBAN_UNAVAILABLE || code == DAIBAN_INTERNAL)
        return code;
    if (code) {
        self->counters.emits_refused++;
        log_warning ("%.*s's %s for case %s not committed: %s", (int) event->source_size,
                     event->source, event->type->name, event->case_id, err->message);
        return DAIBAN_OK;
    }
    if (!duplicate) {
        *seq += 1;
        if (!outbox_add (self->outbox, *seq, event->type->name, event->case_id,
                         self->event.buffer.data, self->event.buffer.size,
                         store_write_id (self->store)))
            return daiban_error_set (err, DAIBAN_UNAVAILABLE, "out of memory");
    }
    return DAIBAN_OK;
}

//  Checks a done before anything is written: every emitted event a known
//  emittable type with a valid body, every timer change well formed.
static daiban_code_t
s_check_done (const completion_t *completion, daiban_error_t *err)
{
    const msgpack_object *emit = wire_map_get (&completion->root, "emit");
    const msgpack_object *timers = wire_map_get (&completion->root, "timers");
    if ((emit && emit->type != MSGPACK_OBJECT_ARRAY) || (timers && timers->type != MSGPACK_OBJECT_ARRAY))
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "done: emit and timers must be lists");
    for (uint32_t index = 0; emit && index < emit->via.array.size; index++) {
        envelope_t event;
        daiban_code_t code = envelope_parse (&event, &emit->via.array.ptr [index], ENVELOPE_EMITTED, err);
        if (!code && (!event.type->emitted || strcmp (event.type->name, "timer.fired") == 0
                   || strcmp (event.type->name, "dispatch.dead_lettered") == 0))
            code = daiban_error_set (err, DAIBAN_UNAUTHORIZED, "a worker cannot emit %s",
                                     event.type->name);
        if (!code)
            code = event_type_check_body (event.type, event.body, err);
        if (code) {
            char message [256];
            snprintf (message, sizeof message, "emit[%u]: %.200s", index, err->message);
            return daiban_error_set (err, code, "%s", message);
        }
    }
    for (uint32_t index = 0; timers && index < timers->via.array.size; index++)
        if (timers_check (&timers->via.array.ptr [index], err))
            return err->code;
    return DAIBAN_OK;
}

//  DAIBAN_CONFLICT (with the reason in completion->message) when the done
//  accepts a case for an agent at capacity; storage errors as they are.
static daiban_code_t
s_check_capacity (dispatch_t *self, completion_t *completion, daiban_error_t *err)
{
    const msgpack_object *emit = wire_map_get (&completion->root, "emit");
    daiban_code_t code = DAIBAN_OK;
    for (uint32_t index = 0; !code && emit && index < emit->via.array.size; index++) {
        envelope_t event;
        envelope_parse (&event, &emit->via.array.ptr [index], ENVELOPE_EMITTED, err);
        code = ingest_check_capacity (self->cases, self->catalog, &event, err);
    }
    if (code == DAIBAN_CONFLICT)
        snprintf (completion->message, sizeof completion->message, "%.190s", err->message);
    return code;
}

static daiban_code_t
s_settle_done (dispatch_t *self, MDB_txn *txn, completion_t *completion, uint64_t *seq,
               int64_t now, daiban_error_t *err)
{
    lease_t *lease = completion->lease;
    const msgpack_object *emit = wire_map_get (&completion->root, "emit");
    const msgpack_object *timers = wire_map_get (&completion->root, "timers");
    daiban_code_t code = s_check_capacity (self, completion, err);
    if (code == DAIBAN_CONFLICT) {
        completion->outcome = OUTCOME_REDECIDE;
        return DAIBAN_OK;
    }
    for (uint32_t index = 0; !code && emit && index < emit->via.array.size; index++) {
        envelope_t event;
        envelope_parse (&event, &emit->via.array.ptr [index], ENVELOPE_EMITTED, err);
        //  Derived from role and cause, so that a second commit of the
        //  same effect is a duplicate, never a second event.
        char id [80];
        snprintf (id, sizeof id, "%s:%llu:%u", lease->role->name,
                  (unsigned long long) lease->job->seq, index);
        event.source = lease->role->name;
        event.source_size = strlen (lease->role->name);
        event.id = id;
        event.id_size = strlen (id);
        code = s_append (self, txn, &event, seq, now, lease->job->seq, err);
    }
    for (uint32_t index = 0; !code && timers && index < timers->via.array.size; index++)
        code = timers_apply (self->store, txn, &timers->via.array.ptr [index], err);
    if (!code)
        code = s_ack (self, txn, lease, 'd', err);
    completion->outcome = OUTCOME_DONE;
    return code;
}

//  The job failed for the last time: the role moves on, the event is
//  parked (deadletters), and dispatch.dead_lettered tells operators.
static daiban_code_t
s_settle_dead (dispatch_t *self, MDB_txn *txn, completion_t *completion, uint64_t *seq,
               int64_t now, daiban_error_t *err)
{
    lease_t *lease = completion->lease;
    job_t *job = lease->job;
    wire_buffer_t body;
    wire_buffer_init (&body);
    msgpack_pack_map (&body.packer, 8);
    wire_pack_key (&body.packer, "role");
    wire_pack_str (&body.packer, lease->role->name);
    wire_pack_key (&body.packer, "event");
    msgpack_pack_uint64 (&body.packer, job->seq);
    wire_pack_key (&body.packer, "attempts");
    msgpack_pack_int (&body.packer, job->attempts + 1);
    wire_pack_key (&body.packer, "message");
    wire_pack_str (&body.packer, completion->message);
    wire_pack_key (&body.packer, "seq");
    msgpack_pack_uint64 (&body.packer, job->seq);
    wire_pack_key (&body.packer, "case");
    wire_pack_str (&body.packer, job->case_id);
    wire_pack_key (&body.packer, "at");
    msgpack_pack_int64 (&body.packer, now);
    wire_pack_key (&body.packer, "status");
    wire_pack_str (&body.packer, "dead");
    unsigned char key [ROLE_NAME_MAX + 9];
    MDB_val entry = { store_scoped_key (key, lease->role->name, job->seq), key };
    MDB_val value = { body.buffer.size, body.buffer.data };
    daiban_code_t code = body.failed? daiban_error_set (err, DAIBAN_UNAVAILABLE, "out of memory")
        : store_lmdb_error (store_put (self->store, txn, STORE_DB_DEADLETTERS, &entry, &value, 0),
                  "dead letter", err);
    if (!code)
        code = s_ack (self, txn, lease, 'x', err);
    msgpack_zone zone;
    msgpack_zone_init (&zone, 512);
    msgpack_object object;
    if (!code && !wire_unpack (body.buffer.data, body.buffer.size, &zone, &object, err)) {
        envelope_t event = { .type = event_type_find ("dispatch.dead_lettered", 22),
                             .source = BROKER_SOURCE, .source_size = strlen (BROKER_SOURCE),
                             .body = &object };
        char id [96];
        //  now makes a second dead letter of a retried event a new event.
        snprintf (id, sizeof id, "dead_letter:%s:%llu:%lld", lease->role->name,
                  (unsigned long long) job->seq, (long long) now);
        event.id = id;
        event.id_size = strlen (id);
        snprintf (event.case_id, sizeof event.case_id, "%s", job->case_id);
        code = s_append (self, txn, &event, seq, now, job->seq, err);
    }
    msgpack_zone_destroy (&zone);
    wire_buffer_release (&body);
    completion->outcome = OUTCOME_DEAD;
    return code;
}

//  A timer came due: timer.fired, and the timer is gone, in one commit.
static daiban_code_t
s_fire (dispatch_t *self, MDB_txn *txn, const timer_due_t *timer, uint64_t *seq, int64_t now,
        daiban_error_t *err)
{
    msgpack_zone zone;
    msgpack_zone_init (&zone, 1024);
    msgpack_object record;
    daiban_code_t code = DAIBAN_OK;
    if (wire_unpack (timer->record, timer->record_size, &zone, &record, NULL) == DAIBAN_OK) {
        wire_buffer_t body;
        wire_buffer_init (&body);
        const msgpack_object *data = wire_map_get (&record, "data");
        msgpack_pack_map (&body.packer, 3);
        wire_pack_key (&body.packer, "id");
        wire_pack_str (&body.packer, timer->id);
        wire_pack_key (&body.packer, "kind");
        msgpack_pack_object (&body.packer, *wire_map_get (&record, "kind"));
        wire_pack_key (&body.packer, "data");
        if (data && data->type == MSGPACK_OBJECT_MAP)
            msgpack_pack_object (&body.packer, *data);
        else
            msgpack_pack_map (&body.packer, 0);
        msgpack_object object;
        envelope_t event = { .type = event_type_find ("timer.fired", 11),
                             .source = BROKER_SOURCE, .source_size = strlen (BROKER_SOURCE),
                             .body = &object };
        char id [TIMER_ID_MAX + 32];
        snprintf (id, sizeof id, "timer:%s@%lld", timer->id, (long long) timer->at);
        event.id = id;
        event.id_size = strlen (id);
        wire_str_copy (wire_map_get (&record, "case"), event.case_id, sizeof event.case_id);
        if (!body.failed && !wire_unpack (body.buffer.data, body.buffer.size, &zone, &object, NULL))
            code = s_append (self, txn, &event, seq, now, 0, err);
        wire_buffer_release (&body);
    }
    msgpack_zone_destroy (&zone);
    return code? code: timers_delete (self->store, txn, timer, err);
}

static void
s_record_lateness (dispatch_counters_t *counters, int64_t lateness)
{
    if (lateness > counters->lateness_max)
        counters->lateness_max = lateness;
    counters->lateness [counters->lateness_count++ % LATENESS_SAMPLES] = lateness;
}

//  Everything of the turn inside one transaction; DAIBAN_RETRY asks for
//  a bigger map and a second run.
static daiban_code_t
s_settle_all (dispatch_t *self, MDB_txn *txn, int64_t now, timer_due_t *due, size_t due_count,
              daiban_error_t *err)
{
    uint64_t seq = store_last_seq (self->store);
    daiban_code_t code = DAIBAN_OK;
    for (role_t *role = (role_t *) zhashx_first (self->roles); role && !code;
         role = (role_t *) zhashx_next (self->roles))
        if (role_watermark (role) != role->persisted)
            code = s_persist_watermark (self, txn, role, role_watermark (role), err);
    for (completion_t *completion = (completion_t *) zlistx_first (self->completions);
         completion && !code; completion = (completion_t *) zlistx_next (self->completions)) {
        daiban_error_t check;
        if (completion->done && s_check_done (completion, &check)) {
            completion->done = false;
            snprintf (completion->message, sizeof completion->message, "%.190s", check.message);
        }
        if (completion->done)
            code = s_settle_done (self, txn, completion, &seq, now, err);
        else
        if (completion->lease->job->attempts + 1 >= self->max_attempts)
            code = s_settle_dead (self, txn, completion, &seq, now, err);
        else
            completion->outcome = OUTCOME_FAILED;
    }
    for (size_t index = 0; index < due_count && !code; index++)
        code = s_fire (self, txn, &due [index], &seq, now, err);
    return code;
}

void
dispatch_completion_destroy (completion_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    completion_t *self = *self_p;
    if (self->done || self->data)
        msgpack_zone_destroy (&self->zone);
    free (self->data);
    free (self);
    *self_p = NULL;
}

bool
dispatch_lease_failed (dispatch_t *self, lease_t *lease, const char *message)
{
    completion_t *completion = (completion_t *) calloc (1, sizeof (completion_t));
    if (!completion)
        return false;
    completion->lease = lease;
    snprintf (completion->message, sizeof completion->message, "%s", message);
    lease->settling = true;
    zlistx_add_end (self->completions, completion);
    return true;
}

void
dispatch_lease_forget (dispatch_t *self, lease_t *lease)
{
    char key [24];
    snprintf (key, sizeof key, "%llu", (unsigned long long) lease->id);
    zhashx_delete (self->leases, key);
}

//  After the commit: the queues, workers and leases catch up.
static void
s_apply_outcome (dispatch_t *self, completion_t *completion, int64_t mono)
{
    lease_t *lease = completion->lease;
    job_t *job = lease->job;
    if (lease->worker)
        lease->worker->in_flight--;
    if (completion->outcome == OUTCOME_REDECIDE) {
        job->lease = 0;
        job->not_before = mono;
        self->counters.redecided++;
        log_info ("role %s: event %llu goes again: %s", lease->role->name,
                  (unsigned long long) job->seq, completion->message);
    }
    else
    if (completion->outcome == OUTCOME_FAILED) {
        job->attempts++;
        job->lease = 0;
        int shift = job->attempts < 8? job->attempts - 1: 7;
        job->not_before = mono + (250LL << shift);
        if (job->not_before < self->retry_at)
            self->retry_at = job->not_before;
        snprintf (job->message, sizeof job->message, "%s", completion->message);
        self->counters.failed++;
        log_info ("role %s: event %llu failed (attempt %d): %s", lease->role->name,
                  (unsigned long long) job->seq, job->attempts, completion->message);
    }
    else {
        if (completion->outcome == OUTCOME_DEAD) {
            self->counters.dead_lettered++;
            log_warning ("role %s: event %llu dead-lettered after %d attempts: %s",
                         lease->role->name, (unsigned long long) job->seq, job->attempts + 1,
                         completion->message);
        }
        else
            self->counters.done++;
        role_remove (lease->role, job);
    }
    dispatch_lease_forget (self, lease);
}

static void
s_discard_completions (dispatch_t *self)
{
    completion_t *completion = (completion_t *) zlistx_first (self->completions);
    for (; completion; completion = (completion_t *) zlistx_next (self->completions)) {
        completion->lease->settling = false;    //  the lease runs out and goes again
        dispatch_completion_destroy (&completion);
    }
    zlistx_purge (self->completions);
}

static bool
s_has_work (dispatch_t *self, int64_t now)
{
    if (zlistx_size (self->completions))
        return true;
    for (role_t *role = (role_t *) zhashx_first (self->roles); role;
         role = (role_t *) zhashx_next (self->roles))
        if (role_watermark (role) != role->persisted)
            return true;
    MDB_txn *txn;
    daiban_error_t err;
    int64_t due;
    bool fire = false;
    if (store_read_begin (self->store, &txn, &err) == DAIBAN_OK) {
        fire = timers_next_due (self->store, txn, &due) && due <= now;
        store_read_end (self->store, &txn);
    }
    return fire;
}

//  One attempt at the transaction; the due timers are read inside it.
static daiban_code_t
s_settle_once (dispatch_t *self, int64_t now, timer_due_t *due, size_t *due_count,
               daiban_error_t *err)
{
    MDB_txn *txn;
    size_t mark = outbox_size (self->outbox);
    *due_count = 0;
    daiban_code_t code = store_write_begin (self->store, &txn, err);
    if (code)
        return code;
    case_cache_begin (self->cases, txn);
    *due_count = timers_take_due (self->store, txn, now, due, TIMERS_PER_TURN);
    code = s_settle_all (self, txn, now, due, *due_count, err);
    if (!code)
        code = case_cache_flush (self->cases, err);
    if (code)
        store_write_abort (self->store);
    else
    if (!(code = store_write_commit (self->store, err)))
        case_cache_committed (self->cases);
    if (code)
        outbox_truncate (self->outbox, mark);
    return code;
}

bool
dispatch_settle (dispatch_t *self, int64_t now, int64_t mono)
{
    if (!s_has_work (self, now))
        return true;
    static timer_due_t due [TIMERS_PER_TURN];
    size_t due_count = 0;
    daiban_error_t err;
    daiban_code_t code;
    while ((code = s_settle_once (self, now, due, &due_count, &err)) == DAIBAN_RETRY) {
        for (size_t index = 0; index < due_count; index++)
            free (due [index].record);
        due_count = 0;
        if ((code = store_grow (self->store, &err)))
            break;
        log_info ("storage map grown to %zu bytes", store_map_size (self->store));
    }
    for (size_t index = 0; index < due_count; index++) {
        if (!code) {
            s_record_lateness (&self->counters, now - due [index].at);
            self->counters.timers_fired++;
        }
        free (due [index].record);
    }
    if (code) {
        log_error ("worker outcomes not committed: %s", err.message);
        s_discard_completions (self);
        return false;
    }
    for (role_t *role = (role_t *) zhashx_first (self->roles); role;
         role = (role_t *) zhashx_next (self->roles))
        role->persisted = role_watermark (role);
    completion_t *completion = (completion_t *) zlistx_first (self->completions);
    for (; completion; completion = (completion_t *) zlistx_next (self->completions)) {
        s_apply_outcome (self, completion, mono);
        dispatch_completion_destroy (&completion);
    }
    zlistx_purge (self->completions);
    return true;
}
