/*  wal: the store's write-ahead log (see wal.h). */
#define _GNU_SOURCE                 //  O_DIRECT
#include "wal.h"

#include <errno.h>
#include <fcntl.h>
#include <msgpack.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <isa-l/crc.h>

#define WAL_MAGIC "DBW1"
#define WAL_HEADER 20               //  magic, size, generation, crc
#define WAL_PUT 1
#define WAL_DELETE 2
#define WAL_ZERO_CHUNK (1 << 20)
#define WAL_PAGE 4096u

struct _wal_t {
    int fd;
    int direct;                 //  the same file opened O_DIRECT, or -1
    char *path;
    unsigned char *pages;       //  aligned: the tail's page, then the record
    size_t pages_size;
    size_t pages_at;            //  file offset of pages [0]
    bool pages_loaded;          //  pages [0 .. tail - pages_at] are the file's
    size_t tail;                //  where the next record goes
    size_t allocated;           //  bytes of the file known to exist
    msgpack_sbuffer batch;      //  the payload being built (a byte buffer)
    size_t writes;
    bool failed;                //  the batch lost a write to out-of-memory
};

static void
s_put_u32 (unsigned char *bytes, uint32_t value)
{
    for (int index = 3; index >= 0; index--, value >>= 8)
        bytes [index] = (unsigned char) value;
}

static uint32_t
s_get_u32 (const unsigned char *bytes)
{
    return (uint32_t) bytes [0] << 24 | (uint32_t) bytes [1] << 16
         | (uint32_t) bytes [2] << 8 | bytes [3];
}

static void
s_put_u64 (unsigned char *bytes, uint64_t value)
{
    s_put_u32 (bytes, (uint32_t) (value >> 32));
    s_put_u32 (bytes + 4, (uint32_t) value);
}

static uint64_t
s_get_u64 (const unsigned char *bytes)
{
    return (uint64_t) s_get_u32 (bytes) << 32 | s_get_u32 (bytes + 4);
}

//  Zeroes [from, to) so that later records overwrite allocated blocks:
//  a flush then carries data only, not the file's new size (measured:
//  half the cost of an appending fdatasync). Where the disk or a limit
//  refuses, the file stays as it was and records are appended instead.
static void
s_preallocate (wal_t *self, size_t to)
{
    static const unsigned char zeros [WAL_ZERO_CHUNK];
    size_t at = self->allocated;
    while (at < to) {
        size_t size = to - at < sizeof zeros? to - at: sizeof zeros;
        ssize_t written = pwrite (self->fd, zeros, size, (off_t) at);
        if (written <= 0)
            break;
        at += (size_t) written;
    }
    if (at < to || fsync (self->fd)) {
        if (ftruncate (self->fd, (off_t) self->allocated)) {
            //  Nothing to undo but the size: the zeros past it are harmless.
        }
        return;
    }
    self->allocated = at;
}

wal_t *
wal_new (const char *path, size_t prealloc, daiban_error_t *err)
{
    wal_t *self = (wal_t *) calloc (1, sizeof (wal_t));
    if (!self || !(self->path = strdup (path))) {
        free (self);
        daiban_error_set (err, DAIBAN_UNAVAILABLE, "out of memory");
        return NULL;
    }
    self->direct = -1;
    msgpack_sbuffer_init (&self->batch);
    self->fd = open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (self->fd == -1) {
        daiban_error_set (err, DAIBAN_UNAVAILABLE, "write-ahead log %s: %s", path, strerror (errno));
        wal_destroy (&self);
        return NULL;
    }
    if (flock (self->fd, LOCK_EX | LOCK_NB)) {
        daiban_error_set (err, DAIBAN_UNAVAILABLE, errno == EWOULDBLOCK
                          ? "data directory in use: another daiban-broker holds %s"
                          : "write-ahead log %s: cannot lock", path);
        wal_destroy (&self);
        return NULL;
    }
    struct stat info;
    if (fstat (self->fd, &info)) {
        daiban_error_set (err, DAIBAN_UNAVAILABLE, "write-ahead log %s: %s", path, strerror (errno));
        wal_destroy (&self);
        return NULL;
    }
    self->allocated = (size_t) info.st_size;
    if (self->allocated < prealloc)
        s_preallocate (self, prealloc);
    //  Records go out as whole pages, straight to the disk (less CPU per
    //  flush, no read of a half-written page); where the file system has
    //  no O_DIRECT (tmpfs), through the page cache.
    self->direct = open (path, O_WRONLY | O_DIRECT | O_CLOEXEC);
    return self;
}

void
wal_destroy (wal_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    wal_t *self = *self_p;
    if (self->direct != -1)
        close (self->direct);
    if (self->fd != -1)
        close (self->fd);
    free (self->pages);
    msgpack_sbuffer_destroy (&self->batch);
    free (self->path);
    free (self);
    *self_p = NULL;
}

void
wal_batch_clear (wal_t *self)
{
    self->batch.size = 0;
    self->writes = 0;
    self->failed = false;
}

static bool
s_batch_bytes (wal_t *self, const void *data, size_t size)
{
    if (!self->failed && size && msgpack_sbuffer_write (&self->batch, (const char *) data, size))
        self->failed = true;
    return !self->failed;
}

static bool
s_batch_entry (wal_t *self, unsigned database, int kind, const void *key, size_t key_size)
{
    unsigned char head [6] = { (unsigned char) database, (unsigned char) kind };
    s_put_u32 (head + 2, (uint32_t) key_size);
    self->writes++;
    return s_batch_bytes (self, head, sizeof head) && s_batch_bytes (self, key, key_size);
}

bool
wal_batch_put (wal_t *self, unsigned database, const void *key, size_t key_size,
               const void *value, size_t value_size)
{
    unsigned char size [4];
    s_put_u32 (size, (uint32_t) value_size);
    return s_batch_entry (self, database, WAL_PUT, key, key_size)
        && s_batch_bytes (self, size, sizeof size) && s_batch_bytes (self, value, value_size);
}

bool
wal_batch_delete (wal_t *self, unsigned database, const void *key, size_t key_size)
{
    return s_batch_entry (self, database, WAL_DELETE, key, key_size);
}

size_t
wal_batch_writes (wal_t *self)
{
    return self->writes;
}

//  zlib's CRC-32 (the log's format since DBW1), computed by ISA-L with
//  the CPU's carry-less multiply: per event it was zlib's table code.
static uint32_t
s_checksum (const unsigned char *header, const unsigned char *payload, size_t size)
{
    //  Over size and generation (header bytes 4..15), then the payload.
    uint32_t crc = crc32_gzip_refl (0, header + 4, 12);
    return crc32_gzip_refl (crc, payload, size);
}

static daiban_code_t
s_write_all (wal_t *self, int fd, const void *data, size_t size, size_t at,
             daiban_error_t *err)
{
    const unsigned char *bytes = (const unsigned char *) data;
    while (size) {
        ssize_t written = pwrite (fd, bytes, size, (off_t) at);
        if (written < 0 && errno == EINTR)
            continue;
        if (written <= 0)
            return daiban_error_set (err, DAIBAN_UNAVAILABLE, "write-ahead log %s: %s",
                                     self->path, written < 0? strerror (errno): "no room");
        bytes += written;
        size -= (size_t) written;
        at += (size_t) written;
    }
    return DAIBAN_OK;
}

static daiban_code_t
s_append_buffered (wal_t *self, const unsigned char *header, daiban_error_t *err)
{
    if (s_write_all (self, self->fd, header, WAL_HEADER, self->tail, err)
    ||  s_write_all (self, self->fd, self->batch.data, self->batch.size, self->tail + WAL_HEADER,
                     err))
        return err->code;
    return DAIBAN_OK;
}

//  Room for the tail's page and the record in the aligned buffer.
static bool
s_reserve_pages (wal_t *self, size_t size)
{
    if (size <= self->pages_size)
        return true;
    void *pages;
    if (posix_memalign (&pages, WAL_PAGE, size))
        return false;
    if (self->pages_loaded)
        memcpy (pages, self->pages, self->tail - self->pages_at);
    free (self->pages);
    self->pages = (unsigned char *) pages;
    self->pages_size = size;
    return true;
}

//  Writes from the start of the tail's page to the end of the record's,
//  zero-padded: the bytes before the tail are written again as they are.
static daiban_code_t
s_append_direct (wal_t *self, const unsigned char *header, daiban_error_t *err)
{
    size_t start = self->tail & ~(size_t) (WAL_PAGE - 1), before = self->tail - start;
    size_t used = before + WAL_HEADER + self->batch.size;
    size_t padded = (used + WAL_PAGE - 1) & ~(size_t) (WAL_PAGE - 1);
    if (!s_reserve_pages (self, padded))
        return daiban_error_set (err, DAIBAN_UNAVAILABLE, "write-ahead log: out of memory");
    if ((!self->pages_loaded || self->pages_at != start) && before
    &&  pread (self->fd, self->pages, before, (off_t) start) != (ssize_t) before)
        return daiban_error_set (err, DAIBAN_UNAVAILABLE, "write-ahead log %s: cannot read its "
                                 "last page", self->path);
    memcpy (self->pages + before, header, WAL_HEADER);
    memcpy (self->pages + before + WAL_HEADER, self->batch.data, self->batch.size);
    memset (self->pages + used, 0, padded - used);
    self->pages_loaded = false;
    if (s_write_all (self, self->direct, self->pages, padded, start, err))
        return err->code;
    //  The record's last page stays in front for the next record.
    size_t last = (start + used) & ~(size_t) (WAL_PAGE - 1);
    memmove (self->pages, self->pages + (last - start), start + used - last);
    self->pages_at = last;
    self->pages_loaded = true;
    return DAIBAN_OK;
}

daiban_code_t
wal_append (wal_t *self, uint64_t generation, daiban_error_t *err)
{
    if (self->failed)
        return daiban_error_set (err, DAIBAN_UNAVAILABLE, "write-ahead log: out of memory");
    if (self->batch.size > UINT32_MAX)
        return daiban_error_set (err, DAIBAN_UNAVAILABLE, "write-ahead log: batch of %zu bytes "
                                 "over the 4 GiB record limit", self->batch.size);
    unsigned char header [WAL_HEADER];
    memcpy (header, WAL_MAGIC, 4);
    s_put_u32 (header + 4, (uint32_t) self->batch.size);
    s_put_u64 (header + 8, generation);
    s_put_u32 (header + 16, s_checksum (header, (unsigned char *) self->batch.data,
                                        self->batch.size));
    size_t end = self->tail + WAL_HEADER + self->batch.size;
    if (end > self->allocated)
        s_preallocate (self, end + (end >> 2));
    daiban_code_t code = self->direct == -1
        ? s_append_buffered (self, header, err): s_append_direct (self, header, err);
    if (code && self->direct != -1 && errno == EINVAL) {
        //  The file system took the O_DIRECT open but not the writes.
        close (self->direct);
        self->direct = -1;
        code = s_append_buffered (self, header, err);
    }
    if (code)
        return code;
    self->tail = end;
    if (end > self->allocated)
        self->allocated = end;
    return DAIBAN_OK;
}

daiban_code_t
wal_sync (wal_t *self, daiban_error_t *err)
{
    if (fdatasync (self->fd))
        return daiban_error_set (err, DAIBAN_UNAVAILABLE, "write-ahead log %s: sync: %s",
                                 self->path, strerror (errno));
    return DAIBAN_OK;
}

size_t
wal_tail (wal_t *self)
{
    return self->tail;
}

void
wal_restart (wal_t *self)
{
    self->tail = 0;
    self->pages_loaded = false;
}

//  Walks one record's payload; false when it does not parse (a record
//  that passed its checksum but not this was written by another program).
static daiban_code_t
s_replay_payload (const unsigned char *payload, size_t size, wal_write_fn *write,
                  void *argument, daiban_error_t *err)
{
    size_t at = 0;
    while (at < size) {
        if (size - at < 6)
            return daiban_error_set (err, DAIBAN_UNAVAILABLE, "write-ahead log: bad entry");
        unsigned database = payload [at];
        bool put = payload [at + 1] == WAL_PUT;
        size_t key_size = s_get_u32 (payload + at + 2), value_size = 0;
        const unsigned char *key = payload + at + 6, *value = NULL;
        at += 6;
        if (key_size > size - at || (!put && payload [at - 5] != WAL_DELETE))
            return daiban_error_set (err, DAIBAN_UNAVAILABLE, "write-ahead log: bad entry");
        at += key_size;
        if (put) {
            if (size - at < 4 || (value_size = s_get_u32 (payload + at)) > size - at - 4)
                return daiban_error_set (err, DAIBAN_UNAVAILABLE, "write-ahead log: bad entry");
            value = payload + at + 4;
            at += 4 + value_size;
        }
        daiban_code_t code = write (argument, database, put, key, key_size, value, value_size, err);
        if (code)
            return code;
    }
    return DAIBAN_OK;
}

//  Reads the record at offset: 1 with the payload (to free) and its
//  generation, 0 at the end of the valid records.
static int
s_read_record (wal_t *self, size_t offset, size_t file_size, unsigned char **payload,
               size_t *size, uint64_t *generation)
{
    unsigned char header [WAL_HEADER];
    if (file_size - offset < WAL_HEADER)
        return 0;
    //  A read that fails is not the end of the log: -1, never 0, or the
    //  records after it would be taken for free space and overwritten.
    if (pread (self->fd, header, WAL_HEADER, (off_t) offset) != WAL_HEADER)
        return -1;
    if (memcmp (header, WAL_MAGIC, 4))
        return 0;
    *size = s_get_u32 (header + 4);
    *generation = s_get_u64 (header + 8);
    if (*size > file_size - offset - WAL_HEADER)
        return 0;
    *payload = (unsigned char *) malloc (*size? *size: 1);
    if (!*payload)
        return -1;
    if (pread (self->fd, *payload, *size, (off_t) (offset + WAL_HEADER)) != (ssize_t) *size) {
        free (*payload);
        return -1;
    }
    if (s_checksum (header, *payload, *size) != s_get_u32 (header + 16)) {
        free (*payload);
        return 0;
    }
    return 1;
}

daiban_code_t
wal_replay (wal_t *self, uint64_t generation, size_t at_least, wal_write_fn *write,
            void *argument, size_t *records, daiban_error_t *err)
{
    struct stat info;
    if (fstat (self->fd, &info))
        return daiban_error_set (err, DAIBAN_UNAVAILABLE, "write-ahead log %s: %s", self->path,
                                 strerror (errno));
    size_t file_size = (size_t) info.st_size, offset = 0;
    *records = 0;
    while (true) {
        unsigned char *payload;
        size_t size;
        uint64_t record_generation;
        errno = 0;
        int found = s_read_record (self, offset, file_size, &payload, &size, &record_generation);
        if (found < 0)
            return daiban_error_set (err, DAIBAN_UNAVAILABLE, "write-ahead log %s: cannot read "
                                     "the record at %zu: %s", self->path, offset,
                                     errno? strerror (errno): "out of memory");
        if (found == 0)
            break;
        if (record_generation != generation) {
            free (payload);
            break;
        }
        daiban_code_t code = s_replay_payload (payload, size, write, argument, err);
        (*records)++;
        free (payload);
        if (code)
            return code;
        offset += WAL_HEADER + size;
    }
    if (offset < at_least)
        return daiban_error_set (err, DAIBAN_UNAVAILABLE, "write-ahead log %s: the records end "
                                 "at %zu, %zu were written", self->path, offset, at_least);
    self->tail = offset;
    self->pages_loaded = false;
    return DAIBAN_OK;
}
