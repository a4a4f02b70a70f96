/*  timers: durable timers keyed by due time (see timers.h). */
#include "timers.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "envelope.h"
#include "wire.h"

static bool
s_valid_id (const msgpack_object *id)
{
    return wire_is_str (id) && id->via.str.size > 0 && id->via.str.size <= TIMER_ID_MAX
        && wire_utf8_valid (id->via.str.ptr, id->via.str.size)
        && !memchr (id->via.str.ptr, 0, id->via.str.size);
}

daiban_code_t
timers_check (const msgpack_object *change, daiban_error_t *err)
{
    const msgpack_object *set = wire_map_get (change, "set");
    const msgpack_object *cancel = wire_map_get (change, "cancel");
    if (cancel)
        return s_valid_id (cancel)? DAIBAN_OK: daiban_error_set (err, DAIBAN_BAD_REQUEST,
            "timers: cancel must be a timer id of 1..%d bytes", TIMER_ID_MAX);
    if (!set || set->type != MSGPACK_OBJECT_MAP)
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "timers: each change is {set:{...}} or {cancel:ID}");
    const msgpack_object *case_id = wire_map_get (set, "case");
    const msgpack_object *kind = wire_map_get (set, "kind");
    const msgpack_object *data = wire_map_get (set, "data");
    int64_t at;
    if (!s_valid_id (wire_map_get (set, "id")))
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "timers: set.id must be 1..%d bytes",
                                 TIMER_ID_MAX);
    if (!wire_get_int (wire_map_get (set, "at"), &at) || at < 0)
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "timers: set.at must be ms >= 0");
    if (!wire_is_str (case_id) || !envelope_case_id_valid (case_id->via.str.ptr, case_id->via.str.size))
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "timers: set.case must be a case id");
    if (!wire_is_str (kind) || !wire_utf8_valid (kind->via.str.ptr, kind->via.str.size))
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "timers: set.kind must be a string");
    if (data && data->type != MSGPACK_OBJECT_MAP && data->type != MSGPACK_OBJECT_NIL)
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "timers: set.data must be a map");
    return DAIBAN_OK;
}

static size_t
s_timer_key (unsigned char *key, int64_t at, const char *id, size_t size)
{
    store_u64_to_key ((uint64_t) at, key);
    memcpy (key + 8, id, size);
    return 8 + size;
}

//  Removes the timer with this id, wherever it is due.
static daiban_code_t
s_remove (store_t *store, MDB_txn *txn, const char *id, size_t size, daiban_error_t *err)
{
    MDB_val id_key = { size, (void *) id }, due;
    int rc = mdb_get (txn, store_dbi (store, STORE_DB_TIMER_IDS), &id_key, &due);
    if (rc == MDB_NOTFOUND)
        return DAIBAN_OK;
    if (!rc && due.mv_size == 8) {
        unsigned char key [8 + TIMER_ID_MAX];
        MDB_val timer_key = { s_timer_key (key, (int64_t) store_key_to_u64 (due.mv_data), id, size), key };
        rc = store_del (store, txn, STORE_DB_TIMERS, &timer_key);
        if (rc == MDB_NOTFOUND)
            rc = 0;
    }
    if (!rc)
        rc = store_del (store, txn, STORE_DB_TIMER_IDS, &id_key);
    return rc? store_lmdb_error (rc, "cancel timer", err): DAIBAN_OK;
}

static daiban_code_t
s_set (store_t *store, MDB_txn *txn, const msgpack_object *set, daiban_error_t *err)
{
    const msgpack_object *id = wire_map_get (set, "id");
    int64_t at;
    wire_get_int (wire_map_get (set, "at"), &at);
    daiban_code_t code = s_remove (store, txn, id->via.str.ptr, id->via.str.size, err);
    if (code)
        return code;
    wire_buffer_t record;
    wire_buffer_init (&record);
    msgpack_pack_object (&record.packer, *set);
    unsigned char key [8 + TIMER_ID_MAX], due [8];
    store_u64_to_key ((uint64_t) at, due);
    MDB_val timer_key = { s_timer_key (key, at, id->via.str.ptr, id->via.str.size), key };
    MDB_val value = { record.buffer.size, record.buffer.data };
    MDB_val id_key = { id->via.str.size, (void *) id->via.str.ptr }, due_value = { 8, due };
    int rc = record.failed? ENOMEM: store_put (store, txn, STORE_DB_TIMERS, &timer_key, &value, 0);
    if (!rc)
        rc = store_put (store, txn, STORE_DB_TIMER_IDS, &id_key, &due_value, 0);
    wire_buffer_release (&record);
    return rc? store_lmdb_error (rc, "set timer", err): DAIBAN_OK;
}

daiban_code_t
timers_apply (store_t *store, MDB_txn *txn, const msgpack_object *change, daiban_error_t *err)
{
    const msgpack_object *cancel = wire_map_get (change, "cancel");
    if (cancel)
        return s_remove (store, txn, cancel->via.str.ptr, cancel->via.str.size, err);
    return s_set (store, txn, wire_map_get (change, "set"), err);
}

bool
timers_next_due (store_t *store, MDB_txn *txn, int64_t *due)
{
    MDB_cursor *cursor;
    if (mdb_cursor_open (txn, store_dbi (store, STORE_DB_TIMERS), &cursor))
        return false;
    MDB_val key, value;
    bool found = mdb_cursor_get (cursor, &key, &value, MDB_FIRST) == 0 && key.mv_size >= 8;
    if (found)
        *due = (int64_t) store_key_to_u64 (key.mv_data);
    mdb_cursor_close (cursor);
    return found;
}

size_t
timers_take_due (store_t *store, MDB_txn *txn, int64_t now, timer_due_t *due, size_t limit)
{
    MDB_cursor *cursor;
    if (mdb_cursor_open (txn, store_dbi (store, STORE_DB_TIMERS), &cursor))
        return 0;
    size_t count = 0;
    MDB_val key, value;
    int rc = mdb_cursor_get (cursor, &key, &value, MDB_FIRST);
    while (rc == 0 && count < limit && key.mv_size > 8 && key.mv_size <= 8 + TIMER_ID_MAX) {
        int64_t at = (int64_t) store_key_to_u64 (key.mv_data);
        if (at > now)
            break;
        timer_due_t *timer = &due [count];
        timer->at = at;
        memcpy (timer->id, (char *) key.mv_data + 8, key.mv_size - 8);
        timer->id [key.mv_size - 8] = 0;
        timer->record = malloc (value.mv_size);
        if (!timer->record)
            break;
        memcpy (timer->record, value.mv_data, value.mv_size);
        timer->record_size = value.mv_size;
        count++;
        rc = mdb_cursor_get (cursor, &key, &value, MDB_NEXT);
    }
    mdb_cursor_close (cursor);
    return count;
}

daiban_code_t
timers_delete (store_t *store, MDB_txn *txn, const timer_due_t *timer, daiban_error_t *err)
{
    return s_remove (store, txn, timer->id, strlen (timer->id), err);
}

size_t
timers_pending (store_t *store, MDB_txn *txn)
{
    MDB_stat stat;
    return mdb_stat (txn, store_dbi (store, STORE_DB_TIMERS), &stat) == 0? stat.ms_entries: 0;
}
