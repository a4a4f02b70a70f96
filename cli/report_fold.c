/*  report_fold: cases, items and alerts as the log says (see report_fold.h). */
#include "report_fold.h"

#include <stdlib.h>
#include <string.h>
#include "json_field.h"

struct _report_fold_t {
    zhashx_t *cases;            //  case id -> report_case_t
    zhashx_t *alerts;           //  alert id -> report_alert_t
};

static void
s_case_destroy (void **item)
{
    report_case_t *state = (report_case_t *) *item;
    for (size_t index = 0; index < state->item_count; index++) {
        free (state->items [index].code);
        free (state->items [index].name);
        free (state->items [index].department);
    }
    free (state->items);
    free (state->id);
    free (state->county);
    free (state->agent);
    free (state);
    *item = NULL;
}

static void
s_alert_destroy (void **item)
{
    free (*item);
    *item = NULL;
}

report_fold_t *
report_fold_new (void)
{
    report_fold_t *self = (report_fold_t *) calloc (1, sizeof (report_fold_t));
    if (!self)
        return NULL;
    self->cases = zhashx_new ();
    self->alerts = zhashx_new ();
    if (!self->cases || !self->alerts) {
        report_fold_destroy (&self);
        return NULL;
    }
    zhashx_set_destructor (self->cases, s_case_destroy);
    zhashx_set_destructor (self->alerts, s_alert_destroy);
    return self;
}

void
report_fold_destroy (report_fold_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    zhashx_destroy (&(*self_p)->cases);
    zhashx_destroy (&(*self_p)->alerts);
    free (*self_p);
    *self_p = NULL;
}

report_case_t *
report_fold_case (report_fold_t *self, const char *case_id)
{
    return (report_case_t *) zhashx_lookup (self->cases, case_id);
}

report_item_t *
report_fold_item (report_case_t *state, const char *code)
{
    for (size_t index = 0; state && code && index < state->item_count; index++)
        if (strcmp (state->items [index].code, code) == 0)
            return &state->items [index];
    return NULL;
}

zhashx_t *
report_fold_cases (report_fold_t *self)
{
    return self->cases;
}

zhashx_t *
report_fold_alerts (report_fold_t *self)
{
    return self->alerts;
}

static char *
s_dup (json_t *object, const char *key)
{
    return strdup (json_field_text (object, key, ""));
}

static void
s_registered (report_fold_t *self, const char *case_id, json_t *body, int64_t ts)
{
    report_case_t *state = (report_case_t *) calloc (1, sizeof (report_case_t));
    if (!state)
        return;
    state->id = strdup (case_id);
    state->county = s_dup (body, "county");
    state->registered = ts;
    zhashx_update (self->cases, case_id, state);
}

//  The plan of case.accepted replaces the items (a case is accepted once).
static void
s_accepted (report_case_t *state, json_t *body, int64_t ts)
{
    json_t *items = json_object_get (body, "items");
    size_t count = json_array_size (items);
    report_item_t *planned = (report_item_t *) calloc (count + 1, sizeof (report_item_t));
    if (!planned)
        return;
    for (size_t index = 0; index < count; index++) {
        json_t *item = json_array_get (items, index);
        planned [index].code = s_dup (item, "code");
        planned [index].name = s_dup (item, "name");
        planned [index].department = s_dup (item, "department");
        planned [index].limit_days = (int) json_integer_value (json_object_get (item, "limit_days"));
    }
    for (size_t index = 0; index < state->item_count; index++) {
        free (state->items [index].code);
        free (state->items [index].name);
        free (state->items [index].department);
    }
    free (state->items);
    state->items = planned;
    state->item_count = count;
    free (state->agent);
    state->agent = s_dup (body, "agent");
    state->accepted = ts;
}

static void
s_item_event (report_item_t *item, const char *type, json_t *body, int64_t ts)
{
    if (!strcmp (type, "item.submitted") || !strcmp (type, "item.transferred"))
        item->released = ts;
    else
    if (!strcmp (type, "item.deadline_set")) {
        date_t due;
        if (date_parse (json_field_text (body, "due", ""), &due, NULL) == DAIBAN_OK) {
            item->due = due;
            item->has_due = true;
        }
        item->paused_days = (int) json_integer_value (json_object_get (body, "paused_days"));
    }
    else
    if (!strcmp (type, "item.approved") || !strcmp (type, "item.rejected")
    ||  !strcmp (type, "item.withdrawn")) {
        item->decided = ts;
        item->withdrawn = !strcmp (type, "item.withdrawn");
    }
    else
    if (!strcmp (type, "escalation.raised")) {
        int level = (int) json_integer_value (json_object_get (body, "level"));
        if (level > item->escalation)
            item->escalation = level;
    }
}

static void
s_alert_event (report_fold_t *self, const char *type, json_t *body, int64_t ts)
{
    const char *id = json_field_text (body, "alert", "");
    report_alert_t *alert = (report_alert_t *) zhashx_lookup (self->alerts, id);
    if (!strcmp (type, "alert.raised") && !alert) {
        if (!(alert = (report_alert_t *) calloc (1, sizeof (report_alert_t))))
            return;
        alert->level = (int) json_integer_value (json_object_get (body, "level"));
        alert->raised = ts;
        zhashx_update (self->alerts, id, alert);
    }
    else
    if (!strcmp (type, "alert.acknowledged") && alert && !alert->acknowledged)
        alert->acknowledged = ts;
}

void
report_fold_add (report_fold_t *self, json_t *event)
{
    const char *type = json_field_text (event, "type", "");
    const char *case_id = json_field_text (event, "case", "");
    json_t *body = json_object_get (event, "body");
    int64_t ts = (int64_t) json_integer_value (json_object_get (event, "ts"));
    report_case_t *state = report_fold_case (self, case_id);
    if (!strcmp (type, "case.registered")) {
        if (!state)
            s_registered (self, case_id, body, ts);
        return;
    }
    if (!state)
        return;
    if (!strcmp (type, "case.accepted"))
        s_accepted (state, body, ts);
    else
    if (!strcmp (type, "case.closed"))
        state->closed = ts;
    else
    if (!strncmp (type, "alert.", 6))
        s_alert_event (self, type, body, ts);
    else {
        report_item_t *item = report_fold_item (state, json_field_text (body, "item", NULL));
        if (item)
            s_item_event (item, type, body, ts);
    }
}
