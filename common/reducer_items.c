/*  reducer_items: the rules for one item of a case — release, county
    acceptance, suspension, progress, decisions, delivery, deadlines,
    reminders, escalation (see reducer.h; the table is in reducer.c). */
#include "reducer_internal.h"

static bool
s_item_under_review (const case_item_t *item)
{
    return item->status == ITEM_SUBMITTED || item->status == ITEM_TRANSFERRED
        || item->status == ITEM_IN_REVIEW;
}

//  item.submitted and item.transferred: the item's clock starts.
daiban_code_t
reducer_item_released (apply_t *apply)
{
    case_item_t *item = reducer_body_item (apply, "item");
    if (!item)
        return apply->err->code;
    if (item->status != ITEM_WAITING)
        return reducer_item_conflict (apply, item, "only a waiting item can be released");
    bool transfer = apply->event->type->name [5] == 't';      //  "item.transferred"
    if (!reducer_set_text (&item->department, apply->body, "department")
    ||  !reducer_set_text (&item->window, apply->body, "window")
    ||  !reducer_set_text (&item->county, apply->body, "county")
    ||  !reducer_set_text (&item->office, apply->body, "office"))
        return NO_MEMORY (apply);
    item->status = transfer? ITEM_TRANSFERRED: ITEM_SUBMITTED;
    item->released_at = apply->ts;
    apply->state->status = CASE_IN_PROGRESS;
    return DAIBAN_OK;
}

daiban_code_t
reducer_transfer_accepted (apply_t *apply)
{
    case_item_t *item = reducer_body_item (apply, "item");
    if (!item)
        return apply->err->code;
    if (item->status != ITEM_TRANSFERRED && !(item->status == ITEM_IN_REVIEW && !item->transfer_accepted))
        return reducer_item_conflict (apply, item, "only a transferred item can be accepted by the county");
    if (!reducer_set_text (&item->office, apply->body, "office"))
        return NO_MEMORY (apply);
    item->transfer_accepted = true;
    item->status = ITEM_IN_REVIEW;
    return DAIBAN_OK;
}

daiban_code_t
reducer_item_suspended (apply_t *apply)
{
    case_item_t *item = reducer_body_item (apply, "item");
    if (!item)
        return apply->err->code;
    if (!s_item_under_review (item))
        return reducer_item_conflict (apply, item, "only an item under review can be suspended");
    if (!reducer_set_text (&item->suspend_reason, apply->body, "reason"))
        return NO_MEMORY (apply);
    item->resume_status = item->status;
    item->status = ITEM_SUSPENDED;
    item->suspended_at = apply->ts;
    return DAIBAN_OK;
}

daiban_code_t
reducer_item_resumed (apply_t *apply)
{
    case_item_t *item = reducer_body_item (apply, "item");
    if (!item)
        return apply->err->code;
    if (item->status != ITEM_SUSPENDED)
        return reducer_item_conflict (apply, item, "only a suspended item can be resumed");
    //  suspended_at stays: the deadline role, which sees the state after
    //  this event, counts the paused days from it.
    item->status = item->resume_status;
    return DAIBAN_OK;
}

daiban_code_t
reducer_item_progress (apply_t *apply)
{
    case_item_t *item = reducer_body_item (apply, "item");
    if (!item)
        return apply->err->code;
    if (case_state_item_closed (item))
        return reducer_item_conflict (apply, item, "no progress on a closed item");
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
daiban_code_t
reducer_item_decided (apply_t *apply)
{
    case_item_t *item = reducer_body_item (apply, "item");
    if (!item)
        return apply->err->code;
    const char *type = apply->event->type->name;
    bool withdrawn = streq (type, "item.withdrawn");
    if (case_state_item_closed (item))
        return reducer_item_conflict (apply, item, "it is already closed");
    if (!withdrawn && !s_item_under_review (item))
        return reducer_item_conflict (apply, item,
                                "only a submitted, transferred or in-review item can be decided");
    const msgpack_object *result = wire_map_get (apply->body, "result");
    if (!reducer_set_text (&item->result_number, result, "number")
    ||  !reducer_set_text (&item->result_kind, result, "kind")
    ||  !reducer_set_text (&item->decision_reason, apply->body, "reason"))
        return NO_MEMORY (apply);
    item->status = withdrawn? ITEM_WITHDRAWN: streq (type, "item.approved")? ITEM_APPROVED: ITEM_REJECTED;
    item->decided_at = apply->ts;
    return item->status == ITEM_APPROVED? DAIBAN_OK: s_block_dependants (apply, item);
}

daiban_code_t
reducer_result_delivered (apply_t *apply)
{
    case_item_t *item = reducer_body_item (apply, "item");
    if (!item)
        return apply->err->code;
    if (item->status != ITEM_APPROVED)
        return reducer_item_conflict (apply, item, "only an approved item's result can be delivered");
    if (item->delivered)
        return daiban_error_set (apply->err, DAIBAN_CONFLICT,
                                 "item %s: result already delivered", item->code);
    item->delivered = true;
    return DAIBAN_OK;
}

daiban_code_t
reducer_deadline_set (apply_t *apply)
{
    case_item_t *item = reducer_body_item (apply, "item");
    if (!item)
        return apply->err->code;
    if (!reducer_set_text (&item->due, apply->body, "due") || !reducer_set_text (&item->warn, apply->body, "warn"))
        return NO_MEMORY (apply);
    wire_get_int (wire_map_get (apply->body, "limit_days"), &item->limit_days);
    wire_get_int (wire_map_get (apply->body, "paused_days"), &item->paused_days);
    const msgpack_object *provisional = wire_map_get (apply->body, "provisional");
    item->provisional = provisional && provisional->type == MSGPACK_OBJECT_BOOLEAN
                     && provisional->via.boolean;
    return DAIBAN_OK;
}

daiban_code_t
reducer_deadline_notice (apply_t *apply)
{
    case_item_t *item = reducer_body_item (apply, "item");
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

daiban_code_t
reducer_reminder_sent (apply_t *apply)
{
    case_item_t *item = reducer_body_item (apply, "item");
    if (!item)
        return apply->err->code;
    //  Counted here rather than copied from the body: two reminders decided
    //  on the same snapshot still count as two.
    item->reminders++;
    item->reminders_since_progress++;
    return DAIBAN_OK;
}

daiban_code_t
reducer_escalation_raised (apply_t *apply)
{
    int64_t level = 0;
    wire_get_int (wire_map_get (apply->body, "level"), &level);
    if (wire_is_str (wire_map_get (apply->body, "item"))) {
        case_item_t *item = reducer_body_item (apply, "item");
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
