/*  client_keys: CURVE client keys and refused handshakes (see client_keys.h). */
#include "client_keys.h"

#include <string.h>
#include <unistd.h>

#define REFUSAL_EVENTS (ZMQ_EVENT_HANDSHAKE_FAILED_AUTH | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL \
                        | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL)

struct _client_keys_t {
    zcert_t *cert;                  //  ours, with the secret key
    zcert_t *server;                //  the broker's public key
};

bool
client_keys_path_fits (const char *path)
{
    return strlen (path) <= CLIENT_KEYS_PATH_MAX;
}

static zcert_t *
s_load (const char *path, const char *what, bool secret, daiban_error_t *err)
{
    if (!client_keys_path_fits (path)) {
        daiban_error_set (err, DAIBAN_BAD_REQUEST, "%s: the path is over %d bytes", what,
                          CLIENT_KEYS_PATH_MAX);
        return NULL;
    }
    zcert_t *cert = zcert_load (path);
    static const char zero_key [] = "0000000000000000000000000000000000000000";
    if (!cert)
        daiban_error_set (err, DAIBAN_BAD_REQUEST, "%s: %s is not a CURVE certificate", what, path);
    else
    if (secret && streq (zcert_secret_txt (cert), zero_key)) {
        daiban_error_set (err, DAIBAN_BAD_REQUEST,
                          "%s: %s holds no secret key (give the _secret file)", what, path);
        zcert_destroy (&cert);
    }
    return cert;
}

client_keys_t *
client_keys_new (config_t *config, daiban_error_t *err)
{
    return client_keys_new_files (config_get (config, "security/key"),
                                  config_get (config, "security/server_key"), err);
}

client_keys_t *
client_keys_new_files (const char *key, const char *server, daiban_error_t *err)
{
    bool has_key = key && *key, has_server = server && *server;
    if (has_key != has_server) {
        daiban_error_set (err, DAIBAN_BAD_REQUEST,
                          "--key and --server-key (security/key, security/server_key) go together");
        return NULL;
    }
    client_keys_t *self = (client_keys_t *) calloc (1, sizeof (client_keys_t));
    if (!self) {
        daiban_error_set (err, DAIBAN_INTERNAL, "out of memory");
        return NULL;
    }
    if (has_key
    &&  (!(self->cert = s_load (key, "--key", true, err))
     ||  !(self->server = s_load (server, "--server-key", false, err))))
        client_keys_destroy (&self);
    return self;
}

void
client_keys_destroy (client_keys_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    client_keys_t *self = *self_p;
    zcert_destroy (&self->cert);
    zcert_destroy (&self->server);
    free (self);
    *self_p = NULL;
}

void
client_keys_apply (client_keys_t *self, zsock_t *socket)
{
    if (self && self->cert) {
        zcert_apply (self->cert, zsock_resolve (socket));
        zsock_set_curve_serverkey (socket, zcert_public_txt (self->server));
    }
}

zsock_t *
client_keys_watch (zsock_t *socket)
{
    static unsigned made = 0;
    char endpoint [64];
    snprintf (endpoint, sizeof endpoint, "inproc://daiban-handshakes-%d-%u", (int) getpid (),
              __atomic_fetch_add (&made, 1, __ATOMIC_RELAXED));
    if (zmq_socket_monitor (zsock_resolve (socket), endpoint, REFUSAL_EVENTS) != 0)
        return NULL;
    return zsock_new_pair (endpoint);
}

bool
client_keys_refused (zsock_t *monitor, char *why, size_t size)
{
    bool refused = false;
    zmsg_t *event;
    while (monitor && zsock_events (monitor) & ZMQ_POLLIN && (event = zmsg_recv (monitor))) {
        zframe_t *first = zmsg_first (event);
        uint16_t kind = 0;
        if (first && zframe_size (first) >= 2)
            memcpy (&kind, zframe_data (first), 2);
        snprintf (why, size, "%s", kind == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH
                  ? "the broker refused this key (not among its public keys, or not for this socket)"
                  : "the CURVE handshake failed (no key for a CURVE broker, or a wrong --server-key)");
        refused = true;
        zmsg_destroy (&event);
    }
    return refused;
}

bool
client_keys_curve (client_keys_t *self)
{
    return self && self->cert;
}

const char *
client_keys_name (client_keys_t *self)
{
    const char *name = self && self->cert? zcert_meta (self->cert, "name"): NULL;
    return name? name: "";
}
