/*  store_internal: the store's representation, shared by store.c
    (environment, working transaction, log, checkpoints) and
    store_records.c (events, cases, keys). Not a public API. */
#ifndef DAIBAN_STORE_INTERNAL_H
#define DAIBAN_STORE_INTERNAL_H

#include <pthread.h>
#include "store.h"
#include "wal.h"

//  A hot copy of the environment, made by a thread (store_backup.c).
typedef struct {
    pthread_t thread;
    bool started;               //  a thread to join
    volatile int finished;      //  set by the thread (__atomic), read by the broker
    store_backup_status_t status;
    char *dir;
    uint64_t last_seq;
    int error;                  //  errno or LMDB code of a failed copy
    char what [64];             //  the step that failed
} store_backup_t;

struct _store_t {
    MDB_env *env;
    MDB_dbi dbi [STORE_DB_COUNT];
    wal_t *wal;
    MDB_txn *working;           //  every write since the checkpoint; NULL: replay the log
    bool batch;                 //  a batch is open on it
    bool spoiled;               //  a write of the batch failed: the working txn must go
    uint64_t generation;        //  of the log records since the checkpoint
    uint64_t last_seq;          //  committed
    uint64_t durable_seq;       //  the last seq that survives a power loss
    uint64_t pending_seq;       //  appended in the open batch
    size_t map_size;
    uint64_t committed;         //  id of the last batch appended to the log
    uint64_t durable;           //  id up to which batches survive power loss
    uint64_t changes;           //  batches committed or undone, ever
    bool log_suspect;           //  a flush of the log failed: trust LMDB's instead
    bool checkpoint_unsynced;   //  committed, its meta page not yet flushed
    size_t checkpoints;
    store_backup_t backup;
};

//  Creates dir and its parents where missing; an error unless it ends up
//  a directory.
daiban_code_t store_make_dir (const char *dir, daiban_error_t *err);
//  Waits for a running copy's thread (before a map resize or the end).
void store_backup_join (store_t *self);

#endif
