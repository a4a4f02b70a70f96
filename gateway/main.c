/*  daiban-gateway: the HTTP/JSON gateway and web board of daiban
    (docs/http.md). A client of the broker like daibanctl: it never opens
    the store. Prints "daiban-gateway at http://ADDR:PORT/ ready" on
    stderr once it listens; exits 0 on SIGINT or SIGTERM, non-zero with
    a one-line reason when it cannot start. */
#include <arpa/inet.h>
#include <czmq.h>
#include <stdio.h>
#include <string.h>
#include "gateway.h"
#include "link.h"
#include "log.h"
#include "server.h"

#define DEFAULT_LISTEN "127.0.0.1:7780"

static const char *s_usage =
    "usage: daiban-gateway [-c FILE] [--listen ADDR:PORT] [--broker EP] [--stream EP]\n"
    "       [--tokens FILE] [--timeout MS] [--idle-timeout S] [--request-timeout S]\n"
    "       [--max-connections N] [--max-streams N] [--blob-max-bytes N]\n"
    "       [--key FILE --server-key FILE] [-v]\n";

//  An integer setting at path in [min, max], or fallback.
static daiban_code_t
s_int (config_t *config, const char *path, int min, int max, int fallback, int *value,
       daiban_error_t *err)
{
    *value = fallback;
    if (!config_get (config, path))
        return DAIBAN_OK;
    int64_t read = 0;
    if (config_get_int (config, path, &read, err) != DAIBAN_OK)
        return err->code;
    if (read < min || read > max)
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "%s: %lld is not in %d..%d", path,
                                 (long long) read, min, max);
    *value = (int) read;
    return DAIBAN_OK;
}

static daiban_code_t
s_settings (gateway_t *gateway, daiban_error_t *err)
{
    config_t *config = gateway->config;
    const char *listen = config_get (config, "gateway/listen");
    snprintf (gateway->listen, sizeof gateway->listen, "%s", listen? listen: DEFAULT_LISTEN);
    gateway->ingress = config_get (config, "broker/ingress");
    gateway->stream = config_get (config, "broker/stream");
    if (!gateway->ingress || !gateway->stream)
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "no broker/ingress or broker/stream");
    if (s_int (config, "gateway/timeout_ms", 1, 600000, 5000, &gateway->broker_timeout_ms,
               err) || s_int (config, "gateway/connect_ms", 1, 60000, 1000,
                              &gateway->connect_ms, err)
    ||  s_int (config, "gateway/idle_timeout_s", 1, 3600, 30, &gateway->idle_timeout_s, err)
    ||  s_int (config, "gateway/request_timeout_s", 1, 3600, 60, &gateway->request_timeout_s,
               err)
    ||  s_int (config, "gateway/max_connections", 1, 10000, 512, &gateway->max_connections,
               err)
    ||  s_int (config, "gateway/max_streams", 0, 10000, 256, &gateway->max_streams, err)
    ||  config_get_int (config, "broker/blob_max_bytes", &gateway->blob_max_bytes, err))
        return err->code;
    if (gateway->blob_max_bytes < 1)
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "broker/blob_max_bytes must be > 0");
    return DAIBAN_OK;
}

//  True when listen's address is a loopback one (127.0.0.0/8).
static bool
s_loopback (const char *listen)
{
    return strncmp (listen, "127.", 4) == 0;
}

static daiban_code_t
s_open (gateway_t *gateway, daiban_error_t *err)
{
    if (s_settings (gateway, err) != DAIBAN_OK)
        return err->code;
    const char *tokens = config_get (gateway->config, "gateway/tokens");
    if (tokens && *tokens) {
        gateway->tokens = tokens_load (tokens, err);
        if (!gateway->tokens)
            return err->code;
    }
    if ((!gateway->tokens || tokens_count (gateway->tokens) == 0)
    &&  !s_loopback (gateway->listen))
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "--listen %s: without tokens "
                                 "(--tokens FILE) the gateway listens only on loopback",
                                 gateway->listen);
    gateway->keys = client_keys_new (gateway->config, err);
    if (!gateway->keys)
        return err->code;
    //  Its key lets the gateway act for anyone it names; without tokens
    //  it would name everyone on loopback admin.
    if (client_keys_curve (gateway->keys) && !gateway->tokens)
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "--key needs --tokens: with a "
                                 "CURVE key the gateway acts for the holders of its tokens");
    gateway->calendar = calendar_new (gateway->config, err);
    gateway->metrics = metrics_new ();
    if (!gateway->calendar)
        return err->code;
    if (!gateway->metrics)
        return daiban_error_set (err, DAIBAN_INTERNAL, "out of memory");
    return link_init (err);
}

static void
s_close (gateway_t *gateway)
{
    tokens_destroy (&gateway->tokens);
    client_keys_destroy (&gateway->keys);
    calendar_destroy (&gateway->calendar);
    metrics_destroy (&gateway->metrics);
    config_destroy (&gateway->config);
}

int
main (int argc, char **argv)
{
    log_set_ident ("daiban-gateway");
    static const config_flag_t flags [] = {
        { "--listen", "gateway/listen" }, { "--broker", "broker/ingress" },
        { "--stream", "broker/stream" }, { "--tokens", "gateway/tokens" },
        { "--timeout", "gateway/timeout_ms" }, { "--idle-timeout", "gateway/idle_timeout_s" },
        { "--request-timeout", "gateway/request_timeout_s" },
        { "--max-connections", "gateway/max_connections" },
        { "--max-streams", "gateway/max_streams" }, { "--key", "security/key" },
        { "--blob-max-bytes", "broker/blob_max_bytes" },
        { "--server-key", "security/server_key" }, { NULL, NULL }
    };
    gateway_t gateway;
    memset (&gateway, 0, sizeof gateway);
    int rest = argc;
    daiban_error_t err;
    daiban_error_clear (&err);
    gateway.config = config_from_args (argc, argv, flags, &rest, &err);
    if (!gateway.config || rest < argc) {
        fprintf (stderr, "daiban-gateway: %s\n%s", gateway.config? "unexpected argument"
                 : err.message, s_usage);
        config_destroy (&gateway.config);
        return 2;
    }
    for (int index = 1; index + 1 < argc; index++)
        if (streq (argv [index], "-c") || streq (argv [index], "--config"))
            gateway.config_path = argv [index + 1];
    log_set_level_name (config_get (gateway.config, "log/level"));
    zsys_init ();
    server_t *server = NULL;
    if (s_open (&gateway, &err) == DAIBAN_OK)
        server = server_new (&gateway, &err);
    if (!server) {
        fprintf (stderr, "daiban-gateway: %s\n", err.message);
        s_close (&gateway);
        return 1;
    }
    char host [64];
    snprintf (host, sizeof host, "%.*s", (int) (strrchr (gateway.listen, ':') - gateway.listen),
              gateway.listen);
    fprintf (stderr, "daiban-gateway at http://%s:%d/ ready\n", host, server_port (server));
    while (!zsys_interrupted)
        zclock_sleep (100);
    server_destroy (&server);
    s_close (&gateway);
    return 0;
}
