/*  store_backup: a hot copy of the store, made by a thread while the
    broker goes on (see store.h, docs/storage.md). The copy is LMDB's own
    (mdb_env_copy2, compacted) of the snapshot a checkpoint just made
    durable: it holds every event up to that checkpoint, and the log is
    not needed with it. */
#include "store_internal.h"
#include "disk.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

//  The copy and its directory entry are flushed: the copy must survive a
//  power loss as soon as it is reported done.
static void *
s_copy (void *argument)
{
    store_t *self = (store_t *) argument;
    store_backup_t *backup = &self->backup;
    char path [4200];
    snprintf (path, sizeof path, "%s/data.mdb", backup->dir);
    int rc = mdb_env_copy2 (self->env, backup->dir, MDB_CP_COMPACT);
    const char *what = "copy";
    if (!rc && (rc = disk_sync (path, false)))
        what = "flush the copy";
    if (!rc && (rc = disk_sync (backup->dir, true)))
        what = "flush the directory";
    backup->error = rc;
    snprintf (backup->what, sizeof backup->what, "%s", what);
    __atomic_store_n (&backup->finished, 1, __ATOMIC_RELEASE);
    return NULL;
}

void
store_backup_join (store_t *self)
{
    store_backup_t *backup = &self->backup;
    if (!backup->started)
        return;
    pthread_join (backup->thread, NULL);
    backup->started = false;
    backup->status = backup->error? STORE_BACKUP_FAILED: STORE_BACKUP_DONE;
}

store_backup_status_t
store_backup_status (store_t *self, const char **dir, uint64_t *last_seq, daiban_error_t *err)
{
    store_backup_t *backup = &self->backup;
    if (backup->started && __atomic_load_n (&backup->finished, __ATOMIC_ACQUIRE))
        store_backup_join (self);
    *dir = backup->dir;
    *last_seq = backup->last_seq;
    if (backup->status == STORE_BACKUP_FAILED)
        daiban_error_set (err, DAIBAN_UNAVAILABLE, "backup %s: %s: %s", backup->dir,
                          backup->what, mdb_strerror (backup->error));
    return backup->status;
}

//  Creates dir (its parents too); DAIBAN_CONFLICT when it exists.
static daiban_code_t
s_make_target (const char *dir, daiban_error_t *err)
{
    char parent [4096];
    const char *slash = strrchr (dir, '/');
    if (strlen (dir) >= sizeof parent)
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "backup: path too long");
    if (slash && slash > dir) {
        memcpy (parent, dir, (size_t) (slash - dir));
        parent [slash - dir] = 0;
        if (store_make_dir (parent, err))
            return err->code;
    }
    if (mkdir (dir, 0755) == 0)
        return DAIBAN_OK;
    if (errno == EEXIST)
        return daiban_error_set (err, DAIBAN_CONFLICT, "backup %s: already exists", dir);
    return daiban_error_set (err, DAIBAN_UNAVAILABLE, "backup %s: %s", dir, strerror (errno));
}

daiban_code_t
store_backup_start (store_t *self, const char *dir, uint64_t *last_seq, daiban_error_t *err)
{
    const char *running_dir;
    uint64_t running_seq;
    daiban_error_t status_err;
    if (store_backup_status (self, &running_dir, &running_seq, &status_err)
        == STORE_BACKUP_RUNNING)
        return daiban_error_set (err, DAIBAN_CONFLICT, "backup: one is running (%s)",
                                 running_dir);
    if (s_make_target (dir, err))
        return err->code;
    char *copy = strdup (dir);
    if (!copy || store_checkpoint (self, err)) {
        if (!copy)
            daiban_error_set (err, DAIBAN_UNAVAILABLE, "out of memory");
        free (copy);
        rmdir (dir);
        return err->code;
    }
    store_backup_t *backup = &self->backup;
    free (backup->dir);
    backup->dir = copy;
    backup->last_seq = self->last_seq;
    backup->error = 0;
    backup->finished = 0;
    int rc = pthread_create (&backup->thread, NULL, s_copy, self);
    if (rc) {
        backup->status = STORE_BACKUP_FAILED;
        backup->error = rc;
        snprintf (backup->what, sizeof backup->what, "start");
        rmdir (dir);
        return daiban_error_set (err, DAIBAN_UNAVAILABLE, "backup: cannot start: %s",
                                 strerror (rc));
    }
    backup->started = true;
    backup->status = STORE_BACKUP_RUNNING;
    *last_seq = backup->last_seq;
    return DAIBAN_OK;
}
