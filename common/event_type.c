/*  event_type: event types and body shapes of PROTOCOL.md (see event_type.h). */
#include "event_type.h"

#include <stdio.h>
#include <string.h>
#include "date.h"
#include "wire.h"

#define END { NULL, 0, false, false, NULL, NULL }
#define TEXT(name) { name, FIELD_STRING, false, false, NULL, NULL }
#define OPTIONAL_TEXT(name) { name, FIELD_STRING, true, false, NULL, NULL }
#define NUMBER(name) { name, FIELD_INTEGER, false, false, NULL, NULL }
#define DATE(name) { name, FIELD_DATE, false, false, NULL, NULL }
#define CHOICE(name, list) { name, FIELD_STRING, false, false, list, NULL }
#define TEXTS(name) { name, FIELD_STRING_LIST, false, false, NULL, NULL }

static const char *const s_channels [] = { "window", "online", "hotline", "appointment", NULL };
static const char *const s_levels [] = { "city", "county", NULL };
static const char *const s_reasons [] = { "correction", "expert_review", "hearing",
    "inspection", "appraisal", "tendering", "other", NULL };
static const char *const s_result_kinds [] = { "license", "reply", "certificate", NULL };
static const char *const s_methods [] = { "e_license", "mail", "window", NULL };
static const char *const s_problem_kinds [] = { "general", "complex", NULL };
//  The kinds of document of a case file (一事一档), docs/archive.md.
static const char *const s_attachment_kinds [] = { "申请材料", "工作联系函", "会议通知",
    "会议签到表", "会议照片", "会议纪要", "协办单", "批复", "证照", "其他", NULL };

static const body_field_t s_contact [] = { TEXT ("name"), TEXT ("phone"), END };
static const body_field_t s_requested_item [] = {
    TEXT ("code"), CHOICE ("level", s_levels), TEXTS ("materials"),
    OPTIONAL_TEXT ("county"), END };
static const body_field_t s_registered [] = {
    TEXT ("project"), TEXT ("applicant"),
    { "contact", FIELD_MAP, false, false, NULL, s_contact },
    CHOICE ("channel", s_channels), OPTIONAL_TEXT ("county"),
    { "items", FIELD_MAP_LIST, false, true, NULL, s_requested_item }, END };
static const body_field_t s_material [] = { TEXT ("item"), TEXT ("name"), END };
static const body_field_t s_materials_supplied [] = {
    { "materials", FIELD_MAP_LIST, false, true, NULL, s_material }, END };
static const body_field_t s_transfer_accepted [] = { TEXT ("item"), TEXT ("office"), END };
static const body_field_t s_suspended [] = { TEXT ("item"), CHOICE ("reason", s_reasons), END };
static const body_field_t s_item_only [] = { TEXT ("item"), END };
static const body_field_t s_progress [] = { TEXT ("item"), TEXT ("note"), END };
static const body_field_t s_result [] = {
    TEXT ("number"), CHOICE ("kind", s_result_kinds),
    { "electronic", FIELD_BOOLEAN, false, false, NULL, NULL }, END };
static const body_field_t s_approved [] = {
    TEXT ("item"), { "result", FIELD_MAP, false, false, NULL, s_result }, END };
static const body_field_t s_item_reason [] = { TEXT ("item"), TEXT ("reason"), END };
static const body_field_t s_delivered [] = {
    TEXT ("item"), CHOICE ("method", s_methods), OPTIONAL_TEXT ("tracking"), END };
static const body_field_t s_worklog [] = { TEXT ("agent"), TEXT ("note"), END };
static const body_field_t s_problem [] = {
    CHOICE ("kind", s_problem_kinds), TEXT ("description"),
    { "items", FIELD_STRING_LIST, true, false, NULL, NULL }, END };
static const body_field_t s_minutes [] = {
    TEXT ("meeting"), TEXT ("summary"), TEXTS ("decisions"), END };
static const body_field_t s_attachment [] = {
    CHOICE ("kind", s_attachment_kinds), TEXT ("name"), TEXT ("media_type"), NUMBER ("size"),
    TEXT ("sha256"), OPTIONAL_TEXT ("item"), OPTIONAL_TEXT ("meeting"), END };
static const body_field_t s_acknowledged [] = { TEXT ("alert"), TEXT ("by"), END };

static const body_field_t s_missing [] = { TEXT ("item"), TEXTS ("materials"), END };
static const body_field_t s_returned [] = {
    { "missing", FIELD_MAP_LIST, false, false, NULL, s_missing },
    TEXTS ("unknown_items"), END };
static const body_field_t s_planned_item [] = {
    TEXT ("code"), TEXT ("name"), TEXT ("department"), CHOICE ("level", s_levels),
    OPTIONAL_TEXT ("county"), NUMBER ("limit_days"), TEXTS ("after"), END };
static const body_field_t s_accepted [] = {
    TEXT ("agent"), { "items", FIELD_MAP_LIST, false, true, NULL, s_planned_item },
    DATE ("expected_done"), END };
static const body_field_t s_submitted [] = {
    TEXT ("item"), TEXT ("department"), TEXT ("window"), END };
static const body_field_t s_transferred [] = {
    TEXT ("item"), TEXT ("county"), TEXT ("office"), END };
static const body_field_t s_deadline_set [] = {
    TEXT ("item"), DATE ("due"), DATE ("warn"), NUMBER ("limit_days"),
    NUMBER ("paused_days"), END };
static const body_field_t s_warning [] = { TEXT ("item"), DATE ("due"), NUMBER ("days_left"), END };
static const body_field_t s_overdue [] = { TEXT ("item"), DATE ("due"), NUMBER ("days_over"), END };
static const body_field_t s_reminder [] = {
    TEXT ("item"), TEXT ("to"), TEXT ("contact"), NUMBER ("count"), END };
static const body_field_t s_escalation [] = {
    OPTIONAL_TEXT ("item"), NUMBER ("level"), TEXT ("reason"), END };
static const body_field_t s_convened [] = {
    TEXT ("meeting"), TEXTS ("departments"), TEXT ("topic"), END };
static const body_field_t s_alert [] = {
    TEXT ("alert"), TEXT ("to"), NUMBER ("level"), TEXT ("summary"), END };
static const body_field_t s_nothing [] = { END };
static const body_field_t s_timer_fired [] = {
    TEXT ("id"), TEXT ("kind"), { "data", FIELD_ANY_MAP, false, false, NULL, NULL }, END };
static const body_field_t s_dead_lettered [] = {
    TEXT ("role"), NUMBER ("event"), NUMBER ("attempts"), TEXT ("message"), END };

static const event_type_t s_types [] = {
    { "case.registered", false, s_registered },
    { "case.materials_supplied", false, s_materials_supplied },
    { "item.transfer_accepted", false, s_transfer_accepted },
    { "item.suspended", false, s_suspended },
    { "item.resumed", false, s_item_only },
    { "item.progress", false, s_progress },
    { "item.approved", false, s_approved },
    { "item.rejected", false, s_item_reason },
    { "item.withdrawn", false, s_item_reason },
    { "result.delivered", false, s_delivered },
    { "worklog.added", false, s_worklog },
    { "problem.reported", false, s_problem },
    { "meeting.minutes", false, s_minutes },
    { "alert.acknowledged", false, s_acknowledged },
    { "attachment.added", false, s_attachment },
    { "case.returned", true, s_returned },
    { "case.accepted", true, s_accepted },
    { "item.submitted", true, s_submitted },
    { "item.transferred", true, s_transferred },
    { "item.deadline_set", true, s_deadline_set },
    { "deadline.warning", true, s_warning },
    { "deadline.overdue", true, s_overdue },
    { "reminder.sent", true, s_reminder },
    { "escalation.raised", true, s_escalation },
    { "meeting.convened", true, s_convened },
    { "alert.raised", true, s_alert },
    { "case.closed", true, s_nothing },
    { "timer.fired", true, s_timer_fired },
    { "dispatch.dead_lettered", true, s_dead_lettered },
    { NULL, false, NULL }
};

const event_type_t *
event_type_find (const char *name, size_t size)
{
    //  Per event: the first byte rules out most types before strlen.
    for (const event_type_t *type = s_types; type->name; type++)
        if (size && type->name [0] == name [0] && strlen (type->name) == size
        &&  memcmp (type->name, name, size) == 0)
            return type;
    return NULL;
}

static bool
s_is_date (const msgpack_object *value)
{
    char text [16];
    date_t date;
    return wire_str_copy (value, text, sizeof text) && date_parse (text, &date, NULL) == DAIBAN_OK;
}

//  Where a value sits in the body, kept as a chain on the stack and
//  written out only for an error message: checking a valid body (the
//  common case, on the ingest path) formats nothing.
typedef struct path {
    const struct path *parent;
    const char *name;           //  a key, or NULL for a list element
    size_t name_size;
    uint32_t index;
} path_t;

static size_t
s_path_render (const path_t *path, char *buffer, size_t size)
{
    size_t used = path->parent? s_path_render (path->parent, buffer, size): 0;
    if (used >= size)
        return used;
    //  A long key is cut at a character boundary: messages stay UTF-8.
    size_t shown = path->name_size < 40? path->name_size: 40;
    while (path->name && shown < path->name_size && shown > 0
       &&  ((unsigned char) path->name [shown] & 0xc0) == 0x80)
        shown--;
    int written = path->name
        ? snprintf (buffer + used, size - used, ".%.*s", (int) shown, path->name)
        : snprintf (buffer + used, size - used, "[%u]", path->index);
    return written < 0? used: used + (size_t) written;
}

static daiban_code_t
s_invalid (const path_t *path, const char *problem, daiban_error_t *err)
{
    char where [200] = "";
    if (path)
        s_path_render (path, where, sizeof where);
    return daiban_error_set (err, DAIBAN_INVALID_BODY, "body%s: %s", where, problem);
}

static daiban_code_t s_check_fields (const body_field_t *fields, const msgpack_object *map,
                                     const path_t *path, daiban_error_t *err);

static daiban_code_t
s_check_choice (const body_field_t *field, const msgpack_object *value, const path_t *path,
                daiban_error_t *err)
{
    for (const char *const *choice = field->choices; *choice; choice++)
        if (wire_str_eq (value, *choice))
            return DAIBAN_OK;
    //  The value is echoed only when it is text that can be shown whole.
    bool shown = value->via.str.size <= 40 && wire_utf8_valid (value->via.str.ptr, value->via.str.size)
              && !memchr (value->via.str.ptr, 0, value->via.str.size);
    char problem [200];
    size_t used = (size_t) snprintf (problem, sizeof problem, "\"%.*s\" is not one of ",
                                     shown? (int) value->via.str.size: 3,
                                     shown? value->via.str.ptr: "...");
    for (const char *const *choice = field->choices; *choice && used < sizeof problem; choice++)
        used += (size_t) snprintf (problem + used, sizeof problem - used, "%s%s", *choice,
                                   choice [1]? ", ": "");
    return s_invalid (path, problem, err);
}

static daiban_code_t
s_check_list (const body_field_t *field, const msgpack_object *value, const path_t *path,
              daiban_error_t *err)
{
    if (value->type != MSGPACK_OBJECT_ARRAY)
        return s_invalid (path, "must be a list", err);
    if (field->nonempty && value->via.array.size == 0)
        return s_invalid (path, "must not be empty", err);
    for (uint32_t index = 0; index < value->via.array.size; index++) {
        const msgpack_object *element = &value->via.array.ptr [index];
        path_t element_path = { path, NULL, 0, index };
        if (field->kind == FIELD_STRING_LIST && !wire_is_str (element))
            return s_invalid (&element_path, "must be a UTF-8 string", err);
        if (field->kind == FIELD_MAP_LIST) {
            if (element->type != MSGPACK_OBJECT_MAP)
                return s_invalid (&element_path, "must be a map", err);
            daiban_code_t code = s_check_fields (field->fields, element, &element_path, err);
            if (code)
                return code;
        }
    }
    return DAIBAN_OK;
}

//  A value's type; UTF-8 is checked once for the whole body (s_check_strings).
static daiban_code_t
s_check_field (const body_field_t *field, const msgpack_object *value, const path_t *path,
               daiban_error_t *err)
{
    switch (field->kind) {
        case FIELD_STRING:
            if (!wire_is_str (value))
                return s_invalid (path, "must be a UTF-8 string", err);
            return field->choices? s_check_choice (field, value, path, err): DAIBAN_OK;
        case FIELD_INTEGER:
            return wire_is_int (value)? DAIBAN_OK: s_invalid (path, "must be an integer", err);
        case FIELD_BOOLEAN:
            return value->type == MSGPACK_OBJECT_BOOLEAN? DAIBAN_OK
                 : s_invalid (path, "must be true or false", err);
        case FIELD_DATE:
            return s_is_date (value)? DAIBAN_OK: s_invalid (path, "must be a date YYYY-MM-DD", err);
        case FIELD_ANY_MAP:
        case FIELD_MAP:
            if (value->type != MSGPACK_OBJECT_MAP)
                return s_invalid (path, "must be a map", err);
            return field->fields? s_check_fields (field->fields, value, path, err): DAIBAN_OK;
        case FIELD_STRING_LIST:
        case FIELD_MAP_LIST:
            return s_check_list (field, value, path, err);
    }
    return DAIBAN_OK;
}

static daiban_code_t
s_check_fields (const body_field_t *fields, const msgpack_object *map, const path_t *path,
                daiban_error_t *err)
{
    for (const body_field_t *field = fields; field->name; field++) {
        path_t field_path = { path, field->name, strlen (field->name), 0 };
        const msgpack_object *value = wire_map_get (map, field->name);
        if (!value || value->type == MSGPACK_OBJECT_NIL) {
            if (field->optional)
                continue;
            return s_invalid (&field_path, "required", err);
        }
        daiban_code_t code = s_check_field (field, value, &field_path, err);
        if (code)
            return code;
    }
    return DAIBAN_OK;
}

//  Every map key a string and every string valid UTF-8 without NUL, at
//  any depth and in fields the shape does not name too: stored events
//  must read back in any msgpack implementation (PROTOCOL.md: maps have
//  string keys, strings are UTF-8), and the case state keeps C strings.
static daiban_code_t
s_check_strings (const msgpack_object *value, const path_t *path, daiban_error_t *err)
{
    if (value->type == MSGPACK_OBJECT_STR) {
        if (!wire_utf8_valid (value->via.str.ptr, value->via.str.size))
            return s_invalid (path, "invalid UTF-8", err);
        if (memchr (value->via.str.ptr, 0, value->via.str.size))
            return s_invalid (path, "contains a NUL byte", err);
    }
    if (value->type == MSGPACK_OBJECT_ARRAY)
        for (uint32_t index = 0; index < value->via.array.size; index++) {
            path_t inner = { path, NULL, 0, index };
            if (s_check_strings (&value->via.array.ptr [index], &inner, err))
                return err->code;
        }
    if (value->type == MSGPACK_OBJECT_MAP)
        for (uint32_t index = 0; index < value->via.map.size; index++) {
            const msgpack_object *key = &value->via.map.ptr [index].key;
            if (key->type != MSGPACK_OBJECT_STR)
                return s_invalid (path, "map keys must be strings", err);
            if (!wire_utf8_valid (key->via.str.ptr, key->via.str.size))
                return s_invalid (path, "a key is invalid UTF-8", err);
            path_t inner = { path, key->via.str.ptr, key->via.str.size, 0 };
            if (s_check_strings (&value->via.map.ptr [index].val, &inner, err))
                return err->code;
        }
    return DAIBAN_OK;
}

daiban_code_t
event_type_check_body (const event_type_t *type, const msgpack_object *body,
                       daiban_error_t *err)
{
    if (!body || body->type != MSGPACK_OBJECT_MAP)
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "event.body: must be a map");
    daiban_code_t code = s_check_fields (type->fields, body, NULL, err);
    return code? code: s_check_strings (body, NULL, err);
}
