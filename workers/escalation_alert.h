/*  escalation_alert: how the escalation role raises a level and its alert
    (escalation.raised with alert.raised, the alert's repetition timer, the
    level 2 timer after level 1) and raises an unacknowledged alert again.
    escalation.c decides when; this module writes what. */
#ifndef DAIBAN_ESCALATION_ALERT_H
#define DAIBAN_ESCALATION_ALERT_H

#include "policy.h"
#include "worker_dispatch.h"

//  One decision of the escalation role: what every step needs.
typedef struct {
    const worker_dispatch_t *dispatch;
    const worker_context_t *context;
    policy_t policy;
    worker_output_t *output;
    daiban_error_t *err;
} escalation_decision_t;

//  Raises level (1 or 2) with reason: escalation.raised {item, level,
//  reason} and alert.raised {alert "<case>/<subject>/L<level>", to (the
//  policy's group leader or city government), level, summary, item}, and
//  the alert's repetition timer. For an item (NULL for a case-wide one),
//  level 1 also arms level 2 (policy escalate_level2_days working days
//  later), and any level ends the level 1 watch on overdue days; level 2
//  ends the level 2 timer.
daiban_code_t escalation_raise (escalation_decision_t *self, const case_item_t *item,
                                const char *subject, int level, const char *reason,
                                const char *summary);

//  A readable Chinese summary about the item: "案件 <case>（<project>）
//  事项 <code> <name>（<department>）" followed by tail. Freshly allocated
//  (free it); NULL when out of memory.
char *escalation_item_summary (escalation_decision_t *self, const case_item_t *item,
                               const char *tail);

//  The alert's repetition timer fired (data {alert}): alert.raised again
//  with repeat = the times it was raised again so far + 1, and the timer
//  once more; nothing when the alert was acknowledged, its item decided
//  or the case closed.
daiban_code_t escalation_alert_repeat (escalation_decision_t *self, const msgpack_object *data);

#endif
