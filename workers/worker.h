/*  worker: the socket loop every worker role shares (notes/workers-spec.md,
    PROTOCOL.md "Workers"). A DEALER connects to the broker's workers
    endpoint and says `ready` with the role's types and credit; dispatches
    are answered `done` or `fail` through worker_dispatch_answer; pings go
    out every heartbeat and are answered with pongs. Liveness is the
    Paranoid Pirate pattern of the zguide: any message from the broker is a
    sign of life; after `workers/liveness` silent heartbeats the worker
    closes its socket, waits (250 ms doubling up to 8 s, reset when the
    broker is heard again) and reconnects with a new socket and a new
    `ready`. {"op":"disconnect"} reconnects at once.

    The loop polls with the heartbeat interval, so it never blocks for
    long, and stops on SIGINT/SIGTERM (czmq's zsys_interrupted) after
    answering the dispatch in hand. */
#ifndef DAIBAN_WORKER_H
#define DAIBAN_WORKER_H

#include "daiban_error.h"
#include "worker_context.h"
#include "worker_dispatch.h"

typedef struct _worker_t worker_t;

//  Reads broker/workers, workers/heartbeat_ms, workers/liveness and
//  workers/credit from the context's config and connects a first socket.
//  NULL with err when a value is bad or the endpoint is refused.
worker_t *worker_new (const worker_role_t *role, const worker_context_t *context,
                      daiban_error_t *err);
void worker_destroy (worker_t **self_p);

//  Sends `ready`, prints "daiban-ROLE ready" on stderr, and serves until
//  interrupted. 0 then; -1 when a socket could not be made again.
int worker_run (worker_t *self);

//  The whole main of a role's executable:
//  daiban-ROLE [--broker EP] [-c FILE] [-v]. Exit codes: 0 after SIGINT or
//  SIGTERM, 1 when it cannot start (bad catalog, calendar, config value or
//  endpoint; one line on stderr), 2 for a bad command line.
int worker_main (const worker_role_t *role, int argc, char **argv);

#endif
