/*  digest: SHA-256 of bytes and of files (libsodium), as lowercase hex.
    The content address of a blob (docs/archive.md) and the checksums of
    a dossier's manifest are both this. */
#ifndef DAIBAN_DIGEST_H
#define DAIBAN_DIGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "daiban_error.h"

#define DIGEST_HEX_SIZE 64          //  hex digits of a SHA-256, without the NUL

//  Writes the hex SHA-256 of data into hex (DIGEST_HEX_SIZE + 1 bytes).
void digest_sha256_hex (const void *data, size_t size, char *hex);

//  The hex SHA-256 and size of a whole file; DAIBAN_NOT_FOUND when it
//  cannot be opened, DAIBAN_UNAVAILABLE on a read error.
daiban_code_t digest_file (const char *path, char *hex, int64_t *size, daiban_error_t *err);

//  True when text is 64 lowercase hex digits.
bool digest_hex_valid (const char *text, size_t size);

#endif
