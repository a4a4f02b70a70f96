/*  store_records: the store's records — events with their dedupe keys
    and case timelines, case states — and its key helpers (see store.h). */
#include "store_internal.h"

#include <string.h>

void
store_u64_to_key (uint64_t value, unsigned char key [8])
{
    for (int index = 7; index >= 0; index--) {
        key [index] = (unsigned char) (value & 0xff);
        value >>= 8;
    }
}

uint64_t
store_key_to_u64 (const unsigned char key [8])
{
    uint64_t value = 0;
    for (int index = 0; index < 8; index++)
        value = (value << 8) | key [index];
    return value;
}

//  The dedupe key: source length (1 byte), source, id. The length prefix
//  keeps ("ab", "c") and ("a", "bc") apart.
static size_t
s_event_id_key (unsigned char *key, const char *source, size_t source_size, const char *id,
                size_t id_size)
{
    key [0] = (unsigned char) source_size;
    memcpy (key + 1, source, source_size);
    memcpy (key + 1 + source_size, id, id_size);
    return 1 + source_size + id_size;
}

daiban_code_t
store_event_id_get (store_t *self, MDB_txn *txn, const char *source, size_t source_size,
                    const char *id, size_t id_size, uint64_t *seq, daiban_error_t *err)
{
    unsigned char buffer [512];
    if (source_size > 255 || 1 + source_size + id_size > sizeof buffer)
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "source and id too long");
    MDB_val key = { s_event_id_key (buffer, source, source_size, id, id_size), buffer }, value;
    int rc = mdb_get (txn, self->dbi [STORE_DB_EVENT_IDS], &key, &value);
    if (rc == MDB_NOTFOUND)
        return DAIBAN_NOT_FOUND;
    if (rc)
        return store_lmdb_error (rc, "dedupe lookup", err);
    *seq = value.mv_size == 8? store_key_to_u64 (value.mv_data): 0;
    return DAIBAN_OK;
}

size_t
store_scoped_key (unsigned char *key, const char *name, uint64_t seq)
{
    size_t size = strlen (name);
    memcpy (key, name, size);
    key [size] = 0;
    store_u64_to_key (seq, key + size + 1);
    return size + 9;
}

daiban_code_t
store_event_append (store_t *self, MDB_txn *txn, uint64_t seq, const void *data, size_t size,
                    const char *source, size_t source_size, const char *id, size_t id_size,
                    const char *case_id, daiban_error_t *err)
{
    unsigned char seq_key [8], id_key [512], case_key [80];
    if (seq != self->pending_seq + 1)
        return daiban_error_set (err, DAIBAN_INTERNAL, "append seq %llu after %llu",
                                 (unsigned long long) seq, (unsigned long long) self->pending_seq);
    if (source_size > 255 || 1 + source_size + id_size > sizeof id_key || strlen (case_id) > 64)
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "source, id or case too long");
    store_u64_to_key (seq, seq_key);
    MDB_val key = { 8, seq_key }, value = { size, (void *) data };
    int rc = store_put (self, txn, STORE_DB_EVENTS, &key, &value, MDB_APPEND);
    if (!rc) {
        MDB_val id_entry = { s_event_id_key (id_key, source, source_size, id, id_size), id_key };
        MDB_val seq_value = { 8, seq_key };
        rc = store_put (self, txn, STORE_DB_EVENT_IDS, &id_entry, &seq_value, MDB_NOOVERWRITE);
    }
    if (!rc) {
        MDB_val case_entry = { store_scoped_key (case_key, case_id, seq), case_key };
        MDB_val empty = { 0, NULL };
        rc = store_put (self, txn, STORE_DB_CASE_EVENTS, &case_entry, &empty, 0);
    }
    if (rc)
        return store_lmdb_error (rc, "append event", err);
    self->pending_seq = seq;
    return DAIBAN_OK;
}

daiban_code_t
store_event_get (store_t *self, MDB_txn *txn, uint64_t seq, MDB_val *value,
                 daiban_error_t *err)
{
    unsigned char seq_key [8];
    store_u64_to_key (seq, seq_key);
    MDB_val key = { 8, seq_key };
    int rc = mdb_get (txn, self->dbi [STORE_DB_EVENTS], &key, value);
    if (rc == MDB_NOTFOUND)
        return daiban_error_set (err, DAIBAN_NOT_FOUND, "no event %llu", (unsigned long long) seq);
    return rc? store_lmdb_error (rc, "read event", err): DAIBAN_OK;
}

daiban_code_t
store_case_get (store_t *self, MDB_txn *txn, const char *case_id, MDB_val *value,
                daiban_error_t *err)
{
    MDB_val key = { strlen (case_id), (void *) case_id };
    int rc = mdb_get (txn, self->dbi [STORE_DB_CASES], &key, value);
    if (rc == MDB_NOTFOUND)
        return daiban_error_set (err, DAIBAN_NOT_FOUND, "no case %s", case_id);
    return rc? store_lmdb_error (rc, "read case", err): DAIBAN_OK;
}

daiban_code_t
store_case_put (store_t *self, MDB_txn *txn, const char *case_id, const void *data,
                size_t size, daiban_error_t *err)
{
    MDB_val key = { strlen (case_id), (void *) case_id }, value = { size, (void *) data };
    int rc = store_put (self, txn, STORE_DB_CASES, &key, &value, 0);
    return rc? store_lmdb_error (rc, "write case", err): DAIBAN_OK;
}

size_t
store_case_count (store_t *self, MDB_txn *txn)
{
    MDB_stat stat;
    return mdb_stat (txn, self->dbi [STORE_DB_CASES], &stat) == 0? stat.ms_entries: 0;
}

//  Walks one case's timeline (case_events) and reads each event.
static daiban_code_t
s_case_events_each (store_t *self, MDB_txn *txn, uint64_t from, const char *case_id,
                    store_visit_fn *visit, void *argument, daiban_error_t *err)
{
    unsigned char start [80];
    size_t prefix = strlen (case_id) + 1;
    if (prefix > 65)
        return DAIBAN_OK;
    MDB_cursor *cursor;
    int rc = mdb_cursor_open (txn, self->dbi [STORE_DB_CASE_EVENTS], &cursor);
    if (rc)
        return store_lmdb_error (rc, "read history", err);
    MDB_val key = { store_scoped_key (start, case_id, from), start }, value;
    rc = mdb_cursor_get (cursor, &key, &value, MDB_SET_RANGE);
    daiban_code_t code = DAIBAN_OK;
    while (rc == 0 && key.mv_size == prefix + 8 && memcmp (key.mv_data, start, prefix) == 0) {
        MDB_val event;
        uint64_t seq = store_key_to_u64 ((unsigned char *) key.mv_data + prefix);
        code = store_event_get (self, txn, seq, &event, err);
        if (code || !visit (seq, &event, argument))
            break;
        rc = mdb_cursor_get (cursor, &key, &value, MDB_NEXT);
    }
    mdb_cursor_close (cursor);
    if (code)
        return code;
    return rc && rc != MDB_NOTFOUND? store_lmdb_error (rc, "read history", err): DAIBAN_OK;
}

daiban_code_t
store_events_each (store_t *self, MDB_txn *txn, uint64_t from, const char *case_id,
                   store_visit_fn *visit, void *argument, daiban_error_t *err)
{
    if (case_id)
        return s_case_events_each (self, txn, from, case_id, visit, argument, err);
    unsigned char start [8];
    store_u64_to_key (from, start);
    MDB_cursor *cursor;
    int rc = mdb_cursor_open (txn, self->dbi [STORE_DB_EVENTS], &cursor);
    if (rc)
        return store_lmdb_error (rc, "read history", err);
    MDB_val key = { 8, start }, value;
    rc = mdb_cursor_get (cursor, &key, &value, MDB_SET_RANGE);
    while (rc == 0 && key.mv_size == 8 && visit (store_key_to_u64 (key.mv_data), &value, argument))
        rc = mdb_cursor_get (cursor, &key, &value, MDB_NEXT);
    mdb_cursor_close (cursor);
    return rc && rc != MDB_NOTFOUND? store_lmdb_error (rc, "read history", err): DAIBAN_OK;
}

daiban_code_t
store_cases_each (store_t *self, MDB_txn *txn, const char *after, store_case_visit_fn *visit,
                  void *argument, daiban_error_t *err)
{
    if (after && !*after)
        after = NULL;
    MDB_cursor *cursor;
    int rc = mdb_cursor_open (txn, self->dbi [STORE_DB_CASES], &cursor);
    if (rc)
        return store_lmdb_error (rc, "read cases", err);
    MDB_val key = { after? strlen (after): 0, (void *) after }, value;
    rc = mdb_cursor_get (cursor, &key, &value, after? MDB_SET_RANGE: MDB_FIRST);
    //  The first key at or after `after`: skip it when it is `after` itself.
    if (rc == 0 && after && key.mv_size == strlen (after)
    &&  memcmp (key.mv_data, after, key.mv_size) == 0)
        rc = mdb_cursor_get (cursor, &key, &value, MDB_NEXT);
    while (rc == 0 && visit (&key, &value, argument))
        rc = mdb_cursor_get (cursor, &key, &value, MDB_NEXT);
    mdb_cursor_close (cursor);
    return rc && rc != MDB_NOTFOUND? store_lmdb_error (rc, "read cases", err): DAIBAN_OK;
}
