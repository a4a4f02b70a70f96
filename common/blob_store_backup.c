/*  blob_store_backup: the blobs' part of a hot backup (see blob_store.h).
    Blobs are written once and never changed, so a hard link is a copy
    that costs nothing; across file systems each blob is copied. */
#include "blob_store.h"
#include "disk.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BACKUP_PATH_MAX 4300
#define BACKUP_COPY_CHUNK (256 * 1024)

static daiban_code_t
s_fail (daiban_error_t *err, const char *what, const char *path)
{
    return daiban_error_set (err, DAIBAN_UNAVAILABLE, "blob backup: %s %s: %s", what, path,
                             strerror (errno));
}

//  dir/name into path; false when it does not fit.
static bool
s_join (char *path, const char *dir, const char *name)
{
    int length = snprintf (path, BACKUP_PATH_MAX, "%s/%s", dir, name);
    return length > 0 && length < BACKUP_PATH_MAX;
}


static daiban_code_t
s_copy (const char *from, const char *to, daiban_error_t *err)
{
    int in = open (from, O_RDONLY | O_CLOEXEC);
    if (in == -1)
        return s_fail (err, "cannot open", from);
    int out = open (to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0400);
    if (out == -1) {
        close (in);
        return s_fail (err, "cannot create", to);
    }
    static char chunk [BACKUP_COPY_CHUNK];
    ssize_t got;
    daiban_code_t code = DAIBAN_OK;
    while (code == DAIBAN_OK && (got = read (in, chunk, sizeof chunk)) != 0) {
        if (got < 0 || write (out, chunk, (size_t) got) != got)
            code = s_fail (err, "cannot copy to", to);
    }
    if (code == DAIBAN_OK && fsync (out))
        code = s_fail (err, "cannot flush", to);
    close (in);
    close (out);
    return code;
}

static daiban_code_t
s_one (const char *from, const char *to, daiban_error_t *err)
{
    if (link (from, to) == 0)
        return DAIBAN_OK;
    if (errno == EEXIST)
        return DAIBAN_OK;
    if (errno != EXDEV && errno != EPERM)
        return s_fail (err, "cannot link", to);
    return s_copy (from, to, err);
}

//  One directory blobs/ab of the store into target/ab.
static daiban_code_t
s_prefix (const char *from_dir, const char *to_dir, int64_t *count, daiban_error_t *err)
{
    if (mkdir (to_dir, 0700) && errno != EEXIST)
        return s_fail (err, "cannot create", to_dir);
    DIR *dir = opendir (from_dir);
    if (!dir)
        return s_fail (err, "cannot read", from_dir);
    struct dirent *entry;
    daiban_code_t code = DAIBAN_OK;
    while (code == DAIBAN_OK && (entry = readdir (dir))) {
        if (entry->d_name [0] == '.')
            continue;
        char from [BACKUP_PATH_MAX], to [BACKUP_PATH_MAX];
        if (!s_join (from, from_dir, entry->d_name) || !s_join (to, to_dir, entry->d_name))
            code = daiban_error_set (err, DAIBAN_BAD_REQUEST, "blob backup: path too long");
        else
        if (!(code = s_one (from, to, err)))
            (*count)++;
    }
    closedir (dir);
    if (code == DAIBAN_OK && disk_sync (to_dir, true))
        code = s_fail (err, "cannot flush", to_dir);
    return code;
}

daiban_code_t
blob_store_backup (blob_store_t *self, const char *dir, int64_t *count, daiban_error_t *err)
{
    char target [BACKUP_PATH_MAX];
    if (!s_join (target, dir, "blobs"))
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "blob backup: path too long");
    if (mkdir (target, 0700) && errno != EEXIST)
        return s_fail (err, "cannot create", target);
    *count = 0;
    DIR *top = opendir (blob_store_dir (self));
    if (!top)
        return s_fail (err, "cannot read", blob_store_dir (self));
    struct dirent *entry;
    daiban_code_t code = DAIBAN_OK;
    while (code == DAIBAN_OK && (entry = readdir (top))) {
        //  The prefixes are two hex digits; tmp holds uploads, not blobs.
        if (strlen (entry->d_name) != 2 || entry->d_name [0] == '.')
            continue;
        char from [BACKUP_PATH_MAX], to [BACKUP_PATH_MAX];
        if (!s_join (from, blob_store_dir (self), entry->d_name)
        ||  !s_join (to, target, entry->d_name))
            code = daiban_error_set (err, DAIBAN_BAD_REQUEST, "blob backup: path too long");
        else
            code = s_prefix (from, to, count, err);
    }
    closedir (top);
    if (code == DAIBAN_OK && (disk_sync (target, true)
                          ||  disk_sync (dir, true)))
        code = s_fail (err, "cannot flush", target);
    return code;
}
