/*  worker_output: what one decision produces, the events a role emits and
    the timers it sets or cancels, collected as MessagePack and packed into
    the worker's `done` answer (notes: the worker protocol; PROTOCOL.md,
    Workers). A role writes into it through these verbs only, so it never
    needs to know the wire form of `done`.

    Emitting is two steps: worker_output_emit writes the event's type and
    case and returns the packer, and the caller then packs exactly ONE
    value, the body (a map), before calling any other verb:

        msgpack_packer *body = worker_output_emit (output, "item.submitted", case_id);
        msgpack_pack_map (body, 3);
        ...
    worker_output_timer_set works the same way for the timer's data. An
    allocation failure is remembered and reported once by
    worker_output_pack_done, so the pack calls need no test each. */
#ifndef DAIBAN_WORKER_OUTPUT_H
#define DAIBAN_WORKER_OUTPUT_H

#include <msgpack.h>
#include <stddef.h>
#include <stdint.h>
#include "daiban_error.h"
#include "wire.h"

typedef struct _worker_output_t worker_output_t;

worker_output_t *worker_output_new (void);
void worker_output_destroy (worker_output_t **self_p);

//  Forgets everything written, keeps the memory (one output per worker).
void worker_output_reset (worker_output_t *self);

//  Starts an emitted event {"type","case","body"}; the caller packs the body.
msgpack_packer *worker_output_emit (worker_output_t *self, const char *type,
                                    const char *case_id);

//  Starts a timer change {"set":{"id","at","case","kind","data"}}: the
//  timer fires at `at` (ms) unless cancelled; setting an existing id moves
//  it. The caller packs the data (a map).
msgpack_packer *worker_output_timer_set (worker_output_t *self, const char *id, int64_t at,
                                         const char *case_id, const char *kind);

//  A timer change {"cancel":id}.
void worker_output_timer_cancel (worker_output_t *self, const char *id);

size_t worker_output_emit_count (worker_output_t *self);
size_t worker_output_timer_count (worker_output_t *self);

//  Packs {"op":"done","lease":L,"emit":[...],"timers":[...]} into reply
//  (after what is already there). DAIBAN_INTERNAL when memory ran out
//  while writing the output or the reply.
daiban_code_t worker_output_pack_done (worker_output_t *self, uint64_t lease,
                                       wire_buffer_t *reply, daiban_error_t *err);

//  Packs {"op":"fail","lease":L,"message":M} into reply.
daiban_code_t worker_output_pack_fail (uint64_t lease, const char *message,
                                       wire_buffer_t *reply, daiban_error_t *err);

#endif
