/*  transfer: release, handover tracking and closing (see transfer.h).

    Each decision acts on the change its event makes, not on everything
    the state would allow: the case state of a dispatch is the state as of
    that event, and events of one case follow each other faster than the
    role's own emits are committed. Releasing "every ready item" on every
    event would release an item twice when two events arrive before the
    first release is committed. So case.accepted releases the items with no
    pending prerequisite, item.approved only the dependants of that item,
    and only the events that can finish a case (result.delivered,
    item.withdrawn) close it: each release and the close happen once. */
#include "transfer.h"

#include <stdio.h>
#include <string.h>
#include "log.h"

static const char *const s_types [] = {
    "case.accepted", "item.approved", "item.rejected", "item.withdrawn",
    "result.delivered", "item.transfer_accepted", "timer.fired", NULL };
const worker_role_t transfer_role = { "transfer", s_types, transfer_decide, NULL };

bool
transfer_handover_id (const char *case_id, const char *item, char *buffer, size_t size)
{
    int length = snprintf (buffer, size, "transfer/handover/%s/%s", case_id, item);
    return length > 0 && (size_t) length < size;
}

//  The item the event's body names, or NULL.
static case_item_t *
s_body_item (const worker_dispatch_t *dispatch)
{
    const msgpack_object *code = wire_map_get (dispatch->body, "item");
    if (!wire_is_str (code) || !dispatch->state)
        return NULL;
    return case_state_item (dispatch->state, code->via.str.ptr, code->via.str.size);
}

static bool
s_is_county (const case_item_t *item)
{
    return item->level && streq (item->level, "county");
}

//  A waiting item whose prerequisites within the case are all approved;
//  a prerequisite the case does not have is taken as done. A rejected or
//  withdrawn prerequisite blocks it for good (the state's blocked_by).
static bool
s_ready (case_state_t *state, const case_item_t *item)
{
    if (item->status != ITEM_WAITING || item->blocked_by)
        return false;
    for (size_t index = 0; index < item->after.count; index++) {
        const char *code = item->after.values [index];
        const case_item_t *before = case_state_item (state, code, strlen (code));
        if (before && before->status != ITEM_APPROVED)
            return false;
    }
    return true;
}

//  When the county office should have confirmed a handover: the
//  configured delay, or by default the end (24:00 CST) of the first
//  working day after today, so a transfer on a Friday afternoon is not
//  chased before the office has had a working day for it.
static daiban_code_t
s_handover_at (const worker_dispatch_t *dispatch, const worker_context_t *context, int64_t *at,
               daiban_error_t *err)
{
    int64_t delay = 0;
    daiban_code_t code = worker_context_int (context, "transfer/handover_ms", 0, &delay, err);
    if (code)
        return code;
    if (delay > 0)
        *at = dispatch->now + delay;
    else
        *at = date_end_ms (calendar_next_working_day (context->calendar,
                                                       date_from_ms (dispatch->now), NULL));
    return DAIBAN_OK;
}

static daiban_code_t
s_transfer (const worker_dispatch_t *dispatch, const worker_context_t *context,
            const case_item_t *item, worker_output_t *output, daiban_error_t *err)
{
    const char *county = item->county && *item->county? item->county: dispatch->state->county;
    const char *office = county? catalog_county_office (context->catalog, county): NULL;
    if (!office)
        return daiban_error_set (err, DAIBAN_CONFLICT, "item %s: county %s has no office in "
                                 "the catalog", item->code, county? county: "(none)");
    char id [160];
    if (!transfer_handover_id (dispatch->case_id, item->code, id, sizeof id))
        return daiban_error_set (err, DAIBAN_INTERNAL, "item %s: timer id too long", item->code);
    int64_t at;
    daiban_code_t code = s_handover_at (dispatch, context, &at, err);
    if (code)
        return code;
    msgpack_packer *packer = worker_output_emit (output, "item.transferred", dispatch->case_id);
    msgpack_pack_map (packer, 3);
    wire_pack_key (packer, "item");
    wire_pack_str (packer, item->code);
    wire_pack_key (packer, "county");
    wire_pack_str (packer, county);
    wire_pack_key (packer, "office");
    wire_pack_str (packer, office);
    packer = worker_output_timer_set (output, id, at, dispatch->case_id, TRANSFER_HANDOVER_KIND);
    msgpack_pack_map (packer, 3);
    wire_pack_key (packer, "item");
    wire_pack_str (packer, item->code);
    wire_pack_key (packer, "county");
    wire_pack_str (packer, county);
    wire_pack_key (packer, "office");
    wire_pack_str (packer, office);
    return DAIBAN_OK;
}

static daiban_code_t
s_submit (const worker_dispatch_t *dispatch, const worker_context_t *context,
          const case_item_t *item, worker_output_t *output, daiban_error_t *err)
{
    const char *department = item->department;
    if (!department) {
        const catalog_item_t *entry = catalog_item (context->catalog, item->code);
        department = entry? entry->department: NULL;
    }
    if (!department)
        return daiban_error_set (err, DAIBAN_CONFLICT, "item %s has no department", item->code);
    msgpack_packer *packer = worker_output_emit (output, "item.submitted", dispatch->case_id);
    msgpack_pack_map (packer, 3);
    wire_pack_key (packer, "item");
    wire_pack_str (packer, item->code);
    wire_pack_key (packer, "department");
    wire_pack_str (packer, department);
    wire_pack_key (packer, "window");
    wire_pack_str (packer, worker_context_text (context, "transfer/window",
                                                TRANSFER_WINDOW_DEFAULT));
    return DAIBAN_OK;
}

//  Releases the ready items; with trigger, only those that have it as a
//  prerequisite (the dependants of the item just approved).
static daiban_code_t
s_release (const worker_dispatch_t *dispatch, const worker_context_t *context,
           const char *trigger, worker_output_t *output, daiban_error_t *err)
{
    case_state_t *state = dispatch->state;
    if (state->status != CASE_ACCEPTED && state->status != CASE_IN_PROGRESS)
        return DAIBAN_OK;
    for (size_t index = 0; index < state->item_count; index++) {
        const case_item_t *item = &state->items [index];
        if (!item->code || !s_ready (state, item)
        ||  (trigger && !text_list_contains (&item->after, trigger, strlen (trigger))))
            continue;
        daiban_code_t code = s_is_county (item)
            ? s_transfer (dispatch, context, item, output, err)
            : s_submit (dispatch, context, item, output, err);
        if (code)
            return code;
    }
    return DAIBAN_OK;
}

//  case.closed once every item is approved or withdrawn and every approved
//  item's result is delivered; a rejected item keeps the case open until
//  the agent withdraws it.
static void
s_close_when_done (const worker_dispatch_t *dispatch, worker_output_t *output)
{
    const case_state_t *state = dispatch->state;
    size_t approved = 0, withdrawn = 0;
    for (size_t index = 0; index < state->item_count; index++) {
        const case_item_t *item = &state->items [index];
        if (item->status == ITEM_APPROVED && item->delivered)
            approved++;
        else
        if (item->status == ITEM_WITHDRAWN)
            withdrawn++;
        else
            return;
    }
    if (state->item_count == 0 || state->status == CASE_CLOSED)
        return;
    msgpack_packer *packer = worker_output_emit (output, "case.closed", dispatch->case_id);
    msgpack_pack_map (packer, 2);
    wire_pack_key (packer, "approved");
    msgpack_pack_uint64 (packer, approved);
    wire_pack_key (packer, "withdrawn");
    msgpack_pack_uint64 (packer, withdrawn);
    log_info ("case %s closed: %zu approved, %zu withdrawn", dispatch->case_id, approved, withdrawn);
}

//  A decided item no longer needs its handover chased.
static void
s_cancel_handover (const worker_dispatch_t *dispatch, const case_item_t *item,
                   worker_output_t *output)
{
    char id [160];
    if (item && s_is_county (item) && item->released_at && !item->transfer_accepted
    &&  transfer_handover_id (dispatch->case_id, item->code, id, sizeof id))
        worker_output_timer_cancel (output, id);
}

//  The handover was not confirmed in time. The reminder role acts on
//  this timer (it subscribes to timer.fired too); transfer emits nothing
//  yet, but this is where a transfer-side follow-up would go.
static daiban_code_t
s_handover_due (const worker_dispatch_t *dispatch, worker_output_t *output)
{
    (void) output;
    log_debug ("case %s: handover timer fired", dispatch->case_id);
    return DAIBAN_OK;
}

daiban_code_t
transfer_decide (const worker_dispatch_t *dispatch, const worker_context_t *context,
                 worker_output_t *output, daiban_error_t *err)
{
    if (!dispatch->state || dispatch->state->status == CASE_CLOSED)
        return DAIBAN_OK;
    const char *type = dispatch->type;
    case_item_t *item = s_body_item (dispatch);
    if (streq (type, "case.accepted"))
        return s_release (dispatch, context, NULL, output, err);
    if (streq (type, "item.approved")) {
        s_cancel_handover (dispatch, item, output);
        return item? s_release (dispatch, context, item->code, output, err): DAIBAN_OK;
    }
    if (streq (type, "item.rejected"))
        s_cancel_handover (dispatch, item, output);
    else
    if (streq (type, "item.withdrawn")) {
        s_cancel_handover (dispatch, item, output);
        s_close_when_done (dispatch, output);
    }
    else
    if (streq (type, "result.delivered"))
        s_close_when_done (dispatch, output);
    else
    if (streq (type, "item.transfer_accepted") && item) {
        char id [160];
        if (transfer_handover_id (dispatch->case_id, item->code, id, sizeof id))
            worker_output_timer_cancel (output, id);
    }
    else
    if (streq (type, "timer.fired")
    &&  wire_str_eq (wire_map_get (dispatch->body, "kind"), TRANSFER_HANDOVER_KIND))
        return s_handover_due (dispatch, output);
    return DAIBAN_OK;
}
