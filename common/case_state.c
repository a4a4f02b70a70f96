/*  case_state: the case structure and its msgpack form (see case_state.h).
    Each record (case, item, alert) is described once by a table of slots
    (key, kind, offset), and one packer and one decoder walk the tables:
    adding a field to the state is one line, and the stored form, the wire
    form and the decoder cannot drift apart. */
#include "case_state.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "wire.h"

typedef enum {
    SLOT_TEXT, SLOT_INT, SLOT_BOOL, SLOT_TEXTS, SLOT_ITEM_STATUS, SLOT_CASE_STATUS
} slot_kind_t;

typedef struct {
    const char *key;
    slot_kind_t kind;
    size_t offset;
} slot_t;

#define ITEM(key, kind, field) { key, kind, offsetof (case_item_t, field) }
static const slot_t s_item_slots [] = {
    ITEM ("code", SLOT_TEXT, code), ITEM ("name", SLOT_TEXT, name),
    ITEM ("department", SLOT_TEXT, department), ITEM ("level", SLOT_TEXT, level),
    ITEM ("county", SLOT_TEXT, county), ITEM ("office", SLOT_TEXT, office),
    ITEM ("window", SLOT_TEXT, window), ITEM ("status", SLOT_ITEM_STATUS, status),
    ITEM ("resume_status", SLOT_ITEM_STATUS, resume_status),
    ITEM ("materials", SLOT_TEXTS, materials), ITEM ("after", SLOT_TEXTS, after),
    ITEM ("limit_days", SLOT_INT, limit_days), ITEM ("due", SLOT_TEXT, due),
    ITEM ("warn", SLOT_TEXT, warn), ITEM ("provisional", SLOT_BOOL, provisional),
    ITEM ("paused_days", SLOT_INT, paused_days), ITEM ("warned", SLOT_BOOL, warned),
    ITEM ("overdue", SLOT_BOOL, overdue), ITEM ("days_over", SLOT_INT, days_over),
    ITEM ("reminders", SLOT_INT, reminders),
    ITEM ("reminders_since_progress", SLOT_INT, reminders_since_progress),
    ITEM ("escalation", SLOT_INT, escalation),
    ITEM ("transfer_accepted", SLOT_BOOL, transfer_accepted),
    ITEM ("delivered", SLOT_BOOL, delivered), ITEM ("released_at", SLOT_INT, released_at),
    ITEM ("suspended_at", SLOT_INT, suspended_at), ITEM ("progress_at", SLOT_INT, progress_at),
    ITEM ("decided_at", SLOT_INT, decided_at),
    ITEM ("suspend_reason", SLOT_TEXT, suspend_reason),
    ITEM ("result_number", SLOT_TEXT, result_number),
    ITEM ("result_kind", SLOT_TEXT, result_kind),
    ITEM ("decision_reason", SLOT_TEXT, decision_reason),
    ITEM ("blocked_by", SLOT_TEXT, blocked_by),
    { NULL, 0, 0 }
};

#define ALERT(key, kind, field) { key, kind, offsetof (case_alert_t, field) }
static const slot_t s_alert_slots [] = {
    ALERT ("alert", SLOT_TEXT, alert), ALERT ("to", SLOT_TEXT, to),
    ALERT ("item", SLOT_TEXT, item), ALERT ("summary", SLOT_TEXT, summary),
    ALERT ("level", SLOT_INT, level), ALERT ("repeat", SLOT_INT, repeat),
    ALERT ("raised_at", SLOT_INT, raised_at),
    ALERT ("acknowledged", SLOT_BOOL, acknowledged),
    ALERT ("acknowledged_by", SLOT_TEXT, acknowledged_by),
    { NULL, 0, 0 }
};

#define CASE(key, kind, field) { key, kind, offsetof (case_state_t, field) }
static const slot_t s_case_slots [] = {
    CASE ("case", SLOT_TEXT, case_id), CASE ("status", SLOT_CASE_STATUS, status),
    CASE ("project", SLOT_TEXT, project), CASE ("applicant", SLOT_TEXT, applicant),
    CASE ("county", SLOT_TEXT, county), CASE ("channel", SLOT_TEXT, channel),
    CASE ("agent", SLOT_TEXT, agent), CASE ("expected_done", SLOT_TEXT, expected_done),
    CASE ("events", SLOT_INT, events), CASE ("last_seq", SLOT_INT, last_seq),
    CASE ("registered_at", SLOT_INT, registered_at), CASE ("updated_at", SLOT_INT, updated_at),
    CASE ("closed_at", SLOT_INT, closed_at), CASE ("worklogs", SLOT_INT, worklogs),
    CASE ("problems", SLOT_INT, problems), CASE ("meetings", SLOT_INT, meetings),
    CASE ("minutes", SLOT_INT, minutes), CASE ("missing", SLOT_INT, missing),
    CASE ("attachments", SLOT_INT, attachments),
    CASE ("escalation", SLOT_INT, escalation),
    { NULL, 0, 0 }
};

static const char *s_case_status_names [] = {
    "registered", "returned", "accepted", "in_progress", "closed", NULL };
static const char *s_item_status_names [] = {
    "waiting", "submitted", "transferred", "in_review", "suspended",
    "approved", "rejected", "withdrawn", NULL };

const char *
case_status_name (case_status_t status)
{
    return s_case_status_names [status];
}

const char *
item_status_name (item_status_t status)
{
    return s_item_status_names [status];
}

bool
case_text_set (char **field, const char *text, size_t size)
{
    char *copy = strndup (text, size);
    if (!copy)
        return false;
    free (*field);
    *field = copy;
    return true;
}

bool
text_list_contains (const text_list_t *list, const char *text, size_t size)
{
    for (size_t index = 0; index < list->count; index++)
        if (strlen (list->values [index]) == size && memcmp (list->values [index], text, size) == 0)
            return true;
    return false;
}

bool
text_list_add (text_list_t *list, const char *text, size_t size)
{
    if (text_list_contains (list, text, size))
        return true;
    char **values = (char **) realloc (list->values, (list->count + 1) * sizeof (char *));
    if (!values)
        return false;
    list->values = values;
    list->values [list->count] = strndup (text, size);
    if (!list->values [list->count])
        return false;
    list->count++;
    return true;
}

static void
s_text_list_free (text_list_t *list)
{
    for (size_t index = 0; index < list->count; index++)
        free (list->values [index]);
    free (list->values);
    list->values = NULL;
    list->count = 0;
}

//  Frees every text and list slot of a record.
static void
s_record_free (void *record, const slot_t *slots)
{
    for (const slot_t *slot = slots; slot->key; slot++) {
        void *field = (char *) record + slot->offset;
        if (slot->kind == SLOT_TEXT)
            free (*(char **) field);
        else
        if (slot->kind == SLOT_TEXTS)
            s_text_list_free ((text_list_t *) field);
    }
}

case_state_t *
case_state_new (const char *case_id)
{
    case_state_t *self = (case_state_t *) calloc (1, sizeof (case_state_t));
    if (self && case_id && !(self->case_id = strdup (case_id)))
        case_state_destroy (&self);
    return self;
}

void
case_state_destroy (case_state_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    case_state_t *self = *self_p;
    for (size_t index = 0; index < self->item_count; index++)
        s_record_free (&self->items [index], s_item_slots);
    for (size_t index = 0; index < self->alert_count; index++)
        s_record_free (&self->alerts [index], s_alert_slots);
    free (self->items);
    free (self->alerts);
    free (self->contact_name);
    free (self->contact_phone);
    s_record_free (self, s_case_slots);
    free (self);
    *self_p = NULL;
}

static size_t
s_slot_count (const slot_t *slots)
{
    size_t count = 0;
    while (slots [count].key)
        count++;
    return count;
}

static void
s_pack_record (const void *record, const slot_t *slots, uint32_t extra, msgpack_packer *packer)
{
    msgpack_pack_map (packer, s_slot_count (slots) + extra);
    for (const slot_t *slot = slots; slot->key; slot++) {
        const void *field = (const char *) record + slot->offset;
        wire_pack_key (packer, slot->key);
        switch (slot->kind) {
            case SLOT_TEXT: wire_pack_str_or_nil (packer, *(char *const *) field); break;
            case SLOT_INT: msgpack_pack_int64 (packer, *(const int64_t *) field); break;
            case SLOT_BOOL:
                if (*(const bool *) field) msgpack_pack_true (packer);
                else msgpack_pack_false (packer);
                break;
            case SLOT_TEXTS: {
                const text_list_t *list = (const text_list_t *) field;
                msgpack_pack_array (packer, list->count);
                for (size_t index = 0; index < list->count; index++)
                    wire_pack_str (packer, list->values [index]);
                break;
            }
            case SLOT_ITEM_STATUS:
                wire_pack_str (packer, item_status_name (*(const item_status_t *) field));
                break;
            case SLOT_CASE_STATUS:
                wire_pack_str (packer, case_status_name (*(const case_status_t *) field));
                break;
        }
    }
}

void
case_state_pack (const case_state_t *self, msgpack_packer *packer)
{
    s_pack_record (self, s_case_slots, 3, packer);
    wire_pack_key (packer, "contact");
    msgpack_pack_map (packer, 2);
    wire_pack_key (packer, "name");
    wire_pack_str_or_nil (packer, self->contact_name);
    wire_pack_key (packer, "phone");
    wire_pack_str_or_nil (packer, self->contact_phone);
    wire_pack_key (packer, "items");
    msgpack_pack_array (packer, self->item_count);
    for (size_t index = 0; index < self->item_count; index++)
        s_pack_record (&self->items [index], s_item_slots, 0, packer);
    wire_pack_key (packer, "alerts");
    msgpack_pack_array (packer, self->alert_count);
    for (size_t index = 0; index < self->alert_count; index++)
        s_pack_record (&self->alerts [index], s_alert_slots, 0, packer);
}

void
case_state_pack_summary (const case_state_t *self, msgpack_packer *packer)
{
    msgpack_pack_map (packer, 8);
    wire_pack_key (packer, "case");
    wire_pack_str (packer, self->case_id);
    wire_pack_key (packer, "status");
    wire_pack_str (packer, case_status_name (self->status));
    wire_pack_key (packer, "project");
    wire_pack_str_or_nil (packer, self->project);
    wire_pack_key (packer, "applicant");
    wire_pack_str_or_nil (packer, self->applicant);
    wire_pack_key (packer, "agent");
    wire_pack_str_or_nil (packer, self->agent);
    wire_pack_key (packer, "expected_done");
    wire_pack_str_or_nil (packer, self->expected_done);
    wire_pack_key (packer, "items_open");
    msgpack_pack_uint64 (packer, case_state_items_open (self));
    wire_pack_key (packer, "overdue");
    if (case_state_overdue (self)) msgpack_pack_true (packer);
    else msgpack_pack_false (packer);
}

static bool
s_decode_enum (const msgpack_object *value, const char **names, int *result)
{
    for (int index = 0; names [index]; index++)
        if (wire_str_eq (value, names [index])) {
            *result = index;
            return true;
        }
    return false;
}

//  Sets one slot from a value; false when the value has the wrong type.
static bool
s_decode_slot (void *record, const slot_t *slot, const msgpack_object *value)
{
    void *field = (char *) record + slot->offset;
    int number;
    switch (slot->kind) {
        case SLOT_TEXT:
            if (value->type == MSGPACK_OBJECT_NIL)
                return true;
            return wire_is_str (value)
                && case_text_set ((char **) field, value->via.str.ptr, value->via.str.size);
        case SLOT_INT:
            return wire_get_int (value, (int64_t *) field);
        case SLOT_BOOL:
            if (value->type != MSGPACK_OBJECT_BOOLEAN)
                return false;
            *(bool *) field = value->via.boolean;
            return true;
        case SLOT_TEXTS:
            if (value->type != MSGPACK_OBJECT_ARRAY)
                return false;
            for (uint32_t index = 0; index < value->via.array.size; index++) {
                const msgpack_object *text = &value->via.array.ptr [index];
                if (!wire_is_str (text)
                ||  !text_list_add ((text_list_t *) field, text->via.str.ptr, text->via.str.size))
                    return false;
            }
            return true;
        case SLOT_ITEM_STATUS:
            if (!s_decode_enum (value, s_item_status_names, &number))
                return false;
            *(item_status_t *) field = (item_status_t) number;
            return true;
        case SLOT_CASE_STATUS:
            if (!s_decode_enum (value, s_case_status_names, &number))
                return false;
            *(case_status_t *) field = (case_status_t) number;
            return true;
    }
    return false;
}

//  Decodes the keys of map that the slots name; other keys are ignored.
static bool
s_decode_record (void *record, const slot_t *slots, const msgpack_object *map)
{
    if (map->type != MSGPACK_OBJECT_MAP)
        return false;
    for (const slot_t *slot = slots; slot->key; slot++) {
        const msgpack_object *value = wire_map_get (map, slot->key);
        if (value && !s_decode_slot (record, slot, value))
            return false;
    }
    return true;
}

static bool
s_decode_lists (case_state_t *self, const msgpack_object *root)
{
    const msgpack_object *contact = wire_map_get (root, "contact");
    const msgpack_object *name = wire_map_get (contact, "name");
    const msgpack_object *phone = wire_map_get (contact, "phone");
    if (wire_is_str (name) && !case_text_set (&self->contact_name, name->via.str.ptr, name->via.str.size))
        return false;
    if (wire_is_str (phone) && !case_text_set (&self->contact_phone, phone->via.str.ptr, phone->via.str.size))
        return false;
    const msgpack_object *items = wire_map_get (root, "items");
    for (uint32_t index = 0; items && items->type == MSGPACK_OBJECT_ARRAY
                              && index < items->via.array.size; index++) {
        case_item_t *item = case_state_add_item (self);
        if (!item || !s_decode_record (item, s_item_slots, &items->via.array.ptr [index]))
            return false;
    }
    const msgpack_object *alerts = wire_map_get (root, "alerts");
    for (uint32_t index = 0; alerts && alerts->type == MSGPACK_OBJECT_ARRAY
                              && index < alerts->via.array.size; index++) {
        case_alert_t *alert = case_state_add_alert (self);
        if (!alert || !s_decode_record (alert, s_alert_slots, &alerts->via.array.ptr [index]))
            return false;
    }
    return true;
}

case_state_t *
case_state_decode (const void *data, size_t size, daiban_error_t *err)
{
    msgpack_zone zone;
    msgpack_zone_init (&zone, 4096);
    msgpack_object root;
    case_state_t *self = NULL;
    if (wire_unpack (data, size, &zone, &root, err) == DAIBAN_OK) {
        self = case_state_new (NULL);
        if (!self || !s_decode_record (self, s_case_slots, &root)
        ||  !s_decode_lists (self, &root) || !self->case_id) {
            daiban_error_set (err, DAIBAN_INTERNAL, "stored case state does not decode");
            case_state_destroy (&self);
        }
    }
    msgpack_zone_destroy (&zone);
    return self;
}

case_item_t *
case_state_item (case_state_t *self, const char *code, size_t size)
{
    for (size_t index = 0; index < self->item_count; index++) {
        const char *item_code = self->items [index].code;
        if (item_code && strlen (item_code) == size && memcmp (item_code, code, size) == 0)
            return &self->items [index];
    }
    return NULL;
}

case_alert_t *
case_state_alert (case_state_t *self, const char *alert, size_t size)
{
    for (size_t index = 0; index < self->alert_count; index++) {
        const char *id = self->alerts [index].alert;
        if (id && strlen (id) == size && memcmp (id, alert, size) == 0)
            return &self->alerts [index];
    }
    return NULL;
}

case_item_t *
case_state_add_item (case_state_t *self)
{
    case_item_t *items = (case_item_t *) realloc (self->items,
                                                  (self->item_count + 1) * sizeof (case_item_t));
    if (!items)
        return NULL;
    self->items = items;
    memset (&items [self->item_count], 0, sizeof (case_item_t));
    return &items [self->item_count++];
}

case_alert_t *
case_state_add_alert (case_state_t *self)
{
    case_alert_t *alerts = (case_alert_t *) realloc (self->alerts,
                                                     (self->alert_count + 1) * sizeof (case_alert_t));
    if (!alerts)
        return NULL;
    self->alerts = alerts;
    memset (&alerts [self->alert_count], 0, sizeof (case_alert_t));
    return &alerts [self->alert_count++];
}

bool
case_state_item_closed (const case_item_t *item)
{
    return item->status == ITEM_APPROVED || item->status == ITEM_REJECTED
        || item->status == ITEM_WITHDRAWN;
}

size_t
case_state_items_open (const case_state_t *self)
{
    size_t open = 0;
    for (size_t index = 0; index < self->item_count; index++)
        if (!case_state_item_closed (&self->items [index]))
            open++;
    return open;
}

bool
case_state_overdue (const case_state_t *self)
{
    for (size_t index = 0; index < self->item_count; index++)
        if (self->items [index].overdue && !case_state_item_closed (&self->items [index]))
            return true;
    return false;
}
