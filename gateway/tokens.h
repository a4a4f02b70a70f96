/*  tokens: the gateway's bearer tokens, in a JSON file (docs/http.md):
    {"tokens":[{"name":N,"role":R,"hash":HEX,"created":MS}...]}. Only a
    hash of each token is stored (libsodium's crypto_generichash, BLAKE2b,
    keyed by nothing: the tokens are 256 random bits, so no stretching is
    needed), so the file gives nobody a token. `daibanctl token` creates
    one and prints it once; the gateway loads the file and finds the
    principal of a presented token. */
#ifndef DAIBAN_TOKENS_H
#define DAIBAN_TOKENS_H

#include <stdbool.h>
#include <stddef.h>
#include "daiban_error.h"

//  Names as the broker's source field allows them (docs/protocol.md).
#define TOKENS_NAME_MAX 200
//  "dbt_" and 64 hex digits, and the NUL.
#define TOKENS_TOKEN_SIZE 69

typedef struct {
    char name [TOKENS_NAME_MAX + 1];
    char role [16];
} tokens_principal_t;

typedef struct _tokens_t tokens_t;

//  Loads path. NULL with err (DAIBAN_BAD_REQUEST) when the file cannot be
//  read or is not a token file; the message names the entry at fault.
tokens_t *tokens_load (const char *path, daiban_error_t *err);
void tokens_destroy (tokens_t **self_p);

size_t tokens_count (tokens_t *self);

//  Fills *principal with the holder of token; false when no entry has it.
bool tokens_find (tokens_t *self, const char *token, tokens_principal_t *principal);

//  True for the roles a token may have: system, department, operator,
//  supervisor, admin (the principals of the security contract).
bool tokens_role_valid (const char *role);

//  Creates a token for name with role, stores its hash in path (made
//  when missing, mode 0600; a name already there gets the new token in
//  place of the old one) and writes the token into token (size
//  TOKENS_TOKEN_SIZE). *replaced tells whether the name had one.
daiban_code_t tokens_create (const char *path, const char *name, const char *role,
                             char *token, bool *replaced, daiban_error_t *err);

#endif
