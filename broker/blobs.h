/*  blobs: the broker's side of attachments (docs/archive.md): the ops
    `blob_put` and `blob_get` over the blob store, the check that an
    `attachment.added` names a blob the broker holds, and the blobs' part
    of a hot backup. */
#ifndef DAIBAN_BLOBS_H
#define DAIBAN_BLOBS_H

#include "blob_store.h"
#include "config.h"
#include "pending.h"
#include "query.h"
#include "store.h"

//  Chunks of blob_get replies, and the most a client should put in one
//  blob_put: well under the 1 MiB request limit with the map around it.
#define BLOBS_CHUNK_MAX (768 * 1024)

//  broker/blob_max_bytes (the largest blob) and broker/upload_idle_ms
//  (an upload idle this long is dropped) of the configuration.
daiban_code_t blobs_read_settings (config_t *config, int64_t *max_bytes, int64_t *idle_ms,
                                   daiban_error_t *err);

//  {"op":"blob_put","upload":U,"offset":N,"data":BIN[,"sha256":H,"size":S]}
void blobs_put (query_context_t *context, const request_t *request, wire_buffer_t *reply,
                daiban_error_t *err);
//  {"op":"blob_get","sha256":H[,"offset":N][,"length":N]}
void blobs_get (query_context_t *context, const request_t *request, wire_buffer_t *reply,
                daiban_error_t *err);

//  Before the turn's posts are applied: each attachment.added whose body
//  has the right shape must name a stored blob of its size (not_found,
//  invalid_body). A post that is a duplicate is left to the dedupe.
void blobs_check_posts (blob_store_t *blobs, store_t *store, pending_t *pending, size_t count);

#endif
