/*  reminder: reminders to departments and county offices (see reminder.h).

    Every reminder starts as an occasion (the warning, the overdue notice,
    the next reminder while overdue, an unconfirmed handover) at the time
    of its event. On a working day in office hours the reminder goes out
    at once; otherwise a timer of the same occasion is set for the next
    opening, and the occasion is judged again, on the state of that day,
    when it fires. While an item is overdue one timer carries the chain:
    each overdue reminder sets the next one `reminder_every_days` working
    days later, at the opening; a reminder that finds the item suspended,
    or no longer overdue (a resumption moved its due date), is skipped but
    keeps the chain, so reminding starts again if the item falls overdue
    again. item.progress does not change the cadence: the department is
    reminded while the item is overdue, and the progress only resets the
    count of reminders towards escalation (the broker's reducer keeps it). */
#include "reminder.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "log.h"

static const char *const s_types [] = {
    "deadline.warning", "deadline.overdue", "item.progress", "item.approved",
    "item.rejected", "item.withdrawn", "item.transfer_accepted", "timer.fired", NULL };
const worker_role_t reminder_role = { "reminder", s_types, reminder_decide, policy_check };

//  The handover timer the transfer role sets (transfer.h); its data is
//  {item, county, office}.
#define HANDOVER_KIND "transfer.handover"

typedef enum { OCCASION_WARNING, OCCASION_OVERDUE, OCCASION_REPEAT, OCCASION_HANDOVER } occasion_t;

static const struct {
    const char *which, *kind;
} s_occasions [] = {
    { "warning", REMINDER_WARNING_KIND }, { "overdue", REMINDER_OVERDUE_KIND },
    { "repeat", REMINDER_REPEAT_KIND }, { "handover", REMINDER_HANDOVER_KIND } };

//  One decision: what every step needs.
typedef struct {
    const worker_dispatch_t *dispatch;
    const worker_context_t *context;
    policy_t policy;
    worker_output_t *output;
    daiban_error_t *err;
} decision_t;

bool
reminder_timer_id (const char *which, const char *case_id, const char *item, char *buffer,
                   size_t size)
{
    int length = snprintf (buffer, size, "reminder/%s/%s/%s", which, case_id, item);
    return length > 0 && (size_t) length < size && length < POLICY_TIMER_ID_SIZE;
}

static case_item_t *
s_named_item (const worker_dispatch_t *dispatch, const msgpack_object *map)
{
    const msgpack_object *code = wire_map_get (map, "item");
    if (!wire_is_str (code) || !dispatch->state)
        return NULL;
    return case_state_item (dispatch->state, code->via.str.ptr, code->via.str.size);
}

//  Sets the occasion's timer; a handover's carries the county and office.
static daiban_code_t
s_set_timer (decision_t *self, occasion_t occasion, const case_item_t *item, int64_t at,
             const char *county, const char *office)
{
    char id [POLICY_TIMER_ID_SIZE];
    if (!reminder_timer_id (s_occasions [occasion].which, self->dispatch->case_id, item->code,
                            id, sizeof id))
        return daiban_error_set (self->err, DAIBAN_CONFLICT, "item %s: timer id too long",
                                 item->code);
    msgpack_packer *packer = worker_output_timer_set (self->output, id, at,
                                                      self->dispatch->case_id,
                                                      s_occasions [occasion].kind);
    bool handover = occasion == OCCASION_HANDOVER;
    msgpack_pack_map (packer, handover? 3: 1);
    wire_pack_key (packer, "item");
    wire_pack_str (packer, item->code);
    if (handover) {
        wire_pack_key (packer, "county");
        wire_pack_str_or_nil (packer, county);
        wire_pack_key (packer, "office");
        wire_pack_str (packer, office);
    }
    return DAIBAN_OK;
}

static void
s_send (decision_t *self, const case_item_t *item, const char *to, const char *contact)
{
    msgpack_packer *packer = worker_output_emit (self->output, "reminder.sent",
                                                 self->dispatch->case_id);
    msgpack_pack_map (packer, 4);
    wire_pack_key (packer, "item");
    wire_pack_str (packer, item->code);
    wire_pack_key (packer, "to");
    wire_pack_str (packer, to);
    wire_pack_key (packer, "contact");
    wire_pack_str (packer, contact);
    wire_pack_key (packer, "count");
    msgpack_pack_int64 (packer, item->reminders + 1);
    log_info ("case %s item %s: reminder %lld to %s", self->dispatch->case_id, item->code,
              (long long) item->reminders + 1, contact);
}

//  The department responsible for the item and its chief representative.
static daiban_code_t
s_department (decision_t *self, const case_item_t *item, const char **to, const char **contact)
{
    *to = item->department;
    if (!*to) {
        const catalog_item_t *entry = catalog_item (self->context->catalog, item->code);
        *to = entry? entry->department: NULL;
    }
    if (!*to)
        return daiban_error_set (self->err, DAIBAN_CONFLICT, "item %s has no department",
                                 item->code);
    *contact = catalog_department_contact (self->context->catalog, *to);
    if (!*contact)
        return daiban_error_set (self->err, DAIBAN_CONFLICT, "item %s: department %s is not "
                                 "in the catalog", item->code, *to);
    return DAIBAN_OK;
}

//  True when the item is past its due date on date (the state's flag when
//  it has no due date).
static bool
s_overdue_on (const case_item_t *item, date_t date)
{
    date_t due;
    daiban_error_t ignored;
    if (item->due && date_parse (item->due, &due, &ignored) == DAIBAN_OK)
        return date > due;
    return item->overdue;
}

//  An overdue reminder, or the next one while overdue: sent when the item
//  is still overdue and running, and the chain moves on either way.
static daiban_code_t
s_overdue (decision_t *self, const case_item_t *item)
{
    calendar_t *calendar = self->context->calendar;
    date_t today = date_from_ms (self->dispatch->ts);
    date_t next = today;
    daiban_code_t code = calendar_add_working_days (calendar, today,
                                                    self->policy.reminder_every_days, &next,
                                                    NULL, self->err);
    if (!code)
        code = s_set_timer (self, OCCASION_REPEAT, item, policy_opening_at (&self->policy, next),
                            NULL, NULL);
    if (code || item->status == ITEM_SUSPENDED || !s_overdue_on (item, today))
        return code;
    const char *to, *contact;
    code = s_department (self, item, &to, &contact);
    if (!code)
        s_send (self, item, to, contact);
    return code;
}

//  The county office that should confirm the handover: the timer's, else
//  the state's, else the catalog's for the item's county.
static daiban_code_t
s_handover (decision_t *self, const case_item_t *item, const msgpack_object *data)
{
    char *county = wire_str_dup (wire_map_get (data, "county"));
    char *office = wire_str_dup (wire_map_get (data, "office"));
    const char *where = county? county: item->county;
    const char *to = office? office: item->office;
    if (!to && where)
        to = catalog_county_office (self->context->catalog, where);
    daiban_code_t code = DAIBAN_OK;
    if (!to)
        code = daiban_error_set (self->err, DAIBAN_CONFLICT, "item %s: no county office to "
                                 "remind", item->code);
    else
    if (!policy_in_office_hours (&self->policy, self->context->calendar, self->dispatch->ts))
        code = s_set_timer (self, OCCASION_HANDOVER, item,
                            policy_next_opening (&self->policy, self->context->calendar,
                                                 self->dispatch->ts), where, to);
    else
        s_send (self, item, to, to);
    free (county);
    free (office);
    return code;
}

//  Judges an occasion at the time of the dispatched event.
static daiban_code_t
s_occasion (decision_t *self, occasion_t occasion, const case_item_t *item,
            const msgpack_object *data)
{
    if (!item || case_state_item_closed (item))
        return DAIBAN_OK;
    if (occasion == OCCASION_HANDOVER)
        return item->status == ITEM_TRANSFERRED && !item->transfer_accepted
            ? s_handover (self, item, data): DAIBAN_OK;
    if (occasion == OCCASION_WARNING && item->status == ITEM_SUSPENDED)
        return DAIBAN_OK;
    calendar_t *calendar = self->context->calendar;
    int64_t time = self->dispatch->ts;
    if (!policy_in_office_hours (&self->policy, calendar, time))
        return s_set_timer (self, occasion, item,
                            policy_next_opening (&self->policy, calendar, time), NULL, NULL);
    if (occasion != OCCASION_WARNING)
        return s_overdue (self, item);
    const char *to, *contact;
    daiban_code_t code = s_department (self, item, &to, &contact);
    if (!code)
        s_send (self, item, to, contact);
    return code;
}

static daiban_code_t
s_fired (decision_t *self)
{
    const msgpack_object *kind = wire_map_get (self->dispatch->body, "kind");
    const msgpack_object *data = wire_map_get (self->dispatch->body, "data");
    if (wire_str_eq (kind, HANDOVER_KIND))
        return s_occasion (self, OCCASION_HANDOVER, s_named_item (self->dispatch, data), data);
    for (int occasion = OCCASION_WARNING; occasion <= OCCASION_HANDOVER; occasion++)
        if (wire_str_eq (kind, s_occasions [occasion].kind))
            return s_occasion (self, (occasion_t) occasion, s_named_item (self->dispatch, data),
                               data);
    return DAIBAN_OK;
}

static void
s_cancel (decision_t *self, occasion_t occasion, const case_item_t *item)
{
    char id [POLICY_TIMER_ID_SIZE];
    if (reminder_timer_id (s_occasions [occasion].which, self->dispatch->case_id, item->code,
                           id, sizeof id))
        worker_output_timer_cancel (self->output, id);
}

daiban_code_t
reminder_decide (const worker_dispatch_t *dispatch, const worker_context_t *context,
                 worker_output_t *output, daiban_error_t *err)
{
    if (!dispatch->state || dispatch->state->status == CASE_CLOSED)
        return DAIBAN_OK;
    decision_t self = { dispatch, context, { 0 }, output, err };
    daiban_code_t code = policy_read (context, &self.policy, err);
    if (code)
        return code;
    const char *type = dispatch->type;
    if (streq (type, "timer.fired"))
        return s_fired (&self);
    const case_item_t *item = s_named_item (dispatch, dispatch->body);
    if (!item)
        return DAIBAN_OK;
    if (streq (type, "deadline.warning"))
        return s_occasion (&self, OCCASION_WARNING, item, NULL);
    if (streq (type, "deadline.overdue"))
        return s_occasion (&self, OCCASION_OVERDUE, item, NULL);
    if (streq (type, "item.transfer_accepted"))
        s_cancel (&self, OCCASION_HANDOVER, item);
    else
    if (streq (type, "item.approved") || streq (type, "item.rejected")
    ||  streq (type, "item.withdrawn"))
        for (int occasion = OCCASION_WARNING; occasion <= OCCASION_HANDOVER; occasion++)
            s_cancel (&self, (occasion_t) occasion, item);
    //  item.progress: nothing to change (see the top of this file).
    return DAIBAN_OK;
}
