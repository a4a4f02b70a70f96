/*  wal: the store's write-ahead log (docs/storage.md). A batch of
    writes (puts and deletes of the store's databases) becomes one record
    appended to a preallocated file; one fdatasync makes every record
    before it durable. The store applies the same writes to its open LMDB
    transaction and commits that only at checkpoints; after a crash it
    replays the records of the current generation.

    A record: magic "DBW1", payload size (u32), generation (u64), crc32
    of size, generation and payload (u32), then the payload: one entry per
    write — database (u8), kind (u8: put 1, delete 2), key size (u32),
    key, and for a put value size (u32) and value. Integers big-endian.
    Replay stops at the first record that is short, has no magic, a wrong
    checksum or another generation: nothing after a torn write is read,
    nor what is left of the records written before the last restart. */
#ifndef DAIBAN_WAL_H
#define DAIBAN_WAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "daiban_error.h"

typedef struct _wal_t wal_t;

//  Opens (creating when missing) the log at path and takes an exclusive
//  lock on it: a second process on the same file is refused, not hung.
//  The file is preallocated to prealloc bytes where the disk allows.
wal_t *wal_new (const char *path, size_t prealloc, daiban_error_t *err);
void wal_destroy (wal_t **self_p);

//  The batch being built: writes are added, then appended as one record.
void wal_batch_clear (wal_t *self);
bool wal_batch_put (wal_t *self, unsigned database, const void *key, size_t key_size,
                    const void *value, size_t value_size);
bool wal_batch_delete (wal_t *self, unsigned database, const void *key, size_t key_size);
size_t wal_batch_writes (wal_t *self);

//  Writes the batch as one record after the last one (not yet durable).
//  On failure the tail stays where it was and the batch is kept.
daiban_code_t wal_append (wal_t *self, uint64_t generation, daiban_error_t *err);
//  Makes every appended record durable.
daiban_code_t wal_sync (wal_t *self, daiban_error_t *err);
//  Bytes of records since the start (or the last wal_restart).
size_t wal_tail (wal_t *self);
//  The next record goes to the start of the file again: call only once
//  everything before is durable elsewhere (an LMDB checkpoint).
void wal_restart (wal_t *self);

//  Calls write for each write of each record, in order, from the start
//  of the file, until the first record that is invalid or of another
//  generation (left from before the last restart); the tail is left
//  after the last one read. A read error, or records that end before
//  at_least (what this process knows it wrote), is an error and leaves
//  the tail where it was.
//  write returns 0, or an error code that stops the replay.
typedef daiban_code_t (wal_write_fn) (void *argument, unsigned database, bool put,
                                      const void *key, size_t key_size, const void *value,
                                      size_t value_size, daiban_error_t *err);
daiban_code_t wal_replay (wal_t *self, uint64_t generation, size_t at_least,
                          wal_write_fn *write, void *argument, size_t *records,
                          daiban_error_t *err);

#endif
