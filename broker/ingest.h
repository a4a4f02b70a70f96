/*  ingest: group commit of the posts of one turn (PROTOCOL.md, Rules;
    DESIGN.md, Data flow 1–2). All posts are checked and applied in one
    LMDB write transaction and committed with one sync; a post that fails
    its checks fails alone. */
#ifndef DAIBAN_INGEST_H
#define DAIBAN_INGEST_H

#include <stddef.h>
#include <stdint.h>
#include "access.h"
#include "case_cache.h"
#include "catalog.h"
#include "pending.h"
#include "store.h"

//  Applies one event inside the cache's write transaction, in PROTOCOL.md's
//  order: dedupe by (source, id), body, case state; then appends it at
//  seq and keeps the new case state in the cache (case_cache_flush
//  writes it before the commit). On success *seq_out is seq (the
//  event was written, committed holds its bytes) or, when *duplicate,
//  the seq of the first commit. A refusal (invalid_body, not_found,
//  conflict, forbidden) writes nothing; DAIBAN_RETRY and DAIBAN_UNAVAILABLE
//  spoil the whole transaction. principal, when not NULL, is the poster,
//  held to access_check_item at the case-state stage.
daiban_code_t ingest_event (case_cache_t *cache, const envelope_t *event,
                            const principal_t *principal, uint64_t seq,
                            int64_t ts, uint64_t cause, wire_buffer_t *committed,
                            uint64_t *seq_out, bool *duplicate, daiban_error_t *err);

//  Within the cache's write transaction: conflict when event is a
//  case.accepted that gives a case to an agent (not the chief) who already
//  has as many open cases as the catalog's capacity allows. Two intake
//  workers decide from loads that predate each other's acceptance; this
//  check, on the load as committed in order, is what makes capacity hold.
daiban_code_t ingest_check_capacity (case_cache_t *cache, catalog_t *catalog,
                                     const envelope_t *event, daiban_error_t *err);

//  Commits the posts among pending[0..count) with commit time ts. Each
//  post's err, seq, duplicate and event are set. If the storage cannot
//  commit, every post that would have been written gets `unavailable`.
void ingest_commit (case_cache_t *cache, pending_t *pending, size_t count, int64_t ts,
                    broker_counters_t *counters);

#endif
