/*  test_request: decoding ingress requests (PROTOCOL.md "Ingress" and
    "Rules that every implementation follows"): every op, every refusal of
    the envelope with its code and a message naming the field, truncation,
    trailing bytes, the 1 MiB limit, nesting; the replies echo rid; and the
    event envelope (envelope.h): case ids, emitted events, and the packed
    committed form read back. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "envelope.h"
#include "request.h"
#include "unit_support.h"

//  A post that request_decode accepts; the refusal tables change one field.
#define VALID_EVENT "{'id':'w3-2026-000187','type':'worklog.added','case':'AS-2026-0001'," \
                    "'source':'window-3','at':1795000000000,'body':{'agent':'张三','note':'跑审批'}}"

//  Decodes a request given in test notation; the packed bytes stay in
//  *buffer (decoded strings point into them) until the caller releases it.
static daiban_code_t
s_decode (request_t *request, wire_buffer_t *buffer, const char *text, daiban_error_t *err)
{
    wire_buffer_init (buffer);
    unit_pack_text (buffer, text);
    request_init (request);
    return request_decode (request, buffer->buffer.data, buffer->buffer.size, err);
}

//  The same from a jansson value.
static daiban_code_t
s_decode_json (request_t *request, wire_buffer_t *buffer, const json_t *value,
               daiban_error_t *err)
{
    wire_buffer_init (buffer);
    unit_pack_json (&buffer->packer, value);
    request_init (request);
    return request_decode (request, buffer->buffer.data, buffer->buffer.size, err);
}

static void
s_release (request_t *request, wire_buffer_t *buffer)
{
    request_release (request);
    wire_buffer_release (buffer);
}

//  Decodes size bytes of data as a request and releases it: the code.
static daiban_code_t
s_decode_bytes (const void *data, size_t size, daiban_error_t *err)
{
    request_t request;
    request_init (&request);
    daiban_code_t code = request_decode (&request, data, size, err);
    request_release (&request);
    return code;
}

//  Packs by hand the start of a post whose event map has event_size keys:
//  id, type, case and source, then the key "body". The caller packs the
//  body's value and any other keys.
static void
s_pack_post_start (wire_buffer_t *buffer, size_t event_size)
{
    wire_buffer_init (buffer);
    msgpack_pack_map (&buffer->packer, 2);
    wire_pack_key (&buffer->packer, "op");
    wire_pack_str (&buffer->packer, "post");
    wire_pack_key (&buffer->packer, "event");
    msgpack_pack_map (&buffer->packer, event_size);
    const char *fields [] = { "id", "e", "type", "worklog.added", "case", "C", "source", "s" };
    for (int index = 0; index < 8; index++)
        wire_pack_str (&buffer->packer, fields [index]);
    wire_pack_key (&buffer->packer, "body");
}

//  --- Success ----------------------------------------------------------

static void
test_decode_each_op (void **state)
{
    (void) state;
    struct { const char *text; request_op_t op; } cases [] = {
        { "{'op':'post','event':" VALID_EVENT "}", REQUEST_POST },
        { "{'op':'case','case':'AS-1'}", REQUEST_CASE },
        { "{'op':'cases','status':'closed','overdue':true,'limit':5}", REQUEST_CASES },
        { "{'op':'history','from':1,'limit':10}", REQUEST_HISTORY },
        { "{'op':'catalog'}", REQUEST_CATALOG },
        { "{'op':'stats','unknown_key':[1,2,{}]}", REQUEST_STATS },
        { "{'op':'clock','advance_ms':1000}", REQUEST_CLOCK },
        { "{'rid':1,'op':'stats'}", REQUEST_STATS },
    };
    for (size_t index = 0; index < sizeof cases / sizeof cases [0]; index++) {
        request_t request;
        wire_buffer_t buffer;
        daiban_error_t err = { 0 };
        daiban_code_t code = s_decode (&request, &buffer, cases [index].text, &err);
        if (code)
            fail_msg ("%s: %s", cases [index].text, err.message);
        assert_int_equal (request.op, cases [index].op);
        assert_int_equal (request.root.type, MSGPACK_OBJECT_MAP);
        assert_int_equal (request.rid != NULL, strstr (cases [index].text, "'rid'") != NULL);
        s_release (&request, &buffer);
    }
}

static void
test_decode_post_envelope (void **state)
{
    (void) state;
    request_t request;
    wire_buffer_t buffer;
    daiban_error_t err = { 0 };
    assert_int_equal (s_decode (&request, &buffer, "{'op':'post','rid':'r-9','event':" VALID_EVENT "}",
                                &err), DAIBAN_OK);
    assert_int_equal (request.op, REQUEST_POST);
    assert_true (wire_str_eq (request.rid, "r-9"));
    envelope_t *event = &request.event;
    assert_string_equal (event->case_id, "AS-2026-0001");
    assert_int_equal (event->id_size, strlen ("w3-2026-000187"));
    assert_memory_equal (event->id, "w3-2026-000187", event->id_size);
    assert_int_equal (event->source_size, strlen ("window-3"));
    assert_memory_equal (event->source, "window-3", event->source_size);
    assert_ptr_equal (event->type, event_type_find ("worklog.added", 13));
    assert_true (event->has_at);
    assert_true (event->at == 1795000000000LL);
    assert_int_equal (event->body->type, MSGPACK_OBJECT_MAP);
    assert_true (wire_str_eq (wire_map_get (event->body, "agent"), "张三"));
    s_release (&request, &buffer);

    //  Without at, and with at nil: no time; a negative at is an integer.
    const char *events [] = {
        "{'op':'post','event':{'id':'a','type':'worklog.added','case':'C','source':'s','body':{}}}",
        "{'op':'post','event':{'id':'a','type':'worklog.added','case':'C','source':'s','body':{},"
        "'at':null}}",
        "{'op':'post','event':{'id':'a','type':'worklog.added','case':'C','source':'s','body':{},"
        "'at':-5}}",
    };
    for (int index = 0; index < 3; index++) {
        assert_int_equal (s_decode (&request, &buffer, events [index], &err), DAIBAN_OK);
        assert_int_equal (request.event.has_at, index == 2);
        if (index == 2)
            assert_true (request.event.at == -5);
        s_release (&request, &buffer);
    }
}

//  The envelope comes before the body (PROTOCOL.md: decode, envelope,
//  dedupe, body): request_decode does not judge the body's fields.
static void
test_decode_leaves_body_to_later (void **state)
{
    (void) state;
    request_t request;
    wire_buffer_t buffer;
    daiban_error_t err = { 0 };
    assert_int_equal (s_decode (&request, &buffer,
                                "{'op':'post','event':{'id':'a','type':'item.approved','case':'C',"
                                "'source':'s','body':{'item':5}}}", &err), DAIBAN_OK);
    assert_int_equal (event_type_check_body (request.event.type, request.event.body, &err),
                      DAIBAN_INVALID_BODY);
    s_release (&request, &buffer);
}

//  --- Refusals ---------------------------------------------------------

static void
test_decode_refuses_requests (void **state)
{
    (void) state;
    struct { const char *text; daiban_code_t code; const char *fragment; } cases [] = {
        { "[1,2]", DAIBAN_BAD_REQUEST, "must be a map" },
        { "'post'", DAIBAN_BAD_REQUEST, "must be a map" },
        { "7", DAIBAN_BAD_REQUEST, "must be a map" },
        { "null", DAIBAN_BAD_REQUEST, "must be a map" },
        { "true", DAIBAN_BAD_REQUEST, "must be a map" },
        { "1.5", DAIBAN_BAD_REQUEST, "must be a map" },
        { "'@bin:80'", DAIBAN_BAD_REQUEST, "must be a map" },
        { "{}", DAIBAN_BAD_REQUEST, "op: required" },
        { "{'rid':1}", DAIBAN_BAD_REQUEST, "op: required" },
        { "{'OP':'stats'}", DAIBAN_BAD_REQUEST, "op: required" },
        { "{'op':5}", DAIBAN_BAD_REQUEST, "op: must be a string" },
        { "{'op':null}", DAIBAN_BAD_REQUEST, "op: must be a string" },
        { "{'op':['post']}", DAIBAN_BAD_REQUEST, "op: must be a string" },
        { "{'op':'@bin:706f7374'}", DAIBAN_BAD_REQUEST, "op: must be a string" },
        { "{'op':'Post'}", DAIBAN_BAD_REQUEST, "unknown op" },
        { "{'op':'pos'}", DAIBAN_BAD_REQUEST, "unknown op" },
        { "{'op':'posts'}", DAIBAN_BAD_REQUEST, "unknown op" },
        { "{'op':''}", DAIBAN_BAD_REQUEST, "unknown op" },
        { "{'op':'@str:706f737400'}", DAIBAN_BAD_REQUEST, "unknown op" },
        { "{'op':'@str:73ff'}", DAIBAN_BAD_REQUEST, "unknown op" },
        { "{'op':'post'}", DAIBAN_BAD_REQUEST, "event: required" },
        { "{'op':'post','evnt':" VALID_EVENT "}", DAIBAN_BAD_REQUEST, "event: required" },
        { "{'op':'post','event':[1]}", DAIBAN_BAD_REQUEST, "event: must be a map" },
        { "{'op':'post','event':'x'}", DAIBAN_BAD_REQUEST, "event: must be a map" },
        { "{'op':'post','event':null}", DAIBAN_BAD_REQUEST, "event: must be a map" },
    };
    for (size_t index = 0; index < sizeof cases / sizeof cases [0]; index++) {
        request_t request;
        wire_buffer_t buffer;
        daiban_error_t err = { 0 };
        daiban_code_t code = s_decode (&request, &buffer, cases [index].text, &err);
        if (code != cases [index].code || !strstr (err.message, cases [index].fragment))
            fail_msg ("%s: expected %s \"%s\", got %s \"%s\"", cases [index].text,
                      daiban_error_code_name (cases [index].code), cases [index].fragment,
                      daiban_error_code_name (code), err.message);
        assert_int_equal (err.code, code);
        s_release (&request, &buffer);
    }
}

//  Strings of a given length, for the id/source/case limits.
static char *
s_repeat (char c, size_t count)
{
    char *text = (char *) malloc (count + 1);
    assert_non_null (text);
    memset (text, c, count);
    text [count] = 0;
    return text;
}

//  Each row replaces (or with value NULL removes) one field of VALID_EVENT.
static void
test_decode_refuses_envelopes (void **state)
{
    (void) state;
    char *name_200 = s_repeat ('n', 200), *name_201 = s_repeat ('n', 201);
    char *case_64 = s_repeat ('C', 64), *case_65 = s_repeat ('C', 65);
    char quoted [4][300];
    snprintf (quoted [0], sizeof quoted [0], "'%s'", name_200);
    snprintf (quoted [1], sizeof quoted [1], "'%s'", name_201);
    snprintf (quoted [2], sizeof quoted [2], "'%s'", case_64);
    snprintf (quoted [3], sizeof quoted [3], "'%s'", case_65);
    //  Chinese: 67 characters of 3 bytes = 201 bytes, over the limit; 66 fit.
    char chinese_201 [400] = "'", chinese_198 [400] = "'";
    for (int index = 0; index < 67; index++) {
        strcat (chinese_201, "办");
        if (index < 66)
            strcat (chinese_198, "办");
    }
    strcat (chinese_201, "'");
    strcat (chinese_198, "'");
    struct { const char *field; const char *value; daiban_code_t code; const char *fragment; }
    cases [] = {
        //  id
        { "id", NULL, DAIBAN_BAD_REQUEST, "event.id: required" },
        { "id", "5", DAIBAN_BAD_REQUEST, "event.id: must be a string" },
        { "id", "null", DAIBAN_BAD_REQUEST, "event.id: must be a string" },
        { "id", "'@bin:6964'", DAIBAN_BAD_REQUEST, "event.id: must be a string" },
        { "id", "['x']", DAIBAN_BAD_REQUEST, "event.id: must be a string" },
        { "id", "''", DAIBAN_BAD_REQUEST, "event.id: must be 1..200 bytes" },
        { "id", quoted [0], DAIBAN_OK, "" },
        { "id", quoted [1], DAIBAN_BAD_REQUEST, "event.id: must be 1..200 bytes" },
        { "id", chinese_198, DAIBAN_OK, "" },
        { "id", chinese_201, DAIBAN_BAD_REQUEST, "event.id: must be 1..200 bytes" },
        { "id", "'@str:6964c0af'", DAIBAN_BAD_REQUEST, "event.id: invalid UTF-8" },       //  overlong
        { "id", "'@str:e080af'", DAIBAN_BAD_REQUEST, "event.id: invalid UTF-8" },         //  overlong
        { "id", "'@str:6964eda080'", DAIBAN_BAD_REQUEST, "event.id: invalid UTF-8" },     //  surrogate
        { "id", "'@str:6964e7ab'", DAIBAN_BAD_REQUEST, "event.id: invalid UTF-8" },       //  truncated
        { "id", "'@str:80'", DAIBAN_BAD_REQUEST, "event.id: invalid UTF-8" },
        { "id", "'@str:fffe'", DAIBAN_BAD_REQUEST, "event.id: invalid UTF-8" },
        //  source
        { "source", NULL, DAIBAN_BAD_REQUEST, "event.source: required" },
        { "source", "3", DAIBAN_BAD_REQUEST, "event.source: must be a string" },
        { "source", "{}", DAIBAN_BAD_REQUEST, "event.source: must be a string" },
        { "source", "''", DAIBAN_BAD_REQUEST, "event.source: must be 1..200 bytes" },
        { "source", quoted [0], DAIBAN_OK, "" },
        { "source", quoted [1], DAIBAN_BAD_REQUEST, "event.source: must be 1..200 bytes" },
        { "source", "'@str:77c0af'", DAIBAN_BAD_REQUEST, "event.source: invalid UTF-8" },
        { "source", "'@str:edbfbf'", DAIBAN_BAD_REQUEST, "event.source: invalid UTF-8" },
        { "source", "'@str:77f09f8e'", DAIBAN_BAD_REQUEST, "event.source: invalid UTF-8" },
        { "source", "'@str:f4908080'", DAIBAN_BAD_REQUEST, "event.source: invalid UTF-8" },
        { "source", "'窗口-3'", DAIBAN_OK, "" },
        //  case
        { "case", NULL, DAIBAN_BAD_REQUEST, "event.case: required" },
        { "case", "12", DAIBAN_BAD_REQUEST, "event.case: must be a string" },
        { "case", "null", DAIBAN_BAD_REQUEST, "event.case: must be a string" },
        { "case", "''", DAIBAN_BAD_REQUEST, "event.case: must be 1..64 bytes" },
        { "case", quoted [2], DAIBAN_OK, "" },
        { "case", quoted [3], DAIBAN_BAD_REQUEST, "event.case: must be 1..64 bytes" },
        { "case", "'a/b'", DAIBAN_BAD_REQUEST, "event.case" },
        { "case", "'../etc'", DAIBAN_BAD_REQUEST, "event.case" },
        { "case", "'a b'", DAIBAN_BAD_REQUEST, "event.case" },
        { "case", "'案件1'", DAIBAN_BAD_REQUEST, "event.case" },
        { "case", "'@str:610062'", DAIBAN_BAD_REQUEST, "event.case" },
        { "case", "'@str:61ff'", DAIBAN_BAD_REQUEST, "event.case" },
        { "case", "'a+b'", DAIBAN_BAD_REQUEST, "event.case" },
        { "case", "'Az09._-'", DAIBAN_OK, "" },
        //  type
        { "type", NULL, DAIBAN_BAD_REQUEST, "event.type: required" },
        { "type", "7", DAIBAN_BAD_REQUEST, "event.type: must be a string" },
        { "type", "'@bin:61'", DAIBAN_BAD_REQUEST, "event.type: must be a string" },
        { "type", "'worklog'", DAIBAN_UNKNOWN_TYPE, "worklog" },
        { "type", "'worklog.added.x'", DAIBAN_UNKNOWN_TYPE, "unknown type" },
        { "type", "'Worklog.Added'", DAIBAN_UNKNOWN_TYPE, "unknown type" },
        { "type", "''", DAIBAN_UNKNOWN_TYPE, "unknown type" },
        { "type", "'@str:776f726b6c6f672e61646465640a'", DAIBAN_UNKNOWN_TYPE, "unknown type" },
        { "type", "'@str:77c0af'", DAIBAN_UNKNOWN_TYPE, "unknown type" },
        { "type", "'@str:77eda080'", DAIBAN_UNKNOWN_TYPE, "unknown type" },
        { "type", "'@str:776f726be7ab'", DAIBAN_UNKNOWN_TYPE, "unknown type" },
        { "type", "'case.accepted'", DAIBAN_UNAUTHORIZED, "case.accepted" },
        { "type", "'case.returned'", DAIBAN_UNAUTHORIZED, "cannot be posted" },
        { "type", "'timer.fired'", DAIBAN_UNAUTHORIZED, "cannot be posted" },
        { "type", "'alert.raised'", DAIBAN_UNAUTHORIZED, "cannot be posted" },
        { "type", "'case.closed'", DAIBAN_UNAUTHORIZED, "cannot be posted" },
        //  body
        { "body", NULL, DAIBAN_BAD_REQUEST, "event.body: required" },
        { "body", "[]", DAIBAN_BAD_REQUEST, "event.body: must be a map" },
        { "body", "'x'", DAIBAN_BAD_REQUEST, "event.body: must be a map" },
        { "body", "null", DAIBAN_BAD_REQUEST, "event.body: must be a map" },
        { "body", "{}", DAIBAN_OK, "" },
        //  at
        { "at", "'1795000000000'", DAIBAN_BAD_REQUEST, "event.at: must be an integer" },
        { "at", "1.5", DAIBAN_BAD_REQUEST, "event.at: must be an integer" },
        { "at", "true", DAIBAN_BAD_REQUEST, "event.at: must be an integer" },
        { "at", "[1]", DAIBAN_BAD_REQUEST, "event.at: must be an integer" },
        { "at", "null", DAIBAN_OK, "" },
        { "at", "0", DAIBAN_OK, "" },
        //  Fields the broker sets are ignored in a post, like unknown keys.
        { "seq", "'x'", DAIBAN_OK, "" },
        { "extra", "{'deep':[1,2,3]}", DAIBAN_OK, "" },
    };
    for (size_t index = 0; index < sizeof cases / sizeof cases [0]; index++) {
        json_t *request = unit_json ("{'op':'post','rid':42,'event':" VALID_EVENT "}");
        json_t *event = json_object_get (request, "event");
        if (cases [index].value)
            json_object_set_new (event, cases [index].field, unit_json (cases [index].value));
        else
            json_object_del (event, cases [index].field);
        request_t decoded;
        wire_buffer_t buffer;
        daiban_error_t err = { 0 };
        daiban_code_t code = s_decode_json (&decoded, &buffer, request, &err);
        if (code != cases [index].code || !strstr (err.message, cases [index].fragment))
            fail_msg ("event.%s = %.40s: expected %s \"%s\", got %s \"%s\"", cases [index].field,
                      cases [index].value? cases [index].value: "(absent)",
                      daiban_error_code_name (cases [index].code), cases [index].fragment,
                      daiban_error_code_name (code), err.message);
        //  The message can be shown: it is UTF-8 even when the input was not.
        assert_true (wire_utf8_valid (err.message, strlen (err.message)));
        //  rid is known even when the envelope is refused.
        assert_true (decoded.rid && decoded.rid->via.u64 == 42);
        s_release (&decoded, &buffer);
        json_decref (request);
    }
    free (name_200);
    free (name_201);
    free (case_64);
    free (case_65);
}

//  An at past int64 (a uint64 that does not fit) is not an integer time.
static void
test_decode_refuses_at_past_int64 (void **state)
{
    (void) state;
    wire_buffer_t buffer;
    s_pack_post_start (&buffer, 6);
    msgpack_pack_map (&buffer.packer, 0);
    wire_pack_key (&buffer.packer, "at");
    msgpack_pack_uint64 (&buffer.packer, UINT64_MAX);
    daiban_error_t err = { 0 };
    assert_int_equal (s_decode_bytes (buffer.buffer.data, buffer.buffer.size, &err),
                      DAIBAN_BAD_REQUEST);
    assert_non_null (strstr (err.message, "event.at"));
    wire_buffer_release (&buffer);
}

//  Every strict prefix of a valid post is bad_request; so are trailing bytes.
static void
test_decode_refuses_truncation_and_trailing_bytes (void **state)
{
    (void) state;
    wire_buffer_t buffer;
    wire_buffer_init (&buffer);
    unit_pack_text (&buffer, "{'op':'post','rid':[7,'x'],'event':" VALID_EVENT "}");
    const char *data = buffer.buffer.data;
    size_t size = buffer.buffer.size;
    for (size_t cut = 0; cut < size; cut++) {
        request_t request;
        request_init (&request);
        daiban_error_t err = { 0 };
        daiban_code_t code = request_decode (&request, data, cut, &err);
        if (code != DAIBAN_BAD_REQUEST)
            fail_msg ("cut at %zu of %zu: %s %s", cut, size, daiban_error_code_name (code),
                      err.message);
        //  Nothing was decoded, so no rid can be echoed.
        assert_null (request.rid);
        request_release (&request);
    }
    //  The whole request decodes; with one more byte, or a second request, not.
    char *longer = (char *) malloc (2 * size);
    assert_non_null (longer);
    memcpy (longer, data, size);
    memcpy (longer + size, data, size);
    size_t extra [] = { 0, 1, size };
    for (int index = 0; index < 3; index++) {
        daiban_error_t err = { 0 };
        daiban_code_t code = s_decode_bytes (longer, size + extra [index], &err);
        assert_int_equal (code, extra [index]? DAIBAN_BAD_REQUEST: DAIBAN_OK);
        if (extra [index])
            assert_non_null (strstr (err.message, "trailing"));
    }
    free (longer);
    wire_buffer_release (&buffer);
}

//  Malformed msgpack at request level: the never-used byte and lengths far
//  beyond the frame are bad_request, not a crash or an allocation.
static void
test_decode_refuses_malformed_msgpack (void **state)
{
    (void) state;
    const char *frames [] = {
        "c1", "82a26f70a4706f7374c1", "6e6f74206d73677061636b", "9201", "a5ab",
        "dfffffffff", "ddffffffff", "dbffffffff", "c6ffffffff", "c9ffffffff01",
        "81a26f70dbffffffff", "82a26f70a4706f7374a5657665e7dfffffffff",
    };
    for (size_t index = 0; index < sizeof frames / sizeof frames [0]; index++) {
        size_t size;
        unsigned char *bytes = unit_hex (frames [index], &size);
        daiban_error_t err = { 0 };
        daiban_code_t code = s_decode_bytes (bytes, size, &err);
        if (code != DAIBAN_BAD_REQUEST)
            fail_msg ("%s: %s %s", frames [index], daiban_error_code_name (code), err.message);
        free (bytes);
    }
    daiban_error_t err = { 0 };
    assert_int_equal (s_decode_bytes ("", 0, &err), DAIBAN_BAD_REQUEST);
}

//  The post's event map with a "pad" body field of length pad.
static void
s_pack_padded_post (wire_buffer_t *buffer, size_t pad)
{
    char *text = s_repeat ('p', pad);
    json_t *request = unit_json ("{'op':'post','event':" VALID_EVENT "}");
    json_object_set_new (json_object_get (json_object_get (request, "event"), "body"), "pad",
                         json_string (text));
    wire_buffer_clear (buffer);
    unit_pack_json (&buffer->packer, request);
    json_decref (request);
    free (text);
}

static void
test_decode_size_limit (void **state)
{
    (void) state;
    wire_buffer_t buffer;
    wire_buffer_init (&buffer);
    //  Find the pad that makes the frame exactly 1 MiB (a str32 either way).
    s_pack_padded_post (&buffer, 100000);
    size_t pad = 100000 + (REQUEST_MAX_SIZE - buffer.buffer.size);
    s_pack_padded_post (&buffer, pad);
    assert_int_equal (buffer.buffer.size, 1048576);
    daiban_error_t err = { 0 };
    assert_int_equal (s_decode_bytes (buffer.buffer.data, buffer.buffer.size, &err), DAIBAN_OK);
    //  One byte more is too_large, valid or not.
    s_pack_padded_post (&buffer, pad + 1);
    assert_int_equal (buffer.buffer.size, 1048577);
    assert_int_equal (s_decode_bytes (buffer.buffer.data, buffer.buffer.size, &err),
                      DAIBAN_TOO_LARGE);
    assert_non_null (strstr (err.message, "1048577"));
    char *garbage = s_repeat ('\xc1', 2 * 1048576);
    assert_int_equal (s_decode_bytes (garbage, 1048577, &err), DAIBAN_TOO_LARGE);
    assert_int_equal (s_decode_bytes (garbage, 2 * 1048576, &err), DAIBAN_TOO_LARGE);
    free (garbage);
    wire_buffer_release (&buffer);
}

//  Nesting counts from the request map: body at level 3, so 29 arrays in
//  the body reach 32 levels (decoded) and 30 reach 33 (bad_request).
static void
test_decode_nesting_limit (void **state)
{
    (void) state;
    for (int arrays = 29; arrays <= 30; arrays++) {
        wire_buffer_t buffer;
        s_pack_post_start (&buffer, 5);
        msgpack_pack_map (&buffer.packer, 1);
        wire_pack_key (&buffer.packer, "deep");
        for (int level = 0; level < arrays; level++)
            msgpack_pack_array (&buffer.packer, 1);
        msgpack_pack_nil (&buffer.packer);
        daiban_error_t err = { 0 };
        daiban_code_t code = s_decode_bytes (buffer.buffer.data, buffer.buffer.size, &err);
        if (arrays == 29 && code)
            fail_msg ("32 levels: %s", err.message);
        if (arrays == 30)
            unit_assert_error (&err, DAIBAN_BAD_REQUEST, "nesting");
        wire_buffer_release (&buffer);
    }
}

//  A rid of 32 nested arrays, the innermost empty, is 33 levels deep: the
//  request is malformed (bad_request), not a storage or memory failure.
static void
test_decode_nesting_limit_empty_innermost (void **state)
{
    (void) state;
    wire_buffer_t buffer;
    wire_buffer_init (&buffer);
    msgpack_pack_map (&buffer.packer, 2);
    wire_pack_key (&buffer.packer, "op");
    wire_pack_str (&buffer.packer, "stats");
    wire_pack_key (&buffer.packer, "rid");
    for (int level = 0; level < 32; level++)
        msgpack_pack_array (&buffer.packer, level < 31? 1: 0);
    daiban_error_t err = { 0 };
    s_decode_bytes (buffer.buffer.data, buffer.buffer.size, &err);
    unit_assert_error (&err, DAIBAN_BAD_REQUEST, "nesting");
    wire_buffer_release (&buffer);
}

//  --- Replies ----------------------------------------------------------

//  Decodes a reply and checks it equals the expected notation exactly.
static void
s_assert_reply (const wire_buffer_t *buffer, const char *expected_text)
{
    assert_false (buffer->failed);
    json_t *actual = unit_bytes_to_json (buffer->buffer.data, buffer->buffer.size);
    json_t *expected = unit_json (expected_text);
    if (!json_equal (expected, actual)) {
        char *got = json_dumps (actual, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
        fail_msg ("reply %s, expected %s", got, expected_text);
    }
    json_decref (expected);
    json_decref (actual);
}

static void
test_replies_echo_rid (void **state)
{
    (void) state;
    const char *rids [] = { "7", "'r-1'", "[1,{'a':null}]", "null", "-3", "'代办'" };
    for (size_t index = 0; index < sizeof rids / sizeof rids [0]; index++) {
        char text [200], expected [300];
        //  Success: "ok", "rid", then the caller's fields.
        snprintf (text, sizeof text, "{'op':'stats','rid':%s}", rids [index]);
        request_t request;
        wire_buffer_t input, reply;
        daiban_error_t err = { 0 };
        assert_int_equal (s_decode (&request, &input, text, &err), DAIBAN_OK);
        wire_buffer_init (&reply);
        request_pack_ok (&reply.packer, request.rid, 2);
        wire_pack_key (&reply.packer, "seq");
        msgpack_pack_uint64 (&reply.packer, 5);
        wire_pack_key (&reply.packer, "duplicate");
        msgpack_pack_false (&reply.packer);
        snprintf (expected, sizeof expected, "{'ok':true,'rid':%s,'seq':5,'duplicate':false}",
                  rids [index]);
        s_assert_reply (&reply, expected);
        s_release (&request, &input);

        //  Failure after the map was read: the rid is echoed.
        snprintf (text, sizeof text, "{'op':'nope','rid':%s}", rids [index]);
        assert_int_equal (s_decode (&request, &input, text, &err), DAIBAN_BAD_REQUEST);
        wire_buffer_clear (&reply);
        request_pack_error (&reply.packer, request.rid, &err);
        snprintf (expected, sizeof expected,
                  "{'ok':false,'rid':%s,'error':{'code':'bad_request','message':'op: unknown op'}}",
                  rids [index]);
        s_assert_reply (&reply, expected);
        s_release (&request, &input);

        //  An envelope refused with another code keeps the rid too.
        snprintf (text, sizeof text, "{'rid':%s,'op':'post','event':{'id':'a','source':'s',"
                  "'case':'C','type':'alert.raised','body':{}}}", rids [index]);
        assert_int_equal (s_decode (&request, &input, text, &err), DAIBAN_UNAUTHORIZED);
        wire_buffer_clear (&reply);
        request_pack_error (&reply.packer, request.rid, &err);
        json_t *actual = unit_bytes_to_json (reply.buffer.data, reply.buffer.size);
        snprintf (expected, sizeof expected, "{'ok':false,'rid':%s,'error':{'code':'unauthorized'}}",
                  rids [index]);
        unit_assert_json_matches ("unauthorized reply", expected, actual);
        json_decref (actual);
        s_release (&request, &input);
        wire_buffer_release (&reply);
    }
}

static void
test_replies_without_rid (void **state)
{
    (void) state;
    wire_buffer_t reply;
    wire_buffer_init (&reply);
    request_pack_ok (&reply.packer, NULL, 0);
    s_assert_reply (&reply, "{'ok':true}");
    wire_buffer_clear (&reply);
    request_pack_ok (&reply.packer, NULL, 1);
    wire_pack_key (&reply.packer, "now");
    msgpack_pack_int64 (&reply.packer, 1795000000000LL);
    s_assert_reply (&reply, "{'ok':true,'now':1795000000000}");
    //  Not a map: no rid to echo.
    request_t request;
    wire_buffer_t input;
    daiban_error_t err = { 0 };
    assert_int_equal (s_decode (&request, &input, "['rid',1]", &err), DAIBAN_BAD_REQUEST);
    assert_null (request.rid);
    wire_buffer_clear (&reply);
    request_pack_error (&reply.packer, request.rid, &err);
    s_assert_reply (&reply, "{'ok':false,'error':{'code':'bad_request',"
                            "'message':'request: must be a map'}}");
    s_release (&request, &input);
    //  Every code goes out under its wire name.
    struct { daiban_code_t code; const char *name; } codes [] = {
        { DAIBAN_BAD_REQUEST, "bad_request" }, { DAIBAN_UNKNOWN_TYPE, "unknown_type" },
        { DAIBAN_INVALID_BODY, "invalid_body" }, { DAIBAN_CONFLICT, "conflict" },
        { DAIBAN_NOT_FOUND, "not_found" }, { DAIBAN_TOO_LARGE, "too_large" },
        { DAIBAN_UNAUTHORIZED, "unauthorized" }, { DAIBAN_UNAVAILABLE, "unavailable" },
        { DAIBAN_RETRY, "unavailable" },
    };
    for (size_t index = 0; index < sizeof codes / sizeof codes [0]; index++) {
        daiban_error_set (&err, codes [index].code, "message %d 中文", (int) index);
        wire_buffer_clear (&reply);
        request_pack_error (&reply.packer, NULL, &err);
        char expected [200];
        snprintf (expected, sizeof expected,
                  "{'ok':false,'error':{'code':'%s','message':'message %d 中文'}}",
                  codes [index].name, (int) index);
        s_assert_reply (&reply, expected);
    }
    wire_buffer_release (&reply);
}

//  --- Envelope ---------------------------------------------------------

static void
test_envelope_case_id_valid (void **state)
{
    (void) state;
    char *case_64 = s_repeat ('z', 64);
    struct { const char *text; size_t size; bool valid; } cases [] = {
        { "AS-2026-0001", 12, true }, { "a", 1, true }, { "A.b_c-9", 7, true },
        { case_64, 64, true }, { case_64, 63, true },
        { "", 0, false }, { "a/b", 3, false }, { "a b", 3, false }, { "a\0b", 3, false },
        { "案", 3, false }, { "a:b", 3, false }, { "a\\b", 3, false }, { "a\nb", 3, false },
        { "é", 2, false }, { "a*", 2, false }, { "~a", 2, false },
    };
    for (size_t index = 0; index < sizeof cases / sizeof cases [0]; index++)
        if (envelope_case_id_valid (cases [index].text, cases [index].size) != cases [index].valid)
            fail_msg ("case id \"%.*s\" (%zu bytes): expected %s", (int) cases [index].size,
                      cases [index].text, cases [index].size, cases [index].valid? "valid": "invalid");
    //  65 bytes is one too many.
    char *case_65 = s_repeat ('z', 65);
    assert_false (envelope_case_id_valid (case_65, 65));
    free (case_65);
    free (case_64);
}

//  An emitted event (from a worker) needs no id or source, and may carry
//  an emitted type; a posted one may not.
static void
test_envelope_emitted (void **state)
{
    (void) state;
    unit_value_t value;
    const msgpack_object *event = unit_value_init (&value,
        "{'type':'deadline.overdue','case':'AS-1','body':{'item':'A','due':'2026-01-05','days_over':1}}");
    envelope_t envelope;
    daiban_error_t err = { 0 };
    assert_int_equal (envelope_parse (&envelope, event, ENVELOPE_EMITTED, &err), DAIBAN_OK);
    assert_string_equal (envelope.type->name, "deadline.overdue");
    assert_true (envelope.type->emitted);
    assert_null (envelope.id);
    assert_null (envelope.source);
    assert_int_equal (envelope.id_size + envelope.source_size, 0);
    assert_false (envelope.has_at);
    assert_int_equal (envelope_parse (&envelope, event, ENVELOPE_POSTED, &err),
                      DAIBAN_BAD_REQUEST);
    assert_non_null (strstr (err.message, "event.id"));
    unit_value_release (&value);

    //  With id and source present, posting an emitted type is unauthorized;
    //  read back from the log (stored), any type is fine.
    event = unit_value_init (&value, "{'id':'x','source':'s','type':'deadline.overdue',"
                                     "'case':'AS-1','body':{}}");
    assert_int_equal (envelope_parse (&envelope, event, ENVELOPE_POSTED, &err),
                      DAIBAN_UNAUTHORIZED);
    assert_int_equal (envelope_parse (&envelope, event, ENVELOPE_EMITTED, &err), DAIBAN_OK);
    assert_int_equal (envelope_parse (&envelope, event, ENVELOPE_STORED, &err), DAIBAN_OK);
    assert_int_equal (envelope.id_size, 1);
    assert_memory_equal (envelope.id, "x", 1);
    assert_int_equal (envelope.source_size, 1);
    assert_memory_equal (envelope.source, "s", 1);
    unit_value_release (&value);
    //  A stored event needs its id and source like a posted one.
    event = unit_value_init (&value, "{'source':'s','type':'case.closed','case':'C','body':{}}");
    assert_int_equal (envelope_parse (&envelope, event, ENVELOPE_STORED, &err), DAIBAN_BAD_REQUEST);
    assert_non_null (strstr (err.message, "event.id"));
    unit_value_release (&value);
    //  The case, type and body rules hold for emitted events too.
    const char *bad [] = {
        "{'type':'deadline.overdue','body':{}}",
        "{'type':'deadline.overdue','case':'a/b','body':{}}",
        "{'type':'deadline.overdue','case':'C'}",
        "{'type':5,'case':'C','body':{}}",
        "{'case':'C','body':{}}",
        "[1]",
    };
    for (size_t index = 0; index < sizeof bad / sizeof bad [0]; index++) {
        event = unit_value_init (&value, bad [index]);
        if (envelope_parse (&envelope, event, ENVELOPE_EMITTED, &err) != DAIBAN_BAD_REQUEST)
            fail_msg ("%s: %s", bad [index], err.message);
        unit_value_release (&value);
    }
    event = unit_value_init (&value, "{'type':'nope','case':'C','body':{}}");
    assert_int_equal (envelope_parse (&envelope, event, ENVELOPE_EMITTED, &err),
                      DAIBAN_UNKNOWN_TYPE);
    unit_value_release (&value);
    assert_int_equal (envelope_parse (&envelope, NULL, ENVELOPE_EMITTED, &err), DAIBAN_BAD_REQUEST);
}

//  Packs the parsed event as committed and decodes it again.
static json_t *
s_committed (const envelope_t *envelope, uint64_t seq, int64_t ts, uint64_t cause)
{
    wire_buffer_t buffer;
    wire_buffer_init (&buffer);
    envelope_pack_committed (envelope, seq, ts, cause, &buffer);
    assert_false (buffer.failed);
    json_t *committed = unit_bytes_to_json (buffer.buffer.data, buffer.buffer.size);
    wire_buffer_release (&buffer);
    return committed;
}

//  Packs the envelope as committed and parses that again as origin;
//  packed holds what reparsed points into until unit_value_release.
static void
s_reparse (const envelope_t *envelope, uint64_t seq, int64_t ts, uint64_t cause,
           envelope_origin_t origin, unit_value_t *packed, envelope_t *reparsed)
{
    wire_buffer_init (&packed->buffer);
    envelope_pack_committed (envelope, seq, ts, cause, &packed->buffer);
    msgpack_zone_init (&packed->zone, 1024);
    daiban_error_t err = { 0 };
    assert_int_equal (wire_unpack (packed->buffer.buffer.data, packed->buffer.buffer.size,
                                   &packed->zone, &packed->root, &err), DAIBAN_OK);
    assert_int_equal (envelope_parse (reparsed, &packed->root, origin, &err), DAIBAN_OK);
}

static void
s_assert_json_equal (const json_t *actual, const char *expected_text)
{
    json_t *expected = unit_json (expected_text);
    if (!json_equal (expected, (json_t *) actual)) {
        char *got = json_dumps (actual, JSON_COMPACT | JSON_SORT_KEYS);
        fail_msg ("got %s\nexpected %s", got, expected_text);
    }
    json_decref (expected);
}

static void
test_envelope_pack_committed (void **state)
{
    (void) state;
    //  With at and cause; unknown and broker-set keys of the post are dropped.
    unit_value_t value;
    const msgpack_object *event = unit_value_init (&value,
        "{'id':'w3-1','type':'item.approved','case':'AS-2026-0001','source':'窗口3',"
        "'at':-1,'seq':99,'ts':5,'cause':3,'junk':[1],"
        "'body':{'item':'A','result':{'number':'建字第1号','kind':'license','electronic':true},"
        "'extra':[1,{'b':null}],'n':-7}}");
    envelope_t envelope;
    daiban_error_t err = { 0 };
    assert_int_equal (envelope_parse (&envelope, event, ENVELOPE_POSTED, &err), DAIBAN_OK);
    json_t *committed = s_committed (&envelope, 1234, 1795000000123LL, 1230);
    s_assert_json_equal (committed,
        "{'id':'w3-1','type':'item.approved','case':'AS-2026-0001','source':'窗口3','by':'窗口3',"
        "'at':-1,'body':{'item':'A','result':{'number':'建字第1号','kind':'license',"
        "'electronic':true},'extra':[1,{'b':null}],'n':-7},'seq':1234,'ts':1795000000123,"
        "'cause':1230}");
    json_decref (committed);
    //  The principal that posted it, when the broker sets one, is `by`.
    envelope.by = "dept-市自然资源局";
    envelope.by_size = strlen (envelope.by);
    committed = s_committed (&envelope, 1, 2, 0);
    assert_string_equal (json_string_value (json_object_get (committed, "by")), "dept-市自然资源局");
    assert_string_equal (json_string_value (json_object_get (committed, "source")), "窗口3");
    json_decref (committed);
    envelope.by = NULL;

    //  The committed form parses back to the same envelope.
    unit_value_t packed;
    envelope_t reparsed;
    s_reparse (&envelope, 1234, 1795000000123LL, 1230, ENVELOPE_POSTED, &packed, &reparsed);
    assert_string_equal (reparsed.case_id, envelope.case_id);
    assert_ptr_equal (reparsed.type, envelope.type);
    assert_int_equal (reparsed.id_size, envelope.id_size);
    assert_memory_equal (reparsed.id, envelope.id, envelope.id_size);
    assert_int_equal (reparsed.source_size, envelope.source_size);
    assert_memory_equal (reparsed.source, envelope.source, envelope.source_size);
    assert_true (reparsed.has_at && reparsed.at == -1);
    unit_value_release (&packed);
    unit_value_release (&value);

    //  Without at and cause: neither key is there.
    event = unit_value_init (&value, "{'id':'e','type':'worklog.added','case':'C','source':'s',"
                                     "'body':{}}");
    assert_int_equal (envelope_parse (&envelope, event, ENVELOPE_POSTED, &err), DAIBAN_OK);
    committed = s_committed (&envelope, 1, 0, 0);
    s_assert_json_equal (committed, "{'id':'e','type':'worklog.added','case':'C','source':'s',"
                                    "'by':'s','body':{},'seq':1,'ts':0}");
    json_decref (committed);
    //  at 0 is a time (present); cause only when not 0.
    unit_value_release (&value);
    event = unit_value_init (&value, "{'id':'e','type':'worklog.added','case':'C','source':'s',"
                                     "'at':0,'body':{'x':1}}");
    assert_int_equal (envelope_parse (&envelope, event, ENVELOPE_POSTED, &err), DAIBAN_OK);
    committed = s_committed (&envelope, 18446744073709551615ULL >> 1, -5, 7);
    s_assert_json_equal (committed, "{'id':'e','type':'worklog.added','case':'C','source':'s',"
                                    "'by':'s','at':0,'body':{'x':1},'seq':9223372036854775807,'ts':-5,"
                                    "'cause':7}");
    json_decref (committed);
    unit_value_release (&value);

    //  An emitted event with the id and source the broker gives it.
    event = unit_value_init (&value, "{'type':'case.closed','case':'C','body':{}}");
    assert_int_equal (envelope_parse (&envelope, event, ENVELOPE_EMITTED, &err), DAIBAN_OK);
    envelope.id = "transfer-41";
    envelope.id_size = strlen (envelope.id);
    envelope.source = "transfer";
    envelope.source_size = strlen (envelope.source);
    committed = s_committed (&envelope, 42, 100, 41);
    s_assert_json_equal (committed, "{'id':'transfer-41','type':'case.closed','case':'C',"
                                    "'source':'transfer','by':'transfer','body':{},'seq':42,'ts':100,'cause':41}");
    json_decref (committed);
    //  Read back from the log, it is the same event.
    s_reparse (&envelope, 42, 100, 41, ENVELOPE_STORED, &packed, &reparsed);
    assert_ptr_equal (reparsed.type, event_type_find ("case.closed", 11));
    assert_int_equal (reparsed.source_size, 8);
    assert_memory_equal (reparsed.source, "transfer", 8);
    assert_false (reparsed.has_at);
    unit_value_release (&packed);
    unit_value_release (&value);
}

//  The committed event carries the body's bytes as the client packed them
//  (an int64 5 stays 9 bytes), the same body the checks read: with two
//  "body" keys, the first.
static void
test_pack_committed_keeps_body_bytes (void **state)
{
    (void) state;
    wire_buffer_t buffer;
    s_pack_post_start (&buffer, 6);
    size_t body_at = buffer.buffer.size;
    msgpack_pack_map (&buffer.packer, 1);
    wire_pack_key (&buffer.packer, "n");
    unsigned char int64_five [] = { 0xd3, 0, 0, 0, 0, 0, 0, 0, 5 };
    wire_pack_raw (&buffer.packer, int64_five, sizeof int64_five);
    size_t body_size = buffer.buffer.size - body_at;
    wire_pack_key (&buffer.packer, "body");
    msgpack_pack_map (&buffer.packer, 0);
    request_t request;
    request_init (&request);
    daiban_error_t err = { 0 };
    assert_int_equal (request_decode (&request, buffer.buffer.data, buffer.buffer.size, &err),
                      DAIBAN_OK);
    assert_ptr_equal (request.event.body_raw, buffer.buffer.data + body_at);
    assert_int_equal (request.event.body_raw_size, body_size);
    assert_non_null (wire_map_get (request.event.body, "n"));

    wire_buffer_t committed;
    wire_buffer_init (&committed);
    envelope_pack_committed (&request.event, 7, 8, 0, &committed);
    const void *stored;
    size_t stored_size;
    msgpack_zone zone;
    msgpack_object reread;
    msgpack_zone_init (&zone, 1024);
    assert_int_equal (wire_unpack (committed.buffer.data, committed.buffer.size, &zone, &reread,
                                   &err), DAIBAN_OK);
    assert_true (wire_pair_value_bytes (committed.buffer.data, committed.buffer.size,
                                        wire_map_pair (&reread, "body"), &stored, &stored_size));
    msgpack_zone_destroy (&zone);
    assert_int_equal (stored_size, body_size);
    assert_memory_equal (stored, buffer.buffer.data + body_at, body_size);
    json_t *json = unit_bytes_to_json (committed.buffer.data, committed.buffer.size);
    s_assert_json_equal (json, "{'id':'e','type':'worklog.added','case':'C','source':'s',"
                               "'by':'s','body':{'n':5},'seq':7,'ts':8}");
    json_decref (json);
    wire_buffer_release (&committed);
    s_release (&request, &buffer);
}

//  One request_t serves request after request: reset forgets the last
//  one (its rid, its event) and keeps the zone for the next.
static void
test_reset_between_requests (void **state)
{
    (void) state;
    request_t request;
    wire_buffer_t first, second;
    daiban_error_t err = { 0 };
    assert_int_equal (s_decode (&request, &first, "{'op':'post','rid':7,'event':" VALID_EVENT "}",
                                &err), DAIBAN_OK);
    assert_non_null (request.rid);
    assert_non_null (request.event.body_raw);
    request_reset (&request);
    assert_null (request.rid);
    assert_null (request.event.body_raw);
    assert_null (request.event.type);
    wire_buffer_init (&second);
    unit_pack_text (&second, "{'op':'stats'}");
    assert_int_equal (request_decode (&request, second.buffer.data, second.buffer.size, &err),
                      DAIBAN_OK);
    assert_int_equal (request.op, REQUEST_STATS);
    assert_null (request.rid);
    assert_null (request.event.body_raw);
    wire_buffer_release (&second);
    s_release (&request, &first);
    //  Released twice, or never initialised (zeroed), it frees nothing twice.
    request_release (&request);
}

//  The reply to a post, written straight from the rid's bytes, is the
//  reply msgpack-c's packer makes from the decoded rid, byte for byte,
//  for rids of several shapes, new and duplicate, small and large seqs.
static void
test_pack_posted (void **state)
{
    (void) state;
    static const char *rids [] = { "7", "'r-1'", "[1,-2,'x']", "{'a':[true,null]}", "1.5" };
    static const uint64_t seqs [] = { 1, 127, 128, 65536, 4294967296ULL, UINT64_MAX };
    for (size_t rid = 0; rid < sizeof rids / sizeof rids [0]; rid++)
        for (size_t seq = 0; seq < sizeof seqs / sizeof seqs [0]; seq++) {
            char text [512];
            snprintf (text, sizeof text, "{'op':'post','rid':%s,'event':%s}", rids [rid],
                      VALID_EVENT);
            request_t request;
            wire_buffer_t buffer, direct, packed;
            daiban_error_t err;
            assert_int_equal (s_decode (&request, &buffer, text, &err), DAIBAN_OK);
            assert_non_null (request.rid_raw);
            bool duplicate = seq % 2;
            wire_buffer_init (&direct);
            wire_buffer_init (&packed);
            request_pack_posted (&request, seqs [seq], duplicate, &direct);
            request.rid_raw = NULL;
            request_pack_posted (&request, seqs [seq], duplicate, &packed);
            assert_false (direct.failed || packed.failed);
            assert_int_equal (direct.buffer.size, packed.buffer.size);
            assert_memory_equal (direct.buffer.data, packed.buffer.data, packed.buffer.size);
            json_t *reply = unit_bytes_to_json (direct.buffer.data, direct.buffer.size);
            assert_true (json_is_true (json_object_get (reply, "ok")));
            assert_int_equal (json_is_true (json_object_get (reply, "duplicate")), duplicate);
            json_decref (reply);
            wire_buffer_release (&direct);
            wire_buffer_release (&packed);
            s_release (&request, &buffer);
        }
    //  Without a rid, the reply has none.
    request_t request;
    wire_buffer_t buffer, reply;
    daiban_error_t err;
    assert_int_equal (s_decode (&request, &buffer, "{'op':'post','event':" VALID_EVENT "}", &err),
                      DAIBAN_OK);
    assert_null (request.rid_raw);
    wire_buffer_init (&reply);
    request_pack_posted (&request, 9, false, &reply);
    json_t *decoded = unit_bytes_to_json (reply.buffer.data, reply.buffer.size);
    assert_null (json_object_get (decoded, "rid"));
    assert_int_equal (json_integer_value (json_object_get (decoded, "seq")), 9);
    json_decref (decoded);
    wire_buffer_release (&reply);
    s_release (&request, &buffer);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_decode_each_op),
        cmocka_unit_test (test_decode_post_envelope),
        cmocka_unit_test (test_decode_leaves_body_to_later),
        cmocka_unit_test (test_decode_refuses_requests),
        cmocka_unit_test (test_decode_refuses_envelopes),
        cmocka_unit_test (test_decode_refuses_at_past_int64),
        cmocka_unit_test (test_decode_refuses_truncation_and_trailing_bytes),
        cmocka_unit_test (test_decode_refuses_malformed_msgpack),
        cmocka_unit_test (test_decode_size_limit),
        cmocka_unit_test (test_decode_nesting_limit),
        cmocka_unit_test (test_decode_nesting_limit_empty_innermost),
        cmocka_unit_test (test_replies_echo_rid),
        cmocka_unit_test (test_replies_without_rid),
        cmocka_unit_test (test_envelope_case_id_valid),
        cmocka_unit_test (test_pack_committed_keeps_body_bytes),
        cmocka_unit_test (test_reset_between_requests),
        cmocka_unit_test (test_envelope_emitted),
        cmocka_unit_test (test_envelope_pack_committed),
        cmocka_unit_test (test_pack_posted),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
