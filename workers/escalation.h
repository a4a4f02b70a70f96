/*  escalation: the upper rungs of the supervision ladder (向上报告, 约谈,
    提级研究; DOMAIN.md §3 stages 5 and 6). Level 1 (the task-force group
    leader holds an interview, 约谈) comes when an item is overdue for a
    few working days or has been reminded too often since its last
    progress; level 2 (the city government, 联合攻关) when an item is
    still open some working days after level 1, and at once for a complex
    problem. Each escalation.raised comes with an alert.raised, raised
    again until it is acknowledged. A general problem convenes a joint
    meeting (联席会议) of the departments involved. A decided item ends
    its escalation. The exact rules are in docs/policy.md. */
#ifndef DAIBAN_ESCALATION_H
#define DAIBAN_ESCALATION_H

#include "policy.h"
#include "worker_dispatch.h"

//  The kinds of the role's timers: level 1 on the Nth working day
//  overdue, level 2 after level 1, an alert raised again.
#define ESCALATION_OVERDUE_KIND "escalation.overdue"
#define ESCALATION_LEVEL2_KIND "escalation.level2"
#define ESCALATION_ALERT_KIND "escalation.alert"

//  Why escalation.raised was emitted (its "reason").
#define ESCALATION_REASON_REMINDERS "reminders"     //  reminded, no progress since
#define ESCALATION_REASON_OVERDUE "overdue"         //  overdue for N working days
#define ESCALATION_REASON_NO_RESULT "no_result"     //  still open N days after level 1
#define ESCALATION_REASON_COMPLEX "complex_problem" //  problem.reported of kind complex

extern const worker_role_t escalation_role;

daiban_code_t escalation_decide (const worker_dispatch_t *dispatch,
                                 const worker_context_t *context, worker_output_t *output,
                                 daiban_error_t *err);

//  The alert id "<case>/<subject>/L<level>", subject an item code or
//  "P<seq>" for a problem; false when it does not fit size.
bool escalation_alert_id (const char *case_id, const char *subject, int level,
                          char *buffer, size_t size);

//  The timer id "escalation/<which>/<case>/<item>" into buffer
//  (POLICY_TIMER_ID_SIZE); which is "overdue" or "level2". False when it
//  does not fit.
bool escalation_timer_id (const char *which, const char *case_id, const char *item,
                          char *buffer, size_t size);

//  The timer id "escalation/alert/<alert id>" of an alert's repetition.
bool escalation_alert_timer_id (const char *alert, char *buffer, size_t size);

#endif
