/*  query: the ops of ingress but post (case, cases, history, stats,
    catalog, clock, deadletters, retry, backup, whoami, reload, blob_put,
    blob_get): each packs its whole reply into a buffer. */
#ifndef DAIBAN_QUERY_H
#define DAIBAN_QUERY_H

#include <msgpack.h>
#include <stdbool.h>
#include <stdint.h>
#include "access.h"
#include "pending.h"
#include "request.h"
#include "store.h"
#include "wire.h"

typedef struct _catalog_t catalog_t;
typedef struct _dispatch_t dispatch_t;
typedef struct _blob_store_t blob_store_t;
typedef struct _guard_t guard_t;

typedef struct {
    store_t *store;
    MDB_txn *txn;                   //  one read transaction for the turn
    catalog_t *catalog;
    dispatch_t *dispatch;
    const broker_counters_t *counters;
    size_t history_max_bytes;
    int64_t now;                    //  broker clock, ms
    int64_t started;                //  broker start, ms
    bool test_clock;
    int64_t *test_now;              //  the manual clock, moved by `clock`
    const char *backup_dir;         //  where `backup` makes its copies
    guard_t *guard;                 //  keys and principals
    principal_t principal;          //  who the request in hand acts as
    bool keys_revoked;              //  set by a reload that removed a key
    blob_store_t *blobs;            //  attachments' content (blobs.h)
    bool stream_bound;              //  false while a reload's rebind is retried
} query_context_t;

//  Answers one read request into reply (a full reply map, success or
//  failure).
void query_answer (query_context_t *context, const request_t *request, wire_buffer_t *reply);

#endif
