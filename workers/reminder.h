/*  reminder: the role that reminds (提醒, DOMAIN.md §3 stage 5a). It
    reminds the department responsible for an item, addressed to its chief
    representative (首席代表), with the deadline warning, with the overdue
    notice, and then every few working days while the item stays overdue;
    and it reminds a county office that has not confirmed a handover (转办)
    in time. Reminders go out on working days in office hours only: an
    occasion outside them is put off to the next opening by a timer. A
    decided item ends its reminders. The exact rules are in docs/policy.md. */
#ifndef DAIBAN_REMINDER_H
#define DAIBAN_REMINDER_H

#include "policy.h"
#include "worker_dispatch.h"

//  The kinds of the role's timers: a warning or overdue reminder put off
//  to the next opening, the next reminder while overdue, a handover
//  reminder put off to the next opening.
#define REMINDER_WARNING_KIND "reminder.warning"
#define REMINDER_OVERDUE_KIND "reminder.overdue"
#define REMINDER_REPEAT_KIND "reminder.repeat"
#define REMINDER_HANDOVER_KIND "reminder.handover"

extern const worker_role_t reminder_role;

daiban_code_t reminder_decide (const worker_dispatch_t *dispatch, const worker_context_t *context,
                               worker_output_t *output, daiban_error_t *err);

//  The timer id "reminder/<which>/<case>/<item>" into buffer
//  (POLICY_TIMER_ID_SIZE); which is "warning", "overdue", "repeat" or
//  "handover". False when it does not fit.
bool reminder_timer_id (const char *which, const char *case_id, const char *item,
                        char *buffer, size_t size);

#endif
