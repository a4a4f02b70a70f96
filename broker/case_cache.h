/*  case_cache: the case states one write transaction touches, decoded
    once and written once, just before the commit. A batch of events for
    one case — a client's pipelined worklogs, the several events of a
    worker's done — would otherwise decode and re-encode the same state
    for each event, which costs more than the rest of the ingest. The
    states stay for the next batch while no other batch changed the store
    (store_changes): a client posting one event at a time to a case does
    not pay a decode per event either. */
#ifndef DAIBAN_CASE_CACHE_H
#define DAIBAN_CASE_CACHE_H

#include <lmdb.h>
#include "case_state.h"
#include "daiban_error.h"
#include "store.h"

typedef struct _case_cache_t case_cache_t;

case_cache_t *case_cache_new (store_t *store);
void case_cache_destroy (case_cache_t **self_p);

//  Starts on a batch: forgets every state unless the store is as this
//  cache's last committed batch left it.
void case_cache_begin (case_cache_t *self, MDB_txn *txn);
//  The batch committed: its states are the store's.
void case_cache_committed (case_cache_t *self);
store_t *case_cache_store (case_cache_t *self);
MDB_txn *case_cache_txn (case_cache_t *self);

//  The state as the transaction sees it, owned by the cache; *state is
//  NULL (and DAIBAN_OK) for a case never registered.
daiban_code_t case_cache_get (case_cache_t *self, const char *case_id, case_state_t **state,
                              daiban_error_t *err);
//  Marks a state changed; a new state (a registration) is taken over.
daiban_code_t case_cache_changed (case_cache_t *self, case_state_t *state, daiban_error_t *err);
//  Writes every changed state into the transaction.
daiban_code_t case_cache_flush (case_cache_t *self, daiban_error_t *err);

#endif
