/*  escalation_alert: raising levels and alerts (see escalation_alert.h).

    An alert's repetition is one timer per alert, set `alert_repeat_hours`
    after the dispatch's `now` (the alert is committed right after this
    decision, so now is when it is raised), and set again each time it is
    raised again. alert.acknowledged cancels it; a repetition that fires
    anyway (the acknowledgement came while it was being dispatched) finds
    the alert acknowledged in the state and stays silent. */
#include "escalation_alert.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "escalation.h"
#include "log.h"

static const char *
s_alert_to (const escalation_decision_t *self, int level)
{
    return level >= 2? self->policy.city_government: self->policy.group_leader;
}

//  The repetition timer of alert, `alert_repeat_hours` from now.
static daiban_code_t
s_arm_repeat (escalation_decision_t *self, const char *alert)
{
    char id [POLICY_TIMER_ID_SIZE];
    if (!escalation_alert_timer_id (alert, id, sizeof id))
        return daiban_error_set (self->err, DAIBAN_CONFLICT, "alert %s: timer id too long", alert);
    msgpack_packer *packer = worker_output_timer_set (self->output, id,
                                                      self->dispatch->now
                                                      + self->policy.alert_repeat_ms,
                                                      self->dispatch->case_id,
                                                      ESCALATION_ALERT_KIND);
    msgpack_pack_map (packer, 1);
    wire_pack_key (packer, "alert");
    wire_pack_str (packer, alert);
    return DAIBAN_OK;
}

//  alert.raised; repeat 0 is the first raising, which carries no "repeat".
static void
s_emit_alert (escalation_decision_t *self, const char *alert, const char *to, int64_t level,
              const char *summary, const char *item, int64_t repeat)
{
    msgpack_packer *packer = worker_output_emit (self->output, "alert.raised",
                                                 self->dispatch->case_id);
    msgpack_pack_map (packer, 4 + (item? 1: 0) + (repeat > 0? 1: 0));
    wire_pack_key (packer, "alert");
    wire_pack_str (packer, alert);
    wire_pack_key (packer, "to");
    wire_pack_str (packer, to);
    wire_pack_key (packer, "level");
    msgpack_pack_int64 (packer, level);
    wire_pack_key (packer, "summary");
    wire_pack_str (packer, summary);
    if (item) {
        wire_pack_key (packer, "item");
        wire_pack_str (packer, item);
    }
    if (repeat > 0) {
        wire_pack_key (packer, "repeat");
        msgpack_pack_int64 (packer, repeat);
    }
    log_info ("case %s: alert %s to %s (level %lld, repeat %lld)", self->dispatch->case_id,
              alert, to, (long long) level, (long long) repeat);
}

static void
s_cancel_item_timer (escalation_decision_t *self, const char *which, const case_item_t *item)
{
    char id [POLICY_TIMER_ID_SIZE];
    if (escalation_timer_id (which, self->dispatch->case_id, item->code, id, sizeof id))
        worker_output_timer_cancel (self->output, id);
}

//  After level 1, level 2 comes on the Nth working day with the item open.
static daiban_code_t
s_arm_level2 (escalation_decision_t *self, const case_item_t *item)
{
    char id [POLICY_TIMER_ID_SIZE];
    date_t when = date_from_ms (self->dispatch->ts);
    daiban_code_t code = calendar_add_working_days (self->context->calendar, when,
                                                    self->policy.escalate_level2_days, &when,
                                                    NULL, self->err);
    if (code)
        return code;
    if (!escalation_timer_id ("level2", self->dispatch->case_id, item->code, id, sizeof id))
        return daiban_error_set (self->err, DAIBAN_CONFLICT, "item %s: timer id too long",
                                 item->code);
    msgpack_packer *packer = worker_output_timer_set (self->output, id,
                                                      policy_notice_at (&self->policy, when),
                                                      self->dispatch->case_id,
                                                      ESCALATION_LEVEL2_KIND);
    msgpack_pack_map (packer, 1);
    wire_pack_key (packer, "item");
    wire_pack_str (packer, item->code);
    return DAIBAN_OK;
}

daiban_code_t
escalation_raise (escalation_decision_t *self, const case_item_t *item, const char *subject,
                  int level, const char *reason, const char *summary)
{
    char alert [POLICY_TIMER_ID_SIZE];
    if (!escalation_alert_id (self->dispatch->case_id, subject, level, alert, sizeof alert))
        return daiban_error_set (self->err, DAIBAN_CONFLICT, "alert id for %s too long", subject);
    msgpack_packer *packer = worker_output_emit (self->output, "escalation.raised",
                                                 self->dispatch->case_id);
    msgpack_pack_map (packer, item? 3: 2);
    if (item) {
        wire_pack_key (packer, "item");
        wire_pack_str (packer, item->code);
    }
    wire_pack_key (packer, "level");
    msgpack_pack_int64 (packer, level);
    wire_pack_key (packer, "reason");
    wire_pack_str (packer, reason);
    s_emit_alert (self, alert, s_alert_to (self, level), level, summary,
                  item? item->code: NULL, 0);
    daiban_code_t code = s_arm_repeat (self, alert);
    if (code || !item)
        return code;
    s_cancel_item_timer (self, "overdue", item);
    if (level >= 2) {
        s_cancel_item_timer (self, "level2", item);
        return DAIBAN_OK;
    }
    return s_arm_level2 (self, item);
}

char *
escalation_item_summary (escalation_decision_t *self, const case_item_t *item, const char *tail)
{
    const case_state_t *state = self->dispatch->state;
    const catalog_item_t *entry = catalog_item (self->context->catalog, item->code);
    const char *name = item->name? item->name: entry? entry->name: "";
    const char *department = item->department? item->department: entry? entry->department: "";
    if (state->project)
        return zsys_sprintf ("案件 %s（%s）事项 %s %s（%s）%s", state->case_id, state->project,
                             item->code, name, department, tail);
    return zsys_sprintf ("案件 %s 事项 %s %s（%s）%s", state->case_id, item->code, name,
                         department, tail);
}

daiban_code_t
escalation_alert_repeat (escalation_decision_t *self, const msgpack_object *data)
{
    const msgpack_object *id = wire_map_get (data, "alert");
    case_state_t *state = self->dispatch->state;
    if (!wire_is_str (id))
        return DAIBAN_OK;
    const case_alert_t *alert = case_state_alert (state, id->via.str.ptr, id->via.str.size);
    if (!alert || alert->acknowledged || !alert->to || !alert->summary)
        return DAIBAN_OK;
    if (alert->item) {
        const case_item_t *item = case_state_item (state, alert->item, strlen (alert->item));
        if (item && case_state_item_closed (item))
            return DAIBAN_OK;
    }
    s_emit_alert (self, alert->alert, alert->to, alert->level, alert->summary, alert->item,
                  alert->repeat + 1);
    return s_arm_repeat (self, alert->alert);
}
