/*  dossier_folder: the folder of a case file (see dossier_folder.h). */
#include "dossier_folder.h"

#include <czmq.h>
#include <stdio.h>
#include <string.h>
#include "dossier_files.h"
#include "dossier_text.h"
#include "json_field.h"

//  Each attachment.added into its folder, each file once.
static daiban_code_t
s_fetch_attachments (dossier_t *dossier, blob_link_t *link, const char *dir,
                     daiban_error_t *err)
{
    size_t index;
    json_t *event;
    json_array_foreach (dossier->events, index, event) {
        if (!streq (json_field_text (event, "type", ""), "attachment.added"))
            continue;
        json_t *body = json_object_get (event, "body");
        const char *sha256 = json_field_text (body, "sha256", "");
        bool same;
        char *path = dossier_files_place (dossier->attachments, json_field_text (body, "kind", ""),
                                          json_field_text (body, "name", ""), sha256, &same);
        if (!path)
            return daiban_error_set (err, DAIBAN_INTERNAL, "out of memory");
        if (same) {
            free (path);
            continue;
        }
        json_t *entry = json_deep_copy (body);
        json_object_set_new (entry, "path", json_string (path));
        json_object_set (entry, "ts", json_object_get (event, "ts"));
        char who [1100];
        json_object_set_new (entry, "who", json_string (dossier_who (event, who, sizeof who)));
        json_array_append_new (dossier->attachments, entry);
        char full [4400];
        snprintf (full, sizeof full, "%s/%s", dir, path);
        free (path);
        if (dossier_files_make_parents (dir, json_string_value (json_object_get (entry, "path")),
                                        err)
        ||  blob_client_save (link, sha256, full, err))
            return err->code;
    }
    return DAIBAN_OK;
}

daiban_code_t
dossier_folder_write (dossier_t *dossier, blob_link_t *link, const char *dir,
                      size_t *files, daiban_error_t *err)
{
    if (s_fetch_attachments (dossier, link, dir, err))
        return err->code;
    char pdf [4200];
    snprintf (pdf, sizeof pdf, "%s/%s", dir, DOSSIER_PDF);
    json_t *events = json_pack ("{s:s, s:O}", "case", dossier->case_id, "events", dossier->events);
    daiban_code_t code = events? DAIBAN_OK: daiban_error_set (err, DAIBAN_INTERNAL,
                                                              "out of memory");
    if (!code)
        code = dossier_files_write_json (dir, DOSSIER_EVENTS, events, err);
    if (!code)
        code = dossier_pdf_write (dossier, pdf, err);
    if (!code)
        code = dossier_files_manifest (dir, dossier->case_id, dossier->made_at, files, err);
    json_decref (events);
    return code;
}
