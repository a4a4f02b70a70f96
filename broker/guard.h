/*  guard: the broker's security (docs/security.md). With the broker's
    secret certificate and a directory of admitted public certificates
    configured (section security), every socket is a CURVE server, ZAP
    admits the keys of the directory by role and socket, and each message
    is attributed to the principal of its key; a reload (SIGHUP or the
    reload op) reads the directory again and refuses removed keys, open
    connections included. Without them the broker is in plaintext, binds
    loopback only, and every client is the admin "local" (as Redis's
    protected mode). */
#ifndef DAIBAN_GUARD_H
#define DAIBAN_GUARD_H

#include <czmq.h>
#include <stdbool.h>
#include <stdint.h>
#include "access.h"
#include "config.h"
#include "daiban_error.h"

typedef struct _guard_t guard_t;

guard_t *guard_new (config_t *config, daiban_error_t *err);
void guard_destroy (guard_t **self_p);

bool guard_curve (guard_t *self);

//  Before the socket binds endpoint: with CURVE, makes it a server with the
//  broker's key and the socket's ZAP domain, and watches its failed
//  handshakes; in plaintext, refuses an endpoint that is not loopback.
daiban_code_t guard_prepare (guard_t *self, zsock_t *socket, access_socket_t which,
                             const char *endpoint, daiban_error_t *err);

//  The ZAP socket to poll (NULL in plaintext), and its answers, with the
//  failed handshakes counted.
void *guard_zap_socket (guard_t *self);
void guard_answer (guard_t *self, int64_t mono);

//  The principal of a received frame. unauthorized when its key was
//  removed since the connection was admitted.
daiban_code_t guard_principal (guard_t *self, zmq_msg_t *frame, principal_t *principal,
                               daiban_error_t *err);
//  The key (Z85 public key) a frame came with; "" in plaintext.
const char *guard_key (guard_t *self, zmq_msg_t *frame);
//  The principal of a key as the keys in force say (local admin in
//  plaintext); unauthorized when the key is no longer admitted.
daiban_code_t guard_key_principal (guard_t *self, const char *key, principal_t *principal,
                                   daiban_error_t *err);

//  Reads the key directory again; *revoked when a key went or changed
//  (the broker then drops the stream's connections). On an error the
//  keys in force stay. The principals handed out since the last
//  guard_end_turn (called where the loop begins a turn) stay valid until
//  the next.
daiban_code_t guard_reload (guard_t *self, bool *revoked, daiban_error_t *err);
void guard_end_turn (guard_t *self);

//  Connections refused (by ZAP, or handshakes that failed: no key, a wrong
//  server key), and the number of admitted keys.
uint64_t guard_refused (guard_t *self);
size_t guard_key_count (guard_t *self);

#endif
