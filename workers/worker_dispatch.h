/*  worker_dispatch: one dispatch from the broker, decoded for a role's
    decision, and the role itself. A role is a name, the event types it
    subscribes to and a decision function that is pure: from the dispatch
    (event, case state as of that event, the broker's `now`, agents' loads)
    and the context (catalog, calendar, config) to the events it emits and
    the timers it changes, written into a worker_output_t. No sockets, no
    clock, no state kept between calls: any number of instances can run,
    and a repeated dispatch gives the same answer.

    worker_dispatch_answer turns a dispatch message into the `done` or
    `fail` answer; the socket loop (worker.h) only moves bytes. */
#ifndef DAIBAN_WORKER_DISPATCH_H
#define DAIBAN_WORKER_DISPATCH_H

#include <msgpack.h>
#include <stdint.h>
#include "case_state.h"
#include "daiban_error.h"
#include "wire.h"
#include "worker_context.h"
#include "worker_output.h"

#define WORKER_TYPE_MAX 64          //  longest event type name, with its NUL
#define WORKER_CASE_MAX 65          //  longest case id (64), with its NUL

typedef struct {
    uint64_t lease;
    const msgpack_object *event;    //  the committed event (a map)
    const msgpack_object *body;     //  its body (a map)
    char type [WORKER_TYPE_MAX];
    char case_id [WORKER_CASE_MAX];
    int64_t seq, ts;                //  the event's position and commit time
    case_state_t *state;            //  the case as of the event; NULL: unknown case
    int64_t now;                    //  the broker's clock (ms): the only "now"
    const msgpack_object *agents;   //  {agent id: open cases}, or NULL
} worker_dispatch_t;

typedef daiban_code_t (worker_decide_fn) (const worker_dispatch_t *dispatch,
                                          const worker_context_t *context,
                                          worker_output_t *output, daiban_error_t *err);

//  Checks a role's own configuration once at start (a bad policy value
//  stops the worker there, not at every dispatch).
typedef daiban_code_t (worker_check_fn) (const worker_context_t *context, daiban_error_t *err);

typedef struct {
    const char *name;               //  "intake": the source of what it emits
    const char *const *types;       //  subscribed types, NULL-terminated
    worker_decide_fn *decide;
    worker_check_fn *check;         //  NULL: nothing of its own to check
} worker_role_t;

//  Decodes a dispatch message (already unpacked; its objects must outlive
//  the dispatch). An error when a field is missing or ill-typed; lease is
//  read first, so a dispatch that has one can still be answered `fail`.
daiban_code_t worker_dispatch_decode (const msgpack_object *message,
                                      worker_dispatch_t *dispatch, daiban_error_t *err);
//  Frees the decoded case state.
void worker_dispatch_release (worker_dispatch_t *dispatch);

//  The open cases the broker counts for an agent (0 when not listed).
int64_t worker_dispatch_agent_load (const worker_dispatch_t *dispatch, const char *agent);

//  Decides a dispatch message with role and packs the answer into reply:
//  `done` with the output, or `fail` with the message of a decoding or
//  decision error. An error (nothing packed) only when the message has no
//  lease to answer, or memory ran out. output is reset first.
daiban_code_t worker_dispatch_answer (const worker_role_t *role,
                                      const worker_context_t *context,
                                      const msgpack_object *message, worker_output_t *output,
                                      wire_buffer_t *reply, daiban_error_t *err);

#endif
