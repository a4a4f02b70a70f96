/*  tokens: bearer tokens stored hashed in a JSON file (see tokens.h). */
#include "tokens.h"

#include <czmq.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "wire.h"

#define TOKENS_HASH_BYTES crypto_generichash_BYTES
#define TOKENS_PREFIX "dbt_"

typedef struct {
    tokens_principal_t principal;
    unsigned char hash [TOKENS_HASH_BYTES];
} s_entry_t;

struct _tokens_t {
    s_entry_t *entries;
    size_t count;
};

static const char *s_roles [] = {
    "system", "department", "operator", "supervisor", "admin", NULL
};

bool
tokens_role_valid (const char *role)
{
    for (int index = 0; role && s_roles [index]; index++)
        if (streq (role, s_roles [index]))
            return true;
    return false;
}

static void
s_hash (const char *token, unsigned char *hash)
{
    crypto_generichash (hash, TOKENS_HASH_BYTES, (const unsigned char *) token,
                        strlen (token), NULL, 0);
}

//  The file as JSON; an absent file, when allowed, is an empty one.
static json_t *
s_read (const char *path, bool missing_ok, daiban_error_t *err)
{
    if (missing_ok && access (path, F_OK) != 0 && errno == ENOENT)
        return json_pack ("{s:[]}", "tokens");
    json_error_t error;
    json_t *root = json_load_file (path, JSON_REJECT_DUPLICATES, &error);
    if (!root) {
        daiban_error_set (err, DAIBAN_BAD_REQUEST, "token file %s: %s (line %d)", path,
                          error.text, error.line);
        return NULL;
    }
    if (!json_is_array (json_object_get (root, "tokens"))) {
        json_decref (root);
        daiban_error_set (err, DAIBAN_BAD_REQUEST, "token file %s: no \"tokens\" list", path);
        return NULL;
    }
    return root;
}

static daiban_code_t
s_entry (json_t *item, size_t index, s_entry_t *entry, daiban_error_t *err)
{
    const char *name = json_string_value (json_object_get (item, "name"));
    const char *role = json_string_value (json_object_get (item, "role"));
    const char *hash = json_string_value (json_object_get (item, "hash"));
    size_t length = 0;
    if (!name || !*name || strlen (name) > TOKENS_NAME_MAX)
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "token %zu: no valid name", index);
    if (!tokens_role_valid (role))
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "token %zu (%s): bad role", index,
                                 name);
    if (!hash || sodium_hex2bin (entry->hash, TOKENS_HASH_BYTES, hash, strlen (hash), NULL,
                                 &length, NULL) != 0 || length != TOKENS_HASH_BYTES)
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "token %zu (%s): bad hash", index,
                                 name);
    snprintf (entry->principal.name, sizeof entry->principal.name, "%s", name);
    snprintf (entry->principal.role, sizeof entry->principal.role, "%s", role);
    return DAIBAN_OK;
}

tokens_t *
tokens_load (const char *path, daiban_error_t *err)
{
    if (sodium_init () < 0) {
        daiban_error_set (err, DAIBAN_INTERNAL, "libsodium cannot start");
        return NULL;
    }
    json_t *root = s_read (path, false, err);
    if (!root)
        return NULL;
    json_t *list = json_object_get (root, "tokens");
    tokens_t *self = (tokens_t *) calloc (1, sizeof (tokens_t));
    if (self)
        self->entries = (s_entry_t *) calloc (json_array_size (list) + 1, sizeof (s_entry_t));
    if (!self || !self->entries) {
        daiban_error_set (err, DAIBAN_INTERNAL, "out of memory");
        tokens_destroy (&self);
    }
    size_t index;
    json_t *item;
    json_array_foreach (list, index, item) {
        if (!self || s_entry (item, index, &self->entries [index], err) != DAIBAN_OK) {
            tokens_destroy (&self);
            break;
        }
        self->count++;
    }
    json_decref (root);
    return self;
}

void
tokens_destroy (tokens_t **self_p)
{
    assert (self_p);
    if (!*self_p)
        return;
    tokens_t *self = *self_p;
    if (self->entries)
        sodium_memzero (self->entries, self->count * sizeof (s_entry_t));
    free (self->entries);
    free (self);
    *self_p = NULL;
}

size_t
tokens_count (tokens_t *self)
{
    return self->count;
}

bool
tokens_find (tokens_t *self, const char *token, tokens_principal_t *principal)
{
    if (!token || strncmp (token, TOKENS_PREFIX, strlen (TOKENS_PREFIX)) != 0)
        return false;
    unsigned char hash [TOKENS_HASH_BYTES];
    s_hash (token, hash);
    //  Every entry is compared, in constant time each, so the time taken
    //  does not tell which entry came close.
    bool found = false;
    for (size_t index = 0; index < self->count; index++)
        if (sodium_memcmp (hash, self->entries [index].hash, TOKENS_HASH_BYTES) == 0) {
            *principal = self->entries [index].principal;
            found = true;
        }
    return found;
}

//  Writes root to path through a temporary file renamed over it, so a
//  crash leaves the old file or the new one, never half of one.
static daiban_code_t
s_write (const char *path, json_t *root, daiban_error_t *err)
{
    char temporary [4096];
    snprintf (temporary, sizeof temporary, "%s.tmp", path);
    int fd = open (temporary, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0)
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "cannot write %s: %s", temporary,
                                 strerror (errno));
    bool ok = json_dumpfd (root, fd, JSON_INDENT (2)) == 0 && write (fd, "\n", 1) == 1
           && fsync (fd) == 0;
    ok = close (fd) == 0 && ok;
    if (!ok || rename (temporary, path) != 0) {
        unlink (temporary);
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "cannot write %s: %s", path,
                                 strerror (errno));
    }
    return DAIBAN_OK;
}

//  Drops the entry of name from list; true when there was one.
static bool
s_remove (json_t *list, const char *name)
{
    size_t index;
    json_t *item;
    json_array_foreach (list, index, item) {
        const char *have = json_string_value (json_object_get (item, "name"));
        if (have && streq (have, name)) {
            json_array_remove (list, index);
            return true;
        }
    }
    return false;
}

static void
s_new_token (char *token)
{
    unsigned char secret [32];
    randombytes_buf (secret, sizeof secret);
    strcpy (token, TOKENS_PREFIX);
    sodium_bin2hex (token + strlen (TOKENS_PREFIX), TOKENS_TOKEN_SIZE - strlen (TOKENS_PREFIX),
                    secret, sizeof secret);
    sodium_memzero (secret, sizeof secret);
}

daiban_code_t
tokens_create (const char *path, const char *name, const char *role, char *token,
               bool *replaced, daiban_error_t *err)
{
    if (sodium_init () < 0)
        return daiban_error_set (err, DAIBAN_INTERNAL, "libsodium cannot start");
    if (!*name || strlen (name) > TOKENS_NAME_MAX || !wire_utf8_valid (name, strlen (name)))
        return daiban_error_set (err, DAIBAN_BAD_REQUEST,
                                 "NAME must be 1..%d bytes of UTF-8", TOKENS_NAME_MAX);
    if (!tokens_role_valid (role))
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "role %s: must be one of system, "
                                 "department, operator, supervisor, admin", role);
    json_t *root = s_read (path, true, err);
    if (!root)
        return err->code;
    json_t *list = json_object_get (root, "tokens");
    *replaced = s_remove (list, name);
    unsigned char hash [TOKENS_HASH_BYTES];
    char hash_hex [TOKENS_HASH_BYTES * 2 + 1];
    s_new_token (token);
    s_hash (token, hash);
    sodium_bin2hex (hash_hex, sizeof hash_hex, hash, sizeof hash);
    json_t *entry = json_pack ("{s:s, s:s, s:s, s:I}", "name", name, "role", role,
                               "hash", hash_hex, "created", (json_int_t) zclock_time ());
    daiban_code_t code = entry && json_array_append_new (list, entry) == 0
                       ? s_write (path, root, err)
                       : daiban_error_set (err, DAIBAN_INTERNAL, "out of memory");
    json_decref (root);
    return code;
}
