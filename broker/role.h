/*  role: what the broker knows of one worker role — the event types it
    subscribed to, its queue of jobs (events not yet acknowledged, in log
    order), its connected workers, and its low-watermark (every relevant
    event at or below it is acknowledged). In memory only, no I/O: the
    dispatch module persists what must survive a restart. The queue
    enforces the ordering rule of DESIGN.md: events of one case reach a
    role one at a time, in log order; different cases run in parallel. */
#ifndef DAIBAN_ROLE_H
#define DAIBAN_ROLE_H

#include <czmq.h>
#include <stdbool.h>
#include <stdint.h>
#include "envelope.h"

#define ROLE_NAME_MAX 32
#define WORKER_IDENTITY_MAX 256

typedef struct {
    uint64_t seq;
    char case_id [ENVELOPE_CASE_MAX + 1];
    int64_t not_before;         //  monotonic ms: back-off after a failure
    int attempts;
    bool retry;                 //  an operator's retry of a dead letter
    uint64_t lease;             //  0 when not in flight
    char message [200];         //  why the last attempt failed
    void *handle;               //  its node in the role's queue
} job_t;

typedef struct _role_t role_t;

typedef struct {
    unsigned char identity [WORKER_IDENTITY_MAX];
    size_t identity_size;
    role_t *role;
    int credit, in_flight;
    int64_t expiry;             //  monotonic ms: presumed dead after this
    int64_t ping_at;            //  monotonic ms: next heartbeat to send
    uint64_t used;              //  when last given a job, for the tie-break
    char key [41];              //  its CURVE public key (Z85; "" in plaintext)
} worker_t;

struct _role_t {
    char name [ROLE_NAME_MAX + 1];
    zlistx_t *types;            //  char *, the subscribed event types
    zlistx_t *queue;            //  job_t *, in seq order
    zlistx_t *workers;          //  worker_t *, not owned
    uint64_t scanned;           //  the log is examined up to this seq
    uint64_t persisted;         //  watermark as last written to the store
    size_t jobs;                //  queue length
};

role_t *role_new (const char *name);
void role_destroy (role_t **self_p);

//  Replaces the subscribed types; false when out of memory.
bool role_set_types (role_t *self, const char *const *types, size_t count);
bool role_wants (role_t *self, const char *type, size_t size);

//  Queues a job at its place in seq order; NULL when out of memory.
job_t *role_enqueue (role_t *self, uint64_t seq, const char *case_id, bool retry);
job_t *role_find (role_t *self, uint64_t seq);
void role_remove (role_t *self, job_t *job);

//  Every relevant event at or below the watermark is acknowledged: one
//  below the oldest queued job (operator retries aside), else scanned.
uint64_t role_watermark (role_t *self);

//  The least-loaded worker with free credit (least recently used on a
//  tie), or NULL.
worker_t *role_pick_worker (role_t *self);

//  The jobs that may go out now, in order: not in flight, not backing
//  off, and no earlier job of the same case waiting or in flight. Calls
//  take (job, argument) for each until it returns false.
typedef bool (role_take_fn) (role_t *role, job_t *job, void *argument);
void role_each_ready (role_t *self, int64_t now, role_take_fn *take, void *argument);

#endif
