/*  store: the LMDB environment, its working transaction and its
    write-ahead log (see store.h, docs/storage.md). */
#include "store_internal.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>
#include "log.h"
#include "disk.h"

//  The log is preallocated to this size once (records then overwrite
//  allocated blocks); it grows past it only when checkpoints lag.
#define STORE_LOG_PREALLOCATE (32u << 20)
#define STORE_GROW_TRIES 16

static const char *s_db_names [STORE_DB_COUNT] = {
    "events", "event_ids", "cases", "case_events", "acks", "timers", "timer_ids", "meta",
    "deadletters", "roles"
};

static const MDB_val s_generation_key = { 14, (void *) "wal_generation" };

daiban_code_t
store_lmdb_error (int rc, const char *what, daiban_error_t *err)
{
    if (rc == 0)
        return DAIBAN_OK;
    if (rc == MDB_MAP_FULL)
        return daiban_error_set (err, DAIBAN_RETRY, "%s: storage map full", what);
    return daiban_error_set (err, DAIBAN_UNAVAILABLE, "%s: %s", what, mdb_strerror (rc));
}

daiban_code_t
store_make_dir (const char *dir, daiban_error_t *err)
{
    char path [4096];
    if (strlen (dir) >= sizeof path)
        return daiban_error_set (err, DAIBAN_UNAVAILABLE, "directory %.64s...: path too long",
                                 dir);
    strcpy (path, dir);
    for (char *slash = path + 1; *slash; slash++)
        if (*slash == '/') {
            *slash = 0;
            if (mkdir (path, 0755) && errno != EEXIST)
                return daiban_error_set (err, DAIBAN_UNAVAILABLE, "directory %s: %s",
                                         dir, strerror (errno));
            *slash = '/';
        }
    if (mkdir (path, 0755) && errno != EEXIST)
        return daiban_error_set (err, DAIBAN_UNAVAILABLE, "directory %s: %s", dir,
                                 strerror (errno));
    struct stat info;
    if (stat (path, &info) || !S_ISDIR (info.st_mode))
        return daiban_error_set (err, DAIBAN_UNAVAILABLE, "directory %s: not a directory",
                                 dir);
    return DAIBAN_OK;
}

//  Flushes the directory itself: the names of files just created (the
//  log, LMDB's) must survive a power loss as much as their contents.
static daiban_code_t
s_sync_directory (const char *dir, daiban_error_t *err)
{
    int error = disk_sync (dir, true);
    if (error)
        return daiban_error_set (err, DAIBAN_UNAVAILABLE, "data directory %s: sync: %s", dir,
                                 strerror (error));
    return DAIBAN_OK;
}

//  Checks or writes the schema version in txn.
static int
s_check_schema (store_t *self, MDB_txn *txn, daiban_error_t *err)
{
    MDB_val key = { 6, (void *) "schema" }, value;
    int rc = mdb_get (txn, self->dbi [STORE_DB_META], &key, &value);
    if (rc == MDB_NOTFOUND) {
        value.mv_data = (void *) STORE_SCHEMA_VERSION;
        value.mv_size = strlen (STORE_SCHEMA_VERSION);
        return mdb_put (txn, self->dbi [STORE_DB_META], &key, &value, 0);
    }
    if (!rc && (value.mv_size != strlen (STORE_SCHEMA_VERSION)
             || memcmp (value.mv_data, STORE_SCHEMA_VERSION, value.mv_size))) {
        //  The message first: value points into the transaction's pages.
        daiban_error_set (err, DAIBAN_UNAVAILABLE,
                          "store schema version %.*s, this daiban reads version %s",
                          (int) (value.mv_size < 32? value.mv_size: 32), (char *) value.mv_data,
                          STORE_SCHEMA_VERSION);
        return -1;
    }
    return rc;
}

//  Opens the databases, checks the schema version and reads the log's
//  generation, in a first transaction committed durably.
static daiban_code_t
s_open_databases (store_t *self, daiban_error_t *err)
{
    MDB_txn *txn;
    int rc = mdb_txn_begin (self->env, NULL, 0, &txn);
    if (rc)
        return store_lmdb_error (rc, "open store", err);
    for (int db = 0; db < STORE_DB_COUNT && !rc; db++)
        rc = mdb_dbi_open (txn, s_db_names [db], MDB_CREATE, &self->dbi [db]);
    if (!rc)
        rc = s_check_schema (self, txn, err);
    MDB_val value;
    if (!rc && (rc = mdb_get (txn, self->dbi [STORE_DB_META], (MDB_val *) &s_generation_key,
                              &value)) == 0 && value.mv_size == 8)
        self->generation = store_key_to_u64 (value.mv_data);
    if (rc == MDB_NOTFOUND)
        rc = 0;
    if (rc) {
        mdb_txn_abort (txn);
        return rc == -1? err->code: store_lmdb_error (rc, "open store", err);
    }
    if ((rc = mdb_txn_commit (txn)) || (rc = mdb_env_sync (self->env, 1)))
        return store_lmdb_error (rc, "open store", err);
    return DAIBAN_OK;
}

static int
s_read_last_seq (store_t *self)
{
    MDB_cursor *cursor;
    MDB_val key, value;
    int rc = mdb_cursor_open (self->working, self->dbi [STORE_DB_EVENTS], &cursor);
    if (rc)
        return rc;
    rc = mdb_cursor_get (cursor, &key, &value, MDB_LAST);
    self->last_seq = rc == 0 && key.mv_size == 8? store_key_to_u64 (key.mv_data): 0;
    self->pending_seq = self->last_seq;
    mdb_cursor_close (cursor);
    return rc == MDB_NOTFOUND? 0: rc;
}

//  One write of a log record, applied again to the working transaction.
static daiban_code_t
s_replay_write (void *argument, unsigned database, bool put, const void *key, size_t key_size,
                const void *value, size_t value_size, daiban_error_t *err)
{
    store_t *self = (store_t *) argument;
    if (database >= STORE_DB_COUNT || key_size == 0)
        return daiban_error_set (err, DAIBAN_UNAVAILABLE, "write-ahead log: bad entry");
    MDB_val key_val = { key_size, (void *) key }, value_val = { value_size, (void *) value };
    int rc = put? mdb_put (self->working, self->dbi [database], &key_val, &value_val, 0)
                : mdb_del (self->working, self->dbi [database], &key_val, NULL);
    return rc && rc != MDB_NOTFOUND? store_lmdb_error (rc, "replay", err): DAIBAN_OK;
}

//  The working transaction: the last checkpoint and every record of the
//  log since, replayed (after an undone batch, or at open).
static daiban_code_t
s_rebuild (store_t *self, daiban_error_t *err)
{
    int rc = mdb_txn_begin (self->env, NULL, 0, &self->working);
    if (rc) {
        self->working = NULL;
        return store_lmdb_error (rc, "begin write", err);
    }
    size_t records;
    //  Every record this process appended must come back (at open the
    //  tail is 0; after an unsynced checkpoint the records are of the old
    //  generation and none is replayed).
    size_t at_least = self->checkpoint_unsynced? 0: wal_tail (self->wal);
    daiban_code_t code = wal_replay (self->wal, self->generation, at_least, s_replay_write, self,
                                     &records, err);
    if (!code && (rc = s_read_last_seq (self)))
        code = store_lmdb_error (rc, "replay", err);
    if (code) {
        mdb_txn_abort (self->working);
        self->working = NULL;
    }
    return code;
}

//  The working transaction exists, rebuilt if it had to go; a map too
//  small for the replay grows.
static daiban_code_t
s_ensure_working (store_t *self, daiban_error_t *err)
{
    daiban_code_t code = DAIBAN_OK;
    for (int tries = 0; !self->working && tries < STORE_GROW_TRIES; tries++)
        if ((code = s_rebuild (self, err)) != DAIBAN_RETRY
        ||  (code = store_grow (self, err)))
            break;
    if (!self->working && !code)
        code = daiban_error_set (err, DAIBAN_UNAVAILABLE, "replay: storage map keeps filling");
    return code;
}

//  Flushes the last checkpoint; only then may the log start over. Until
//  it succeeds no batch is taken: the log's records stay as they are, so
//  a replay is right whichever meta page survives (the records are of
//  the old generation: replayed on the old checkpoint, skipped on the new).
static int
s_sync_checkpoint (store_t *self)
{
    if (!self->checkpoint_unsynced)
        return 0;
    int rc = mdb_env_sync (self->env, 1);
    if (rc == 0) {
        self->checkpoint_unsynced = false;
        wal_restart (self->wal);
        self->durable = self->committed;
        self->durable_seq = self->last_seq;
        self->checkpoints++;
    }
    return rc;
}

store_t *
store_new (const char *dir, size_t map_size, daiban_error_t *err)
{
    if (store_make_dir (dir, err))
        return NULL;
    store_t *self = (store_t *) calloc (1, sizeof (store_t));
    char path [4200];
    if (!self) {
        daiban_error_set (err, DAIBAN_UNAVAILABLE, "out of memory");
        return NULL;
    }
    self->map_size = map_size;
    snprintf (path, sizeof path, "%s/wal.log", dir);
    //  The log first: its lock keeps a second broker out before LMDB
    //  would make it wait for our write transaction.
    if (!(self->wal = wal_new (path, STORE_LOG_PREALLOCATE, err))) {
        store_destroy (&self);
        return NULL;
    }
    int rc = mdb_env_create (&self->env);
    if (!rc)
        rc = mdb_env_set_maxdbs (self->env, STORE_DB_COUNT + 8);
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
    //  The checkpoint replays the log first (store_checkpoint).
    if (s_open_databases (self, err) || store_checkpoint (self, err)
    ||  s_sync_directory (dir, err))
        store_destroy (&self);
    return self;
}

void
store_destroy (store_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    store_t *self = *self_p;
    store_write_abort (self);
    daiban_error_t err;
    //  A dropped working transaction is rebuilt from the log first.
    if (self->env && self->wal && (wal_tail (self->wal) || self->checkpoint_unsynced)
    &&  store_checkpoint (self, &err))
        log_warning ("closing the store: %s (the log is replayed at the next start)",
                     err.message);
    store_backup_join (self);
    free (self->backup.dir);
    if (self->working)
        mdb_txn_abort (self->working);
    if (self->env)
        mdb_env_close (self->env);
    wal_destroy (&self->wal);
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

uint64_t
store_durable_seq (store_t *self)
{
    return self->durable_seq;
}

size_t
store_map_size (store_t *self)
{
    return self->map_size;
}

uint64_t
store_changes (store_t *self)
{
    return self->changes;
}

size_t
store_log_bytes (store_t *self)
{
    return wal_tail (self->wal);
}

size_t
store_checkpoints (store_t *self)
{
    return self->checkpoints;
}

daiban_code_t
store_write_begin (store_t *self, MDB_txn **txn, daiban_error_t *err)
{
    assert (!self->batch);
    int rc = s_sync_checkpoint (self);
    if (rc)
        return daiban_error_set (err, DAIBAN_UNAVAILABLE, "checkpoint not durable: %s",
                                 mdb_strerror (rc));
    daiban_code_t code = self->working? DAIBAN_OK: s_rebuild (self, err);
    if (code)
        return code;
    wal_batch_clear (self->wal);
    self->batch = true;
    self->spoiled = false;
    self->pending_seq = self->last_seq;
    *txn = self->working;
    return DAIBAN_OK;
}

//  The working transaction holds writes no record has: drop it, so that
//  the next use replays the log without them.
static void
s_drop_working (store_t *self)
{
    if (self->working)
        mdb_txn_abort (self->working);
    self->working = NULL;
    self->pending_seq = self->last_seq;
    self->changes++;
}

daiban_code_t
store_write_commit (store_t *self, daiban_error_t *err)
{
    assert (self->batch);
    self->batch = false;
    if (self->spoiled) {
        s_drop_working (self);
        return daiban_error_set (err, DAIBAN_UNAVAILABLE, "commit: a write of the batch failed");
    }
    if (wal_batch_writes (self->wal) == 0)
        return DAIBAN_OK;
    if (wal_append (self->wal, self->generation, err)) {
        s_drop_working (self);
        return err->code;
    }
    self->last_seq = self->pending_seq;
    self->committed++;
    self->changes++;
    return DAIBAN_OK;
}

uint64_t
store_write_id (store_t *self)
{
    return self->committed + 1;
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
    if (self->durable == self->committed)
        return DAIBAN_OK;
    //  After a failed flush the page cache may have dropped what it could
    //  not write, and the next fdatasync would succeed all the same
    //  (Linux): the records are made durable through LMDB instead, from
    //  the working transaction, which holds them.
    if (self->log_suspect) {
        if (store_checkpoint (self, err))
            return err->code;
        self->log_suspect = false;
        return DAIBAN_OK;
    }
    if (wal_sync (self->wal, err)) {
        self->log_suspect = true;
        return err->code;
    }
    self->durable = self->committed;
    self->durable_seq = self->last_seq;
    return DAIBAN_OK;
}

void
store_write_abort (store_t *self)
{
    if (!self->batch)
        return;
    self->batch = false;
    //  A batch that wrote nothing left the working transaction as it was,
    //  unless a failed read made LMDB refuse it from now on. It counts as
    //  a change all the same: a reader's decoded states may have moved.
    MDB_cursor *probe = NULL;
    if (wal_batch_writes (self->wal) || self->spoiled || !self->working
    ||  mdb_cursor_open (self->working, self->dbi [STORE_DB_META], &probe))
        s_drop_working (self);
    else
        self->changes++;
    if (probe)
        mdb_cursor_close (probe);
}

int
store_put (store_t *self, MDB_txn *txn, store_db_t db, MDB_val *key, MDB_val *value,
           unsigned flags)
{
    int rc = mdb_put (txn, self->dbi [db], key, value, flags);
    if (rc == 0 && !wal_batch_put (self->wal, db, key->mv_data, key->mv_size, value->mv_data,
                                   value->mv_size))
        rc = ENOMEM;
    if (rc && rc != MDB_KEYEXIST)
        self->spoiled = true;
    return rc;
}

int
store_del (store_t *self, MDB_txn *txn, store_db_t db, MDB_val *key)
{
    int rc = mdb_del (txn, self->dbi [db], key, NULL);
    if (rc == 0 && !wal_batch_delete (self->wal, db, key->mv_data, key->mv_size))
        rc = ENOMEM;
    if (rc && rc != MDB_NOTFOUND)
        self->spoiled = true;
    return rc;
}

int
store_cursor_del (store_t *self, MDB_cursor *cursor, store_db_t db, const MDB_val *key)
{
    //  Logged first: key points into the page the delete changes.
    int rc = wal_batch_delete (self->wal, db, key->mv_data, key->mv_size)? 0: ENOMEM;
    if (!rc)
        rc = mdb_cursor_del (cursor, 0);
    if (rc)
        self->spoiled = true;
    return rc;
}

//  A new generation is random, not a count: what is left of the log
//  before a restart holds client bytes (event bodies), and a record forged
//  in them must not pass for one of a later generation.
static int
s_next_generation (uint64_t current, uint64_t *next)
{
    do {
        if (getrandom (next, sizeof *next, 0) != sizeof *next)
            return errno? errno: EIO;
    } while (*next == current);
    return 0;
}

//  Commits the working transaction with a new generation (two flushes:
//  data pages, then the meta page).
static int
s_commit_working (store_t *self)
{
    uint64_t generation;
    int rc = s_next_generation (self->generation, &generation);
    if (rc) {
        s_drop_working (self);
        return rc;
    }
    unsigned char next [8];
    store_u64_to_key (generation, next);
    MDB_val value = { 8, next };
    rc = mdb_put (self->working, self->dbi [STORE_DB_META], (MDB_val *) &s_generation_key,
                  &value, 0);
    if (rc) {
        s_drop_working (self);
        return rc;
    }
    rc = mdb_txn_commit (self->working);
    self->working = NULL;
    if (rc)
        return rc;
    self->generation = generation;
    self->checkpoint_unsynced = true;
    return s_sync_checkpoint (self);
}

daiban_code_t
store_checkpoint (store_t *self, daiban_error_t *err)
{
    assert (!self->batch);
    int rc = s_sync_checkpoint (self);
    if (rc)
        return store_lmdb_error (rc, "checkpoint", err);
    daiban_code_t code = s_ensure_working (self, err);
    rc = code? 0: s_commit_working (self);
    for (int tries = 0; rc == MDB_MAP_FULL && tries < STORE_GROW_TRIES; tries++)
        if (!(code = store_grow (self, err)) && !(code = s_ensure_working (self, err)))
            rc = s_commit_working (self);
    if (!code && rc)
        code = store_lmdb_error (rc, "checkpoint", err);
    daiban_error_t begin_err;
    if (!self->working && s_ensure_working (self, code? &begin_err: err) && !code)
        code = err->code;
    return code;
}

daiban_code_t
store_grow (store_t *self, daiban_error_t *err)
{
    assert (!self->batch);
    //  LMDB resizes only with no transaction open, in any thread: the
    //  log has it all, and a running copy is waited for.
    store_backup_join (self);
    s_drop_working (self);
    size_t size = self->map_size * 2;
    int rc = mdb_env_set_mapsize (self->env, size);
    if (rc)
        return store_lmdb_error (rc, "grow storage map", err);
    self->map_size = size;
    return DAIBAN_OK;
}

daiban_code_t
store_read_begin (store_t *self, MDB_txn **txn, daiban_error_t *err)
{
    assert (!self->batch);
    daiban_code_t code = s_ensure_working (self, err);
    *txn = code? NULL: self->working;
    return code;
}

void
store_read_end (store_t *self, MDB_txn **txn)
{
    (void) self;
    *txn = NULL;
}
