/*  server: libmicrohttpd set up for the gateway (see server.h). */
#include "server.h"

#include <arpa/inet.h>
#include <czmq.h>
#include <microhttpd.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "log.h"
#include "http_request.h"
#include "routes.h"

struct _server_t {
    struct MHD_Daemon *daemon;
    gateway_t *gateway;
};

//  Parses "ADDR:PORT" (IPv4) into address.
static daiban_code_t
s_address (const char *listen, struct sockaddr_in *address, daiban_error_t *err)
{
    char host [64];
    const char *colon = strrchr (listen, ':');
    char *end = NULL;
    long port = colon? strtol (colon + 1, &end, 10): -1;
    size_t length = colon? (size_t) (colon - listen): 0;
    memset (address, 0, sizeof *address);
    address->sin_family = AF_INET;
    if (!colon || *end || port < 0 || port > 65535 || length == 0 || length >= sizeof host)
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "--listen %s: must be ADDR:PORT",
                                 listen);
    memcpy (host, listen, length);
    host [length] = 0;
    if (inet_pton (AF_INET, host, &address->sin_addr) != 1)
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "--listen %s: %s is not an IPv4 "
                                 "address", listen, host);
    address->sin_port = htons ((uint16_t) port);
    return DAIBAN_OK;
}

static enum MHD_Result
s_handle (void *closure, struct MHD_Connection *connection, const char *url,
          const char *method, const char *version, const char *upload, size_t *upload_size,
          void **context)
{
    (void) version;
    request_t *request = (request_t *) *context;
    if (!request) {
        request = request_new ((gateway_t *) closure, connection, method, url);
        *context = request;
        if (!request)
            return MHD_NO;
        //  An upload's handler sees the headers first and takes the
        //  body as it comes.
        if (routes_streamed (request))
            return routes_dispatch (request);
        //  A declared length past the limit is refused before its bytes
        //  are read; the connection is then closed.
        const char *length = request_header (request, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (length && strtoull (length, NULL, 10) > request->limit) {
            request->too_large = true;
            return routes_dispatch (request);
        }
        return MHD_YES;
    }
    if (*upload_size) {
        size_t size = *upload_size;
        *upload_size = 0;
        if (request->answered)
            return MHD_YES;
        //  A body dribbled in slowly would hold the thread for good:
        //  each piece resets the idle timeout, so the whole has a
        //  deadline. The server cannot answer before the body is in, so
        //  the connection is closed.
        if (zclock_usecs () - request->started
            > (int64_t) request->gateway->request_timeout_s * 1000000) {
            log_info ("closed a connection whose body took over %d s",
                      request->gateway->request_timeout_s);
            return MHD_NO;
        }
        if (request->stream_feed)
            request->stream_feed (request, upload, size);
        else
            request_append (request, upload, size);
        return MHD_YES;
    }
    if (request->answered)
        return MHD_YES;
    if (request->stream_end)
        return request->stream_end (request);
    return routes_dispatch (request);
}

static void
s_completed (void *closure, struct MHD_Connection *connection, void **context,
             enum MHD_RequestTerminationCode code)
{
    (void) closure, (void) connection, (void) code;
    request_destroy ((request_t **) context);
}

//  libmicrohttpd's own messages (mostly clients that left mid-response,
//  as event-stream clients do) go to the log at debug level.
static void
s_log (void *closure, const char *format, va_list args)
{
    (void) closure;
    char message [512];
    vsnprintf (message, sizeof message, format, args);
    message [strcspn (message, "\n")] = 0;
    log_debug ("http: %s", message);
}

server_t *
server_new (gateway_t *gateway, daiban_error_t *err)
{
    struct sockaddr_in address;
    if (s_address (gateway->listen, &address, err) != DAIBAN_OK)
        return NULL;
    server_t *self = (server_t *) calloc (1, sizeof (server_t));
    if (!self) {
        daiban_error_set (err, DAIBAN_INTERNAL, "out of memory");
        return NULL;
    }
    self->gateway = gateway;
    self->daemon = MHD_start_daemon (
        MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG,
        0, NULL, NULL, s_handle, gateway,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *) &address,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int) gateway->idle_timeout_s,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned int) gateway->max_connections,
        MHD_OPTION_NOTIFY_COMPLETED, s_completed, NULL,
        MHD_OPTION_EXTERNAL_LOGGER, s_log, NULL,
        MHD_OPTION_END);
    if (!self->daemon) {
        daiban_error_set (err, DAIBAN_BAD_REQUEST, "cannot listen on %s (in use, or not an "
                          "address of this machine)", gateway->listen);
        free (self);
        return NULL;
    }
    return self;
}

void
server_destroy (server_t **self_p)
{
    if (!*self_p)
        return;
    MHD_stop_daemon ((*self_p)->daemon);
    free (*self_p);
    *self_p = NULL;
}

int
server_port (server_t *self)
{
    const union MHD_DaemonInfo *info = MHD_get_daemon_info (self->daemon,
                                                            MHD_DAEMON_INFO_BIND_PORT);
    return info? (int) info->port: 0;
}
