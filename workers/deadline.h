/*  deadline: the role that keeps each released item's clock (限时办结,
    DOMAIN.md §6). On release (item.submitted, item.transferred) it fixes
    the due and warn dates (item.deadline_set) and sets two timers: the
    warning on the warn date and the overdue notice on the first working
    day after due, which become deadline.warning and deadline.overdue when
    they fire and the item is still as it was. A suspension stops the
    clock (the timers are cancelled); the resumption moves due and warn
    by the paused working days and sets the timers again. A decided item
    ends them. A deadline computed past the known holiday calendar is
    provisional (weekends only): a recheck timer computes it again, with
    the calendar the worker has then, until it is not. The exact rules are
    in docs/policy.md. */
#ifndef DAIBAN_DEADLINE_H
#define DAIBAN_DEADLINE_H

#include "catalog.h"
#include "policy.h"
#include "worker_dispatch.h"

//  The kinds of the role's timers (timer.fired's "kind").
#define DEADLINE_WARNING_KIND "deadline.warning"
#define DEADLINE_OVERDUE_KIND "deadline.overdue"
#define DEADLINE_RECHECK_KIND "deadline.recheck"

extern const worker_role_t deadline_role;

daiban_code_t deadline_decide (const worker_dispatch_t *dispatch, const worker_context_t *context,
                               worker_output_t *output, daiban_error_t *err);

//  An item's dates: due after limit (in unit) from start, moved by
//  paused_days working days, the warn date before it, and the date the
//  overdue notice is due (the first working day after due).
typedef struct {
    date_t due, warn, overdue;
    bool provisional;               //  a date was computed past the known calendar
} deadline_schedule_t;

daiban_code_t deadline_schedule (calendar_t *calendar, const policy_t *policy, date_t start,
                                 int limit_days, catalog_limit_unit_t unit, int paused_days,
                                 deadline_schedule_t *schedule, daiban_error_t *err);

//  The timer id "deadline/<which>/<case>/<item>" into buffer
//  (POLICY_TIMER_ID_SIZE); false when it does not fit. which is
//  "warning", "overdue" or "recheck".
bool deadline_timer_id (const char *which, const char *case_id, const char *item,
                        char *buffer, size_t size);

#endif
