/*  blob_store: content-addressed files under the broker's data (see
    blob_store.h). Each upload keeps its file open and a running SHA-256,
    so finishing one costs one fsync, not a second read of the file. */
#include "blob_store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "envelope.h"
#include "disk.h"

#define BLOB_PATH_MAX 4300

typedef struct {
    char id [BLOB_STORE_UPLOAD_ID_MAX + 1];     //  empty: the slot is free
    int fd;
    int64_t received;
    int64_t touched;
    crypto_hash_sha256_state hash;
} s_upload_t;

struct _blob_store_t {
    char *dir;                  //  data_dir/blobs
    int64_t max_bytes;
    int64_t idle_ms;
    s_upload_t uploads [BLOB_STORE_UPLOADS_MAX];
};

static daiban_code_t
s_errno (daiban_error_t *err, const char *what, const char *path)
{
    int code = errno;
    return daiban_error_set (err, code == ENOSPC || code == EDQUOT? DAIBAN_UNAVAILABLE
                                                                  : DAIBAN_INTERNAL,
                             "blob store: %s %s: %s", what, path, strerror (code));
}


static daiban_code_t
s_make_dir (const char *path, daiban_error_t *err)
{
    if (mkdir (path, 0700) == 0 || errno == EEXIST)
        return DAIBAN_OK;
    return s_errno (err, "cannot create", path);
}

static void
s_tmp_path (blob_store_t *self, const char *upload, char *path)
{
    snprintf (path, BLOB_PATH_MAX, "%s/tmp/%s", self->dir, upload);
}

//  blobs/ab/cdef...: 256 directories keep each one short.
static void
s_blob_path (const char *dir, const char *sha256, char *path, char *parent)
{
    snprintf (parent, BLOB_PATH_MAX, "%s/%.2s", dir, sha256);
    snprintf (path, BLOB_PATH_MAX, "%s/%.2s/%s", dir, sha256, sha256 + 2);
}

static void
s_drop (blob_store_t *self, s_upload_t *upload)
{
    char path [BLOB_PATH_MAX];
    s_tmp_path (self, upload->id, path);
    close (upload->fd);
    unlink (path);
    upload->id [0] = 0;
}

static daiban_code_t
s_clean_tmp (blob_store_t *self, daiban_error_t *err)
{
    char path [BLOB_PATH_MAX];
    snprintf (path, sizeof path, "%s/tmp", self->dir);
    if (s_make_dir (path, err))
        return err->code;
    DIR *dir = opendir (path);
    if (!dir)
        return s_errno (err, "cannot read", path);
    struct dirent *entry;
    while ((entry = readdir (dir)))
        if (entry->d_name [0] != '.') {
            char file [BLOB_PATH_MAX + 260];
            snprintf (file, sizeof file, "%s/%s", path, entry->d_name);
            unlink (file);
        }
    closedir (dir);
    return DAIBAN_OK;
}

blob_store_t *
blob_store_new (const char *data_dir, int64_t max_bytes, int64_t idle_ms, daiban_error_t *err)
{
    if (sodium_init () < 0) {
        daiban_error_set (err, DAIBAN_INTERNAL, "blob store: libsodium cannot start");
        return NULL;
    }
    blob_store_t *self = (blob_store_t *) calloc (1, sizeof (blob_store_t));
    size_t dir_size = strlen (data_dir) + sizeof "/blobs";
    if (self && dir_size <= 4096 && (self->dir = (char *) malloc (dir_size)))
        snprintf (self->dir, dir_size, "%s/blobs", data_dir);
    if (!self || !self->dir) {
        free (self);
        daiban_error_set (err, DAIBAN_UNAVAILABLE, "out of memory");
        return NULL;
    }
    self->max_bytes = max_bytes;
    self->idle_ms = idle_ms;
    if (s_make_dir (self->dir, err) || s_clean_tmp (self, err)) {
        blob_store_destroy (&self);
        return NULL;
    }
    return self;
}

void
blob_store_destroy (blob_store_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    blob_store_t *self = *self_p;
    for (int index = 0; index < BLOB_STORE_UPLOADS_MAX; index++)
        if (self->uploads [index].id [0])
            s_drop (self, &self->uploads [index]);
    free (self->dir);
    free (self);
    *self_p = NULL;
}

int64_t
blob_store_max_bytes (blob_store_t *self)
{
    return self->max_bytes;
}

const char *
blob_store_dir (blob_store_t *self)
{
    return self->dir;
}

static s_upload_t *
s_find (blob_store_t *self, const char *upload)
{
    for (int index = 0; index < BLOB_STORE_UPLOADS_MAX; index++)
        if (self->uploads [index].id [0] && strcmp (self->uploads [index].id, upload) == 0)
            return &self->uploads [index];
    return NULL;
}

//  Drops the uploads idle for longer than idle_ms, then returns a free
//  slot, or NULL.
static s_upload_t *
s_free_slot (blob_store_t *self, int64_t now)
{
    s_upload_t *free_slot = NULL;
    for (int index = 0; index < BLOB_STORE_UPLOADS_MAX; index++) {
        s_upload_t *upload = &self->uploads [index];
        if (upload->id [0] && now - upload->touched > self->idle_ms)
            s_drop (self, upload);
        if (!upload->id [0] && !free_slot)
            free_slot = upload;
    }
    return free_slot;
}

static daiban_code_t
s_start (blob_store_t *self, const char *upload, int64_t now, s_upload_t **slot,
         daiban_error_t *err)
{
    s_upload_t *found = s_find (self, upload);
    if (found)
        s_drop (self, found);
    if (!(found = s_free_slot (self, now)))
        return daiban_error_set (err, DAIBAN_UNAVAILABLE, "blob_put: %d uploads are in "
                                 "progress; try again later", BLOB_STORE_UPLOADS_MAX);
    char path [BLOB_PATH_MAX];
    s_tmp_path (self, upload, path);
    found->fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (found->fd == -1)
        return s_errno (err, "cannot create", path);
    snprintf (found->id, sizeof found->id, "%s", upload);
    found->received = 0;
    crypto_hash_sha256_init (&found->hash);
    *slot = found;
    return DAIBAN_OK;
}

daiban_code_t
blob_store_write (blob_store_t *self, const char *upload, int64_t offset, const void *data,
                  size_t size, int64_t now, int64_t *received, daiban_error_t *err)
{
    if (!envelope_case_id_valid (upload, strlen (upload))
    ||  strlen (upload) > BLOB_STORE_UPLOAD_ID_MAX || upload [0] == '.')
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "upload: 1 to %d letters, digits, "
                                 "'.', '_' or '-', not starting with '.'",
                                 BLOB_STORE_UPLOAD_ID_MAX);
    s_upload_t *slot = s_find (self, upload);
    if (offset == 0) {
        if (s_start (self, upload, now, &slot, err))
            return err->code;
    }
    else
    if (!slot)
        return daiban_error_set (err, DAIBAN_NOT_FOUND, "upload %s: not in progress (start "
                                 "at offset 0; an idle upload is dropped after %lld ms)", upload,
                                 (long long) self->idle_ms);
    else
    if (offset != slot->received)
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "offset: upload %s has %lld bytes, "
                                 "the next chunk is at offset %lld, not %lld", upload,
                                 (long long) slot->received, (long long) slot->received,
                                 (long long) offset);
    if (slot->received + (int64_t) size > self->max_bytes) {
        s_drop (self, slot);
        return daiban_error_set (err, DAIBAN_TOO_LARGE, "blob over the limit of %lld bytes "
                                 "(broker/blob_max_bytes)", (long long) self->max_bytes);
    }
    const char *bytes = (const char *) data;
    size_t left = size;
    while (left > 0) {
        ssize_t written = write (slot->fd, bytes, left);
        if (written < 0 && errno == EINTR)
            continue;
        if (written < 0) {
            char path [BLOB_PATH_MAX];
            s_tmp_path (self, upload, path);
            daiban_code_t code = s_errno (err, "cannot write", path);
            s_drop (self, slot);
            return code;
        }
        bytes += written;
        left -= (size_t) written;
    }
    crypto_hash_sha256_update (&slot->hash, (const unsigned char *) data, size);
    slot->received += (int64_t) size;
    slot->touched = now;
    *received = slot->received;
    return DAIBAN_OK;
}

static daiban_code_t
s_check (blob_store_t *self, s_upload_t *slot, const char *sha256, int64_t size,
         daiban_error_t *err)
{
    if (slot->received != size) {
        daiban_error_set (err, DAIBAN_BAD_REQUEST, "size: %lld declared, %lld received; "
                          "upload %s dropped", (long long) size, (long long) slot->received,
                          slot->id);
        s_drop (self, slot);
        return err->code;
    }
    unsigned char hash [crypto_hash_sha256_BYTES];
    char hex [DIGEST_HEX_SIZE + 1];
    crypto_hash_sha256_final (&slot->hash, hash);
    sodium_bin2hex (hex, sizeof hex, hash, sizeof hash);
    if (strcmp (hex, sha256) != 0) {
        daiban_error_set (err, DAIBAN_BAD_REQUEST, "sha256: the content's hash is %s; "
                          "upload %s dropped", hex, slot->id);
        s_drop (self, slot);
        return err->code;
    }
    return DAIBAN_OK;
}

daiban_code_t
blob_store_finish (blob_store_t *self, const char *upload, const char *sha256, int64_t size,
                   bool *stored, daiban_error_t *err)
{
    if (!digest_hex_valid (sha256, strlen (sha256)))
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "sha256: 64 lowercase hex digits");
    s_upload_t *slot = s_find (self, upload);
    if (!slot)
        return daiban_error_set (err, DAIBAN_NOT_FOUND, "upload %s: not in progress", upload);
    if (s_check (self, slot, sha256, size, err))
        return err->code;
    char tmp [BLOB_PATH_MAX], path [BLOB_PATH_MAX], parent [BLOB_PATH_MAX];
    s_tmp_path (self, upload, tmp);
    s_blob_path (self->dir, sha256, path, parent);
    struct stat info;
    *stored = stat (path, &info) != 0;
    if (!*stored) {
        s_drop (self, slot);
        return DAIBAN_OK;
    }
    //  Order is durability: the content, then its name, then the name's
    //  directory; only then is the blob reported stored.
    daiban_code_t code = DAIBAN_OK;
    if (fsync (slot->fd))
        code = s_errno (err, "cannot flush", tmp);
    else
    if (s_make_dir (parent, err))
        code = err->code;
    else
    if (rename (tmp, path))
        code = s_errno (err, "cannot rename into", path);
    else
    if (disk_sync (parent, true) || disk_sync (self->dir, true))
        code = s_errno (err, "cannot flush", parent);
    if (code == DAIBAN_OK)
        chmod (path, 0400);
    s_drop (self, slot);            //  after a rename, the unlink of tmp finds nothing
    return code;
}

static daiban_code_t
s_open_blob (blob_store_t *self, const char *sha256, int *fd, int64_t *size,
             daiban_error_t *err)
{
    if (!digest_hex_valid (sha256, strlen (sha256)))
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "sha256: 64 lowercase hex digits");
    char path [BLOB_PATH_MAX], parent [BLOB_PATH_MAX];
    s_blob_path (self->dir, sha256, path, parent);
    *fd = open (path, O_RDONLY | O_CLOEXEC);
    struct stat info;
    if (*fd == -1 && errno == ENOENT)
        return daiban_error_set (err, DAIBAN_NOT_FOUND, "blob %s: not stored (blob_put it "
                                 "first)", sha256);
    if (*fd == -1)
        return s_errno (err, "cannot open", path);
    if (fstat (*fd, &info)) {
        close (*fd);
        return s_errno (err, "cannot stat", path);
    }
    *size = (int64_t) info.st_size;
    return DAIBAN_OK;
}

daiban_code_t
blob_store_stat (blob_store_t *self, const char *sha256, int64_t *size, daiban_error_t *err)
{
    int fd;
    if (s_open_blob (self, sha256, &fd, size, err))
        return err->code;
    close (fd);
    return DAIBAN_OK;
}

daiban_code_t
blob_store_read (blob_store_t *self, const char *sha256, int64_t offset, void *buffer,
                 size_t capacity, size_t *got, int64_t *size, daiban_error_t *err)
{
    int fd;
    if (s_open_blob (self, sha256, &fd, size, err))
        return err->code;
    *got = 0;
    if (offset < 0 || offset > *size) {
        close (fd);
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "offset: %lld is past the blob's "
                                 "%lld bytes", (long long) offset, (long long) *size);
    }
    while (*got < capacity && offset + (int64_t) *got < *size) {
        ssize_t read_now = pread (fd, (char *) buffer + *got, capacity - *got,
                                  offset + (off_t) *got);
        if (read_now < 0 && errno == EINTR)
            continue;
        if (read_now <= 0) {
            close (fd);
            return daiban_error_set (err, DAIBAN_INTERNAL, "blob %s: short read", sha256);
        }
        *got += (size_t) read_now;
    }
    close (fd);
    return DAIBAN_OK;
}
