/*  dossier_folder: writes a case file (一事一档, docs/archive.md) into a
    folder from what was read over the protocol: each attachment's blob
    under its place, events.json, 档案.pdf and the manifest. `daibanctl
    dossier` and the gateway's dossier route (which zips the folder)
    both write it here. */
#ifndef DAIBAN_DOSSIER_FOLDER_H
#define DAIBAN_DOSSIER_FOLDER_H

#include <stddef.h>
#include "blob_client.h"
#include "dossier.h"

//  Fills dossier->attachments from its events and writes the folder dir
//  (existing, empty); the blobs come over link. *files: every file but
//  the manifest.
daiban_code_t dossier_folder_write (dossier_t *dossier, blob_link_t *link,
                                    const char *dir, size_t *files, daiban_error_t *err);

#endif
