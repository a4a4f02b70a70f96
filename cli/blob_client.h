/*  blob_client: content to the broker with blob_put, in chunks under the
    1 MiB request limit, and back with blob_get (docs/archive.md), over
    any ingress connection: daibanctl's, or a gateway thread's DEALER
    acting for a token's holder (`as`). An upload takes its content in
    pieces of any size and holds at most one chunk, hashing as it goes,
    so a stream (an HTTP body) never has to be kept whole. */
#ifndef DAIBAN_BLOB_CLIENT_H
#define DAIBAN_BLOB_CLIENT_H

#include <stdbool.h>
#include <stdint.h>
#include "cli.h"
#include "client.h"
#include "digest.h"

//  Bytes of content per blob_put: the request stays well under 1 MiB
//  with its map, keys and the msgpack bin header.
#define BLOB_CLIENT_CHUNK (768 * 1024)

//  Where blob requests go, and for whom: as_name NULL sends no `as`.
typedef struct {
    client_t *client;
    const char *as_name;
    const char *as_role;
    bool refused;               //  the last failure was the broker's answer
} blob_link_t;

typedef struct _blob_upload_t blob_upload_t;

//  A new upload over link (which must outlive it); prefix starts its id.
blob_upload_t *blob_upload_new (blob_link_t *link, const char *prefix);
void blob_upload_destroy (blob_upload_t **self_p);

//  Adds content; a full chunk goes to the broker once more follows.
//  Errors: the broker's refusal (its code and message), or the link's.
daiban_code_t blob_upload_write (blob_upload_t *self, const void *data, size_t size,
                                 daiban_error_t *err);

//  Bytes given so far.
int64_t blob_upload_size (blob_upload_t *self);

//  Sends the last chunk with the hash and size; sha256 (DIGEST_HEX_SIZE
//  + 1) says what was stored, *stored whether it was new to the broker.
daiban_code_t blob_upload_finish (blob_upload_t *self, char *sha256, bool *stored,
                                  daiban_error_t *err);

//  One blob_get: up to capacity bytes of blob sha256 from offset into
//  buffer (*got of them); *total is the blob's size.
daiban_code_t blob_client_read (blob_link_t *link, const char *sha256, int64_t offset,
                                char *buffer, size_t capacity, size_t *got, int64_t *total,
                                daiban_error_t *err);

//  Writes blob sha256 into a new file at path, its hash checked.
daiban_code_t blob_client_save (blob_link_t *link, const char *sha256, const char *path,
                                daiban_error_t *err);

//  The media type a file name suggests (its extension); bytes otherwise.
const char *blob_client_media_type (const char *name);

//  daibanctl's link: its connection and the principal of cli_act_as;
//  an exit code (cli.h), the error printed.
int blob_client_link (cli_t *cli, blob_link_t *link);

//  Prints a failure of the broker ("daibanctl: code: message") or of the
//  link and returns its exit code.
int blob_client_fail (const daiban_error_t *err);

//  daibanctl's: the file at path to the broker, and blob sha256 into a
//  new file at path (its hash checked). Exit codes (cli.h), errors printed.
int blob_client_put_file (cli_t *cli, const char *path, char *sha256, int64_t *size,
                          bool *stored);
int blob_client_get_file (cli_t *cli, const char *sha256, const char *path);

#endif
