/*  ingest: group commit of the posts of one turn (PROTOCOL.md, Rules;
    DESIGN.md, Data flow 1–2). All posts are checked and applied in one
    LMDB write transaction and committed with one sync; a post that fails
    its checks fails alone. */
#ifndef DAIBAN_INGEST_H
#define DAIBAN_INGEST_H

#include <stddef.h>
#include <stdint.h>
#include "pending.h"
#include "store.h"

//  Commits the posts among pending[0..count) with commit time ts. Each
//  post's err, seq, duplicate and event are set. If the storage cannot
//  commit, every post that would have been written gets `unavailable`.
void ingest_commit (store_t *store, pending_t *pending, size_t count, int64_t ts,
                    broker_counters_t *counters);

#endif
