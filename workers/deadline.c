/*  deadline: due dates, warnings and overdue notices (see deadline.h).

    Every date is computed again from what cannot change: the release date
    (the commit date of item.submitted or item.transferred), the item's
    limit and the paused working days so far. A resumption never moves an
    earlier result, so a repeated dispatch, or one that arrives before the
    role's previous item.deadline_set is committed, gives the same dates.
    The timers carry the due date they were set for: a timer that fires
    after the due date has moved, or for an item that is suspended or
    decided, is stale and emits nothing.

    A due date past the last year of the holiday calendar is an estimate
    (weekends only). The role keeps nothing between dispatches, so a
    durable timer brings the item back: every provisional item.deadline_set
    comes with a recheck timer, and when it fires the dates are computed
    again, from the same state, with the calendar the worker has by then
    (a new year's file is loaded at start). */
#include "deadline.h"

#include <stdio.h>
#include <string.h>
#include "log.h"

static const char *const s_types [] = {
    "item.submitted", "item.transferred", "item.suspended", "item.resumed",
    "item.approved", "item.rejected", "item.withdrawn", "timer.fired", NULL };
const worker_role_t deadline_role = { "deadline", s_types, deadline_decide, policy_check };

bool
deadline_timer_id (const char *which, const char *case_id, const char *item, char *buffer,
                   size_t size)
{
    int length = snprintf (buffer, size, "deadline/%s/%s/%s", which, case_id, item);
    return length > 0 && (size_t) length < size && length < POLICY_TIMER_ID_SIZE;
}

daiban_code_t
deadline_schedule (calendar_t *calendar, const policy_t *policy, date_t start, int limit_days,
                   catalog_limit_unit_t unit, int paused_days, deadline_schedule_t *schedule,
                   daiban_error_t *err)
{
    bool unknown [6] = { false };
    date_t first_due = start, first_warn = start;
    daiban_code_t code = unit == CATALOG_DAYS
        ? calendar_add_days (calendar, start, limit_days, &first_due, &unknown [0], err)
        : calendar_add_working_days (calendar, start, limit_days, &first_due, &unknown [0], err);
    if (!code)
        code = calendar_subtract_working_days (calendar, first_due, policy->warn_days,
                                               &first_warn, &unknown [1], err);
    if (code)
        return code;
    //  A short limit would put the warning on or before the start date:
    //  it comes on the first working day after the start instead.
    if (first_warn <= start)
        first_warn = calendar_next_working_day (calendar, start, &unknown [2]);
    //  After a suspension the warning keeps its distance from due, in
    //  working days, whatever rule placed it.
    int gap = calendar_working_days_between (calendar, first_warn, first_due, &unknown [3]);
    code = calendar_add_working_days (calendar, first_due, paused_days, &schedule->due,
                                      &unknown [4], err);
    if (!code)
        code = calendar_subtract_working_days (calendar, schedule->due, gap, &schedule->warn,
                                               &unknown [5], err);
    if (code)
        return code;
    //  Only due and warn are published: the notice date alone being past
    //  the calendar does not make the deadline provisional.
    schedule->overdue = calendar_next_working_day (calendar, schedule->due, NULL);
    schedule->provisional = false;
    for (size_t index = 0; index < sizeof unknown / sizeof unknown [0]; index++)
        schedule->provisional = schedule->provisional || unknown [index];
    return DAIBAN_OK;
}

//  The item that key of map names, or NULL.
static case_item_t *
s_named_item (const worker_dispatch_t *dispatch, const msgpack_object *map, const char *key)
{
    const msgpack_object *code = wire_map_get (map, key);
    if (!wire_is_str (code) || !dispatch->state)
        return NULL;
    return case_state_item (dispatch->state, code->via.str.ptr, code->via.str.size);
}

//  The item's limit: the plan's (case.accepted), else the catalog's; the
//  unit is always the catalog's (working days for an item it lacks).
static daiban_code_t
s_limit (const worker_context_t *context, const case_item_t *item, int *limit,
         catalog_limit_unit_t *unit, daiban_error_t *err)
{
    const catalog_item_t *entry = catalog_item (context->catalog, item->code);
    int64_t days = item->limit_days > 0? item->limit_days: entry? entry->limit_days: 0;
    *unit = entry? entry->limit_unit: CATALOG_WORKING_DAYS;
    if (days <= 0 || days > CALENDAR_DAYS_MAX)
        return daiban_error_set (err, DAIBAN_CONFLICT, "item %s has no time limit "
                                 "(limit_days %lld)", item->code, (long long) days);
    *limit = (int) days;
    return DAIBAN_OK;
}

static void
s_pack_item_due (msgpack_packer *packer, const char *item, const char *due)
{
    wire_pack_key (packer, "item");
    wire_pack_str (packer, item);
    wire_pack_key (packer, "due");
    wire_pack_str (packer, due);
}

//  Sets the warning or overdue timer, carrying the due date it is for.
static daiban_code_t
s_arm (const worker_dispatch_t *dispatch, const char *which, const char *kind, int64_t at,
       const case_item_t *item, const char *due, worker_output_t *output, daiban_error_t *err)
{
    char id [POLICY_TIMER_ID_SIZE];
    if (!deadline_timer_id (which, dispatch->case_id, item->code, id, sizeof id))
        return daiban_error_set (err, DAIBAN_CONFLICT, "item %s: timer id too long", item->code);
    msgpack_packer *packer = worker_output_timer_set (output, id, at, dispatch->case_id, kind);
    msgpack_pack_map (packer, 2);
    s_pack_item_due (packer, item->code, due);
    return DAIBAN_OK;
}

//  A suspension stops the clock and a decision ends it: all three timers
//  go. A suspended item needs no recheck: its resumption computes again.
static void
s_cancel_timers (const worker_dispatch_t *dispatch, const case_item_t *item,
                 worker_output_t *output)
{
    static const char *const which [] = { "warning", "overdue", "recheck" };
    char id [POLICY_TIMER_ID_SIZE];
    for (size_t index = 0; index < sizeof which / sizeof which [0]; index++)
        if (deadline_timer_id (which [index], dispatch->case_id, item->code, id, sizeof id))
            worker_output_timer_cancel (output, id);
}

//  The item's dates, started on start with paused_days so far; limit is
//  the limit they were computed with.
static daiban_code_t
s_compute (const worker_context_t *context, const policy_t *policy, const case_item_t *item,
           date_t start, int64_t paused_days, int *limit, deadline_schedule_t *schedule,
           daiban_error_t *err)
{
    catalog_limit_unit_t unit;
    daiban_code_t code = s_limit (context, item, limit, &unit, err);
    if (!code && (paused_days < 0 || paused_days > CALENDAR_DAYS_MAX))
        code = daiban_error_set (err, DAIBAN_CONFLICT, "item %s: paused_days %lld",
                                 item->code, (long long) paused_days);
    if (!code)
        code = deadline_schedule (context->calendar, policy, start, *limit, unit,
                                  (int) paused_days, schedule, err);
    return code;
}

//  The recheck of a provisional deadline, recheck_hours after now,
//  carrying the due date it was computed with.
static daiban_code_t
s_arm_recheck (const worker_dispatch_t *dispatch, const policy_t *policy,
               const case_item_t *item, const char *due, worker_output_t *output,
               daiban_error_t *err)
{
    return s_arm (dispatch, "recheck", DEADLINE_RECHECK_KIND, dispatch->now + policy->recheck_ms,
                  item, due, output, err);
}

//  item.deadline_set with the schedule, the timers of the notices not
//  given yet, and the recheck when the schedule is provisional.
static daiban_code_t
s_publish (const worker_dispatch_t *dispatch, const policy_t *policy, const case_item_t *item,
           int limit, int64_t paused_days, const deadline_schedule_t *schedule,
           worker_output_t *output, daiban_error_t *err)
{
    char due [DATE_TEXT_SIZE], warn [DATE_TEXT_SIZE];
    date_format (schedule->due, due);
    date_format (schedule->warn, warn);
    msgpack_packer *packer = worker_output_emit (output, "item.deadline_set", dispatch->case_id);
    msgpack_pack_map (packer, 6);
    s_pack_item_due (packer, item->code, due);
    wire_pack_key (packer, "warn");
    wire_pack_str (packer, warn);
    wire_pack_key (packer, "limit_days");
    msgpack_pack_int64 (packer, limit);
    wire_pack_key (packer, "paused_days");
    msgpack_pack_int64 (packer, paused_days);
    wire_pack_key (packer, "provisional");
    if (schedule->provisional)
        msgpack_pack_true (packer);
    else
        msgpack_pack_false (packer);
    log_debug ("case %s item %s: due %s, warn %s, paused %lld%s", dispatch->case_id, item->code,
               due, warn, (long long) paused_days, schedule->provisional? " (provisional)": "");
    //  A notice already given is not given again, even for a new due date.
    daiban_code_t code = DAIBAN_OK;
    if (!item->warned)
        code = s_arm (dispatch, "warning", DEADLINE_WARNING_KIND,
                      policy_notice_at (policy, schedule->warn), item, due, output, err);
    if (!code && !item->overdue)
        code = s_arm (dispatch, "overdue", DEADLINE_OVERDUE_KIND,
                      policy_notice_at (policy, schedule->overdue), item, due, output, err);
    if (!code && schedule->provisional)
        code = s_arm_recheck (dispatch, policy, item, due, output, err);
    return code;
}

//  item.deadline_set for the item started on start with paused_days so
//  far, with its timers.
static daiban_code_t
s_set_deadline (const worker_dispatch_t *dispatch, const worker_context_t *context,
                const policy_t *policy, const case_item_t *item, date_t start, int64_t paused_days,
                worker_output_t *output, daiban_error_t *err)
{
    int limit = 0;
    deadline_schedule_t schedule;
    daiban_code_t code = s_compute (context, policy, item, start, paused_days, &limit, &schedule,
                                    err);
    if (!code)
        code = s_publish (dispatch, policy, item, limit, paused_days, &schedule, output, err);
    return code;
}

//  The recheck timer of a provisional deadline came due: the dates again
//  from the release date, the limit and the paused days of the state,
//  with the calendar of this worker. A new item.deadline_set only when
//  they changed or are no longer provisional; otherwise the next recheck.
static daiban_code_t
s_recheck (const worker_dispatch_t *dispatch, const worker_context_t *context,
           const policy_t *policy, worker_output_t *output, daiban_error_t *err)
{
    const case_item_t *item = s_named_item (dispatch, wire_map_get (dispatch->body, "data"),
                                            "item");
    //  A decided item's clock has ended; a suspended one is computed again
    //  when it resumes (its recheck was cancelled with the suspension).
    if (!item || case_state_item_closed (item) || item->status == ITEM_SUSPENDED) {
        log_debug ("case %s: stale recheck timer", dispatch->case_id);
        return DAIBAN_OK;
    }
    if (!item->released_at)
        return daiban_error_set (err, DAIBAN_CONFLICT, "item %s was never released", item->code);
    int limit = 0;
    deadline_schedule_t schedule;
    daiban_code_t code = s_compute (context, policy, item, date_from_ms (item->released_at),
                                    item->paused_days, &limit, &schedule, err);
    if (code)
        return code;
    char due [DATE_TEXT_SIZE], warn [DATE_TEXT_SIZE];
    date_format (schedule.due, due);
    date_format (schedule.warn, warn);
    bool same = item->due && item->warn && streq (due, item->due) && streq (warn, item->warn)
             && schedule.provisional == item->provisional;
    if (same)
        return schedule.provisional? s_arm_recheck (dispatch, policy, item, due, output, err)
                                   : DAIBAN_OK;
    log_info ("case %s item %s: due %s -> %s, warn %s -> %s with the calendar now loaded%s",
              dispatch->case_id, item->code, item->due? item->due: "-", due,
              item->warn? item->warn: "-", warn, schedule.provisional? " (still provisional)": "");
    return s_publish (dispatch, policy, item, limit, item->paused_days, &schedule, output, err);
}

//  item.resumed: the paused working days are those strictly after the
//  suspension date up to and including the resumption date.
static daiban_code_t
s_resumed (const worker_dispatch_t *dispatch, const worker_context_t *context,
           const policy_t *policy, const case_item_t *item, worker_output_t *output,
           daiban_error_t *err)
{
    if (!item->released_at)
        return daiban_error_set (err, DAIBAN_CONFLICT, "item %s was never released", item->code);
    if (!item->suspended_at)
        return daiban_error_set (err, DAIBAN_CONFLICT, "item %s: the case state does not say "
                                 "when it was suspended (suspended_at)", item->code);
    int paused = calendar_working_days_between (context->calendar,
                                                date_from_ms (item->suspended_at),
                                                date_from_ms (dispatch->ts), NULL);
    return s_set_deadline (dispatch, context, policy, item, date_from_ms (item->released_at),
                           item->paused_days + paused, output, err);
}

//  A warning or overdue timer came due: the notice, unless the timer is stale.
static daiban_code_t
s_fired (const worker_dispatch_t *dispatch, const worker_context_t *context,
         const policy_t *policy, worker_output_t *output, daiban_error_t *err)
{
    calendar_t *calendar = context->calendar;
    const msgpack_object *kind = wire_map_get (dispatch->body, "kind");
    const msgpack_object *data = wire_map_get (dispatch->body, "data");
    bool warning = wire_str_eq (kind, DEADLINE_WARNING_KIND);
    if (!warning && !wire_str_eq (kind, DEADLINE_OVERDUE_KIND))
        return DAIBAN_OK;
    const case_item_t *item = s_named_item (dispatch, data, "item");
    if (!item || case_state_item_closed (item) || item->status == ITEM_SUSPENDED || !item->due
    ||  !wire_str_eq (wire_map_get (data, "due"), item->due)
    ||  (warning? item->warned: item->overdue)) {
        log_debug ("case %s: stale %s timer", dispatch->case_id, warning? "warning": "overdue");
        return DAIBAN_OK;
    }
    date_t due;
    daiban_code_t code = date_parse (item->due, &due, err);
    if (code)
        return code;
    date_t today = date_from_ms (dispatch->ts);
    //  A warning that comes after the due date (the broker was down) is
    //  left to the overdue notice.
    int days = warning? calendar_working_days_between (calendar, today, due, NULL)
                      : calendar_working_days_between (calendar, due, today, NULL);
    if (warning && today > due)
        return DAIBAN_OK;
    //  An overdue timer set on a weekends-only estimate of the day after
    //  due can fire on what a calendar loaded since makes a holiday (the
    //  due date itself was known, so nothing rechecked it): the notice
    //  waits for the first working day after due instead of being lost.
    if (!warning && days < 1)
        return today > due
             ? s_arm (dispatch, "overdue", DEADLINE_OVERDUE_KIND,
                      policy_notice_at (policy, calendar_next_working_day (calendar, due, NULL)),
                      item, item->due, output, err)
             : DAIBAN_OK;
    msgpack_packer *packer = worker_output_emit (output, warning? "deadline.warning"
                                                                : "deadline.overdue",
                                                 dispatch->case_id);
    msgpack_pack_map (packer, 3);
    s_pack_item_due (packer, item->code, item->due);
    wire_pack_key (packer, warning? "days_left": "days_over");
    msgpack_pack_int64 (packer, days);
    return DAIBAN_OK;
}

daiban_code_t
deadline_decide (const worker_dispatch_t *dispatch, const worker_context_t *context,
                 worker_output_t *output, daiban_error_t *err)
{
    if (!dispatch->state || dispatch->state->status == CASE_CLOSED)
        return DAIBAN_OK;
    policy_t policy;
    daiban_code_t code = policy_read (context, &policy, err);
    if (code)
        return code;
    const char *type = dispatch->type;
    if (streq (type, "timer.fired"))
        return wire_str_eq (wire_map_get (dispatch->body, "kind"), DEADLINE_RECHECK_KIND)
             ? s_recheck (dispatch, context, &policy, output, err)
             : s_fired (dispatch, context, &policy, output, err);
    const case_item_t *item = s_named_item (dispatch, dispatch->body, "item");
    if (!item)
        return DAIBAN_OK;
    if (streq (type, "item.submitted") || streq (type, "item.transferred"))
        return s_set_deadline (dispatch, context, &policy, item, date_from_ms (dispatch->ts),
                               0, output, err);
    if (streq (type, "item.resumed"))
        return s_resumed (dispatch, context, &policy, item, output, err);
    //  item.suspended stops the clock; a decision ends it.
    s_cancel_timers (dispatch, item, output);
    return DAIBAN_OK;
}
