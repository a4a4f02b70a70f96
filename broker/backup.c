/*  backup: the `backup` op and its line in `stats` (see backup.h). */
#include "backup.h"

#include "blob_store.h"
#include "envelope.h"

#include <stdio.h>
#include <string.h>

#define BACKUP_NAME_MAX ENVELOPE_CASE_MAX

//  A name is one path component in the charset of a case id, not
//  starting with '.': it cannot leave the backup directory.
static bool
s_name_valid (const char *name, size_t size)
{
    return envelope_case_id_valid (name, size) && name [0] != '.';
}

void
backup_answer (query_context_t *context, const request_t *request, wire_buffer_t *reply,
               daiban_error_t *err)
{
    const msgpack_object *name = wire_map_get (&request->root, "name");
    char path [4200];
    if (name && name->type != MSGPACK_OBJECT_NIL) {
        if (!wire_is_str (name) || !s_name_valid (name->via.str.ptr, name->via.str.size)) {
            daiban_error_set (err, DAIBAN_BAD_REQUEST, "name: 1 to %d letters, digits, '.', '_' "
                              "or '-', not starting with '.'", BACKUP_NAME_MAX);
            return;
        }
        snprintf (path, sizeof path, "%s/%.*s", context->backup_dir, (int) name->via.str.size,
                  name->via.str.ptr);
    }
    else
        snprintf (path, sizeof path, "%s/backup-%lld-%llu", context->backup_dir,
                  (long long) context->now,
                  (unsigned long long) store_last_seq (context->store));
    uint64_t last_seq;
    int64_t blobs;
    if (store_backup_start (context->store, path, &last_seq, err))
        return;
    //  Blobs are immutable: linking them here, while the thread copies the
    //  store, puts every blob an event up to last_seq names in the copy.
    if (blob_store_backup (context->blobs, path, &blobs, err))
        return;
    request_pack_ok (&reply->packer, request->rid, 4);
    wire_pack_key (&reply->packer, "blobs");
    msgpack_pack_int64 (&reply->packer, blobs);
    wire_pack_key (&reply->packer, "path");
    wire_pack_str (&reply->packer, path);
    wire_pack_key (&reply->packer, "last_seq");
    msgpack_pack_uint64 (&reply->packer, last_seq);
    wire_pack_key (&reply->packer, "status");
    wire_pack_str (&reply->packer, "running");
}

void
backup_pack_stats (store_t *store, msgpack_packer *packer)
{
    static const char *names [] = { "none", "running", "done", "failed" };
    const char *dir;
    uint64_t last_seq;
    daiban_error_t err;
    daiban_error_clear (&err);
    store_backup_status_t status = store_backup_status (store, &dir, &last_seq, &err);
    wire_pack_key (packer, "backup");
    msgpack_pack_map (packer, status == STORE_BACKUP_NONE? 1: status == STORE_BACKUP_FAILED? 4: 3);
    wire_pack_key (packer, "status");
    wire_pack_str (packer, names [status]);
    if (status == STORE_BACKUP_NONE)
        return;
    wire_pack_key (packer, "path");
    wire_pack_str (packer, dir);
    wire_pack_key (packer, "last_seq");
    msgpack_pack_uint64 (packer, last_seq);
    if (status == STORE_BACKUP_FAILED) {
        wire_pack_key (packer, "message");
        wire_pack_str (packer, err.message);
    }
}
