/*  dossier_files: the files of a dossier folder: where an attachment goes
    (附件/<kind>/<its name>, made safe and unique), JSON files, and the
    manifest of every file with its SHA-256 that `dossier --verify`
    checks again (docs/archive.md). */
#ifndef DAIBAN_DOSSIER_FILES_H
#define DAIBAN_DOSSIER_FILES_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "daiban_error.h"

//  The relative path of an attachment: 附件/<kind>/<name>, with '/' and a
//  leading '.' of name replaced; when another file (another sha256) in
//  attachments already took that path, " (2)", " (3)"... before the
//  extension. *same is true when the same content under the same path
//  is there already (posted twice: written once). Returns malloc'd text.
char *dossier_files_place (json_t *attachments, const char *kind, const char *name,
                           const char *sha256, bool *same);

//  mkdir -p of the directories of dir/relative.
daiban_code_t dossier_files_make_parents (const char *dir, const char *relative,
                                          daiban_error_t *err);

//  Writes value (indented JSON) at dir/relative.
daiban_code_t dossier_files_write_json (const char *dir, const char *relative, json_t *value,
                                        daiban_error_t *err);

//  Writes dir/manifest.json: {case, made_at, files: [{path, size, sha256}]}
//  over every file under dir but the manifest, in path order.
daiban_code_t dossier_files_manifest (const char *dir, const char *case_id, int64_t made_at,
                                      size_t *files, daiban_error_t *err);

//  Checks dir against its manifest: every file listed with its size and
//  hash, none missing, none added. Prints each difference on out; returns
//  the number of differences (or -1 with err when there is no manifest).
int dossier_files_verify (const char *dir, FILE *out, size_t *files, daiban_error_t *err);

#endif
