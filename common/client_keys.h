/*  client_keys: the CURVE keys of a client of the broker (workers,
    daibanctl, the gateway): its own secret certificate and the broker's
    public one, from config security/key and security/server_key (or
    --key, --server-key). Applied to a socket before it connects; a
    monitor on that socket tells a refused handshake from a silent broker,
    so that a client can say which it was. */
#ifndef DAIBAN_CLIENT_KEYS_H
#define DAIBAN_CLIENT_KEYS_H

#include <czmq.h>
#include <stdbool.h>
#include "config.h"
#include "daiban_error.h"

typedef struct _client_keys_t client_keys_t;

//  Plaintext when neither key is configured; NULL with an error naming
//  the file when one is missing or not a certificate, or when only one of
//  the two is set.
client_keys_t *client_keys_new (config_t *config, daiban_error_t *err);
//  The same from the two files (NULL or "" for either: not set).
client_keys_t *client_keys_new_files (const char *key, const char *server_key,
                                      daiban_error_t *err);
void client_keys_destroy (client_keys_t **self_p);

//  Makes the socket a CURVE client with these keys (in plaintext or with
//  self NULL, leaves it as it is), before it connects.
void client_keys_apply (client_keys_t *self, zsock_t *socket);

//  A monitor of the socket's failed handshakes (NULL when one cannot be
//  made: the client then only times out), and, after a wait without an
//  answer, whether one was refused: true with why filled (a key the
//  broker does not admit, no key for a CURVE broker, a wrong server key).
zsock_t *client_keys_watch (zsock_t *socket);
bool client_keys_refused (zsock_t *monitor, char *why, size_t size);

bool client_keys_curve (client_keys_t *self);

//  czmq's zcert_load and zcert_save make "PATH_secret" in 256 bytes: a
//  longer path would read or write another file. false for such a path.
#define CLIENT_KEYS_PATH_MAX (255 - 7)
bool client_keys_path_fits (const char *path);

//  The name in the client's own certificate ("" in plaintext).
const char *client_keys_name (client_keys_t *self);

#endif
