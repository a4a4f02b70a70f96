/*  disk: fsync by path (see disk.h). */
#include "disk.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

int
disk_sync (const char *path, bool directory)
{
    int fd = open (path, O_RDONLY | O_CLOEXEC | (directory? O_DIRECTORY: 0));
    if (fd == -1)
        return errno;
    int rc = fsync (fd)? errno: 0;
    close (fd);
    errno = rc;
    return rc;
}
