/*  dispatch: reliable delivery of committed events to the worker roles
    (PROTOCOL.md, Workers; DESIGN.md, Data flow 3–6). The broker's loop
    calls, each turn: dispatch_receive (drain the workers socket),
    dispatch_settle (commit the turn's done/fail outcomes, dead letters
    and due timers in one write transaction), dispatch_feed (queue the
    turn's committed events for the roles), dispatch_send (hand ready
    jobs to idle workers, send heartbeats). Each event's effects are
    committed exactly once: a done is written together with the role's
    acknowledgement, and a done for a lease that is no longer current is
    ignored. */
#ifndef DAIBAN_DISPATCH_H
#define DAIBAN_DISPATCH_H

#include <msgpack.h>
#include <stdint.h>
#include "config.h"
#include "daiban_error.h"
#include "outbox.h"
#include "store.h"

typedef struct _dispatch_t dispatch_t;

typedef struct _catalog_t catalog_t;

//  Loads the known roles and their progress from the store. The catalog
//  (the agents' capacities) stays the caller's.
dispatch_t *dispatch_new (store_t *store, void *socket, outbox_t *outbox, catalog_t *catalog,
                          config_t *config, daiban_error_t *err);
void dispatch_destroy (dispatch_t **self_p);

typedef struct _guard_t guard_t;

//  Reads every message waiting on the workers socket (mono: monotonic ms).
//  The guard names each message's principal: a worker readies only as the
//  role its key names, and a removed key's messages are dropped.
void dispatch_receive (dispatch_t *self, guard_t *guard, int64_t mono);
//  After a reload that removed or changed keys: drops every worker whose
//  key is no longer admitted for its role; its leases fail at once and go
//  to other workers, and it is told to disconnect.
void dispatch_revoke (dispatch_t *self, guard_t *guard);
//  Commits outcomes, dead letters and the timers due at now (broker
//  clock); the new events go to the outbox. Returns false when the
//  storage refused the transaction.
bool dispatch_settle (dispatch_t *self, int64_t now, int64_t mono);
//  Queues the first count outbox entries for the roles that want them.
void dispatch_feed (dispatch_t *self, size_t count);
//  Hands ready jobs to workers and sends heartbeats.
void dispatch_send (dispatch_t *self, int64_t now, int64_t mono);
//  Milliseconds until dispatch needs the loop again (-1: not before an
//  incoming message), given the broker clock now and monotonic mono.
int64_t dispatch_timeout (dispatch_t *self, int64_t now, int64_t mono);

//  The ingress ops of dispatch: stats fields, dead letters, retry.
uint32_t dispatch_stats_count (void);
void dispatch_pack_stats (dispatch_t *self, msgpack_packer *packer);
daiban_code_t dispatch_pack_deadletters (dispatch_t *self, const char *role,
                                         msgpack_packer *packer, daiban_error_t *err);
daiban_code_t dispatch_retry (dispatch_t *self, const char *role, uint64_t seq,
                              daiban_error_t *err);

#endif
