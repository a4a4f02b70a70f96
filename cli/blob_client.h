/*  blob_client: a file's content to the broker with blob_put, in chunks
    under the 1 MiB request limit, and a blob back into a file with
    blob_get (docs/archive.md). Both return daibanctl exit codes (cli.h)
    and print their errors. */
#ifndef DAIBAN_BLOB_CLIENT_H
#define DAIBAN_BLOB_CLIENT_H

#include <stdbool.h>
#include <stdint.h>
#include "cli.h"
#include "digest.h"

//  Bytes of content per blob_put: the request stays well under 1 MiB
//  with its map, keys and the msgpack bin header.
#define BLOB_CLIENT_CHUNK (768 * 1024)

//  Uploads the file at path; sha256 (DIGEST_HEX_SIZE + 1) and *size say
//  what was stored, *stored whether it was new to the broker.
int blob_client_put_file (cli_t *cli, const char *path, char *sha256, int64_t *size,
                          bool *stored);

//  Writes blob sha256 into a new file at path and checks its hash.
int blob_client_get_file (cli_t *cli, const char *sha256, const char *path);

#endif
