/*  store: the LMDB environment and its named databases (see store.h). */
#include "store.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define DB_EVENTS STORE_DB_EVENTS
#define DB_EVENT_IDS STORE_DB_EVENT_IDS
#define DB_CASES STORE_DB_CASES
#define DB_CASE_EVENTS STORE_DB_CASE_EVENTS
#define DB_META STORE_DB_META
#define DB_COUNT STORE_DB_COUNT

static const char *s_db_names [DB_COUNT] = {
    "events", "event_ids", "cases", "case_events", "acks", "timers", "timer_ids", "meta",
    "deadletters", "roles"
};

struct _store_t {
    MDB_env *env;
    MDB_dbi dbi [DB_COUNT];
    MDB_txn *write;             //  the open write transaction, or NULL
    uint64_t last_seq;          //  committed
    uint64_t pending_seq;       //  appended in the open write transaction
    size_t map_size;
    uint64_t committed;         //  txn id of the last commit
    uint64_t durable;           //  txn id up to which commits survive power loss
};

//  Maps an LMDB return code: a full map asks the caller to grow and retry;
//  anything else makes the store unavailable for this batch.
static daiban_code_t
s_error (int rc, const char *what, daiban_error_t *err)
{
    if (rc == MDB_MAP_FULL)
        return daiban_error_set (err, DAIBAN_RETRY, "%s: storage map full", what);
    return daiban_error_set (err, DAIBAN_UNAVAILABLE, "%s: %s", what, mdb_strerror (rc));
}

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

static daiban_code_t
s_make_dir (const char *dir, daiban_error_t *err)
{
    char path [4096];
    if (strlen (dir) >= sizeof path)
        return daiban_error_set (err, DAIBAN_UNAVAILABLE, "data directory path too long");
    strcpy (path, dir);
    for (char *slash = path + 1; *slash; slash++)
        if (*slash == '/') {
            *slash = 0;
            if (mkdir (path, 0755) && errno != EEXIST)
                return daiban_error_set (err, DAIBAN_UNAVAILABLE, "data directory %s: %s",
                                         dir, strerror (errno));
            *slash = '/';
        }
    if (mkdir (path, 0755) && errno != EEXIST)
        return daiban_error_set (err, DAIBAN_UNAVAILABLE, "data directory %s: %s", dir,
                                 strerror (errno));
    struct stat info;
    if (stat (path, &info) || !S_ISDIR (info.st_mode))
        return daiban_error_set (err, DAIBAN_UNAVAILABLE, "data directory %s: not a directory",
                                 dir);
    return DAIBAN_OK;
}

//  Opens the databases, checks or writes the schema version, and reads
//  the last seq, all in the first write transaction.
static daiban_code_t
s_open_databases (store_t *self, daiban_error_t *err)
{
    MDB_txn *txn;
    int rc = mdb_txn_begin (self->env, NULL, 0, &txn);
    if (rc)
        return s_error (rc, "open store", err);
    for (int db = 0; db < DB_COUNT && !rc; db++)
        rc = mdb_dbi_open (txn, s_db_names [db], MDB_CREATE, &self->dbi [db]);
    MDB_val key = { 6, (void *) "schema" }, value;
    if (!rc && (rc = mdb_get (txn, self->dbi [DB_META], &key, &value)) == MDB_NOTFOUND) {
        value.mv_data = (void *) STORE_SCHEMA_VERSION;
        value.mv_size = strlen (STORE_SCHEMA_VERSION);
        rc = mdb_put (txn, self->dbi [DB_META], &key, &value, 0);
    }
    else
    if (!rc && (value.mv_size != strlen (STORE_SCHEMA_VERSION)
             || memcmp (value.mv_data, STORE_SCHEMA_VERSION, value.mv_size))) {
        //  The message first: value points into the transaction's pages.
        daiban_error_set (err, DAIBAN_UNAVAILABLE,
                          "store schema version %.*s, this daiban reads version %s",
                          (int) (value.mv_size < 32? value.mv_size: 32), (char *) value.mv_data,
                          STORE_SCHEMA_VERSION);
        mdb_txn_abort (txn);
        return err? err->code: DAIBAN_UNAVAILABLE;
    }
    MDB_cursor *cursor;
    if (!rc && !(rc = mdb_cursor_open (txn, self->dbi [DB_EVENTS], &cursor))) {
        rc = mdb_cursor_get (cursor, &key, &value, MDB_LAST);
        if (rc == 0 && key.mv_size == 8)
            self->last_seq = store_key_to_u64 (key.mv_data);
        if (rc == MDB_NOTFOUND)
            rc = 0;
        mdb_cursor_close (cursor);
    }
    if (!rc)
        rc = mdb_txn_commit (txn);
    else
        mdb_txn_abort (txn);
    return rc? s_error (rc, "open store", err): DAIBAN_OK;
}

store_t *
store_new (const char *dir, size_t map_size, daiban_error_t *err)
{
    if (s_make_dir (dir, err))
        return NULL;
    store_t *self = (store_t *) calloc (1, sizeof (store_t));
    if (!self) {
        daiban_error_set (err, DAIBAN_UNAVAILABLE, "out of memory");
        return NULL;
    }
    self->map_size = map_size;
    int rc = mdb_env_create (&self->env);
    if (!rc)
        rc = mdb_env_set_maxdbs (self->env, DB_COUNT + 8);
    if (!rc)
        rc = mdb_env_set_mapsize (self->env, map_size);
    if (!rc)
        rc = mdb_env_open (self->env, dir, MDB_NOTLS | MDB_NOMETASYNC, 0644);
    if (rc) {
        daiban_error_set (err, DAIBAN_UNAVAILABLE, "data directory %s: %s", dir, mdb_strerror (rc));
        store_destroy (&self);
        return NULL;
    }
    //  Another process may have grown the file: take the size LMDB found.
    MDB_envinfo info;
    if (mdb_env_info (self->env, &info) == 0 && info.me_mapsize > self->map_size)
        self->map_size = info.me_mapsize;
    if (s_open_databases (self, err) || store_sync (self, err))
        store_destroy (&self);
    else
    if (mdb_env_info (self->env, &info) == 0)
        self->committed = self->durable = info.me_last_txnid;
    return self;
}

void
store_destroy (store_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    store_t *self = *self_p;
    if (self->write)
        mdb_txn_abort (self->write);
    if (self->env)
        mdb_env_close (self->env);
    free (self);
    *self_p = NULL;
}

MDB_dbi
store_dbi (store_t *self, store_db_t db)
{
    return self->dbi [db];
}

uint64_t
store_last_seq (store_t *self)
{
    return self->last_seq;
}

size_t
store_map_size (store_t *self)
{
    return self->map_size;
}

daiban_code_t
store_write_begin (store_t *self, MDB_txn **txn, daiban_error_t *err)
{
    int rc = mdb_txn_begin (self->env, NULL, 0, &self->write);
    if (rc) {
        self->write = NULL;
        return s_error (rc, "begin write", err);
    }
    self->pending_seq = self->last_seq;
    *txn = self->write;
    return DAIBAN_OK;
}

daiban_code_t
store_write_commit (store_t *self, daiban_error_t *err)
{
    uint64_t id = mdb_txn_id (self->write);
    int rc = mdb_txn_commit (self->write);
    self->write = NULL;
    if (rc)
        return s_error (rc, "commit", err);
    self->last_seq = self->pending_seq;
    //  A transaction that changed nothing writes nothing, syncs nothing.
    MDB_envinfo info;
    if (mdb_env_info (self->env, &info) == 0 && info.me_last_txnid == id) {
        self->durable = self->committed;    //  its meta went out with our data
        self->committed = id;
    }
    return DAIBAN_OK;
}

uint64_t
store_write_id (store_t *self)
{
    return self->write? mdb_txn_id (self->write): self->committed + 1;
}

uint64_t
store_committed (store_t *self)
{
    return self->committed;
}

uint64_t
store_durable (store_t *self)
{
    return self->durable;
}

daiban_code_t
store_sync (store_t *self, daiban_error_t *err)
{
    if (self->durable == self->committed && self->committed)
        return DAIBAN_OK;
    int rc = mdb_env_sync (self->env, 1);
    if (rc)
        return s_error (rc, "sync", err);
    self->durable = self->committed;
    return DAIBAN_OK;
}

void
store_write_abort (store_t *self)
{
    if (self->write)
        mdb_txn_abort (self->write);
    self->write = NULL;
}

daiban_code_t
store_grow (store_t *self, daiban_error_t *err)
{
    size_t size = self->map_size * 2;
    int rc = mdb_env_set_mapsize (self->env, size);
    if (rc)
        return s_error (rc, "grow storage map", err);
    self->map_size = size;
    return DAIBAN_OK;
}

daiban_code_t
store_read_begin (store_t *self, MDB_txn **txn, daiban_error_t *err)
{
    int rc = mdb_txn_begin (self->env, NULL, MDB_RDONLY, txn);
    return rc? s_error (rc, "begin read", err): DAIBAN_OK;
}

void
store_read_end (store_t *self, MDB_txn **txn)
{
    (void) self;
    if (*txn)
        mdb_txn_abort (*txn);
    *txn = NULL;
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
    int rc = mdb_get (txn, self->dbi [DB_EVENT_IDS], &key, &value);
    if (rc == MDB_NOTFOUND)
        return DAIBAN_NOT_FOUND;
    if (rc)
        return s_error (rc, "dedupe lookup", err);
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
    int rc = mdb_put (txn, self->dbi [DB_EVENTS], &key, &value, MDB_APPEND);
    if (!rc) {
        MDB_val id_entry = { s_event_id_key (id_key, source, source_size, id, id_size), id_key };
        MDB_val seq_value = { 8, seq_key };
        rc = mdb_put (txn, self->dbi [DB_EVENT_IDS], &id_entry, &seq_value, MDB_NOOVERWRITE);
    }
    if (!rc) {
        MDB_val case_entry = { store_scoped_key (case_key, case_id, seq), case_key };
        MDB_val empty = { 0, NULL };
        rc = mdb_put (txn, self->dbi [DB_CASE_EVENTS], &case_entry, &empty, 0);
    }
    if (rc)
        return s_error (rc, "append event", err);
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
    int rc = mdb_get (txn, self->dbi [DB_EVENTS], &key, value);
    if (rc == MDB_NOTFOUND)
        return daiban_error_set (err, DAIBAN_NOT_FOUND, "no event %llu", (unsigned long long) seq);
    return rc? s_error (rc, "read event", err): DAIBAN_OK;
}

daiban_code_t
store_case_get (store_t *self, MDB_txn *txn, const char *case_id, MDB_val *value,
                daiban_error_t *err)
{
    MDB_val key = { strlen (case_id), (void *) case_id };
    int rc = mdb_get (txn, self->dbi [DB_CASES], &key, value);
    if (rc == MDB_NOTFOUND)
        return daiban_error_set (err, DAIBAN_NOT_FOUND, "no case %s", case_id);
    return rc? s_error (rc, "read case", err): DAIBAN_OK;
}

daiban_code_t
store_case_put (store_t *self, MDB_txn *txn, const char *case_id, const void *data,
                size_t size, daiban_error_t *err)
{
    MDB_val key = { strlen (case_id), (void *) case_id }, value = { size, (void *) data };
    int rc = mdb_put (txn, self->dbi [DB_CASES], &key, &value, 0);
    return rc? s_error (rc, "write case", err): DAIBAN_OK;
}

size_t
store_case_count (store_t *self, MDB_txn *txn)
{
    MDB_stat stat;
    return mdb_stat (txn, self->dbi [DB_CASES], &stat) == 0? stat.ms_entries: 0;
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
    int rc = mdb_cursor_open (txn, self->dbi [DB_CASE_EVENTS], &cursor);
    if (rc)
        return s_error (rc, "read history", err);
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
    return rc && rc != MDB_NOTFOUND? s_error (rc, "read history", err): DAIBAN_OK;
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
    int rc = mdb_cursor_open (txn, self->dbi [DB_EVENTS], &cursor);
    if (rc)
        return s_error (rc, "read history", err);
    MDB_val key = { 8, start }, value;
    rc = mdb_cursor_get (cursor, &key, &value, MDB_SET_RANGE);
    while (rc == 0 && key.mv_size == 8 && visit (store_key_to_u64 (key.mv_data), &value, argument))
        rc = mdb_cursor_get (cursor, &key, &value, MDB_NEXT);
    mdb_cursor_close (cursor);
    return rc && rc != MDB_NOTFOUND? s_error (rc, "read history", err): DAIBAN_OK;
}

daiban_code_t
store_cases_each (store_t *self, MDB_txn *txn, store_case_visit_fn *visit, void *argument,
                  daiban_error_t *err)
{
    MDB_cursor *cursor;
    int rc = mdb_cursor_open (txn, self->dbi [DB_CASES], &cursor);
    if (rc)
        return s_error (rc, "read cases", err);
    MDB_val key, value;
    rc = mdb_cursor_get (cursor, &key, &value, MDB_FIRST);
    while (rc == 0 && visit (&key, &value, argument))
        rc = mdb_cursor_get (cursor, &key, &value, MDB_NEXT);
    mdb_cursor_close (cursor);
    return rc && rc != MDB_NOTFOUND? s_error (rc, "read cases", err): DAIBAN_OK;
}
