/*  blobs: attachment ops and checks (see blobs.h). Each blob_put chunk is
    written in the loop (at most one request frame, 1 MiB: a write into
    the page cache); the final chunk adds an fsync of the file and its
    directory, which the turn's other clients wait for (docs/archive.md). */
#include "blobs.h"

#include <stdlib.h>
#include <string.h>
#include "digest.h"
#include "event_type.h"

daiban_code_t
blobs_read_settings (config_t *config, int64_t *max_bytes, int64_t *idle_ms, daiban_error_t *err)
{
    if (config_get_int (config, "broker/blob_max_bytes", max_bytes, err)
    ||  config_get_int (config, "broker/upload_idle_ms", idle_ms, err))
        return err->code;
    if (*max_bytes < 1 || *idle_ms < 1)
        return daiban_error_set (err, DAIBAN_BAD_REQUEST,
                                 "config broker: blob_max_bytes and upload_idle_ms > 0");
    return DAIBAN_OK;
}

//  A string that fits buffer and holds no NUL (which would cut it short).
static bool
s_text (const msgpack_object *object, char *buffer, size_t size)
{
    return object && wire_is_str (object) && wire_str_copy (object, buffer, size)
        && strlen (buffer) == object->via.str.size;
}

static void
s_pack_finished (const request_t *request, wire_buffer_t *reply, const char *sha256,
                 int64_t size, bool stored)
{
    request_pack_ok (&reply->packer, request->rid, 3);
    wire_pack_key (&reply->packer, "sha256");
    wire_pack_str (&reply->packer, sha256);
    wire_pack_key (&reply->packer, "size");
    msgpack_pack_int64 (&reply->packer, size);
    wire_pack_key (&reply->packer, "stored");
    if (stored)
        msgpack_pack_true (&reply->packer);
    else
        msgpack_pack_false (&reply->packer);
}

void
blobs_put (query_context_t *context, const request_t *request, wire_buffer_t *reply,
           daiban_error_t *err)
{
    char upload [BLOB_STORE_UPLOAD_ID_MAX + 1], sha256 [DIGEST_HEX_SIZE + 1];
    const msgpack_object *data = wire_map_get (&request->root, "data");
    const msgpack_object *hash = wire_map_get (&request->root, "sha256");
    int64_t offset, size = 0, received;
    if (!s_text (wire_map_get (&request->root, "upload"), upload, sizeof upload)) {
        daiban_error_set (err, DAIBAN_BAD_REQUEST, "upload: a string of 1 to %d letters, "
                          "digits, '.', '_' or '-'", BLOB_STORE_UPLOAD_ID_MAX);
        return;
    }
    if (!wire_get_int (wire_map_get (&request->root, "offset"), &offset) || offset < 0) {
        daiban_error_set (err, DAIBAN_BAD_REQUEST, "offset: a non-negative integer");
        return;
    }
    if (!data || data->type != MSGPACK_OBJECT_BIN) {
        daiban_error_set (err, DAIBAN_BAD_REQUEST, "data: required, msgpack bin");
        return;
    }
    if (hash && (!s_text (hash, sha256, sizeof sha256)
              || !wire_get_int (wire_map_get (&request->root, "size"), &size))) {
        daiban_error_set (err, DAIBAN_BAD_REQUEST, "the last chunk carries sha256 (64 hex "
                          "digits) and size (integer)");
        return;
    }
    if (blob_store_write (context->blobs, upload, offset, data->via.bin.ptr, data->via.bin.size,
                          context->now, &received, err))
        return;
    if (!hash) {
        request_pack_ok (&reply->packer, request->rid, 2);
        wire_pack_key (&reply->packer, "upload");
        wire_pack_str (&reply->packer, upload);
        wire_pack_key (&reply->packer, "received");
        msgpack_pack_int64 (&reply->packer, received);
        return;
    }
    bool stored;
    if (blob_store_finish (context->blobs, upload, sha256, size, &stored, err))
        return;
    s_pack_finished (request, reply, sha256, size, stored);
}

void
blobs_get (query_context_t *context, const request_t *request, wire_buffer_t *reply,
           daiban_error_t *err)
{
    char sha256 [DIGEST_HEX_SIZE + 1];
    int64_t offset = 0, length = BLOBS_CHUNK_MAX, size;
    const msgpack_object *offset_field = wire_map_get (&request->root, "offset");
    const msgpack_object *length_field = wire_map_get (&request->root, "length");
    if (!s_text (wire_map_get (&request->root, "sha256"), sha256, sizeof sha256)) {
        daiban_error_set (err, DAIBAN_BAD_REQUEST, "sha256: required, 64 lowercase hex digits");
        return;
    }
    if ((offset_field && (!wire_get_int (offset_field, &offset) || offset < 0))
    ||  (length_field && (!wire_get_int (length_field, &length) || length < 0))) {
        daiban_error_set (err, DAIBAN_BAD_REQUEST, "offset and length: non-negative integers");
        return;
    }
    if (length > BLOBS_CHUNK_MAX)
        length = BLOBS_CHUNK_MAX;
    char *buffer = (char *) malloc (length? (size_t) length: 1);
    size_t got = 0;
    if (!buffer) {
        daiban_error_set (err, DAIBAN_UNAVAILABLE, "out of memory");
        return;
    }
    if (blob_store_read (context->blobs, sha256, offset, buffer, (size_t) length, &got, &size,
                         err) == DAIBAN_OK) {
        request_pack_ok (&reply->packer, request->rid, 4);
        wire_pack_key (&reply->packer, "sha256");
        wire_pack_str (&reply->packer, sha256);
        wire_pack_key (&reply->packer, "offset");
        msgpack_pack_int64 (&reply->packer, offset);
        wire_pack_key (&reply->packer, "size");
        msgpack_pack_int64 (&reply->packer, size);
        wire_pack_key (&reply->packer, "data");
        msgpack_pack_bin (&reply->packer, got);
        msgpack_pack_bin_body (&reply->packer, buffer, got);
    }
    free (buffer);
}

//  The check of one attachment.added with a body of the right shape.
static daiban_code_t
s_check_attachment (blob_store_t *blobs, const msgpack_object *body, daiban_error_t *err)
{
    const msgpack_object *hash = wire_map_get (body, "sha256");
    int64_t declared, size;
    wire_get_int (wire_map_get (body, "size"), &declared);
    if (!digest_hex_valid (hash->via.str.ptr, hash->via.str.size))
        return daiban_error_set (err, DAIBAN_INVALID_BODY, "sha256: 64 lowercase hex digits");
    char sha256 [DIGEST_HEX_SIZE + 1];
    wire_str_copy (hash, sha256, sizeof sha256);
    if (blob_store_stat (blobs, sha256, &size, err))
        return err->code;
    if (size != declared)
        return daiban_error_set (err, DAIBAN_INVALID_BODY, "size: %lld, but blob %s has %lld "
                                 "bytes", (long long) declared, sha256, (long long) size);
    return DAIBAN_OK;
}

static bool
s_is_duplicate (store_t *store, const envelope_t *event)
{
    MDB_txn *txn;
    daiban_error_t err;
    uint64_t seq;
    if (store_read_begin (store, &txn, &err))
        return false;
    bool duplicate = store_event_id_get (store, txn, event->source, event->source_size,
                                         event->id, event->id_size, &seq, &err) == DAIBAN_OK;
    store_read_end (store, &txn);
    return duplicate;
}

void
blobs_check_posts (blob_store_t *blobs, store_t *store, pending_t *pending, size_t count)
{
    for (size_t index = 0; index < count; index++) {
        pending_t *post = &pending [index];
        const envelope_t *event = &post->request.event;
        daiban_error_t err;
        if (post->err.code || post->request.op != REQUEST_POST
        ||  strcmp (event->type->name, "attachment.added") != 0
        ||  event_type_check_body (event->type, event->body, &err))
            continue;       //  a bad body is answered by ingest, in the contract's order
        if (s_check_attachment (blobs, event->body, &err) && !s_is_duplicate (store, event))
            post->err = err;
    }
}
