/*  dossier_files: places, JSON, manifest and its check (see
    dossier_files.h). */
#include "dossier_files.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "json_field.h"
#include "digest.h"
#include "dossier.h"

#define PATH_SIZE 4096

//  A name that stays one path component: no '/', no leading '.', not empty.
static char *
s_safe_name (const char *name, const char *sha256)
{
    if (!name || !*name)
        name = sha256;
    char *safe = (char *) malloc (strlen (name) + 2);
    if (!safe)
        return NULL;
    char *out = safe;
    if (*name == '.')
        *out++ = '_';
    for (const char *in = name; *in; in++)
        *out++ = *in == '/' || *in == '\\'? '_': *in;
    *out = 0;
    return safe;
}

static json_t *
s_find_path (json_t *attachments, const char *path)
{
    size_t index;
    json_t *attachment;
    json_array_foreach (attachments, index, attachment)
        if (strcmp (json_field_text (attachment, "path", ""), path) == 0)
            return attachment;
    return NULL;
}

char *
dossier_files_place (json_t *attachments, const char *kind, const char *name,
                     const char *sha256, bool *same)
{
    char *safe = s_safe_name (name, sha256);
    char *safe_kind = s_safe_name (kind, "其他");
    char *path = NULL;
    *same = false;
    if (!safe || !safe_kind) {
        free (safe);
        free (safe_kind);
        return NULL;
    }
    const char *dot = strrchr (safe, '.');
    int stem = dot && dot != safe? (int) (dot - safe): (int) strlen (safe);
    char candidate [PATH_SIZE];
    for (int copy = 1; copy < 10000; copy++) {
        if (copy == 1)
            snprintf (candidate, sizeof candidate, "%s/%s/%s", DOSSIER_ATTACHMENTS, safe_kind,
                      safe);
        else
            snprintf (candidate, sizeof candidate, "%s/%s/%.*s (%d)%s", DOSSIER_ATTACHMENTS,
                      safe_kind, stem, safe, copy, safe + stem);
        json_t *taken = s_find_path (attachments, candidate);
        if (!taken)
            break;
        if (strcmp (json_field_text (taken, "sha256", ""), sha256) == 0) {
            *same = true;
            break;
        }
    }
    path = strdup (candidate);
    free (safe);
    free (safe_kind);
    return path;
}

daiban_code_t
dossier_files_make_parents (const char *dir, const char *relative, daiban_error_t *err)
{
    char path [PATH_SIZE];
    if (snprintf (path, sizeof path, "%s/%s", dir, relative) >= (int) sizeof path)
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "%s/%s: path too long", dir, relative);
    for (char *slash = path + strlen (dir) + 1; (slash = strchr (slash, '/')); slash++) {
        *slash = 0;
        if (mkdir (path, 0755) && errno != EEXIST)
            return daiban_error_set (err, DAIBAN_UNAVAILABLE, "%s: %s", path, strerror (errno));
        *slash = '/';
    }
    return DAIBAN_OK;
}

daiban_code_t
dossier_files_write_json (const char *dir, const char *relative, json_t *value,
                          daiban_error_t *err)
{
    char path [PATH_SIZE];
    snprintf (path, sizeof path, "%s/%s", dir, relative);
    if (json_dump_file (value, path, JSON_INDENT (2) | JSON_SORT_KEYS) != 0)
        return daiban_error_set (err, DAIBAN_UNAVAILABLE, "cannot write %s", path);
    return DAIBAN_OK;
}

static int
s_compare (const void *a, const void *b)
{
    return strcmp (*(char *const *) a, *(char *const *) b);
}

//  Every file under dir/prefix, as paths relative to dir, into list.
static daiban_code_t
s_walk (const char *dir, const char *prefix, json_t *list, daiban_error_t *err)
{
    char path [2 * PATH_SIZE + 2];
    snprintf (path, sizeof path, "%s%s%s", dir, *prefix? "/": "", prefix);
    DIR *handle = opendir (path);
    if (!handle)
        return daiban_error_set (err, DAIBAN_NOT_FOUND, "%s: %s", path, strerror (errno));
    struct dirent *entry;
    daiban_code_t code = DAIBAN_OK;
    while (!code && (entry = readdir (handle))) {
        if (!strcmp (entry->d_name, ".") || !strcmp (entry->d_name, ".."))
            continue;
        char relative [PATH_SIZE], full [2 * PATH_SIZE + 2];
        snprintf (relative, sizeof relative, "%s%s%s", prefix, *prefix? "/": "", entry->d_name);
        snprintf (full, sizeof full, "%s/%s", dir, relative);
        struct stat info;
        if (stat (full, &info))
            code = daiban_error_set (err, DAIBAN_UNAVAILABLE, "%s: %s", full, strerror (errno));
        else if (S_ISDIR (info.st_mode))
            code = s_walk (dir, relative, list, err);
        else if (*prefix || strcmp (entry->d_name, DOSSIER_MANIFEST))
            json_array_append_new (list, json_string (relative));
    }
    closedir (handle);
    return code;
}

//  The sorted relative paths of every file under dir but the manifest.
static json_t *
s_files (const char *dir, daiban_error_t *err)
{
    json_t *list = json_array ();
    if (!list || s_walk (dir, "", list, err)) {
        json_decref (list);
        return NULL;
    }
    size_t count = json_array_size (list);
    const char **paths = (const char **) calloc (count + 1, sizeof (char *));
    for (size_t index = 0; paths && index < count; index++)
        paths [index] = json_string_value (json_array_get (list, index));
    if (paths)
        qsort (paths, count, sizeof (char *), s_compare);
    json_t *sorted = json_array ();
    for (size_t index = 0; paths && index < count; index++)
        json_array_append_new (sorted, json_string (paths [index]));
    free (paths);
    json_decref (list);
    return sorted;
}

daiban_code_t
dossier_files_manifest (const char *dir, const char *case_id, int64_t made_at, size_t *files,
                        daiban_error_t *err)
{
    json_t *paths = s_files (dir, err);
    if (!paths)
        return err->code;
    json_t *list = json_array ();
    size_t index;
    json_t *relative;
    daiban_code_t code = DAIBAN_OK;
    json_array_foreach (paths, index, relative) {
        char full [PATH_SIZE], hex [DIGEST_HEX_SIZE + 1];
        int64_t size;
        snprintf (full, sizeof full, "%s/%s", dir, json_string_value (relative));
        if ((code = digest_file (full, hex, &size, err)))
            break;
        json_array_append_new (list, json_pack ("{s:O, s:I, s:s}", "path", relative,
                                                "size", (json_int_t) size, "sha256", hex));
    }
    *files = json_array_size (list);
    json_t *manifest = json_pack ("{s:s, s:I, s:s, s:o}", "case", case_id, "made_at",
                                  (json_int_t) made_at, "algorithm", "sha256", "files", list);
    if (!code)
        code = dossier_files_write_json (dir, DOSSIER_MANIFEST, manifest, err);
    json_decref (manifest);
    json_decref (paths);
    return code;
}

//  One listed file: present, same size, same hash; 1 when it differs.
static int
s_check (const char *dir, json_t *entry, FILE *out)
{
    const char *relative = json_field_text (entry, "path", "");
    const char *expected = json_field_text (entry, "sha256", "");
    char full [PATH_SIZE], hex [DIGEST_HEX_SIZE + 1];
    int64_t size;
    daiban_error_t err;
    snprintf (full, sizeof full, "%s/%s", dir, relative);
    if (!*relative || strstr (relative, "..")) {
        fprintf (out, "bad path in the manifest: %s\n", relative);
        return 1;
    }
    if (digest_file (full, hex, &size, &err)) {
        fprintf (out, "missing: %s\n", relative);
        return 1;
    }
    if (size != json_integer_value (json_object_get (entry, "size")) || strcmp (hex, expected)) {
        fprintf (out, "changed: %s (sha256 %s, manifest %s)\n", relative, hex, expected);
        return 1;
    }
    return 0;
}

int
dossier_files_verify (const char *dir, FILE *out, size_t *files, daiban_error_t *err)
{
    char path [PATH_SIZE];
    snprintf (path, sizeof path, "%s/%s", dir, DOSSIER_MANIFEST);
    json_error_t json_err;
    json_t *manifest = json_load_file (path, 0, &json_err);
    json_t *listed = json_object_get (manifest, "files");
    if (!json_is_array (listed)) {
        json_decref (manifest);
        daiban_error_set (err, DAIBAN_NOT_FOUND, "%s: no manifest (%s)", path, json_err.text);
        return -1;
    }
    int differences = 0;
    size_t index;
    json_t *entry;
    json_array_foreach (listed, index, entry)
        differences += s_check (dir, entry, out);
    json_t *present = s_files (dir, err);
    json_array_foreach (present, index, entry) {
        bool known = false;
        for (size_t at = 0; !known && at < json_array_size (listed); at++)
            known = !strcmp (json_string_value (entry),
                             json_field_text (json_array_get (listed, at), "path", ""));
        if (!known) {
            fprintf (out, "not in the manifest: %s\n", json_string_value (entry));
            differences++;
        }
    }
    *files = json_array_size (listed);
    json_decref (present);
    json_decref (manifest);
    return differences;
}
