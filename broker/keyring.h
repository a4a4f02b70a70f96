/*  keyring: the keys the broker admits (docs/security.md). Every public
    certificate (czmq zcert) in the configured directory names a principal
    in its metadata, `name` and `role`; the keyring maps each public key
    (Z85 text, the ZAP User-Id) to that principal. A reload builds a new
    keyring, so a removed certificate is refused from then on. */
#ifndef DAIBAN_KEYRING_H
#define DAIBAN_KEYRING_H

#include <stdbool.h>
#include <stddef.h>
#include "access.h"
#include "daiban_error.h"

#define KEYRING_KEY_TEXT 40             //  a Z85 public key

typedef struct _keyring_t keyring_t;

typedef struct {
    char key [KEYRING_KEY_TEXT + 1];
    char *name;
    access_role_t role;
    char *file;                         //  where it was read, for messages
} keyring_entry_t;

//  Reads every certificate in directory (files ending in _secret and dot
//  files are skipped). A file that is not a certificate, or one without a
//  valid name or role, is an error naming the file.
keyring_t *keyring_new (const char *directory, daiban_error_t *err);
void keyring_destroy (keyring_t **self_p);

//  The entry of a Z85 public key, or NULL.
const keyring_entry_t *keyring_lookup (keyring_t *self, const char *key);
size_t keyring_size (keyring_t *self);

//  true when every key of older is in self with the same name and role:
//  nothing was revoked or changed between them.
bool keyring_covers (keyring_t *self, keyring_t *older);

//  The entry as a principal (pointing into the entry).
principal_t keyring_principal (const keyring_entry_t *entry);

#endif
