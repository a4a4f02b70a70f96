/*  timers: durable timers in the store (DESIGN.md: timers, timer_ids).
    A worker's `done` sets, moves or cancels timers in the same write
    transaction as its acknowledgement; when one comes due the broker
    turns it into a `timer.fired` event and deletes it, again in one
    transaction, so a timer fires once across any crash. The timers
    database is keyed by due time first, so the next due timer is the
    first key: found without a scan, and an idle broker sleeps until it. */
#ifndef DAIBAN_TIMERS_H
#define DAIBAN_TIMERS_H

#include <lmdb.h>
#include <msgpack.h>
#include <stdbool.h>
#include <stdint.h>
#include "daiban_error.h"
#include "store.h"

#define TIMER_ID_MAX 150

//  Checks one timer change of a done: {"set":{id, at, case, kind, data}}
//  or {"cancel":ID}; the error names the field.
daiban_code_t timers_check (const msgpack_object *change, daiban_error_t *err);

//  Applies one checked change inside the write transaction.
daiban_code_t timers_apply (store_t *store, MDB_txn *txn, const msgpack_object *change,
                            daiban_error_t *err);

//  The due time of the earliest timer; false when there is none.
bool timers_next_due (store_t *store, MDB_txn *txn, int64_t *due);

//  One due timer, as read from the store.
typedef struct {
    int64_t at;
    char id [TIMER_ID_MAX + 1];
    void *record;               //  msgpack {id, at, case, kind, data}, malloc'd
    size_t record_size;
} timer_due_t;

//  Reads up to limit timers due at or before now into due[]; returns how
//  many (the caller frees each record).
size_t timers_take_due (store_t *store, MDB_txn *txn, int64_t now, timer_due_t *due,
                        size_t limit);

//  Deletes a timer (after firing it).
daiban_code_t timers_delete (store_t *store, MDB_txn *txn, const timer_due_t *timer,
                             daiban_error_t *err);

size_t timers_pending (store_t *store, MDB_txn *txn);

#endif
