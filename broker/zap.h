/*  zap: the broker's ZAP handler (ZeroMQ RFC 27) for its CURVE sockets.
    libzmq asks it about every new connection; it admits a key that the
    keyring holds when the key's role may connect to that socket
    (access_may_connect) and sets the connection's User-Id to the key, so
    that every message received from it names its key. We answer ZAP here
    instead of running czmq's zauth because the broker must count and log
    refusals and judge by socket; the cryptography stays libzmq's. */
#ifndef DAIBAN_ZAP_H
#define DAIBAN_ZAP_H

#include <stdint.h>
#include "daiban_error.h"
#include "keyring.h"

#define ZAP_ENDPOINT "inproc://zeromq.zap.01"
#define ZAP_LOG_INTERVAL_MS 60000       //  one log line per key and minute

typedef struct _zap_t zap_t;

//  Binds the ZAP endpoint; before any CURVE socket binds.
zap_t *zap_new (daiban_error_t *err);
void zap_destroy (zap_t **self_p);

void *zap_socket (zap_t *self);

//  Answers every waiting ZAP request by the keyring.
void zap_answer (zap_t *self, keyring_t *keyring, int64_t mono);

//  Connections refused so far.
uint64_t zap_refused (zap_t *self);

#endif
