/*  reducer: one function per event type, picked from a table (see
    reducer.h); here the table, the shared helpers and the case-level
    rules; the item rules are in reducer_items.c. */
#include "reducer_internal.h"

//  Copies the string at body[key] into *field (absent: untouched).
bool
reducer_set_text (char **field, const msgpack_object *map, const char *key)
{
    const msgpack_object *value = wire_map_get (map, key);
    if (!wire_is_str (value))
        return true;
    return case_text_set (field, value->via.str.ptr, value->via.str.size);
}

//  The item the body names, or a conflict naming it.
case_item_t *
reducer_body_item (apply_t *apply, const char *key)
{
    const msgpack_object *code = wire_map_get (apply->body, key);
    case_item_t *item = case_state_item (apply->state, code->via.str.ptr, code->via.str.size);
    if (!item)
        daiban_error_set (apply->err, DAIBAN_CONFLICT, "item %.*s is not in case %s",
                          (int) code->via.str.size, code->via.str.ptr, apply->state->case_id);
    return item;
}

daiban_code_t
reducer_item_conflict (apply_t *apply, const case_item_t *item, const char *wanted)
{
    return daiban_error_set (apply->err, DAIBAN_CONFLICT, "item %s is %s: %s",
                             item->code, item_status_name (item->status), wanted);
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
    if (!item || !reducer_set_text (&item->code, requested, "code")
    ||  !reducer_set_text (&item->level, requested, "level"))
        return NO_MEMORY (apply);
    if (!reducer_set_text (&item->county, requested, "county")
    ||  (!item->county && !reducer_set_text (&item->county, apply->body, "county")))
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
    if (!reducer_set_text (&state->project, apply->body, "project")
    ||  !reducer_set_text (&state->applicant, apply->body, "applicant")
    ||  !reducer_set_text (&state->county, apply->body, "county")
    ||  !reducer_set_text (&state->channel, apply->body, "channel")
    ||  !reducer_set_text (&state->contact_name, contact, "name")
    ||  !reducer_set_text (&state->contact_phone, contact, "phone"))
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
        if (!reducer_body_item (&element, "item"))
            return apply->err->code;
    }
    for (uint32_t index = 0; index < materials->via.array.size; index++) {
        apply_t element = *apply;
        element.body = &materials->via.array.ptr [index];
        case_item_t *item = reducer_body_item (&element, "item");
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
    if (!reducer_set_text (&item->code, planned, "code") || !reducer_set_text (&item->name, planned, "name")
    ||  !reducer_set_text (&item->department, planned, "department")
    ||  !reducer_set_text (&item->level, planned, "level") || !reducer_set_text (&item->county, planned, "county"))
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
    if (!reducer_set_text (&apply->state->agent, apply->body, "agent")
    ||  !reducer_set_text (&apply->state->expected_done, apply->body, "expected_done"))
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

//  An attachment may name an item of the case; the content itself was
//  checked by the broker (the blob is stored, with this size).
static daiban_code_t
s_attachment_added (apply_t *apply)
{
    const msgpack_object *item = wire_map_get (apply->body, "item");
    if (item && wire_is_str (item)
    &&  !case_state_item (apply->state, item->via.str.ptr, item->via.str.size))
        return daiban_error_set (apply->err, DAIBAN_CONFLICT, "case %s has no item %.*s",
                                 apply->state->case_id, (int) item->via.str.size,
                                 item->via.str.ptr);
    apply->state->attachments++;
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
    if (!reducer_set_text (&alert->acknowledged_by, apply->body, "by"))
        return NO_MEMORY (apply);
    alert->acknowledged = true;
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
    if (!reducer_set_text (&alert->alert, apply->body, "alert") || !reducer_set_text (&alert->to, apply->body, "to")
    ||  !reducer_set_text (&alert->item, apply->body, "item")
    ||  !reducer_set_text (&alert->summary, apply->body, "summary"))
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
    { "item.transfer_accepted", reducer_transfer_accepted, false },
    { "item.suspended", reducer_item_suspended, false },
    { "item.resumed", reducer_item_resumed, false },
    { "item.progress", reducer_item_progress, false },
    { "item.approved", reducer_item_decided, false },
    { "item.rejected", reducer_item_decided, false },
    { "item.withdrawn", reducer_item_decided, false },
    { "result.delivered", reducer_result_delivered, false },
    { "worklog.added", s_count, true },
    { "problem.reported", s_count, false },
    { "meeting.minutes", s_count, true },
    //  The case file is compiled when the approvals are done (一事一档):
    //  documents are still added to a closed case.
    { "attachment.added", s_attachment_added, true },
    //  An alert may still be open when its case closes; the supervisor
    //  must still be able to acknowledge it.
    { "alert.acknowledged", s_alert_acknowledged, true },
    { "case.returned", s_case_returned, false },
    { "case.accepted", s_case_accepted, false },
    { "item.submitted", reducer_item_released, false },
    { "item.transferred", reducer_item_released, false },
    { "item.deadline_set", reducer_deadline_set, false },
    { "deadline.warning", reducer_deadline_notice, false },
    { "deadline.overdue", reducer_deadline_notice, false },
    { "reminder.sent", reducer_reminder_sent, false },
    { "escalation.raised", reducer_escalation_raised, false },
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
    const char *name = event->type->name;
    //  The first letter first: per event, most rules differ there.
    while (rule->type && !(rule->type [0] == name [0] && streq (rule->type, name)))
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
