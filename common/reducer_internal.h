/*  reducer_internal: what the two halves of the reducer share — the
    event being applied and the helpers both use (reducer.c: the rules
    table and the case-level rules; reducer_items.c: the item rules).
    Not a public API. */
#ifndef DAIBAN_REDUCER_INTERNAL_H
#define DAIBAN_REDUCER_INTERNAL_H

#include <string.h>
#include "case_state.h"
#include "envelope.h"
#include "reducer.h"
#include "wire.h"

#define streq(a, b) (strcmp ((a), (b)) == 0)

typedef struct {
    case_state_t *state;
    const envelope_t *event;
    const msgpack_object *body;
    int64_t ts;
    daiban_error_t *err;
} apply_t;

typedef daiban_code_t (apply_fn) (apply_t *apply);

#define NO_MEMORY(apply) daiban_error_set ((apply)->err, DAIBAN_UNAVAILABLE, "out of memory")

//  Copies the string at map[key] into *field (absent: untouched).
bool reducer_set_text (char **field, const msgpack_object *map, const char *key);
//  The item the body names at key, or NULL with a conflict naming it.
case_item_t *reducer_body_item (apply_t *apply, const char *key);
daiban_code_t reducer_item_conflict (apply_t *apply, const case_item_t *item, const char *wanted);

//  The item rules (reducer_items.c).
apply_fn reducer_item_released, reducer_transfer_accepted, reducer_item_suspended,
         reducer_item_resumed, reducer_item_progress, reducer_item_decided,
         reducer_result_delivered, reducer_deadline_set, reducer_deadline_notice,
         reducer_reminder_sent, reducer_escalation_raised;

#endif
