/*  dispatch_internal: the state shared by dispatch.c (sockets, queues,
    scheduling) and settle.c (the commit of outcomes). Not a public API. */
#ifndef DAIBAN_DISPATCH_INTERNAL_H
#define DAIBAN_DISPATCH_INTERNAL_H

#include <czmq.h>
#include "case_cache.h"
#include "dispatch.h"
#include "role.h"
#include "timers.h"
#include "wire.h"

#define DISPATCH_WINDOW 10000       //  jobs queued per role; the rest stays in the log
#define TIMERS_PER_TURN 1000        //  bounded, so that ingest is never starved
#define LATENESS_SAMPLES 1024

typedef struct {
    uint64_t id;
    role_t *role;
    job_t *job;
    worker_t *worker;               //  NULL once the worker is gone
    int64_t deadline;               //  monotonic ms
    bool settling;                  //  an outcome is waiting for the commit
} lease_t;

//  OUTCOME_REDECIDE: the done gave a case to an agent at capacity; nothing
//  of it was written, and the event goes to the role again at once (not a
//  failed attempt: the worker decided on loads another worker changed).
typedef enum { OUTCOME_DONE, OUTCOME_FAILED, OUTCOME_DEAD, OUTCOME_REDECIDE } outcome_t;

typedef struct {
    lease_t *lease;
    bool done;                      //  a done message (else a failure)
    void *data;                     //  the done message, owned
    size_t size;
    msgpack_zone zone;
    msgpack_object root;
    char message [200];             //  why it failed
    outcome_t outcome;              //  decided in the transaction
} completion_t;

typedef struct {
    uint64_t dispatched, done, failed, expired, dead_lettered, emitted, emits_refused;
    uint64_t timers_fired, workers_lost, redecided;
    int64_t lateness_max;
    int64_t lateness [LATENESS_SAMPLES];
    size_t lateness_count;
} dispatch_counters_t;

struct _dispatch_t {
    store_t *store;
    void *socket;
    outbox_t *outbox;
    catalog_t *catalog;             //  the broker's: agents and their capacity
    case_cache_t *cases;            //  the case states of the settle transaction
    zhashx_t *roles;                //  name → role_t, owned
    zhashx_t *workers;              //  identity (hex) → worker_t, owned
    zhashx_t *leases;               //  lease id (decimal) → lease_t, owned
    zlistx_t *completions;          //  completion_t *, waiting for the commit
    int64_t heartbeat_ms, liveness, lease_ms, max_attempts;
    uint64_t next_lease, used;
    int64_t retry_at;               //  monotonic ms: the earliest back-off ends
    dispatch_counters_t counters;
    wire_buffer_t message;          //  scratch for outgoing messages
    wire_buffer_t event;            //  scratch for committed events
};

//  dispatch.c: tops up a role's queue from the log.
void dispatch_fill (dispatch_t *self, role_t *role);

//  dispatch_workers.c: sends [identity, empty, message] or {op} without
//  ever blocking; declares silent workers gone, their leases failed.
void dispatch_send_message (dispatch_t *self, const unsigned char *identity,
                            size_t identity_size, const wire_buffer_t *message);
void dispatch_send_op (dispatch_t *self, const unsigned char *identity, size_t size,
                       const char *op);
void dispatch_expire (dispatch_t *self, int64_t mono);

//  settle.c
void dispatch_completion_destroy (completion_t **self_p);
//  A lease ended without a done (fail, expiry, worker lost).
bool dispatch_lease_failed (dispatch_t *self, lease_t *lease, const char *message);
//  Frees a lease and its map entry.
void dispatch_lease_forget (dispatch_t *self, lease_t *lease);
//  Writes the role record (types, watermark) in txn.
daiban_code_t dispatch_role_persist (dispatch_t *self, MDB_txn *txn, role_t *role,
                                     uint64_t watermark, daiban_error_t *err);

#endif
