/*  dossier_route: GET /v1/cases/{id}/dossier (docs/http.md, Dossier): the
    case file (一事一档) as one .zip holding what `daibanctl dossier`
    writes (档案.pdf, the attachments per kind, events.json,
    manifest.json). The folder is written by the same library
    (dossier_folder) into a temporary directory, zipped with libzip, and
    sent from the open file, which is already unlinked: nothing is left
    behind when the client goes away. Everything is read as the caller. */
#include "handlers.h"

#include <czmq.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>
#include "dossier_folder.h"
#include "link.h"

static bool
s_collect (json_t *event, void *closure)
{
    return json_array_append ((json_t *) closure, event) == 0;
}

//  The broker's time (its test clock when it runs one), as daibanctl's.
static int64_t
s_broker_now (gateway_t *gateway)
{
    json_t *request = json_pack ("{s:s}", "op", "stats"), *reply = NULL;
    daiban_error_t err;
    int64_t now = zclock_time ();
    if (request && link_call (gateway, request, NULL, &reply, &err) == LINK_REPLIED
    &&  json_is_integer (json_object_get (reply, "now")))
        now = json_integer_value (json_object_get (reply, "now"));
    json_decref (request);
    json_decref (reply);
    return now;
}

//  One file of the folder into the archive under its relative path.
static bool
s_add (zip_t *archive, const char *dir, const char *relative)
{
    char full [4400];
    snprintf (full, sizeof full, "%s/%s", dir, relative);
    zip_source_t *source = zip_source_file (archive, full, 0, 0);
    if (source && zip_file_add (archive, relative, source, ZIP_FL_ENC_UTF_8) >= 0)
        return true;
    zip_source_free (source);
    return false;
}

//  The manifest's files and the manifest itself into a new archive at path.
static daiban_code_t
s_zip (const char *dir, const char *path, daiban_error_t *err)
{
    char manifest_path [4200];
    snprintf (manifest_path, sizeof manifest_path, "%s/%s", dir, DOSSIER_MANIFEST);
    json_t *manifest = json_load_file (manifest_path, 0, NULL);
    int error = 0;
    zip_t *archive = manifest? zip_open (path, ZIP_CREATE | ZIP_TRUNCATE, &error): NULL;
    if (!archive) {
        json_decref (manifest);
        return daiban_error_set (err, DAIBAN_INTERNAL, "cannot make the archive %s (%d)", path,
                                 error);
    }
    bool added = s_add (archive, dir, DOSSIER_MANIFEST);
    size_t index;
    json_t *file;
    json_array_foreach (json_object_get (manifest, "files"), index, file)
        added = added && s_add (archive, dir, json_string_value (json_object_get (file, "path")));
    json_decref (manifest);
    if (!added || zip_close (archive) < 0) {
        daiban_error_set (err, DAIBAN_INTERNAL, "cannot write the archive: %s",
                          zip_strerror (archive));
        zip_discard (archive);
        return DAIBAN_INTERNAL;
    }
    return DAIBAN_OK;
}

static void
s_remove_tree (const char *dir)
{
    zdir_t *tree = zdir_new (dir, NULL);
    if (tree)
        zdir_remove (tree, true);
    zdir_destroy (&tree);
    rmdir (dir);
}

//  Writes the folder and its archive (dir".zip"); *fd the open archive.
static enum MHD_Result
s_make (request_t *request, dossier_t *dossier, const char *dir, int *fd)
{
    blob_link_t link;
    daiban_error_t err;
    size_t files = 0;
    char path [4200];
    snprintf (path, sizeof path, "%s.zip", dir);
    if (!link_blob (request->gateway, &request->principal, &link, &err))
        return reply_error (request, 503, "unavailable", "%s", err.message);
    if (dossier_folder_write (dossier, &link, dir, &files, &err))
        return reply_blob_error (request, &link, &err);
    if (s_zip (dir, path, &err) || (*fd = open (path, O_RDONLY | O_CLOEXEC)) < 0) {
        unlink (path);
        return reply_error (request, 500, "internal", "%s", err.code? err.message
                            : "cannot open the archive");
    }
    unlink (path);
    return MHD_YES;
}

enum MHD_Result
handle_dossier (request_t *request)
{
    char case_id [256];
    if (!request_segment (request, 2, case_id, sizeof case_id))
        return reply_error (request, 404, "not_found", "no case in the path");
    json_t *reply = NULL;
    if (!handlers_may (request, "case") || !handlers_may (request, "history")
    ||  !reply_call (request, json_pack ("{s:s, s:s}", "op", "case", "case", case_id), &reply))
        return request->result;
    dossier_t dossier = { .case_id = case_id, .state = json_incref (json_object_get (reply,
                                                                                   "case")),
                          .events = json_array (), .attachments = json_array (),
                          .calendar = request->gateway->calendar,
                          .made_at = s_broker_now (request->gateway) };
    json_decref (reply);
    const char *tmp = getenv ("TMPDIR");
    char dir [4096];
    snprintf (dir, sizeof dir, "%s/daiban-dossier-XXXXXX", tmp && *tmp? tmp: "/tmp");
    int fd = -1;
    enum MHD_Result result = MHD_NO;
    if (!dossier.state || !dossier.events || !dossier.attachments)
        result = reply_error (request, 500, "internal", "out of memory");
    else
    if (!handlers_scan (request, case_id, NULL, SIZE_MAX, s_collect, dossier.events))
        result = request->result;
    else
    if (!mkdtemp (dir))
        result = reply_error (request, 500, "internal", "cannot make a directory in %s",
                              tmp && *tmp? tmp: "/tmp");
    else {
        result = s_make (request, &dossier, dir, &fd);
        s_remove_tree (dir);
    }
    json_decref (dossier.state);
    json_decref (dossier.events);
    json_decref (dossier.attachments);
    struct stat info;
    if (fd < 0)
        return result;
    if (fstat (fd, &info)) {
        close (fd);
        return reply_error (request, 500, "internal", "cannot read the archive");
    }
    char name [300];
    snprintf (name, sizeof name, "dossier-%s.zip", case_id);
    struct MHD_Response *response = MHD_create_response_from_fd ((uint64_t) info.st_size, fd);
    if (!response)
        close (fd);
    return handlers_send (request, response, "application/zip", name);
}
