/*  reducer: one function per event type, picked from a table (see reducer.h). */
#include "reducer.h"

#include <string.h>
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

//  Copies the string at body[key] into *field (absent: untouched).
static bool
s_set_text (char **field, const msgpack_object *map, const char *key)
{
    const msgpack_object *value = wire_map_get (map, key);
    if (!wire_is_str (value))
        return true;
    return case_text_set (field, value->via.str.ptr, value->via.str.size);
}

//  The item the body names, or a conflict naming it.
static case_item_t *
s_body_item (apply_t *apply, const char *key)
{
    const msgpack_object *code = wire_map_get (apply->body, key);
    case_item_t *item = case_state_item (apply->state, code->via.str.ptr, code->via.str.size);
    if (!item)
        daiban_error_set (apply->err, DAIBAN_CONFLICT, "item %.*s is not in case %s",
                          (int) code->via.str.size, code->via.str.ptr, apply->state->case_id);
    return item;
}

static daiban_code_t
s_item_conflict (apply_t *apply, const case_item_t *item, const char *wanted)
{
    return daiban_error_set (apply->err, DAIBAN_CONFLICT, "item %s is %s: %s",
                             item->code, item_status_name (item->status), wanted);
}

static bool
s_item_under_review (const case_item_t *item)
{
    return item->status == ITEM_SUBMITTED || item->status == ITEM_TRANSFERRED
        || item->status == ITEM_IN_REVIEW;
}

static daiban_code_t
s_registered_item (apply_t *apply, const msgpack_object *requested)
{
    const msgpack_object *code = wire_map_get (requested, "code");
    if (case_state_item (apply->state, code->via.str.ptr, code->via.str.size))
        return daiban_error_set (apply->err, DAIBAN_INVALID_BODY,
                                 "body.items: item %.*s is listed twice",
                                 (int) code->via.str.size, code->via.str.ptr);
    case_item_t *item = case_state_add_item (apply->state);
    if (!item || !s_set_text (&item->code, requested, "code")
    ||  !s_set_text (&item->level, requested, "level"))
        return NO_MEMORY (apply);
    if (!s_set_text (&item->county, requested, "county")
    ||  (!item->county && !s_set_text (&item->county, apply->body, "county")))
        return NO_MEMORY (apply);
    const msgpack_object *materials = wire_map_get (requested, "materials");
    for (uint32_t index = 0; index < materials->via.array.size; index++) {
        const msgpack_object *name = &materials->via.array.ptr [index];
        if (!text_list_add (&item->materials, name->via.str.ptr, name->via.str.size))
            return NO_MEMORY (apply);
    }
    return DAIBAN_OK;
}

static daiban_code_t
s_case_registered (apply_t *apply)
{
    case_state_t *state = apply->state;
    const msgpack_object *contact = wire_map_get (apply->body, "contact");
    if (!s_set_text (&state->project, apply->body, "project")
    ||  !s_set_text (&state->applicant, apply->body, "applicant")
    ||  !s_set_text (&state->county, apply->body, "county")
    ||  !s_set_text (&state->channel, apply->body, "channel")
    ||  !s_set_text (&state->contact_name, contact, "name")
    ||  !s_set_text (&state->contact_phone, contact, "phone"))
        return NO_MEMORY (apply);
    state->status = CASE_REGISTERED;
    state->registered_at = apply->ts;
    const msgpack_object *items = wire_map_get (apply->body, "items");
    for (uint32_t index = 0; index < items->via.array.size; index++) {
        daiban_code_t code = s_registered_item (apply, &items->via.array.ptr [index]);
        if (code)
            return code;
    }
    return DAIBAN_OK;
}

static daiban_code_t
s_materials_supplied (apply_t *apply)
{
    const msgpack_object *materials = wire_map_get (apply->body, "materials");
    //  Every item first, so that a refusal changes nothing.
    for (uint32_t index = 0; index < materials->via.array.size; index++) {
        apply_t element = *apply;
        element.body = &materials->via.array.ptr [index];
        if (!s_body_item (&element, "item"))
            return apply->err->code;
    }
    for (uint32_t index = 0; index < materials->via.array.size; index++) {
        apply_t element = *apply;
        element.body = &materials->via.array.ptr [index];
        case_item_t *item = s_body_item (&element, "item");
        if (!item)
            return apply->err->code;
        const msgpack_object *name = wire_map_get (element.body, "name");
        if (!text_list_add (&item->materials, name->via.str.ptr, name->via.str.size))
            return NO_MEMORY (apply);
    }
    return DAIBAN_OK;
}

//  Intake decides a case once per registration or supply: a decision on
//  a case it already accepted (two decisions racing) is refused.
static daiban_code_t
s_intake_may_decide (apply_t *apply)
{
    case_status_t status = apply->state->status;
    if (status == CASE_REGISTERED || status == CASE_RETURNED)
        return DAIBAN_OK;
    return daiban_error_set (apply->err, DAIBAN_CONFLICT, "case %s is %s: already decided",
                             apply->state->case_id, case_status_name (status));
}

static daiban_code_t
s_case_returned (apply_t *apply)
{
    const msgpack_object *missing = wire_map_get (apply->body, "missing");
    const msgpack_object *unknown = wire_map_get (apply->body, "unknown_items");
    const msgpack_object *problems = wire_map_get (apply->body, "problems");
    daiban_code_t code = s_intake_may_decide (apply);
    if (code)
        return code;
    apply->state->status = CASE_RETURNED;
    apply->state->missing = missing->via.array.size + unknown->via.array.size
        + (problems && problems->type == MSGPACK_OBJECT_ARRAY? problems->via.array.size: 0);
    return DAIBAN_OK;
}

static daiban_code_t
s_planned_item (apply_t *apply, const msgpack_object *planned)
{
    const msgpack_object *code = wire_map_get (planned, "code");
    case_item_t *item = case_state_item (apply->state, code->via.str.ptr, code->via.str.size);
    if (!item && !(item = case_state_add_item (apply->state)))
        return NO_MEMORY (apply);
    if (!s_set_text (&item->code, planned, "code") || !s_set_text (&item->name, planned, "name")
    ||  !s_set_text (&item->department, planned, "department")
    ||  !s_set_text (&item->level, planned, "level") || !s_set_text (&item->county, planned, "county"))
        return NO_MEMORY (apply);
    wire_get_int (wire_map_get (planned, "limit_days"), &item->limit_days);
    const msgpack_object *after = wire_map_get (planned, "after");
    for (uint32_t index = 0; index < after->via.array.size; index++) {
        const msgpack_object *prerequisite = &after->via.array.ptr [index];
        if (!text_list_add (&item->after, prerequisite->via.str.ptr, prerequisite->via.str.size))
            return NO_MEMORY (apply);
    }
    return DAIBAN_OK;
}

static daiban_code_t
s_case_accepted (apply_t *apply)
{
    daiban_code_t code = s_intake_may_decide (apply);
    if (code)
        return code;
    if (!s_set_text (&apply->state->agent, apply->body, "agent")
    ||  !s_set_text (&apply->state->expected_done, apply->body, "expected_done"))
        return NO_MEMORY (apply);
    apply->state->status = CASE_ACCEPTED;
    apply->state->missing = 0;
    const msgpack_object *items = wire_map_get (apply->body, "items");
    for (uint32_t index = 0; index < items->via.array.size; index++) {
        daiban_code_t code = s_planned_item (apply, &items->via.array.ptr [index]);
        if (code)
            return code;
    }
    return DAIBAN_OK;
}

//  item.submitted and item.transferred: the item's clock starts.
static daiban_code_t
s_item_released (apply_t *apply)
{
    case_item_t *item = s_body_item (apply, "item");
    if (!item)
        return apply->err->code;
    if (item->status != ITEM_WAITING)
        return s_item_conflict (apply, item, "only a waiting item can be released");
    bool transfer = apply->event->type->name [5] == 't';      //  "item.transferred"
    if (!s_set_text (&item->department, apply->body, "department")
    ||  !s_set_text (&item->window, apply->body, "window")
    ||  !s_set_text (&item->county, apply->body, "county")
    ||  !s_set_text (&item->office, apply->body, "office"))
        return NO_MEMORY (apply);
    item->status = transfer? ITEM_TRANSFERRED: ITEM_SUBMITTED;
    item->released_at = apply->ts;
    apply->state->status = CASE_IN_PROGRESS;
    return DAIBAN_OK;
}

static daiban_code_t
s_transfer_accepted (apply_t *apply)
{
    case_item_t *item = s_body_item (apply, "item");
    if (!item)
        return apply->err->code;
    if (item->status != ITEM_TRANSFERRED && !(item->status == ITEM_IN_REVIEW && !item->transfer_accepted))
        return s_item_conflict (apply, item, "only a transferred item can be accepted by the county");
    if (!s_set_text (&item->office, apply->body, "office"))
        return NO_MEMORY (apply);
    item->transfer_accepted = true;
    item->status = ITEM_IN_REVIEW;
    return DAIBAN_OK;
}

static daiban_code_t
s_item_suspended (apply_t *apply)
{
    case_item_t *item = s_body_item (apply, "item");
    if (!item)
        return apply->err->code;
    if (!s_item_under_review (item))
        return s_item_conflict (apply, item, "only an item under review can be suspended");
    if (!s_set_text (&item->suspend_reason, apply->body, "reason"))
        return NO_MEMORY (apply);
    item->resume_status = item->status;
    item->status = ITEM_SUSPENDED;
    item->suspended_at = apply->ts;
    return DAIBAN_OK;
}

static daiban_code_t
s_item_resumed (apply_t *apply)
{
    case_item_t *item = s_body_item (apply, "item");
    if (!item)
        return apply->err->code;
    if (item->status != ITEM_SUSPENDED)
        return s_item_conflict (apply, item, "only a suspended item can be resumed");
    //  suspended_at stays: the deadline role, which sees the state after
    //  this event, counts the paused days from it.
    item->status = item->resume_status;
    return DAIBAN_OK;
}

static daiban_code_t
s_item_progress (apply_t *apply)
{
    case_item_t *item = s_body_item (apply, "item");
    if (!item)
        return apply->err->code;
    if (case_state_item_closed (item))
        return s_item_conflict (apply, item, "no progress on a closed item");
    item->progress_at = apply->ts;
    item->reminders_since_progress = 0;
    return DAIBAN_OK;
}

//  A rejected or withdrawn item will never be approved: the items waiting
//  for it cannot be released, and the case shows the agent why.
static daiban_code_t
s_block_dependants (apply_t *apply, const case_item_t *decided)
{
    for (size_t index = 0; index < apply->state->item_count; index++) {
        case_item_t *item = &apply->state->items [index];
        if (item->status == ITEM_WAITING && !item->blocked_by
        &&  text_list_contains (&item->after, decided->code, strlen (decided->code))
        &&  !case_text_set (&item->blocked_by, decided->code, strlen (decided->code)))
            return NO_MEMORY (apply);
    }
    return DAIBAN_OK;
}

//  item.approved, item.rejected, item.withdrawn: the item is decided.
static daiban_code_t
s_item_decided (apply_t *apply)
{
    case_item_t *item = s_body_item (apply, "item");
    if (!item)
        return apply->err->code;
    const char *type = apply->event->type->name;
    bool withdrawn = streq (type, "item.withdrawn");
    if (case_state_item_closed (item))
        return s_item_conflict (apply, item, "it is already closed");
    if (!withdrawn && !s_item_under_review (item))
        return s_item_conflict (apply, item,
                                "only a submitted, transferred or in-review item can be decided");
    const msgpack_object *result = wire_map_get (apply->body, "result");
    if (!s_set_text (&item->result_number, result, "number")
    ||  !s_set_text (&item->result_kind, result, "kind")
    ||  !s_set_text (&item->decision_reason, apply->body, "reason"))
        return NO_MEMORY (apply);
    item->status = withdrawn? ITEM_WITHDRAWN: streq (type, "item.approved")? ITEM_APPROVED: ITEM_REJECTED;
    item->decided_at = apply->ts;
    return item->status == ITEM_APPROVED? DAIBAN_OK: s_block_dependants (apply, item);
}

static daiban_code_t
s_result_delivered (apply_t *apply)
{
    case_item_t *item = s_body_item (apply, "item");
    if (!item)
        return apply->err->code;
    if (item->status != ITEM_APPROVED)
        return s_item_conflict (apply, item, "only an approved item's result can be delivered");
    if (item->delivered)
        return daiban_error_set (apply->err, DAIBAN_CONFLICT,
                                 "item %s: result already delivered", item->code);
    item->delivered = true;
    return DAIBAN_OK;
}

static daiban_code_t
s_count (apply_t *apply)
{
    const char *type = apply->event->type->name;
    if (streq (type, "worklog.added"))
        apply->state->worklogs++;
    else if (streq (type, "problem.reported"))
        apply->state->problems++;
    else if (streq (type, "meeting.minutes"))
        apply->state->minutes++;
    else if (streq (type, "meeting.convened"))
        apply->state->meetings++;
    return DAIBAN_OK;
}

static daiban_code_t
s_alert_acknowledged (apply_t *apply)
{
    const msgpack_object *id = wire_map_get (apply->body, "alert");
    case_alert_t *alert = case_state_alert (apply->state, id->via.str.ptr, id->via.str.size);
    if (!alert)
        return daiban_error_set (apply->err, DAIBAN_CONFLICT, "case %s has no alert %.*s",
                                 apply->state->case_id, (int) id->via.str.size, id->via.str.ptr);
    if (alert->acknowledged)
        return daiban_error_set (apply->err, DAIBAN_CONFLICT, "alert %s is already acknowledged",
                                 alert->alert);
    if (!s_set_text (&alert->acknowledged_by, apply->body, "by"))
        return NO_MEMORY (apply);
    alert->acknowledged = true;
    return DAIBAN_OK;
}

static daiban_code_t
s_deadline_set (apply_t *apply)
{
    case_item_t *item = s_body_item (apply, "item");
    if (!item)
        return apply->err->code;
    if (!s_set_text (&item->due, apply->body, "due") || !s_set_text (&item->warn, apply->body, "warn"))
        return NO_MEMORY (apply);
    wire_get_int (wire_map_get (apply->body, "limit_days"), &item->limit_days);
    wire_get_int (wire_map_get (apply->body, "paused_days"), &item->paused_days);
    const msgpack_object *provisional = wire_map_get (apply->body, "provisional");
    item->provisional = provisional && provisional->type == MSGPACK_OBJECT_BOOLEAN
                     && provisional->via.boolean;
    return DAIBAN_OK;
}

static daiban_code_t
s_deadline_notice (apply_t *apply)
{
    case_item_t *item = s_body_item (apply, "item");
    if (!item)
        return apply->err->code;
    if (streq (apply->event->type->name, "deadline.warning"))
        item->warned = true;
    else {
        item->overdue = true;
        wire_get_int (wire_map_get (apply->body, "days_over"), &item->days_over);
    }
    return DAIBAN_OK;
}

static daiban_code_t
s_reminder_sent (apply_t *apply)
{
    case_item_t *item = s_body_item (apply, "item");
    if (!item)
        return apply->err->code;
    //  Counted here rather than copied from the body: two reminders decided
    //  on the same snapshot still count as two.
    item->reminders++;
    item->reminders_since_progress++;
    return DAIBAN_OK;
}

static daiban_code_t
s_escalation_raised (apply_t *apply)
{
    int64_t level = 0;
    wire_get_int (wire_map_get (apply->body, "level"), &level);
    if (wire_is_str (wire_map_get (apply->body, "item"))) {
        case_item_t *item = s_body_item (apply, "item");
        if (!item)
            return apply->err->code;
        //  Each level once per item: two decisions taken on snapshots
        //  that both predate the first raise must not raise it twice.
        if (level <= item->escalation)
            return daiban_error_set (apply->err, DAIBAN_CONFLICT,
                                     "item %s is already escalated to level %lld", item->code,
                                     (long long) item->escalation);
        item->escalation = level;
    }
    if (level > apply->state->escalation)
        apply->state->escalation = level;
    return DAIBAN_OK;
}

static daiban_code_t
s_alert_raised (apply_t *apply)
{
    const msgpack_object *id = wire_map_get (apply->body, "alert");
    case_alert_t *alert = case_state_alert (apply->state, id->via.str.ptr, id->via.str.size);
    int64_t repeat = 0;
    wire_get_int (wire_map_get (apply->body, "repeat"), &repeat);
    //  A first raise of an alert that exists is a second decision on an
    //  old snapshot; only a repeat (repeat >= 1) raises it again.
    if (alert && repeat < 1)
        return daiban_error_set (apply->err, DAIBAN_CONFLICT, "alert %s is already raised",
                                 alert->alert);
    if (alert)
        alert->repeat++;        //  raised again: PROTOCOL.md "repeat 1, then 2, ..."
    else if (!(alert = case_state_add_alert (apply->state)))
        return NO_MEMORY (apply);
    if (!s_set_text (&alert->alert, apply->body, "alert") || !s_set_text (&alert->to, apply->body, "to")
    ||  !s_set_text (&alert->item, apply->body, "item")
    ||  !s_set_text (&alert->summary, apply->body, "summary"))
        return NO_MEMORY (apply);
    wire_get_int (wire_map_get (apply->body, "level"), &alert->level);
    alert->raised_at = apply->ts;
    return DAIBAN_OK;
}

static daiban_code_t
s_case_closed (apply_t *apply)
{
    apply->state->status = CASE_CLOSED;
    apply->state->closed_at = apply->ts;
    return DAIBAN_OK;
}

static daiban_code_t
s_nothing (apply_t *apply)
{
    (void) apply;
    return DAIBAN_OK;
}

typedef struct {
    const char *type;
    apply_fn *apply;
    bool on_closed;                 //  allowed on a closed case
} rule_t;

static const rule_t s_rules [] = {
    { "case.registered", s_case_registered, false },
    { "case.materials_supplied", s_materials_supplied, false },
    { "item.transfer_accepted", s_transfer_accepted, false },
    { "item.suspended", s_item_suspended, false },
    { "item.resumed", s_item_resumed, false },
    { "item.progress", s_item_progress, false },
    { "item.approved", s_item_decided, false },
    { "item.rejected", s_item_decided, false },
    { "item.withdrawn", s_item_decided, false },
    { "result.delivered", s_result_delivered, false },
    { "worklog.added", s_count, true },
    { "problem.reported", s_count, false },
    { "meeting.minutes", s_count, true },
    { "alert.acknowledged", s_alert_acknowledged, false },
    { "case.returned", s_case_returned, false },
    { "case.accepted", s_case_accepted, false },
    { "item.submitted", s_item_released, false },
    { "item.transferred", s_item_released, false },
    { "item.deadline_set", s_deadline_set, false },
    { "deadline.warning", s_deadline_notice, false },
    { "deadline.overdue", s_deadline_notice, false },
    { "reminder.sent", s_reminder_sent, false },
    { "escalation.raised", s_escalation_raised, false },
    { "meeting.convened", s_count, false },
    { "alert.raised", s_alert_raised, false },
    { "case.closed", s_case_closed, false },
    //  The broker's own events record what happened to a case whatever
    //  its state: a timer may come due after the case closed.
    { "timer.fired", s_nothing, true },
    { "dispatch.dead_lettered", s_nothing, true },
    { NULL, NULL, false }
};

daiban_code_t
reducer_apply (case_state_t **state_p, const envelope_t *event, uint64_t seq, int64_t ts,
               daiban_error_t *err)
{
    const rule_t *rule = s_rules;
    while (rule->type && !streq (rule->type, event->type->name))
        rule++;
    if (!rule->type)
        return daiban_error_set (err, DAIBAN_UNKNOWN_TYPE, "no rule for %s", event->type->name);
    bool registering = rule->apply == s_case_registered;
    if (!*state_p && !registering)
        return daiban_error_set (err, DAIBAN_NOT_FOUND, "case %s was never registered",
                                 event->case_id);
    if (*state_p && registering)
        return daiban_error_set (err, DAIBAN_CONFLICT, "case %s is already registered",
                                 event->case_id);
    if (registering && !(*state_p = case_state_new (event->case_id)))
        return daiban_error_set (err, DAIBAN_UNAVAILABLE, "out of memory");
    if ((*state_p)->status == CASE_CLOSED && !rule->on_closed)
        return daiban_error_set (err, DAIBAN_CONFLICT, "case %s is closed: %s is not allowed",
                                 event->case_id, event->type->name);
    apply_t apply = { *state_p, event, event->body, ts, err };
    daiban_code_t code = rule->apply (&apply);
    if (code == DAIBAN_OK) {
        (*state_p)->events++;
        (*state_p)->last_seq = (int64_t) seq;
        (*state_p)->updated_at = ts;
    }
    return code;
}
