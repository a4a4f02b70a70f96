/*  blob_store: the attachments' content, stored by SHA-256 in a directory
    of the broker's data that only the broker writes (docs/archive.md).
    An upload is a sequence of chunks appended to a temporary file under
    blobs/tmp/; finishing it checks the declared size and hash, flushes
    the file, renames it to blobs/ab/cdef... and flushes the directory, so
    a blob exists only once it is whole and durable. The same content
    twice is stored once. Temporary files are removed at start: a crash
    mid-upload leaves nothing an event can refer to. Single-threaded: the
    broker's loop calls it. */
#ifndef DAIBAN_BLOB_STORE_H
#define DAIBAN_BLOB_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "daiban_error.h"
#include "digest.h"

#define BLOB_STORE_UPLOADS_MAX 32           //  uploads in progress at once
#define BLOB_STORE_UPLOAD_ID_MAX 64         //  letters, digits, '.', '_', '-'

typedef struct _blob_store_t blob_store_t;

//  Opens (creating it if missing) data_dir/blobs and removes what a
//  previous run left in blobs/tmp. max_bytes: the largest blob; an
//  upload idle for idle_ms is dropped when room is needed or at the next
//  write after that time.
blob_store_t *blob_store_new (const char *data_dir, int64_t max_bytes, int64_t idle_ms,
                              daiban_error_t *err);
void blob_store_destroy (blob_store_t **self_p);

int64_t blob_store_max_bytes (blob_store_t *self);
//  data_dir/blobs.
const char *blob_store_dir (blob_store_t *self);

//  Appends size bytes at offset to the upload named upload: offset 0
//  starts it (again); any other offset must be what it has received so
//  far (bad_request otherwise, naming the expected offset). *received is
//  the upload's size after the write. too_large past max_bytes (the
//  upload is dropped); unavailable when BLOB_STORE_UPLOADS_MAX are busy.
daiban_code_t blob_store_write (blob_store_t *self, const char *upload, int64_t offset,
                                const void *data, size_t size, int64_t now, int64_t *received,
                                daiban_error_t *err);

//  Finishes the upload: its size must be size and its SHA-256 sha256
//  (hex), else bad_request and it is dropped. Returns once the blob is
//  durable; *stored is false when the content was already there.
daiban_code_t blob_store_finish (blob_store_t *self, const char *upload, const char *sha256,
                                 int64_t size, bool *stored, daiban_error_t *err);

//  The size of the blob sha256; not_found when it is not stored.
daiban_code_t blob_store_stat (blob_store_t *self, const char *sha256, int64_t *size,
                               daiban_error_t *err);

//  Reads up to capacity bytes of blob sha256 from offset into buffer;
//  *got is how many (0 at the end), *size the blob's size.
daiban_code_t blob_store_read (blob_store_t *self, const char *sha256, int64_t offset,
                               void *buffer, size_t capacity, size_t *got, int64_t *size,
                               daiban_error_t *err);

//  Puts every blob into dir/blobs (a hard link, since blobs never change;
//  a copy when dir is on another file system), flushed. *count: blobs.
daiban_code_t blob_store_backup (blob_store_t *self, const char *dir, int64_t *count,
                                 daiban_error_t *err);

#endif
