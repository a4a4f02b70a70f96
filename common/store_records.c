/*  store_records: the store's records — events with their dedupe keys
    and case timelines, case states — and its key helpers (see store.h). */
#include "store_internal.h"

#include <errno.h>
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

//  The dedupe key of (source, id) in key (512 bytes); 0 when too long.
static size_t
s_event_id_key_checked (unsigned char key [512], const char *source, size_t source_size,
                        const char *id, size_t id_size)
{
    if (source_size > 255 || 1 + source_size + id_size > 512)
        return 0;
    return s_event_id_key (key, source, source_size, id, id_size);
}

daiban_code_t
store_event_id_get (store_t *self, MDB_txn *txn, const char *source, size_t source_size,
                    const char *id, size_t id_size, uint64_t *seq, daiban_error_t *err)
{
    unsigned char buffer [512];
    MDB_val key = { s_event_id_key_checked (buffer, source, source_size, id, id_size), buffer };
    MDB_val value;
    if (key.mv_size == 0)
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "source and id too long");
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
store_event_id_claim (store_t *self, MDB_txn *txn, const char *source, size_t source_size,
                      const char *id, size_t id_size, uint64_t seq, bool *duplicate,
                      uint64_t *held_seq, daiban_error_t *err)
{
    unsigned char id_key [512], seq_key [8];
    MDB_val key = { s_event_id_key_checked (id_key, source, source_size, id, id_size), id_key };
    if (key.mv_size == 0)
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "source and id too long");
    store_u64_to_key (seq, seq_key);
    MDB_val value = { 8, seq_key };
    //  One walk of the tree for the lookup and the insert: LMDB gives the
    //  held value back on MDB_KEYEXIST.
    int rc = mdb_put (txn, self->dbi [STORE_DB_EVENT_IDS], &key, &value, MDB_NOOVERWRITE);
    *duplicate = rc == MDB_KEYEXIST;
    if (*duplicate) {
        *held_seq = value.mv_size == 8? store_key_to_u64 (value.mv_data): 0;
        return DAIBAN_OK;
    }
    if (rc)
        self->spoiled = true;
    return rc? store_lmdb_error (rc, "dedupe claim", err): DAIBAN_OK;
}

daiban_code_t
store_event_id_unclaim (store_t *self, MDB_txn *txn, const char *source, size_t source_size,
                        const char *id, size_t id_size, daiban_error_t *err)
{
    //  A spoiled batch goes whole, the claim with it (LMDB refuses any
    //  further write to a transaction that failed one).
    if (self->spoiled)
        return DAIBAN_OK;
    unsigned char id_key [512];
    MDB_val key = { s_event_id_key_checked (id_key, source, source_size, id, id_size), id_key };
    int rc = key.mv_size? mdb_del (txn, self->dbi [STORE_DB_EVENT_IDS], &key, NULL): 0;
    if (rc)
        self->spoiled = true;
    return rc? store_lmdb_error (rc, "dedupe unclaim", err): DAIBAN_OK;
}

static daiban_code_t
s_check_seq (store_t *self, uint64_t seq, daiban_error_t *err)
{
    if (seq != self->pending_seq + 1)
        return daiban_error_set (err, DAIBAN_INTERNAL, "append seq %llu after %llu",
                                 (unsigned long long) seq, (unsigned long long) self->pending_seq);
    return DAIBAN_OK;
}

daiban_code_t
store_event_append_claimed (store_t *self, MDB_txn *txn, uint64_t seq, const void *data,
                            size_t size, const char *source, size_t source_size, const char *id,
                            size_t id_size, const char *case_id, daiban_error_t *err)
{
    unsigned char seq_key [8], id_key [512], case_key [80];
    if (s_check_seq (self, seq, err))
        return err->code;
    size_t id_key_size = s_event_id_key_checked (id_key, source, source_size, id, id_size);
    if (id_key_size == 0 || strlen (case_id) > 64)
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "source, id or case too long");
    store_u64_to_key (seq, seq_key);
    MDB_val key = { 8, seq_key }, value = { size, (void *) data };
    int rc = store_put (self, txn, STORE_DB_EVENTS, &key, &value, MDB_APPEND);
    //  The claim is in the tree already: only the log needs it now.
    if (!rc && !wal_batch_put (self->wal, STORE_DB_EVENT_IDS, id_key, id_key_size, seq_key, 8)) {
        rc = ENOMEM;
        self->spoiled = true;
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
store_event_append (store_t *self, MDB_txn *txn, uint64_t seq, const void *data, size_t size,
                    const char *source, size_t source_size, const char *id, size_t id_size,
                    const char *case_id, daiban_error_t *err)
{
    bool duplicate;
    uint64_t held_seq;
    if (s_check_seq (self, seq, err))
        return err->code;
    daiban_code_t code = store_event_id_claim (self, txn, source, source_size, id, id_size, seq,
                                               &duplicate, &held_seq, err);
    if (!code && duplicate)
        return store_lmdb_error (MDB_KEYEXIST, "append event", err);
    if (!code)
        code = store_event_append_claimed (self, txn, seq, data, size, source, source_size, id,
                                           id_size, case_id, err);
    return code;
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
