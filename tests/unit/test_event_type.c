/*  test_event_type: the event types of PROTOCOL.md ("Event types", both
    tables) and their body shapes. For every type a valid body passes; each
    required field, when missing or of the wrong type, is invalid_body with
    a message naming it ("body.items[1].level: ..."); each enumerated field
    refuses a value outside its list; optional fields may be absent. The
    shapes below are written from PROTOCOL.md, not from event_type.c. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>

#include "event_type.h"
#include "unit_support.h"

//  One type's body shape. A valid body has every optional field and at
//  least two elements in each list of maps, so that element paths are
//  tested at index 1. Fields are "path:kind" separated by spaces, kinds:
//  s text, i integer, b boolean, d date, m map, a any map, l list of
//  texts, L list of maps, e enumerated text (its values in s_choices).
typedef struct {
    const char *type;
    bool emitted;
    const char *body;
    const char *required;
    const char *optional;
} shape_t;

static const shape_t s_shapes [] = {
    //  Posted by other systems and people.
    { "case.registered", false,
      "{'project':'新建厂房','applicant':'某某公司','contact':{'name':'李四','phone':'138'},"
      "'channel':'window','county':'新建区',"
      "'items':[{'code':'A01','level':'city','materials':['申请表','图纸']},"
      "{'code':'B02','level':'county','materials':['x','y'],'county':'湾里区'}]}",
      "project:s applicant:s contact:m contact.name:s contact.phone:s channel:e items:L "
      "items[1].code:s items[1].level:e items[1].materials:l",
      "county:s items[1].county:s" },
    { "case.materials_supplied", false,
      "{'materials':[{'item':'A01','name':'申请表'},{'item':'B02','name':'图纸'}]}",
      "materials:L materials[1].item:s materials[1].name:s", "" },
    { "item.transfer_accepted", false, "{'item':'B02','office':'新建区代办室'}",
      "item:s office:s", "" },
    { "item.suspended", false, "{'item':'A01','reason':'expert_review'}", "item:s reason:e", "" },
    { "item.resumed", false, "{'item':'A01'}", "item:s", "" },
    { "item.progress", false, "{'item':'A01','note':'已受理'}", "item:s note:s", "" },
    { "item.approved", false,
      "{'item':'A01','result':{'number':'建字第1号','kind':'license','electronic':true}}",
      "item:s result:m result.number:s result.kind:e result.electronic:b", "" },
    { "item.rejected", false, "{'item':'A01','reason':'不符合规划'}", "item:s reason:s", "" },
    { "item.withdrawn", false, "{'item':'A01','reason':'企业撤回'}", "item:s reason:s", "" },
    { "result.delivered", false, "{'item':'A01','method':'mail','tracking':'SF123'}",
      "item:s method:e", "tracking:s" },
    { "worklog.added", false, "{'agent':'王五','note':'陪同踏勘'}", "agent:s note:s", "" },
    { "problem.reported", false,
      "{'kind':'complex','description':'用地手续不全','items':['A01','B02']}",
      "kind:e description:s", "items:l" },
    { "meeting.minutes", false,
      "{'meeting':'M-1','summary':'联席会议','decisions':['并联审批','容缺受理']}",
      "meeting:s summary:s decisions:l", "" },
    { "alert.acknowledged", false, "{'alert':'AL-1','by':'督查科'}", "alert:s by:s", "" },
    //  Emitted by workers and the broker.
    { "case.returned", true,
      "{'missing':[{'item':'A01','materials':['图纸']},{'item':'B02','materials':['x','y']}],"
      "'unknown_items':['Z9','Z8']}",
      "missing:L missing[1].item:s missing[1].materials:l unknown_items:l", "" },
    { "case.accepted", true,
      "{'agent':'王五','expected_done':'2026-03-31','items':["
      "{'code':'A01','name':'立项','department':'发改委','level':'city','limit_days':5,'after':[]},"
      "{'code':'B02','name':'规划','department':'自然资源局','level':'county','county':'新建区',"
      "'limit_days':10,'after':['A01','C03']}]}",
      "agent:s expected_done:d items:L items[1].code:s items[1].name:s items[1].department:s "
      "items[1].level:e items[1].limit_days:i items[1].after:l",
      "items[1].county:s" },
    { "item.submitted", true, "{'item':'A01','department':'发改委','window':'综合窗口3'}",
      "item:s department:s window:s", "" },
    { "item.transferred", true, "{'item':'B02','county':'新建区','office':'新建区代办室'}",
      "item:s county:s office:s", "" },
    { "item.deadline_set", true,
      "{'item':'A01','due':'2026-01-20','warn':'2026-01-16','limit_days':5,'paused_days':0}",
      "item:s due:d warn:d limit_days:i paused_days:i", "" },
    { "deadline.warning", true, "{'item':'A01','due':'2026-01-20','days_left':2}",
      "item:s due:d days_left:i", "" },
    { "deadline.overdue", true, "{'item':'A01','due':'2026-01-20','days_over':1}",
      "item:s due:d days_over:i", "" },
    { "reminder.sent", true, "{'item':'A01','to':'发改委','contact':'首席代表','count':2}",
      "item:s to:s contact:s count:i", "" },
    { "escalation.raised", true, "{'item':'A01','level':1,'reason':'逾期3个工作日'}",
      "level:i reason:s", "item:s" },
    { "meeting.convened", true,
      "{'meeting':'M-1','departments':['发改委','自然资源局'],'topic':'用地'}",
      "meeting:s departments:l topic:s", "" },
    { "alert.raised", true, "{'alert':'AL-1','to':'group_leader','level':1,'summary':'逾期'}",
      "alert:s to:s level:i summary:s", "" },
    { "case.closed", true, "{}", "", "" },
    { "timer.fired", true, "{'id':'T-1','kind':'warning','data':{'item':'A01','n':[1]}}",
      "id:s kind:s data:a", "" },
    { "dispatch.dead_lettered", true,
      "{'role':'deadline','event':41,'attempts':5,'message':'crashed'}",
      "role:s event:i attempts:i message:s", "" },
};

//  The enumerated fields and their lists (PROTOCOL.md).
static const struct {
    const char *type;
    const char *path;
    const char *allowed [8];
} s_choices [] = {
    { "case.registered", "channel", { "window", "online", "hotline", "appointment" } },
    { "case.registered", "items[1].level", { "city", "county" } },
    { "case.accepted", "items[1].level", { "city", "county" } },
    { "item.suspended", "reason", { "correction", "expert_review", "hearing", "inspection",
                                    "appraisal", "tendering", "other" } },
    { "item.approved", "result.kind", { "license", "reply", "certificate" } },
    { "result.delivered", "method", { "e_license", "mail", "window" } },
    { "problem.reported", "kind", { "general", "complex" } },
};

//  Values of the wrong type for each kind; "@" marks the element path
//  ("[1]" is appended to the field's path in the expected message).
static const char *
s_wrong_values (char kind, int index)
{
    static const char *text [] = { "42", "true", "['x']", "{}", "1.5", "'@bin:61'",
                                   "'@str:c0af'", "'@str:6162ff'", "'@str:eda080'", NULL };
    static const char *integer [] = { "'7'", "1.5", "true", "[]", "{}", NULL };
    static const char *boolean [] = { "1", "'true'", "0", "[]", NULL };
    static const char *date [] = { "'2026-1-05'", "'2026/01/05'", "'2026-13-01'", "'2026-00-01'",
                                   "'2026-01-32'", "'2026-01-00'", "20260105", "'2026-01-05T08'",
                                   "'abcd-ef-gh'", "''", "'２０２６-01-05'", NULL };
    static const char *map [] = { "'x'", "[]", "5", "true", NULL };
    static const char *list [] = { "'x'", "{}", "5", "@['ok',5]", "@['ok','@str:ff']",
                                   "@['ok',['x']]", "@['ok',null]", NULL };
    static const char *map_list [] = { "'x'", "{}", "5", "true", NULL };
    const char **values = kind == 's' || kind == 'e'? text: kind == 'i'? integer:
                          kind == 'b'? boolean: kind == 'd'? date: kind == 'm' || kind == 'a'? map:
                          kind == 'l'? list: map_list;
    for (int count = 0; count <= index; count++)
        if (!values [count])
            return NULL;
    return values [index];
}

static const shape_t *
s_shape (const char *type)
{
    for (size_t index = 0; index < sizeof s_shapes / sizeof s_shapes [0]; index++)
        if (strcmp (s_shapes [index].type, type) == 0)
            return &s_shapes [index];
    fail_msg ("no shape for %s", type);
    return NULL;
}

//  Replaces (value not NULL) or removes the member at path ("a.b[1].c").
static void
s_json_edit (json_t *root, const char *path, json_t *value)
{
    char token [64];
    json_t *parent = root;
    const char *cursor = path;
    while (true) {
        bool is_index = *cursor == '[';
        size_t length = is_index? strcspn (cursor + 1, "]"): strcspn (cursor, ".[");
        memcpy (token, cursor + is_index, length);
        token [length] = 0;
        cursor += length + (is_index? 2: 0);
        bool last = *cursor == 0;
        if (last) {
            if (is_index) {
                size_t index = strtoul (token, NULL, 10);
                if (value)
                    json_array_set_new (parent, index, value);
                else
                    json_array_remove (parent, index);
            }
            else
            if (value)
                json_object_set_new (parent, token, value);
            else
                json_object_del (parent, token);
            return;
        }
        parent = is_index? json_array_get (parent, strtoul (token, NULL, 10))
                         : json_object_get (parent, token);
        if (!parent)
            fail_msg ("test path %s does not exist in the body", path);
        if (*cursor == '.')
            cursor++;
    }
}

//  Checks body (a jansson value) against type; returns the code.
static daiban_code_t
s_check (const char *type_name, const json_t *body, daiban_error_t *err)
{
    const event_type_t *type = event_type_find (type_name, strlen (type_name));
    assert_non_null (type);
    wire_buffer_t buffer;
    wire_buffer_init (&buffer);
    unit_pack_json (&buffer.packer, body);
    msgpack_zone zone;
    msgpack_zone_init (&zone, 1024);
    msgpack_object object;
    daiban_error_clear (err);
    daiban_code_t code = wire_unpack (buffer.buffer.data, buffer.buffer.size, &zone, &object, err);
    if (code)
        fail_msg ("test body does not unpack: %s", err->message);
    code = event_type_check_body (type, &object, err);
    msgpack_zone_destroy (&zone);
    wire_buffer_release (&buffer);
    return code;
}

//  The type's valid body with path set to value (NULL: removed); checks
//  the result is code with a message containing fragment.
static void
s_expect_json (const shape_t *shape, const char *path, json_t *value, daiban_code_t code,
               const char *fragment)
{
    json_t *body = unit_json (shape->body);
    char *shown = value? json_dumps (value, JSON_COMPACT | JSON_ENCODE_ANY): NULL;
    if (path)
        s_json_edit (body, path, value);
    else
        json_decref (value);
    daiban_error_t err;
    daiban_code_t actual = s_check (shape->type, body, &err);
    if (actual != code || (code && !strstr (err.message, fragment)))
        fail_msg ("%s with %s = %s: expected %s \"%s\", got %s \"%s\"", shape->type,
                  path? path: "(nothing)", shown? shown: "(absent)", daiban_error_code_name (code),
                  fragment, daiban_error_code_name (actual), err.message);
    if (code)
        assert_int_equal (err.code, code);
    free (shown);
    json_decref (body);
}

static void
s_expect (const shape_t *shape, const char *path, const char *value, daiban_code_t code,
          const char *fragment)
{
    s_expect_json (shape, path, value? unit_json (value): NULL, code, fragment);
}

//  The member at path of the shape's valid body (a new reference).
static json_t *
s_valid_member (const shape_t *shape, const char *path)
{
    json_t *body = unit_json (shape->body);
    json_t *member = body;
    char copy [120];
    snprintf (copy, sizeof copy, "%s", path);
    char *saved;
    for (char *token = strtok_r (copy, ".[", &saved); token && member;
         token = strtok_r (NULL, ".[", &saved))
        member = isdigit ((unsigned char) token [0])? json_array_get (member, atoi (token))
                                                    : json_object_get (member, token);
    assert_non_null (member);
    json_incref (member);
    json_decref (body);
    return member;
}

//  Calls visit for each "path:kind" of a field list.
static void
s_each_field (const shape_t *shape, const char *fields,
              void (*visit) (const shape_t *shape, const char *path, char kind))
{
    char copy [600];
    snprintf (copy, sizeof copy, "%s", fields);
    char *saved;
    for (char *field = strtok_r (copy, " ", &saved); field; field = strtok_r (NULL, " ", &saved)) {
        char *colon = strchr (field, ':');
        assert_non_null (colon);
        *colon = 0;
        visit (shape, field, colon [1]);
    }
}

//  --- The catalog of types ---------------------------------------------

static void
test_find_every_type (void **state)
{
    (void) state;
    for (size_t index = 0; index < sizeof s_shapes / sizeof s_shapes [0]; index++) {
        const shape_t *shape = &s_shapes [index];
        const event_type_t *type = event_type_find (shape->type, strlen (shape->type));
        if (!type)
            fail_msg ("type %s is not known", shape->type);
        assert_string_equal (type->name, shape->type);
        if (type->emitted != shape->emitted)
            fail_msg ("%s: emitted should be %d", shape->type, shape->emitted);
    }
    //  Only the exact name, of exactly size bytes.
    const char *unknown [] = { "", "case", "case.", "case.registere", "case.registered.",
                               "Case.Registered", "CASE.REGISTERED", " case.registered",
                               "case_registered", "item.approve", "alert" };
    for (size_t index = 0; index < sizeof unknown / sizeof unknown [0]; index++)
        if (event_type_find (unknown [index], strlen (unknown [index])))
            fail_msg ("\"%s\" should be unknown", unknown [index]);
    const event_type_t *type = event_type_find ("case.registeredXYZ", 15);
    assert_non_null (type);
    assert_string_equal (type->name, "case.registered");
    assert_null (event_type_find ("case.registered", 14));
    assert_null (event_type_find ("case.registered\0", 16));
}

//  --- Valid bodies -----------------------------------------------------

static void
test_valid_bodies_pass (void **state)
{
    (void) state;
    for (size_t index = 0; index < sizeof s_shapes / sizeof s_shapes [0]; index++) {
        const shape_t *shape = &s_shapes [index];
        s_expect (shape, NULL, NULL, DAIBAN_OK, "");
        //  More fields than required are allowed, anywhere.
        s_expect (shape, "x_extra", "{'any':[1,2.5,null,{'k':true}]}", DAIBAN_OK, "");
    }
    //  Empty lists where the protocol allows none at all.
    s_expect (s_shape ("case.returned"), "unknown_items", "[]", DAIBAN_OK, "");
    s_expect (s_shape ("case.returned"), "missing", "[]", DAIBAN_OK, "");
    s_expect (s_shape ("case.accepted"), "items[1].after", "[]", DAIBAN_OK, "");
    s_expect (s_shape ("timer.fired"), "data", "{}", DAIBAN_OK, "");
    //  Integers may be negative or large; dates at the edges of the calendar.
    s_expect (s_shape ("item.deadline_set"), "paused_days", "-1", DAIBAN_OK, "");
    s_expect (s_shape ("dispatch.dead_lettered"), "event", "9007199254740993", DAIBAN_OK, "");
    s_expect (s_shape ("item.deadline_set"), "due", "'2024-02-29'", DAIBAN_OK, "");
    s_expect (s_shape ("item.deadline_set"), "due", "'2026-12-31'", DAIBAN_OK, "");
    s_expect (s_shape ("item.deadline_set"), "warn", "'2027-01-01'", DAIBAN_OK, "");
    s_expect (s_shape ("item.approved"), "result.electronic", "false", DAIBAN_OK, "");
}

static void
s_optional_absent (const shape_t *shape, const char *path, char kind)
{
    (void) kind;
    s_expect (shape, path, NULL, DAIBAN_OK, "");
    s_expect (shape, path, "null", DAIBAN_OK, "");
}

static void
s_optional_wrong (const shape_t *shape, const char *path, char kind)
{
    char fragment [120];
    snprintf (fragment, sizeof fragment, "body.%s:", path);
    s_expect (shape, path, kind == 's'? "5": "'x'", DAIBAN_INVALID_BODY, fragment);
}

static void
test_optional_fields_may_be_absent (void **state)
{
    (void) state;
    for (size_t index = 0; index < sizeof s_shapes / sizeof s_shapes [0]; index++) {
        s_each_field (&s_shapes [index], s_shapes [index].optional, s_optional_absent);
        //  Present, an optional field still has its type.
        s_each_field (&s_shapes [index], s_shapes [index].optional, s_optional_wrong);
    }
}

//  --- Missing and ill-typed fields -------------------------------------

static void
s_required_missing (const shape_t *shape, const char *path, char kind)
{
    (void) kind;
    char fragment [120];
    snprintf (fragment, sizeof fragment, "body.%s: required", path);
    s_expect (shape, path, NULL, DAIBAN_INVALID_BODY, fragment);
    s_expect (shape, path, "null", DAIBAN_INVALID_BODY, fragment);
}

static void
s_required_wrong (const shape_t *shape, const char *path, char kind)
{
    if (kind == 'L') {
        //  A valid first element, then one that is not a map.
        const char *seconds [] = { "5", "'x'", "[]", "null" };
        for (int index = 0; index < 4; index++) {
            json_t *list = s_valid_member (shape, path);
            json_t *value = json_array ();
            json_array_append (value, json_array_get (list, 0));
            json_array_append_new (value, unit_json (seconds [index]));
            json_decref (list);
            char fragment [120];
            snprintf (fragment, sizeof fragment, "body.%s[1]: must be a map", path);
            s_expect_json (shape, path, value, DAIBAN_INVALID_BODY, fragment);
        }
    }
    for (int index = 0; s_wrong_values (kind, index); index++) {
        const char *value = s_wrong_values (kind, index);
        char fragment [120];
        bool element = value [0] == '@';
        snprintf (fragment, sizeof fragment, "body.%s%s:", path, element? "[1]": "");
        s_expect (shape, path, value + element, DAIBAN_INVALID_BODY, fragment);
    }
}

static void
test_required_fields_missing (void **state)
{
    (void) state;
    for (size_t index = 0; index < sizeof s_shapes / sizeof s_shapes [0]; index++)
        s_each_field (&s_shapes [index], s_shapes [index].required, s_required_missing);
}

static void
test_required_fields_wrong_type (void **state)
{
    (void) state;
    for (size_t index = 0; index < sizeof s_shapes / sizeof s_shapes [0]; index++)
        s_each_field (&s_shapes [index], s_shapes [index].required, s_required_wrong);
}

//  The lists of maps that cannot be empty: a registration, a supply of
//  materials and a plan are about at least one item.
static void
test_nonempty_lists (void **state)
{
    (void) state;
    s_expect (s_shape ("case.registered"), "items", "[]", DAIBAN_INVALID_BODY, "body.items:");
    s_expect (s_shape ("case.materials_supplied"), "materials", "[]", DAIBAN_INVALID_BODY,
              "body.materials:");
    s_expect (s_shape ("case.accepted"), "items", "[]", DAIBAN_INVALID_BODY, "body.items:");
}

//  The first offending field is named, at any depth of a list of maps.
static void
test_message_names_the_element (void **state)
{
    (void) state;
    const shape_t *registered = s_shape ("case.registered");
    s_expect (registered, "items[0].level", "'province'", DAIBAN_INVALID_BODY,
              "body.items[0].level:");
    s_expect (registered, "items[1].level", "'province'", DAIBAN_INVALID_BODY,
              "body.items[1].level: \"province\" is not one of city, county");
    s_expect (registered, "items[1].materials", "['a','b',3]", DAIBAN_INVALID_BODY,
              "body.items[1].materials[2]: must be a UTF-8 string");
    s_expect (registered, "items[1]", "7", DAIBAN_INVALID_BODY, "body.items[1]: must be a map");
    s_expect (registered, "contact.phone", "138", DAIBAN_INVALID_BODY, "body.contact.phone:");
    s_expect (s_shape ("case.accepted"), "items[1].after", "['A01',{}]", DAIBAN_INVALID_BODY,
              "body.items[1].after[1]:");
    s_expect (s_shape ("case.returned"), "missing[0].materials", "[1]", DAIBAN_INVALID_BODY,
              "body.missing[0].materials[0]:");
}

//  A body that is not a map is not a body at all.
static void
test_body_not_a_map (void **state)
{
    (void) state;
    const event_type_t *type = event_type_find ("worklog.added", 13);
    unit_value_t value;
    const char *bodies [] = { "[]", "'x'", "null", "5" };
    for (int index = 0; index < 4; index++) {
        daiban_error_t err = { 0 };
        const msgpack_object *body = unit_value_init (&value, bodies [index]);
        assert_int_not_equal (event_type_check_body (type, body, &err), DAIBAN_OK);
        assert_int_equal (err.code, DAIBAN_BAD_REQUEST);
        unit_value_release (&value);
    }
    daiban_error_t err = { 0 };
    assert_int_equal (event_type_check_body (type, NULL, &err), DAIBAN_BAD_REQUEST);
}

//  --- Enumerations -----------------------------------------------------

static void
test_enumerated_fields (void **state)
{
    (void) state;
    const char *outside [] = { "''", "'fax'", "'Window'", "'CITY'", "'license '", "'other_'",
                               "'e-license'", "'province'", "'mail\\u0000'" };
    for (size_t index = 0; index < sizeof s_choices / sizeof s_choices [0]; index++) {
        const shape_t *shape = s_shape (s_choices [index].type);
        const char *path = s_choices [index].path;
        //  Every listed value passes.
        for (int choice = 0; s_choices [index].allowed [choice]; choice++) {
            char value [64];
            snprintf (value, sizeof value, "'%s'", s_choices [index].allowed [choice]);
            s_expect (shape, path, value, DAIBAN_OK, "");
        }
        //  Anything else fails, naming the field.
        char fragment [120];
        snprintf (fragment, sizeof fragment, "body.%s:", path);
        for (size_t value = 0; value < sizeof outside / sizeof outside [0]; value++) {
            bool listed = false;
            for (int choice = 0; s_choices [index].allowed [choice]; choice++) {
                char quoted [64];
                snprintf (quoted, sizeof quoted, "'%s'", s_choices [index].allowed [choice]);
                listed |= strcmp (quoted, outside [value]) == 0;
            }
            if (!listed)
                s_expect (shape, path, outside [value], DAIBAN_INVALID_BODY, fragment);
        }
        //  A value listed for another enumeration does not leak across.
        s_expect (shape, path, "'expert_review_'", DAIBAN_INVALID_BODY, "is not one of");
    }
    //  "window" is a channel and a delivery method, "other" only a reason.
    s_expect (s_shape ("result.delivered"), "method", "'online'", DAIBAN_INVALID_BODY,
              "body.method:");
    s_expect (s_shape ("problem.reported"), "kind", "'other'", DAIBAN_INVALID_BODY, "body.kind:");
    s_expect (s_shape ("item.approved"), "result.kind", "'complex'", DAIBAN_INVALID_BODY,
              "body.result.kind:");
}

//  --- Findings beyond the field tables ---------------------------------

//  PROTOCOL.md: "Strings are UTF-8". A string that is not UTF-8 must not
//  reach the log (tests/integration/test_broker_hostile.py says why: every
//  strict reader chokes on it), wherever it sits in the body: in a field
//  that is not required, deep inside one, or as a key.
static void
test_body_strings_are_utf8_everywhere (void **state)
{
    (void) state;
    const shape_t *worklog = s_shape ("worklog.added");
    s_expect (worklog, "extra", "'@str:ff'", DAIBAN_INVALID_BODY, "body.extra");
    s_expect (worklog, "extra", "{'deep':['ok','@str:c0af']}", DAIBAN_INVALID_BODY, "body.extra");
    s_expect (worklog, "extra", "{'@str:eda080':1}", DAIBAN_INVALID_BODY, "body.extra");
    s_expect (s_shape ("timer.fired"), "data", "{'item':'@str:e7ab'}", DAIBAN_INVALID_BODY,
              "body.data");
}

//  PROTOCOL.md: "Maps have string keys". A body map with another key (here
//  an integer, nested or not) would stop every strict reader of the log
//  (Python's msgpack refuses it: strict_map_key).
static void
test_body_keys_are_strings (void **state)
{
    (void) state;
    const event_type_t *type = event_type_find ("worklog.added", 13);
    for (int nested = 0; nested <= 1; nested++) {
        wire_buffer_t buffer;
        wire_buffer_init (&buffer);
        msgpack_pack_map (&buffer.packer, 3);
        wire_pack_key (&buffer.packer, "agent");
        wire_pack_str (&buffer.packer, "王五");
        wire_pack_key (&buffer.packer, "note");
        wire_pack_str (&buffer.packer, "n");
        if (nested) {
            wire_pack_key (&buffer.packer, "extra");
            msgpack_pack_map (&buffer.packer, 1);
        }
        msgpack_pack_int (&buffer.packer, 1);
        wire_pack_str (&buffer.packer, "x");
        msgpack_zone zone;
        msgpack_zone_init (&zone, 1024);
        msgpack_object body;
        daiban_error_t err = { 0 };
        assert_int_equal (wire_unpack (buffer.buffer.data, buffer.buffer.size, &zone, &body, &err),
                          DAIBAN_OK);
        daiban_code_t code = event_type_check_body (type, &body, &err);
        if (code != DAIBAN_INVALID_BODY)
            fail_msg ("a body with an integer key%s: expected invalid_body, got %s",
                      nested? " (nested)": "", daiban_error_code_name (code));
        msgpack_zone_destroy (&zone);
        wire_buffer_release (&buffer);
    }
}

//  PROTOCOL.md: calendar dates are "YYYY-MM-DD"; a day that no month has
//  (Feb 30, Apr 31, Feb 29 of a common year) is not a date.
static void
test_dates_are_calendar_dates (void **state)
{
    (void) state;
    const shape_t *deadline = s_shape ("item.deadline_set");
    s_expect (deadline, "due", "'2026-02-30'", DAIBAN_INVALID_BODY, "body.due:");
    s_expect (deadline, "due", "'2026-04-31'", DAIBAN_INVALID_BODY, "body.due:");
    s_expect (deadline, "warn", "'2026-02-29'", DAIBAN_INVALID_BODY, "body.warn:");
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_find_every_type),
        cmocka_unit_test (test_valid_bodies_pass),
        cmocka_unit_test (test_optional_fields_may_be_absent),
        cmocka_unit_test (test_required_fields_missing),
        cmocka_unit_test (test_required_fields_wrong_type),
        cmocka_unit_test (test_nonempty_lists),
        cmocka_unit_test (test_message_names_the_element),
        cmocka_unit_test (test_body_not_a_map),
        cmocka_unit_test (test_enumerated_fields),
        cmocka_unit_test (test_body_strings_are_utf8_everywhere),
        cmocka_unit_test (test_body_keys_are_strings),
        cmocka_unit_test (test_dates_are_calendar_dates),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
