/*  store: the broker's LMDB environment (DESIGN.md, Storage). One writer
    (the broker's thread): store_write_begin opens the write transaction
    that a whole batch of events shares, store_write_commit writes it.
    Durability is an ordering, as in LMDB itself: a commit flushes its
    data pages (fdatasync), then writes its meta page. The environment
    runs with MDB_NOMETASYNC, so that meta page is flushed by the next
    commit's fdatasync or by store_sync — never skipped: a transaction is
    durable once a later commit or a sync returned (store_durable), and
    the broker answers and publishes only then. Under load each commit
    thus costs one flush instead of two; an idle broker syncs at once.
    When the map is full a call returns DAIBAN_RETRY: the caller aborts,
    calls store_grow, and runs the batch again. Read transactions are
    short: begin, look, end. */
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

//  Opens (creating dir and databases when missing) the environment in dir.
store_t *store_new (const char *dir, size_t map_size, daiban_error_t *err);
void store_destroy (store_t **self_p);

//  The highest committed seq (0 for an empty log).
uint64_t store_last_seq (store_t *self);
size_t store_map_size (store_t *self);

//  The write transaction: one at a time.
daiban_code_t store_write_begin (store_t *self, MDB_txn **txn, daiban_error_t *err);
daiban_code_t store_write_commit (store_t *self, daiban_error_t *err);
//  The id the open write transaction will have once committed: a tag for
//  what must wait until it is durable.
uint64_t store_write_id (store_t *self);
//  The id of the last commit, and of the last one that survives a power
//  loss (every transaction with an id up to it does).
uint64_t store_committed (store_t *self);
uint64_t store_durable (store_t *self);
//  Flushes what is committed but not yet durable (the last meta page).
daiban_code_t store_sync (store_t *self, daiban_error_t *err);
void store_write_abort (store_t *self);
//  Doubles the map; call with no transaction open.
daiban_code_t store_grow (store_t *self, daiban_error_t *err);

daiban_code_t store_read_begin (store_t *self, MDB_txn **txn, daiban_error_t *err);
void store_read_end (store_t *self, MDB_txn **txn);

//  Dedupe: the seq of (source, id) when committed, DAIBAN_NOT_FOUND if not.
daiban_code_t store_event_id_get (store_t *self, MDB_txn *txn, const char *source,
                                  size_t source_size, const char *id, size_t id_size,
                                  uint64_t *seq, daiban_error_t *err);

//  Appends an event at seq (must be last + 1) with its dedupe key and
//  its place in the case's timeline. Not atomic by itself: after an
//  error the caller aborts the whole transaction.
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

//  Visits every case state in id order until visit returns false.
typedef bool (store_case_visit_fn) (const MDB_val *key, const MDB_val *state, void *argument);
daiban_code_t store_cases_each (store_t *self, MDB_txn *txn, store_case_visit_fn *visit,
                                void *argument, daiban_error_t *err);

//  A key scoped by a name: name, 0, seq (u64 BE) — a case's timeline, a
//  role's acknowledgements. The 0 keeps "AS-1" and "AS-10" apart and in
//  order. key needs strlen (name) + 9 bytes; returns the key's size.
size_t store_scoped_key (unsigned char *key, const char *name, uint64_t seq);

//  Big-endian u64 keys sort in numeric order under LMDB's memcmp.
void store_u64_to_key (uint64_t value, unsigned char key [8]);
uint64_t store_key_to_u64 (const unsigned char key [8]);

#endif
