/*  dispatch_ops: what operators ask of dispatch through ingress — its
    counters for `stats`, the dead letters (`deadletters`) and `retry` of
    one of them (see dispatch.h). */
#include "dispatch_internal.h"

#include <stdlib.h>
#include <string.h>
#include "log.h"

static void
s_counter (msgpack_packer *packer, const char *key, uint64_t value)
{
    wire_pack_key (packer, key);
    msgpack_pack_uint64 (packer, value);
}

static int
s_compare (const void *first, const void *second)
{
    int64_t a = *(const int64_t *) first, b = *(const int64_t *) second;
    return a < b? -1: a > b? 1: 0;
}

static int64_t
s_lateness_p99 (const dispatch_counters_t *counters)
{
    size_t count = counters->lateness_count < LATENESS_SAMPLES? counters->lateness_count: LATENESS_SAMPLES;
    if (count == 0)
        return 0;
    int64_t sorted [LATENESS_SAMPLES];
    memcpy (sorted, counters->lateness, count * sizeof (int64_t));
    qsort (sorted, count, sizeof (int64_t), s_compare);
    return sorted [(count * 99) / 100 < count? (count * 99) / 100: count - 1];
}

uint32_t
dispatch_stats_count (void)
{
    return 13;
}

static void
s_pack_roles (dispatch_t *self, msgpack_packer *packer)
{
    msgpack_pack_map (packer, zhashx_size (self->roles));
    for (role_t *role = (role_t *) zhashx_first (self->roles); role;
         role = (role_t *) zhashx_next (self->roles)) {
        size_t in_flight = 0;
        for (job_t *job = (job_t *) zlistx_first (role->queue); job;
             job = (job_t *) zlistx_next (role->queue))
            in_flight += job->lease != 0;
        wire_pack_str (packer, role->name);
        msgpack_pack_map (packer, 4);
        s_counter (packer, "queued", role->jobs);
        s_counter (packer, "in_flight", in_flight);
        s_counter (packer, "watermark", role_watermark (role));
        s_counter (packer, "workers", zlistx_size (role->workers));
    }
}

void
dispatch_pack_stats (dispatch_t *self, msgpack_packer *packer)
{
    const dispatch_counters_t *counters = &self->counters;
    s_counter (packer, "dispatched", counters->dispatched);
    s_counter (packer, "done", counters->done);
    s_counter (packer, "failed", counters->failed);
    s_counter (packer, "expired", counters->expired);
    s_counter (packer, "dead_lettered", counters->dead_lettered);
    s_counter (packer, "emits_refused", counters->emits_refused);
    s_counter (packer, "timers_fired", counters->timers_fired);
    s_counter (packer, "workers_lost", counters->workers_lost);
    s_counter (packer, "redecided", counters->redecided);
    MDB_txn *txn;
    daiban_error_t err;
    size_t pending = 0;
    if (store_read_begin (self->store, &txn, &err) == DAIBAN_OK) {
        pending = timers_pending (self->store, txn);
        store_read_end (self->store, &txn);
    }
    s_counter (packer, "timers_pending", pending);
    s_counter (packer, "timer_lateness_max_ms", (uint64_t) counters->lateness_max);
    s_counter (packer, "timer_lateness_p99_ms", (uint64_t) s_lateness_p99 (counters));
    wire_pack_key (packer, "roles");
    s_pack_roles (self, packer);
}

daiban_code_t
dispatch_pack_deadletters (dispatch_t *self, const char *role, msgpack_packer *packer,
                           daiban_error_t *err)
{
    MDB_txn *txn;
    if (store_read_begin (self->store, &txn, err))
        return err->code;
    MDB_cursor *cursor;
    int rc = mdb_cursor_open (txn, store_dbi (self->store, STORE_DB_DEADLETTERS), &cursor);
    if (rc) {
        store_read_end (self->store, &txn);
        return daiban_error_set (err, DAIBAN_UNAVAILABLE, "dead letters: %s", mdb_strerror (rc));
    }
    //  Two passes: count, then pack (msgpack wants the length first).
    uint32_t count = 0;
    size_t prefix = role? strlen (role) + 1: 0;
    MDB_val key, value;
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1)
            msgpack_pack_array (packer, count);
        rc = mdb_cursor_get (cursor, &key, &value, MDB_FIRST);
        for (; rc == 0; rc = mdb_cursor_get (cursor, &key, &value, MDB_NEXT)) {
            if (role && (key.mv_size < prefix || memcmp (key.mv_data, role, prefix) != 0))
                continue;
            if (pass == 0)
                count++;
            else
                wire_pack_raw (packer, value.mv_data, value.mv_size);
        }
    }
    mdb_cursor_close (cursor);
    store_read_end (self->store, &txn);
    return DAIBAN_OK;
}

//  Marks the stored dead letter "retrying", so that a restart before the
//  retry completes still knows to run it.
static daiban_code_t
s_mark_retrying (dispatch_t *self, const char *role, uint64_t seq, char *case_id,
                 daiban_error_t *err)
{
    MDB_txn *txn;
    if (store_write_begin (self->store, &txn, err))
        return err->code;
    unsigned char key [ROLE_NAME_MAX + 9];
    MDB_val entry = { store_scoped_key (key, role, seq), key }, value;
    int rc = mdb_get (txn, store_dbi (self->store, STORE_DB_DEADLETTERS), &entry, &value);
    msgpack_zone zone;
    msgpack_zone_init (&zone, 512);
    msgpack_object root;
    daiban_code_t code = DAIBAN_OK;
    if (rc == MDB_NOTFOUND)
        code = daiban_error_set (err, DAIBAN_NOT_FOUND, "no dead letter %llu for role %s",
                                 (unsigned long long) seq, role);
    else
    if (rc || wire_unpack (value.mv_data, value.mv_size, &zone, &root, err))
        code = daiban_error_set (err, DAIBAN_UNAVAILABLE, "dead letter unreadable");
    else
    if (!wire_str_eq (wire_map_get (&root, "status"), "dead"))
        code = daiban_error_set (err, DAIBAN_CONFLICT, "dead letter %llu is already being retried",
                                 (unsigned long long) seq);
    if (!code) {
        wire_str_copy (wire_map_get (&root, "case"), case_id, ENVELOPE_CASE_MAX + 1);
        wire_buffer_t record;
        wire_buffer_init (&record);
        msgpack_pack_map (&record.packer, root.via.map.size);
        for (uint32_t index = 0; index < root.via.map.size; index++) {
            msgpack_pack_object (&record.packer, root.via.map.ptr [index].key);
            if (wire_str_eq (&root.via.map.ptr [index].key, "status"))
                wire_pack_str (&record.packer, "retrying");
            else
                msgpack_pack_object (&record.packer, root.via.map.ptr [index].val);
        }
        MDB_val updated = { record.buffer.size, record.buffer.data };
        rc = store_put (self->store, txn, STORE_DB_DEADLETTERS, &entry, &updated, 0);
        wire_buffer_release (&record);
        if (rc)
            code = store_lmdb_error (rc, "retry", err);
    }
    msgpack_zone_destroy (&zone);
    if (code)
        store_write_abort (self->store);
    else
        code = store_write_commit (self->store, err);
    return code;
}

daiban_code_t
dispatch_retry (dispatch_t *self, const char *role_name, uint64_t seq, daiban_error_t *err)
{
    role_t *role = (role_t *) zhashx_lookup (self->roles, role_name);
    if (!role)
        return daiban_error_set (err, DAIBAN_NOT_FOUND, "no role %s", role_name);
    char case_id [ENVELOPE_CASE_MAX + 1] = "";
    daiban_code_t code;
    while ((code = s_mark_retrying (self, role_name, seq, case_id, err)) == DAIBAN_RETRY)
        if (store_grow (self->store, err))
            return err->code;
    if (code)
        return code;
    if (!role_find (role, seq) && !role_enqueue (role, seq, case_id, true))
        return daiban_error_set (err, DAIBAN_UNAVAILABLE, "out of memory");
    log_info ("role %s: dead letter %llu queued again by an operator", role_name,
              (unsigned long long) seq);
    return DAIBAN_OK;
}
