/*  keyring: the admitted public keys and their principals (see keyring.h). */
#include "keyring.h"

#include <czmq.h>
#include <dirent.h>
#include <string.h>
#include <unistd.h>
#include "client_keys.h"
#include "log.h"

struct _keyring_t {
    zhashx_t *entries;                  //  Z85 key → keyring_entry_t, owned
};

static void
s_entry_destroy (void **item)
{
    keyring_entry_t *entry = (keyring_entry_t *) *item;
    if (entry) {
        free (entry->name);
        free (entry->file);
        free (entry);
        *item = NULL;
    }
}

static bool
s_skipped (const char *file)
{
    size_t length = strlen (file);
    return file [0] == '.' || (length > 7 && streq (file + length - 7, "_secret"));
}

//  One certificate file into an entry, or NULL with an error naming it.
static keyring_entry_t *
s_entry_load (const char *path, daiban_error_t *err)
{
    //  zcert_load reads PATH_secret first when there is one: its metadata,
    //  not the public file's, would decide the role.
    char secret [4200];
    snprintf (secret, sizeof secret, "%s_secret", path);
    if (!client_keys_path_fits (path)) {
        daiban_error_set (err, DAIBAN_BAD_REQUEST, "%s: the path is over %d bytes", path,
                          CLIENT_KEYS_PATH_MAX);
        return NULL;
    }
    if (access (secret, F_OK) == 0) {
        daiban_error_set (err, DAIBAN_BAD_REQUEST, "%s: a secret key in the directory of public "
                          "keys (it belongs with its owner only): remove it", secret);
        return NULL;
    }
    zcert_t *cert = zcert_load (path);
    if (!cert) {
        daiban_error_set (err, DAIBAN_BAD_REQUEST, "%s: not a CURVE certificate (zcert)", path);
        return NULL;
    }
    const char *name = zcert_meta (cert, "name");
    const char *role_name = zcert_meta (cert, "role");
    access_role_t role;
    keyring_entry_t *entry = NULL;
    if (!name || !access_name_valid (name, strlen (name)))
        daiban_error_set (err, DAIBAN_BAD_REQUEST,
                          "%s: metadata name is missing or not a valid name", path);
    else
    if (!role_name || !access_role_find (role_name, strlen (role_name), &role))
        daiban_error_set (err, DAIBAN_BAD_REQUEST,
                          "%s: metadata role must be one of system, department, operator, "
                          "supervisor, worker, gateway, admin", path);
    else
    if (!(entry = (keyring_entry_t *) calloc (1, sizeof *entry))
    ||  !(entry->name = strdup (name)) || !(entry->file = strdup (path))) {
        daiban_error_set (err, DAIBAN_UNAVAILABLE, "out of memory");
        s_entry_destroy ((void **) &entry);
    }
    else {
        snprintf (entry->key, sizeof entry->key, "%s", zcert_public_txt (cert));
        entry->role = role;
    }
    zcert_destroy (&cert);
    return entry;
}

static daiban_code_t
s_load (keyring_t *self, const char *directory, daiban_error_t *err)
{
    DIR *handle = opendir (directory);
    if (!handle)
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "security/public_keys: cannot read %s: %s",
                                 directory, strerror (errno));
    daiban_code_t code = DAIBAN_OK;
    struct dirent *file;
    while (!code && (file = readdir (handle))) {
        if (s_skipped (file->d_name) || file->d_type == DT_DIR)
            continue;
        char path [4096];
        snprintf (path, sizeof path, "%s/%s", directory, file->d_name);
        keyring_entry_t *entry = s_entry_load (path, err);
        if (!entry)
            code = err->code;
        else
        if (zhashx_lookup (self->entries, entry->key)) {
            code = daiban_error_set (err, DAIBAN_BAD_REQUEST, "%s: the same key is in %s", path,
                                     ((keyring_entry_t *) zhashx_lookup (self->entries,
                                                                         entry->key))->file);
            s_entry_destroy ((void **) &entry);
        }
        else
            zhashx_insert (self->entries, entry->key, entry);
    }
    closedir (handle);
    return code;
}

keyring_t *
keyring_new (const char *directory, daiban_error_t *err)
{
    keyring_t *self = (keyring_t *) calloc (1, sizeof (keyring_t));
    if (self)
        self->entries = zhashx_new ();
    if (!self || !self->entries) {
        daiban_error_set (err, DAIBAN_UNAVAILABLE, "out of memory");
        keyring_destroy (&self);
        return NULL;
    }
    zhashx_set_destructor (self->entries, s_entry_destroy);
    if (s_load (self, directory, err))
        keyring_destroy (&self);
    return self;
}

void
keyring_destroy (keyring_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    keyring_t *self = *self_p;
    zhashx_destroy (&self->entries);
    free (self);
    *self_p = NULL;
}

const keyring_entry_t *
keyring_lookup (keyring_t *self, const char *key)
{
    return key? (const keyring_entry_t *) zhashx_lookup (self->entries, key): NULL;
}

size_t
keyring_size (keyring_t *self)
{
    return zhashx_size (self->entries);
}

bool
keyring_covers (keyring_t *self, keyring_t *older)
{
    for (keyring_entry_t *entry = (keyring_entry_t *) zhashx_first (older->entries); entry;
         entry = (keyring_entry_t *) zhashx_next (older->entries)) {
        const keyring_entry_t *now = keyring_lookup (self, entry->key);
        if (!now || now->role != entry->role || !streq (now->name, entry->name))
            return false;
    }
    return true;
}

principal_t
keyring_principal (const keyring_entry_t *entry)
{
    principal_t principal = { entry->name, strlen (entry->name), entry->role };
    return principal;
}
