/*  escalation: when to escalate, and joint meetings (see escalation.h).

    Level 1 has two triggers, whichever comes first. The reminders: the
    state's reminders_since_progress, which the broker's reducer counts
    and resets on item.progress, is read on every reminder.sent. The
    overdue days: deadline.overdue is committed once, so it arms a timer
    for the Nth working day overdue; when the timer fires the item is
    judged on the state of that day (a resumption may have moved its due
    date: the timer is then set for the new Nth day; a suspended item is
    looked at again the next working day). An item's level never goes
    down, and a level is raised once: the state's escalation says which
    levels were reached. */
#include "escalation.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "escalation_alert.h"
#include "log.h"

static const char *const s_types [] = {
    "reminder.sent", "deadline.overdue", "problem.reported", "alert.acknowledged",
    "item.approved", "item.rejected", "item.withdrawn", "timer.fired", NULL };
const worker_role_t escalation_role = { "escalation", s_types, escalation_decide, policy_check };

static bool
s_fits (int length, size_t size)
{
    return length > 0 && (size_t) length < size && length < POLICY_TIMER_ID_SIZE;
}

bool
escalation_alert_id (const char *case_id, const char *subject, int level, char *buffer,
                     size_t size)
{
    return s_fits (snprintf (buffer, size, "%s/%s/L%d", case_id, subject, level), size);
}

bool
escalation_timer_id (const char *which, const char *case_id, const char *item, char *buffer,
                     size_t size)
{
    return s_fits (snprintf (buffer, size, "escalation/%s/%s/%s", which, case_id, item), size);
}

bool
escalation_alert_timer_id (const char *alert, char *buffer, size_t size)
{
    return s_fits (snprintf (buffer, size, "escalation/alert/%s", alert), size);
}

//  The item a string object names, or NULL.
static case_item_t *
s_item_called (const worker_dispatch_t *dispatch, const msgpack_object *code)
{
    if (!wire_is_str (code))
        return NULL;
    return case_state_item (dispatch->state, code->via.str.ptr, code->via.str.size);
}

//  Raises a level about an item with a summary built from tail.
static daiban_code_t
s_raise_item (escalation_decision_t *self, const case_item_t *item, int level,
              const char *reason, const char *tail)
{
    char *summary = escalation_item_summary (self, item, tail);
    if (!summary)
        return daiban_error_set (self->err, DAIBAN_INTERNAL, "out of memory");
    daiban_code_t code = escalation_raise (self, item, item->code, level, reason, summary);
    free (summary);
    return code;
}

//  The level 1 watch on overdue days: a timer at notice_time of day.
static daiban_code_t
s_watch_overdue (escalation_decision_t *self, const case_item_t *item, date_t day)
{
    char id [POLICY_TIMER_ID_SIZE];
    if (!escalation_timer_id ("overdue", self->dispatch->case_id, item->code, id, sizeof id))
        return daiban_error_set (self->err, DAIBAN_CONFLICT, "item %s: timer id too long",
                                 item->code);
    msgpack_packer *packer = worker_output_timer_set (self->output, id,
                                                      policy_notice_at (&self->policy, day),
                                                      self->dispatch->case_id,
                                                      ESCALATION_OVERDUE_KIND);
    msgpack_pack_map (packer, 1);
    wire_pack_key (packer, "item");
    wire_pack_str (packer, item->code);
    return DAIBAN_OK;
}

//  Level 1 when the item has been overdue for escalate_overdue_days
//  working days by the event's date; else the watch for that day.
static daiban_code_t
s_overdue_days (escalation_decision_t *self, const case_item_t *item, const char *due_text)
{
    calendar_t *calendar = self->context->calendar;
    date_t today = date_from_ms (self->dispatch->ts);
    if (item->status == ITEM_SUSPENDED)
        return s_watch_overdue (self, item, calendar_next_working_day (calendar, today, NULL));
    date_t due, day;
    daiban_code_t code = date_parse (due_text, &due, self->err);
    if (code)
        return code;
    int days_over = calendar_working_days_between (calendar, due, today, NULL);
    int wanted = self->policy.escalate_overdue_days;
    if (days_over < wanted) {
        code = calendar_add_working_days (calendar, due, wanted, &day, NULL, self->err);
        return code? code: s_watch_overdue (self, item, day);
    }
    char tail [256];
    snprintf (tail, sizeof tail, "已超期 %d 个工作日（应于 %s 办结），请专班组长约谈审批人员。",
              days_over, due_text);
    return s_raise_item (self, item, 1, ESCALATION_REASON_OVERDUE, tail);
}

//  Level 1 on the reminder that reaches the threshold, and only on that
//  one: two reminders committed in a row are both dispatched with states
//  that do not show the escalation the first one caused, so "at least"
//  would raise level 1 twice.
static daiban_code_t
s_reminder_sent (escalation_decision_t *self, const case_item_t *item)
{
    if (item->reminders_since_progress != self->policy.escalate_reminders)
        return DAIBAN_OK;
    char tail [256];
    snprintf (tail, sizeof tail, "自上次进展以来已提醒 %lld 次仍未办结，请专班组长约谈审批人员。",
              (long long) item->reminders_since_progress);
    return s_raise_item (self, item, 1, ESCALATION_REASON_REMINDERS, tail);
}

static daiban_code_t
s_level2_due (escalation_decision_t *self, const case_item_t *item)
{
    char tail [256];
    snprintf (tail, sizeof tail, "约谈后 %d 个工作日仍未办结，提请市政府协调解决。",
              self->policy.escalate_level2_days);
    return s_raise_item (self, item, 2, ESCALATION_REASON_NO_RESULT, tail);
}

//  Adds the item's department to the list unless it is there already.
static void
s_add_department (escalation_decision_t *self, const case_item_t *item, const char **list,
                  size_t *count)
{
    const catalog_item_t *entry = catalog_item (self->context->catalog, item->code);
    const char *department = item->department? item->department: entry? entry->department: NULL;
    if (!department)
        return;
    for (size_t index = 0; index < *count; index++)
        if (streq (list [index], department))
            return;
    list [(*count)++] = department;
}

//  A general problem: the task force convenes a joint meeting (专班吹哨、
//  部门报到) of the departments of the items named, else of every open item.
static daiban_code_t
s_convene (escalation_decision_t *self, const char *topic)
{
    case_state_t *state = self->dispatch->state;
    const char **departments = (const char **) calloc (state->item_count + 1, sizeof (char *));
    if (!departments)
        return daiban_error_set (self->err, DAIBAN_INTERNAL, "out of memory");
    size_t count = 0;
    const msgpack_object *named = wire_map_get (self->dispatch->body, "items");
    bool listed = named && named->type == MSGPACK_OBJECT_ARRAY && named->via.array.size > 0;
    for (size_t index = 0; listed && index < named->via.array.size; index++) {
        const msgpack_object *code = &named->via.array.ptr [index];
        const case_item_t *item = s_item_called (self->dispatch, code);
        if (item)
            s_add_department (self, item, departments, &count);
    }
    for (size_t index = 0; !listed && index < state->item_count; index++)
        if (!case_state_item_closed (&state->items [index]))
            s_add_department (self, &state->items [index], departments, &count);
    char meeting [POLICY_TIMER_ID_SIZE];
    snprintf (meeting, sizeof meeting, "%s/M%lld", state->case_id, (long long) self->dispatch->seq);
    msgpack_packer *packer = worker_output_emit (self->output, "meeting.convened", state->case_id);
    msgpack_pack_map (packer, 3);
    wire_pack_key (packer, "meeting");
    wire_pack_str (packer, meeting);
    wire_pack_key (packer, "departments");
    msgpack_pack_array (packer, count);
    for (size_t index = 0; index < count; index++)
        wire_pack_str (packer, departments [index]);
    wire_pack_key (packer, "topic");
    wire_pack_str (packer, topic);
    free (departments);
    return DAIBAN_OK;
}

//  A complex problem goes to the city government at once (联合攻关); it is
//  about one item when exactly one is named, else about the case.
static daiban_code_t
s_problem (escalation_decision_t *self)
{
    const msgpack_object *body = self->dispatch->body;
    char *description = wire_str_dup (wire_map_get (body, "description"));
    if (!description)
        return DAIBAN_OK;
    daiban_code_t code = DAIBAN_OK;
    if (!wire_str_eq (wire_map_get (body, "kind"), "complex"))
        code = s_convene (self, description);
    else {
        const msgpack_object *named = wire_map_get (body, "items");
        const case_item_t *item = named && named->type == MSGPACK_OBJECT_ARRAY
                               && named->via.array.size == 1
            ? s_item_called (self->dispatch, &named->via.array.ptr [0]): NULL;
        char subject [32];
        snprintf (subject, sizeof subject, "P%lld", (long long) self->dispatch->seq);
        const case_state_t *state = self->dispatch->state;
        char *summary = state->project
            ? zsys_sprintf ("案件 %s（%s）复杂问题，提请市政府联合攻关：%s", state->case_id,
                            state->project, description)
            : zsys_sprintf ("案件 %s 复杂问题，提请市政府联合攻关：%s", state->case_id, description);
        code = summary? escalation_raise (self, item, subject, 2, ESCALATION_REASON_COMPLEX, summary)
                      : daiban_error_set (self->err, DAIBAN_INTERNAL, "out of memory");
        free (summary);
    }
    free (description);
    return code;
}

static void
s_end_item (escalation_decision_t *self, const case_item_t *item)
{
    char id [POLICY_TIMER_ID_SIZE], alert [POLICY_TIMER_ID_SIZE];
    if (escalation_timer_id ("overdue", self->dispatch->case_id, item->code, id, sizeof id))
        worker_output_timer_cancel (self->output, id);
    if (escalation_timer_id ("level2", self->dispatch->case_id, item->code, id, sizeof id))
        worker_output_timer_cancel (self->output, id);
    for (int level = 1; level <= 2; level++)
        if (escalation_alert_id (self->dispatch->case_id, item->code, level, alert, sizeof alert)
        &&  escalation_alert_timer_id (alert, id, sizeof id))
            worker_output_timer_cancel (self->output, id);
}

static daiban_code_t
s_fired (escalation_decision_t *self)
{
    const msgpack_object *kind = wire_map_get (self->dispatch->body, "kind");
    const msgpack_object *data = wire_map_get (self->dispatch->body, "data");
    if (wire_str_eq (kind, ESCALATION_ALERT_KIND))
        return escalation_alert_repeat (self, data);
    bool overdue = wire_str_eq (kind, ESCALATION_OVERDUE_KIND);
    if (!overdue && !wire_str_eq (kind, ESCALATION_LEVEL2_KIND))
        return DAIBAN_OK;
    const case_item_t *item = s_item_called (self->dispatch, wire_map_get (data, "item"));
    if (!item || case_state_item_closed (item))
        return DAIBAN_OK;
    if (overdue)
        return item->escalation < 1 && item->due? s_overdue_days (self, item, item->due)
                                                : DAIBAN_OK;
    return item->escalation < 2? s_level2_due (self, item): DAIBAN_OK;
}

daiban_code_t
escalation_decide (const worker_dispatch_t *dispatch, const worker_context_t *context,
                   worker_output_t *output, daiban_error_t *err)
{
    if (!dispatch->state || dispatch->state->status == CASE_CLOSED)
        return DAIBAN_OK;
    escalation_decision_t self = { dispatch, context, { 0 }, output, err };
    daiban_code_t code = policy_read (context, &self.policy, err);
    if (code)
        return code;
    const char *type = dispatch->type;
    if (streq (type, "timer.fired"))
        return s_fired (&self);
    if (streq (type, "problem.reported"))
        return s_problem (&self);
    if (streq (type, "alert.acknowledged")) {
        char id [POLICY_TIMER_ID_SIZE], alert [POLICY_TIMER_ID_SIZE];
        if (wire_str_copy (wire_map_get (dispatch->body, "alert"), alert, sizeof alert)
        &&  escalation_alert_timer_id (alert, id, sizeof id))
            worker_output_timer_cancel (output, id);
        return DAIBAN_OK;
    }
    const case_item_t *item = s_item_called (dispatch, wire_map_get (dispatch->body, "item"));
    if (!item)
        return DAIBAN_OK;
    if (streq (type, "item.approved") || streq (type, "item.rejected")
    ||  streq (type, "item.withdrawn")) {
        s_end_item (&self, item);
        return DAIBAN_OK;
    }
    if (case_state_item_closed (item) || item->escalation >= 1)
        return DAIBAN_OK;
    if (streq (type, "reminder.sent"))
        return s_reminder_sent (&self, item);
    //  deadline.overdue: the notice's own due date, which the state has too.
    char due [DATE_TEXT_SIZE];
    if (streq (type, "deadline.overdue")
    &&  wire_str_copy (wire_map_get (dispatch->body, "due"), due, sizeof due))
        return s_overdue_days (&self, item, due);
    return DAIBAN_OK;
}
