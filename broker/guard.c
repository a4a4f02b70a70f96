/*  guard: CURVE, ZAP and principals of the broker (see guard.h). */
#include "guard.h"

#include <string.h>
#include "keyring.h"
#include "log.h"
#include "zap.h"

#define GUARD_MONITORS 3
#define HANDSHAKE_EVENTS (ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL)

struct _guard_t {
    zcert_t *cert;                  //  the broker's; NULL in plaintext
    char *key_directory;
    keyring_t *keyring;
    zlistx_t *retired;              //  keyrings replaced this turn, freed at its end
    zap_t *zap;
    zsock_t *monitors [GUARD_MONITORS];     //  failed handshakes per socket
    uint64_t handshakes_failed;
    unsigned monitors_made;         //  names each monitor's endpoint once
    int64_t handshake_logged;       //  monotonic ms of the last log line
};

static const principal_t s_local = { ACCESS_LOCAL_NAME, sizeof ACCESS_LOCAL_NAME - 1, ACCESS_ADMIN };

static daiban_code_t
s_load_cert (guard_t *self, const char *path, daiban_error_t *err)
{
    self->cert = zcert_load (path);
    if (!self->cert)
        return daiban_error_set (err, DAIBAN_BAD_REQUEST,
                                 "security/secret_key: %s is not a CURVE certificate", path);
    static const char zero_key [] = "0000000000000000000000000000000000000000";
    if (streq (zcert_secret_txt (self->cert), zero_key))
        return daiban_error_set (err, DAIBAN_BAD_REQUEST,
                                 "security/secret_key: %s holds no secret key (give the "
                                 "_secret file)", path);
    return DAIBAN_OK;
}

static void
s_keyring_free (void **item)
{
    keyring_destroy ((keyring_t **) item);
}

guard_t *
guard_new (config_t *config, daiban_error_t *err)
{
    guard_t *self = (guard_t *) calloc (1, sizeof (guard_t));
    if (!self) {
        daiban_error_set (err, DAIBAN_UNAVAILABLE, "out of memory");
        return NULL;
    }
    const char *secret = config_get (config, "security/secret_key");
    const char *directory = config_get (config, "security/public_keys");
    bool has_secret = secret && *secret, has_directory = directory && *directory;
    if (!(self->retired = zlistx_new ())) {
        daiban_error_set (err, DAIBAN_UNAVAILABLE, "out of memory");
        guard_destroy (&self);
        return NULL;
    }
    zlistx_set_destructor (self->retired, s_keyring_free);
    if (has_secret != has_directory) {
        daiban_error_set (err, DAIBAN_BAD_REQUEST,
                          "security: secret_key and public_keys go together (docs/security.md)");
        guard_destroy (&self);
    }
    else
    if (has_secret
    &&  (s_load_cert (self, secret, err)
     ||  !(self->key_directory = strdup (directory))
     ||  !(self->keyring = keyring_new (directory, err))
     ||  !(self->zap = zap_new (err))))
        guard_destroy (&self);
    return self;
}

void
guard_destroy (guard_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    guard_t *self = *self_p;
    for (int index = 0; index < GUARD_MONITORS; index++)
        zsock_destroy (&self->monitors [index]);
    zap_destroy (&self->zap);
    keyring_destroy (&self->keyring);
    zlistx_destroy (&self->retired);
    zcert_destroy (&self->cert);
    free (self->key_directory);
    free (self);
    *self_p = NULL;
}

bool
guard_curve (guard_t *self)
{
    return self->cert != NULL;
}

//  tcp on a loopback address, ipc and inproc stay on this machine.
static bool
s_loopback (const char *endpoint)
{
    if (strncmp (endpoint, "ipc://", 6) == 0 || strncmp (endpoint, "inproc://", 9) == 0)
        return true;
    if (strncmp (endpoint, "tcp://", 6) != 0)
        return false;
    const char *host = endpoint + 6;
    return strncmp (host, "127.", 4) == 0 || strncmp (host, "localhost:", 10) == 0
        || strncmp (host, "[::1]:", 6) == 0 || strncmp (host, "lo:", 3) == 0;
}

static daiban_code_t
s_watch (guard_t *self, zsock_t *socket, access_socket_t which, daiban_error_t *err)
{
    char endpoint [64];
    snprintf (endpoint, sizeof endpoint, "inproc://daiban-monitor-%d-%u", (int) which,
              self->monitors_made++);
    zsock_destroy (&self->monitors [which]);
    if (zmq_socket_monitor (zsock_resolve (socket), endpoint, HANDSHAKE_EVENTS) != 0
    ||  !(self->monitors [which] = zsock_new_pair (endpoint)))
        return daiban_error_set (err, DAIBAN_UNAVAILABLE, "cannot monitor a socket: %s",
                                 zmq_strerror (zmq_errno ()));
    return DAIBAN_OK;
}

daiban_code_t
guard_prepare (guard_t *self, zsock_t *socket, access_socket_t which, const char *endpoint,
               daiban_error_t *err)
{
    static const char *domains [] = { "ingress", "workers", "stream" };
    if (!self->cert) {
        if (endpoint && !s_loopback (endpoint))
            return daiban_error_set (err, DAIBAN_BAD_REQUEST,
                                     "refusing to bind %s without CURVE: plaintext binds loopback "
                                     "only; set security/secret_key and security/public_keys "
                                     "to bind other addresses (docs/security.md)", endpoint);
        return DAIBAN_OK;
    }
    zcert_apply (self->cert, zsock_resolve (socket));
    zsock_set_curve_server (socket, 1);
    zsock_set_zap_domain (socket, domains [which]);
    return s_watch (self, socket, which, err);
}

void *
guard_zap_socket (guard_t *self)
{
    return self->zap? zap_socket (self->zap): NULL;
}

//  Failed handshakes never reach ZAP (no key, a wrong server key): the
//  monitors count them, with one log line a minute.
static void
s_drain_monitors (guard_t *self, int64_t mono)
{
    for (int index = 0; index < GUARD_MONITORS; index++) {
        zmsg_t *event;
        while (self->monitors [index]
           &&  zsock_events (self->monitors [index]) & ZMQ_POLLIN
           &&  (event = zmsg_recv (self->monitors [index]))) {
            zmsg_destroy (&event);
            self->handshakes_failed++;
            if (mono - self->handshake_logged >= ZAP_LOG_INTERVAL_MS || !self->handshake_logged) {
                log_warning ("refused a connection whose CURVE handshake failed (no key, or "
                             "not this broker's public key); logged once a minute");
                self->handshake_logged = mono;
            }
        }
    }
}

void
guard_answer (guard_t *self, int64_t mono)
{
    if (!self->zap)
        return;
    zap_answer (self->zap, self->keyring, mono);
    s_drain_monitors (self, mono);
}

daiban_code_t
guard_principal (guard_t *self, zmq_msg_t *frame, principal_t *principal, daiban_error_t *err)
{
    return guard_key_principal (self, self->cert? zmq_msg_gets (frame, "User-Id"): NULL,
                                principal, err);
}

const char *
guard_key (guard_t *self, zmq_msg_t *frame)
{
    const char *key = self->cert? zmq_msg_gets (frame, "User-Id"): NULL;
    return key? key: "";
}

daiban_code_t
guard_key_principal (guard_t *self, const char *key, principal_t *principal, daiban_error_t *err)
{
    if (!self->cert) {
        *principal = s_local;
        return DAIBAN_OK;
    }
    const keyring_entry_t *entry = keyring_lookup (self->keyring, key);
    if (!entry)
        return daiban_error_set (err, DAIBAN_UNAUTHORIZED,
                                 "this key was removed from the broker's public keys");
    *principal = keyring_principal (entry);
    return DAIBAN_OK;
}

daiban_code_t
guard_reload (guard_t *self, bool *revoked, daiban_error_t *err)
{
    *revoked = false;
    if (!self->cert)
        return daiban_error_set (err, DAIBAN_BAD_REQUEST,
                                 "reload: the broker runs without CURVE keys (no security/public_keys)");
    keyring_t *keyring = keyring_new (self->key_directory, err);
    if (!keyring)
        return err->code;
    //  Principals handed out this turn point into the keyring in force (a
    //  SIGHUP may have replaced it before the turn's requests were read):
    //  every replaced one lives to the turn's end.
    if (!zlistx_add_end (self->retired, self->keyring)) {
        keyring_destroy (&keyring);
        return daiban_error_set (err, DAIBAN_UNAVAILABLE, "out of memory");
    }
    *revoked = !keyring_covers (keyring, self->keyring);
    self->keyring = keyring;
    log_info ("keys reloaded from %s: %zu admitted%s", self->key_directory, keyring_size (keyring),
              *revoked? ", some removed or changed": "");
    return DAIBAN_OK;
}

void
guard_end_turn (guard_t *self)
{
    zlistx_purge (self->retired);
}

uint64_t
guard_refused (guard_t *self)
{
    return (self->zap? zap_refused (self->zap): 0) + self->handshakes_failed;
}

size_t
guard_key_count (guard_t *self)
{
    return self->keyring? keyring_size (self->keyring): 0;
}
