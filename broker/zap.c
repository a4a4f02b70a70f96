/*  zap: ZAP requests answered from the keyring (see zap.h). */
#include "zap.h"

#include <czmq.h>
#include <string.h>
#include "log.h"

#define ZAP_FRAMES 7                    //  version, id, domain, address, identity, mechanism, key
#define ZAP_NOTED_MAX 4096              //  keys remembered for the log limit
#define ZAP_LOG_LINES 20                //  refusal lines a minute, all keys together

struct _zap_t {
    zsock_t *socket;                    //  REP: libzmq frames each request with a delimiter
    zhashx_t *noted;                    //  "key domain" → monotonic ms of its last log line
    int64_t window_at;                  //  monotonic ms: the minute the lines count in
    int window_lines;                   //  refusals logged in that minute
    uint64_t window_quiet;              //  refusals not logged in it
    uint64_t refused;
};

zap_t *
zap_new (daiban_error_t *err)
{
    zap_t *self = (zap_t *) calloc (1, sizeof (zap_t));
    if (self) {
        self->socket = zsock_new (ZMQ_REP);
        self->noted = zhashx_new ();
    }
    if (!self || !self->socket || !self->noted) {
        daiban_error_set (err, DAIBAN_UNAVAILABLE, "out of memory for the ZAP handler");
        zap_destroy (&self);
        return NULL;
    }
    zhashx_set_destructor (self->noted, (zhashx_destructor_fn *) zstr_free);
    zhashx_set_duplicator (self->noted, (zhashx_duplicator_fn *) strdup);
    if (zsock_bind (self->socket, ZAP_ENDPOINT) < 0) {
        daiban_error_set (err, DAIBAN_UNAVAILABLE, "cannot bind %s: %s", ZAP_ENDPOINT,
                          zmq_strerror (zmq_errno ()));
        zap_destroy (&self);
    }
    return self;
}

void
zap_destroy (zap_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    zap_t *self = *self_p;
    zsock_destroy (&self->socket);
    zhashx_destroy (&self->noted);
    free (self);
    *self_p = NULL;
}

void *
zap_socket (zap_t *self)
{
    return zsock_resolve (self->socket);
}

uint64_t
zap_refused (zap_t *self)
{
    return self->refused;
}

static bool
s_domain (const zmq_msg_t *frame, access_socket_t *socket)
{
    static const char *names [] = { "ingress", "workers", "stream" };
    for (int index = 0; index < 3; index++)
        if (zmq_msg_size (frame) == strlen (names [index])
        &&  memcmp (zmq_msg_data ((zmq_msg_t *) frame), names [index], strlen (names [index])) == 0) {
            *socket = (access_socket_t) index;
            return true;
        }
    return false;
}

//  A scanner that makes a new key per connection must not flood the log:
//  ZAP_LOG_LINES lines a minute in all, then one line saying how many went
//  unlogged.
static bool
s_log_budget (zap_t *self, int64_t mono)
{
    if (mono - self->window_at >= ZAP_LOG_INTERVAL_MS) {
        if (self->window_quiet)
            log_warning ("%llu more refused connections were not logged in the last minute",
                         (unsigned long long) self->window_quiet);
        self->window_at = mono;
        self->window_lines = 0;
        self->window_quiet = 0;
    }
    if (self->window_lines >= ZAP_LOG_LINES) {
        self->window_quiet++;
        return false;
    }
    self->window_lines++;
    return true;
}

//  A scanner must not flood the log: one line per key and socket a minute,
//  and a budget for all keys together.
static void
s_log_refusal (zap_t *self, const char *key, const char *domain, const char *address,
               const char *why, int64_t mono)
{
    char noted [96];
    snprintf (noted, sizeof noted, "%s %s", key, domain);
    char *last = (char *) zhashx_lookup (self->noted, noted);
    if ((last && mono - atoll (last) < ZAP_LOG_INTERVAL_MS) || !s_log_budget (self, mono))
        return;
    if (zhashx_size (self->noted) >= ZAP_NOTED_MAX)
        zhashx_purge (self->noted);
    char stamp [24];
    snprintf (stamp, sizeof stamp, "%lld", (long long) mono);
    zhashx_update (self->noted, noted, stamp);
    log_warning ("refused key %s from %s on %s: %s (logged once a minute per key)", key,
                 address, domain, why);
}

//  The decision for one request: 200 with the key as User-Id, or 400.
static bool
s_decide (zap_t *self, keyring_t *keyring, zmq_msg_t *frames, char *key, int64_t mono)
{
    char domain [16] = "", address [64] = "";
    snprintf (domain, sizeof domain, "%.*s", (int) zmq_msg_size (&frames [2]),
              (char *) zmq_msg_data (&frames [2]));
    snprintf (address, sizeof address, "%.*s", (int) zmq_msg_size (&frames [3]),
              (char *) zmq_msg_data (&frames [3]));
    access_socket_t socket;
    bool curve = zmq_msg_size (&frames [5]) == 5 && memcmp (zmq_msg_data (&frames [5]), "CURVE", 5) == 0;
    if (!curve || zmq_msg_size (&frames [6]) != 32 || !s_domain (&frames [2], &socket)) {
        snprintf (key, KEYRING_KEY_TEXT + 1, "(none)");
        s_log_refusal (self, key, domain, address, "not a CURVE handshake", mono);
        return false;
    }
    zmq_z85_encode (key, (const uint8_t *) zmq_msg_data (&frames [6]), 32);
    const keyring_entry_t *entry = keyring_lookup (keyring, key);
    if (!entry) {
        s_log_refusal (self, key, domain, address, "key not in security/public_keys", mono);
        return false;
    }
    if (!access_may_connect (entry->role, socket)) {
        char why [300];
        snprintf (why, sizeof why, "%s (role %s) may not connect to %s", entry->name,
                  access_role_name (entry->role), domain);
        s_log_refusal (self, key, domain, address, why, mono);
        return false;
    }
    return true;
}

static void
s_reply (void *socket, const zmq_msg_t *request_id, bool admitted, const char *key)
{
    zmq_send (socket, "1.0", 3, ZMQ_SNDMORE);
    zmq_send (socket, zmq_msg_data ((zmq_msg_t *) request_id), zmq_msg_size (request_id),
              ZMQ_SNDMORE);
    zmq_send (socket, admitted? "200": "400", 3, ZMQ_SNDMORE);
    const char *text = admitted? "OK": "key refused";
    zmq_send (socket, text, strlen (text), ZMQ_SNDMORE);
    zmq_send (socket, admitted? key: "", admitted? strlen (key): 0, ZMQ_SNDMORE);
    zmq_send (socket, "", 0, 0);
}

//  Reads one request: true with its frames when one was waiting. A
//  malformed one (only libzmq sends here) is refused.
static bool
s_receive (void *socket, zmq_msg_t *frames, int *count)
{
    *count = 0;
    bool more = true;
    while (more) {
        zmq_msg_t frame;
        zmq_msg_init (&frame);
        if (zmq_msg_recv (&frame, socket, *count? 0: ZMQ_DONTWAIT) < 0) {
            zmq_msg_close (&frame);
            return *count > 0;
        }
        more = zmq_msg_more (&frame);
        if (*count < ZAP_FRAMES)
            zmq_msg_move (&frames [*count], &frame);
        (*count)++;
        zmq_msg_close (&frame);
    }
    return true;
}

void
zap_answer (zap_t *self, keyring_t *keyring, int64_t mono)
{
    void *socket = zap_socket (self);
    for (int turn = 0; turn < 1000; turn++) {
        zmq_msg_t frames [ZAP_FRAMES];
        for (int index = 0; index < ZAP_FRAMES; index++)
            zmq_msg_init (&frames [index]);
        int count;
        bool received = s_receive (socket, frames, &count);
        if (received) {
            char key [KEYRING_KEY_TEXT + 1] = "";
            bool admitted = count == ZAP_FRAMES && keyring
                         && s_decide (self, keyring, frames, key, mono);
            if (!admitted)
                self->refused++;
            s_reply (socket, &frames [1], admitted, key);
        }
        for (int index = 0; index < ZAP_FRAMES; index++)
            zmq_msg_close (&frames [index]);
        if (!received)
            break;
    }
}
