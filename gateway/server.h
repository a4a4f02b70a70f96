/*  server: the HTTP server (libmicrohttpd) of the gateway: a thread per
    connection (so each has its own broker socket, see link.h), a cap on
    connections, an idle timeout that closes a slow or silent client's
    connection, bodies read up to their route's limit, then routes.c. */
#ifndef DAIBAN_SERVER_H
#define DAIBAN_SERVER_H

#include "daiban_error.h"
#include "gateway.h"

typedef struct _server_t server_t;

//  Listens on gateway->listen. NULL with err when the address is not
//  valid or cannot be bound.
server_t *server_new (gateway_t *gateway, daiban_error_t *err);
void server_destroy (server_t **self_p);

//  The port bound (the one asked for, or the kernel's for port 0).
int server_port (server_t *self);

#endif
