/*  reducer: applies one event to a case state — the rules of PROTOCOL.md
    on what a case allows. Pure: no I/O, no clock (the commit ts is given).
    A refused event (invalid_body, not_found, conflict) leaves the state
    exactly as it was: every rule checks before it changes anything, so
    the broker applies the events of a batch to one decoded state. Only
    running out of memory can leave a change half made; the broker then
    throws the whole transaction away. */
#ifndef DAIBAN_REDUCER_H
#define DAIBAN_REDUCER_H

#include <stdint.h>
#include "case_state.h"
#include "daiban_error.h"
#include "envelope.h"

//  Applies event (committed as seq at ts) to *state_p. *state_p is NULL
//  for a case never registered: case.registered creates it, anything
//  else is not_found. A transition the state does not allow is conflict.
daiban_code_t reducer_apply (case_state_t **state_p, const envelope_t *event, uint64_t seq,
                             int64_t ts, daiban_error_t *err);

#endif
