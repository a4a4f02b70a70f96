/*  disk: flushing a file or a directory to the disk by its path, the step
    that makes a write, a rename or a new directory entry durable. One
    place for what the store, its backup and the blob store all need. */
#ifndef DAIBAN_DISK_H
#define DAIBAN_DISK_H

#include <stdbool.h>

//  Opens path (a directory when directory), fsyncs and closes it. 0 on
//  success, else the errno of the step that failed (errno is set too).
int disk_sync (const char *path, bool directory);

#endif
