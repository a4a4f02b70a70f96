/*  backup: the `backup` op (a hot copy of the store into the configured
    backup directory, docs/storage.md) and the last backup's line in
    `stats`. */
#ifndef DAIBAN_BACKUP_H
#define DAIBAN_BACKUP_H

#include "query.h"

//  Starts the copy the request asks for ({"op":"backup","name":opt}) and
//  packs the reply, or sets err.
void backup_answer (query_context_t *context, const request_t *request, wire_buffer_t *reply,
                    daiban_error_t *err);
//  Packs "backup": {status, path, last_seq, message} of the last backup.
void backup_pack_stats (store_t *store, msgpack_packer *packer);

#endif
