/*  store: the broker's state (DESIGN.md, Storage): one LMDB environment
    and its write-ahead log (wal.h, docs/storage.md). One writer, the
    broker's thread. All writes since the last checkpoint live in one open
    LMDB write transaction, the working transaction; a batch of writes
    (store_write_begin .. store_write_commit) is applied to it and
    appended to the log as one record, and store_sync makes every record
    durable with one fdatasync — the only flush on the path of a reply.
    store_checkpoint commits the working transaction durably and starts
    the log over; at open, the records written since the last checkpoint
    are replayed. Reads see the working transaction (store_read_begin),
    so everything committed to the log, durable or about to be.
    Every write goes through store_put / store_del / store_cursor_del,
    which log it. A batch that fails is undone by dropping the working
    transaction and replaying the log (store_write_abort). When the map is
    full a call returns DAIBAN_RETRY: the caller aborts, calls store_grow,
    and runs the batch again. */
#ifndef DAIBAN_STORE_H
#define DAIBAN_STORE_H

#include <lmdb.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "daiban_error.h"

#define STORE_SCHEMA_VERSION "1"

typedef struct _store_t store_t;

//  The named databases (DESIGN.md, Storage).
typedef enum {
    STORE_DB_EVENTS,        //  seq (u64 BE) → committed event
    STORE_DB_EVENT_IDS,     //  source length, source, id → seq (dedupe)
    STORE_DB_CASES,         //  case id → case state
    STORE_DB_CASE_EVENTS,   //  case id, 0, seq → (empty): a case's timeline
    STORE_DB_ACKS,          //  role, 0, seq → 'd' done or 'x' dead letter (above the watermark)
    STORE_DB_TIMERS,        //  due (u64 BE), timer id → timer
    STORE_DB_TIMER_IDS,     //  timer id → due (u64 BE)
    STORE_DB_META,          //  name → value: schema version, agent loads
    STORE_DB_DEADLETTERS,   //  role, 0, seq → dead letter
    STORE_DB_ROLES,         //  role → {types, watermark}
    STORE_DB_COUNT
} store_db_t;

//  The handle of a named database, for modules that keep their own
//  records in the store (dispatch progress, timers).
MDB_dbi store_dbi (store_t *self, store_db_t db);

//  Opens (creating dir and databases when missing) the environment in dir
//  and its log, replays the log and checkpoints. A data directory another
//  process holds is refused.
store_t *store_new (const char *dir, size_t map_size, daiban_error_t *err);
void store_destroy (store_t **self_p);

//  The highest committed seq (0 for an empty log), and the highest that
//  is durable: what may be shown to workers, who act on it.
uint64_t store_last_seq (store_t *self);
uint64_t store_durable_seq (store_t *self);
size_t store_map_size (store_t *self);

//  A batch of writes: one at a time. Commit appends it to the log; a
//  batch that wrote nothing commits nothing.
daiban_code_t store_write_begin (store_t *self, MDB_txn **txn, daiban_error_t *err);
daiban_code_t store_write_commit (store_t *self, daiban_error_t *err);
//  The id the open batch will have once committed: a tag for what must
//  wait until it is durable.
uint64_t store_write_id (store_t *self);
//  The id of the last committed batch, and of the last one that survives
//  a power loss (every batch with an id up to it does).
uint64_t store_committed (store_t *self);
uint64_t store_durable (store_t *self);
//  Flushes the log: every committed batch becomes durable.
daiban_code_t store_sync (store_t *self, daiban_error_t *err);
void store_write_abort (store_t *self);
//  Doubles the map; call with no batch open.
daiban_code_t store_grow (store_t *self, daiban_error_t *err);

//  Maps an LMDB return code for what: 0 is DAIBAN_OK, a full map asks the
//  caller to grow and retry (DAIBAN_RETRY), anything else makes the store
//  unavailable for this batch.
daiban_code_t store_lmdb_error (int rc, const char *what, daiban_error_t *err);

//  The writes of a batch (LMDB return codes, as mdb_put and mdb_del). A
//  cursor delete names the database and the cursor's current key.
int store_put (store_t *self, MDB_txn *txn, store_db_t db, MDB_val *key, MDB_val *value,
               unsigned flags);
int store_del (store_t *self, MDB_txn *txn, store_db_t db, MDB_val *key);
int store_cursor_del (store_t *self, MDB_cursor *cursor, store_db_t db, const MDB_val *key);

//  Counts every batch committed with writes and every batch undone: a
//  reader that kept decoded state knows it is still right while the
//  count is what it was after its own commit.
uint64_t store_changes (store_t *self);

//  Bytes of log written since the last checkpoint.
size_t store_log_bytes (store_t *self);
size_t store_checkpoints (store_t *self);
//  Commits the working transaction durably (two flushes) and starts the
//  log over; call with no batch open. The broker calls it when the log
//  is long or old (broker/checkpoint_*), and store_destroy once more.
daiban_code_t store_checkpoint (store_t *self, daiban_error_t *err);

//  Hot backup (docs/storage.md): checkpoints, then copies the environment
//  into dir (created; it must not exist) in a thread of its own, compacted,
//  while the broker goes on. The copy holds every event up to *last_seq
//  and is a data directory a broker can start on. One at a time:
//  DAIBAN_CONFLICT while one runs or when dir exists.
typedef enum {
    STORE_BACKUP_NONE, STORE_BACKUP_RUNNING, STORE_BACKUP_DONE, STORE_BACKUP_FAILED
} store_backup_status_t;
daiban_code_t store_backup_start (store_t *self, const char *dir, uint64_t *last_seq,
                                  daiban_error_t *err);
//  The last backup: its status, directory, last seq, and (failed) why;
//  a finished thread is joined here.
store_backup_status_t store_backup_status (store_t *self, const char **dir,
                                           uint64_t *last_seq, daiban_error_t *err);

//  Reads between batches: the working transaction (do not write to it).
daiban_code_t store_read_begin (store_t *self, MDB_txn **txn, daiban_error_t *err);
void store_read_end (store_t *self, MDB_txn **txn);

//  Dedupe: the seq of (source, id) when committed, DAIBAN_NOT_FOUND if not.
daiban_code_t store_event_id_get (store_t *self, MDB_txn *txn, const char *source,
                                  size_t source_size, const char *id, size_t id_size,
                                  uint64_t *seq, daiban_error_t *err);

//  Dedupe in one walk of the tree: claims (source, id) for seq in the
//  open batch, or, when the key is held already (committed, or earlier in
//  the batch), sets *duplicate and *held_seq. A claim is logged only when
//  its event is appended (store_event_append_claimed); an event refused
//  after its claim gives it back with store_event_id_unclaim.
daiban_code_t store_event_id_claim (store_t *self, MDB_txn *txn, const char *source,
                                    size_t source_size, const char *id, size_t id_size,
                                    uint64_t seq, bool *duplicate, uint64_t *held_seq,
                                    daiban_error_t *err);
daiban_code_t store_event_id_unclaim (store_t *self, MDB_txn *txn, const char *source,
                                      size_t source_size, const char *id, size_t id_size,
                                      daiban_error_t *err);
//  Appends the event whose (source, id) is claimed for seq, with its
//  dedupe key and its place in the case's timeline.
daiban_code_t store_event_append_claimed (store_t *self, MDB_txn *txn, uint64_t seq,
                                          const void *data, size_t size, const char *source,
                                          size_t source_size, const char *id, size_t id_size,
                                          const char *case_id, daiban_error_t *err);

//  Appends an event at seq (must be last + 1) with its dedupe key and
//  its place in the case's timeline: claim and append. Not atomic by
//  itself: after an error the caller aborts the whole transaction.
daiban_code_t store_event_append (store_t *self, MDB_txn *txn, uint64_t seq,
                                  const void *data, size_t size, const char *source,
                                  size_t source_size, const char *id, size_t id_size,
                                  const char *case_id, daiban_error_t *err);

daiban_code_t store_event_get (store_t *self, MDB_txn *txn, uint64_t seq, MDB_val *value,
                               daiban_error_t *err);

//  The stored case state; DAIBAN_NOT_FOUND when the case is unknown.
daiban_code_t store_case_get (store_t *self, MDB_txn *txn, const char *case_id,
                              MDB_val *value, daiban_error_t *err);
daiban_code_t store_case_put (store_t *self, MDB_txn *txn, const char *case_id,
                              const void *data, size_t size, daiban_error_t *err);
size_t store_case_count (store_t *self, MDB_txn *txn);

//  Visits committed events with seq >= from in order — all of them, or
//  only one case's when case_id is not NULL — until visit returns false.
typedef bool (store_visit_fn) (uint64_t seq, const MDB_val *event, void *argument);
daiban_code_t store_events_each (store_t *self, MDB_txn *txn, uint64_t from,
                                 const char *case_id, store_visit_fn *visit, void *argument,
                                 daiban_error_t *err);

//  Visits the case states in id order, those with ids after `after` (all
//  when NULL), until visit returns false.
typedef bool (store_case_visit_fn) (const MDB_val *key, const MDB_val *state, void *argument);
daiban_code_t store_cases_each (store_t *self, MDB_txn *txn, const char *after,
                                store_case_visit_fn *visit, void *argument, daiban_error_t *err);

//  A key scoped by a name: name, 0, seq (u64 BE) — a case's timeline, a
//  role's acknowledgements. The 0 keeps "AS-1" and "AS-10" apart and in
//  order. key needs strlen (name) + 9 bytes; returns the key's size.
size_t store_scoped_key (unsigned char *key, const char *name, uint64_t seq);

//  Big-endian u64 keys sort in numeric order under LMDB's memcmp.
void store_u64_to_key (uint64_t value, unsigned char key [8]);
uint64_t store_key_to_u64 (const unsigned char key [8]);

#endif
