/*  test_case_state: the case structure and its msgpack form. A state with
    every field set (items, lists, alerts, Chinese text) packs and decodes
    back equal field by field; anything that is not a stored state decodes
    to NULL with an error and no leak; the `cases` summary; the small
    helpers (lookups, lists, names). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "case_state.h"
#include "unit_support.h"

static void
s_set (char **field, const char *text)
{
    assert_true (case_text_set (field, text, strlen (text)));
}

static void
s_list (text_list_t *list, const char *first, const char *second)
{
    assert_true (text_list_add (list, first, strlen (first)));
    if (second)
        assert_true (text_list_add (list, second, strlen (second)));
}

//  A state with every field set to a value of its own (none left at zero
//  except where noted), so that a field the packer or decoder drops shows.
static case_state_t *
s_full_state (void)
{
    case_state_t *self = case_state_new ("AS-2026-0042");
    assert_non_null (self);
    self->status = CASE_IN_PROGRESS;
    s_set (&self->project, "新建年产十万吨饲料厂房项目");
    s_set (&self->applicant, "江西某某农牧有限公司");
    s_set (&self->county, "新建区");
    s_set (&self->contact_name, "李四");
    s_set (&self->contact_phone, "+86 138-0000-0000");
    s_set (&self->channel, "appointment");
    s_set (&self->agent, "王五");
    s_set (&self->expected_done, "2026-03-31");
    self->events = 17;
    self->last_seq = 1234567890123LL;
    self->registered_at = 1795000000000LL;
    self->updated_at = 1795000000999LL;
    self->closed_at = -1;
    self->worklogs = 3;
    self->problems = 4;
    self->meetings = 5;
    self->minutes = 6;
    self->missing = 7;
    self->escalation = 2;

    const item_status_t statuses [] = { ITEM_SUSPENDED, ITEM_APPROVED, ITEM_WAITING };
    for (int index = 0; index < 3; index++) {
        case_item_t *item = case_state_add_item (self);
        assert_non_null (item);
        char code [8];
        snprintf (code, sizeof code, "I%02d", index);
        s_set (&item->code, code);
        s_set (&item->name, index? "施工许可": "建设项目用地预审与选址意见书");
        s_set (&item->department, "自然资源局");
        s_set (&item->level, index % 2? "county": "city");
        s_set (&item->county, "湾里区");
        s_set (&item->office, "湾里区代办室");
        s_set (&item->window, "综合窗口3");
        item->status = statuses [index];
        item->resume_status = ITEM_IN_REVIEW;
        s_list (&item->materials, "申请表", "图纸 (盖章)");
        s_list (&item->after, "A01", index? "B02": NULL);
        item->limit_days = 20 + index;
        s_set (&item->due, "2026-02-27");
        s_set (&item->warn, "2026-02-25");
        item->provisional = true;
        item->paused_days = 3;
        item->warned = true;
        item->overdue = index == 0;
        item->days_over = 2;
        item->reminders = 4;
        item->reminders_since_progress = 1;
        item->escalation = 1;
        item->transfer_accepted = true;
        item->delivered = index == 1;
        item->released_at = 1795000001000LL + index;
        item->suspended_at = 1795000002000LL;
        item->progress_at = 1795000003000LL;
        item->decided_at = 1795000004000LL;
        s_set (&item->suspend_reason, "expert_review");
        s_set (&item->result_number, "赣发改字〔2026〕1号");
        s_set (&item->result_kind, "license");
        s_set (&item->decision_reason, "材料不全");
        s_set (&item->blocked_by, "Z99");
    }
    for (int index = 0; index < 2; index++) {
        case_alert_t *alert = case_state_add_alert (self);
        assert_non_null (alert);
        s_set (&alert->alert, index? "AL-2": "AL-1");
        s_set (&alert->to, index? "city": "group_leader");
        s_set (&alert->item, "I00");
        s_set (&alert->summary, "I00 逾期 3 个工作日，已约谈");
        s_set (&alert->acknowledged_by, "督查科");
        alert->level = index + 1;
        alert->repeat = 2;
        alert->raised_at = 1795000005000LL;
        alert->acknowledged = index == 0;
    }
    return self;
}

static void
s_assert_text (const char *expected, const char *actual, const char *what)
{
    if ((expected == NULL) != (actual == NULL) || (expected && strcmp (expected, actual)))
        fail_msg ("%s: expected \"%s\", got \"%s\"", what, expected? expected: "(null)",
                  actual? actual: "(null)");
}

static void
s_assert_list (const text_list_t *expected, const text_list_t *actual, const char *what)
{
    if (expected->count != actual->count)
        fail_msg ("%s: %zu values, expected %zu", what, actual->count, expected->count);
    for (size_t index = 0; index < expected->count; index++)
        s_assert_text (expected->values [index], actual->values [index], what);
}

#define TEXT(field) s_assert_text (expected->field, actual->field, #field)
#define NUMBER(field) do { if (expected->field != actual->field) \
    fail_msg ("%s: expected %lld, got %lld", #field, (long long) expected->field, \
              (long long) actual->field); } while (0)

static void
s_assert_item_equal (const case_item_t *expected, const case_item_t *actual)
{
    TEXT (code); TEXT (name); TEXT (department); TEXT (level); TEXT (county); TEXT (office);
    TEXT (window);
    NUMBER (status); NUMBER (resume_status);
    s_assert_list (&expected->materials, &actual->materials, "materials");
    s_assert_list (&expected->after, &actual->after, "after");
    NUMBER (limit_days); TEXT (due); TEXT (warn); NUMBER (provisional); NUMBER (paused_days);
    NUMBER (warned); NUMBER (overdue); NUMBER (days_over); NUMBER (reminders);
    NUMBER (reminders_since_progress); NUMBER (escalation); NUMBER (transfer_accepted);
    NUMBER (delivered); NUMBER (released_at); NUMBER (suspended_at); NUMBER (progress_at);
    NUMBER (decided_at); TEXT (suspend_reason); TEXT (result_number); TEXT (result_kind);
    TEXT (decision_reason); TEXT (blocked_by);
}

static void
s_assert_alert_equal (const case_alert_t *expected, const case_alert_t *actual)
{
    TEXT (alert); TEXT (to); TEXT (item); TEXT (summary); TEXT (acknowledged_by);
    NUMBER (level); NUMBER (repeat); NUMBER (raised_at); NUMBER (acknowledged);
}

static void
s_assert_state_equal (const case_state_t *expected, const case_state_t *actual)
{
    assert_non_null (actual);
    TEXT (case_id); NUMBER (status); TEXT (project); TEXT (applicant); TEXT (county);
    TEXT (contact_name); TEXT (contact_phone); TEXT (channel); TEXT (agent); TEXT (expected_done);
    NUMBER (events); NUMBER (last_seq); NUMBER (registered_at); NUMBER (updated_at);
    NUMBER (closed_at); NUMBER (worklogs); NUMBER (problems); NUMBER (meetings); NUMBER (minutes);
    NUMBER (missing); NUMBER (escalation);
    NUMBER (item_count);
    for (size_t index = 0; index < expected->item_count; index++)
        s_assert_item_equal (&expected->items [index], &actual->items [index]);
    NUMBER (alert_count);
    for (size_t index = 0; index < expected->alert_count; index++)
        s_assert_alert_equal (&expected->alerts [index], &actual->alerts [index]);
}

static void
s_pack (const case_state_t *state, wire_buffer_t *buffer)
{
    wire_buffer_init (buffer);
    case_state_pack (state, &buffer->packer);
    assert_false (buffer->failed);
}

//  --- Round trip -------------------------------------------------------

static void
test_pack_decode_round_trip (void **state)
{
    (void) state;
    case_state_t *original = s_full_state ();
    wire_buffer_t buffer;
    s_pack (original, &buffer);
    daiban_error_t err = { 0 };
    case_state_t *decoded = case_state_decode (buffer.buffer.data, buffer.buffer.size, &err);
    if (!decoded)
        fail_msg ("decode: %s", err.message);
    s_assert_state_equal (original, decoded);
    //  And packs to the very same bytes again.
    wire_buffer_t again;
    s_pack (decoded, &again);
    assert_int_equal (again.buffer.size, buffer.buffer.size);
    assert_memory_equal (again.buffer.data, buffer.buffer.data, buffer.buffer.size);
    wire_buffer_release (&again);
    case_state_destroy (&decoded);
    wire_buffer_release (&buffer);
    case_state_destroy (&original);
}

//  Every status name survives the trip, and unset texts stay unset.
static void
test_round_trip_statuses_and_nulls (void **state)
{
    (void) state;
    for (int status = CASE_REGISTERED; status <= CASE_CLOSED; status++)
        for (int item_status = ITEM_WAITING; item_status <= ITEM_WITHDRAWN; item_status++) {
            case_state_t *original = case_state_new ("C");
            original->status = (case_status_t) status;
            case_item_t *item = case_state_add_item (original);
            item->status = (item_status_t) item_status;
            item->resume_status = (item_status_t) (ITEM_WITHDRAWN - item_status);
            case_state_add_alert (original);
            wire_buffer_t buffer;
            s_pack (original, &buffer);
            daiban_error_t err = { 0 };
            case_state_t *decoded = case_state_decode (buffer.buffer.data, buffer.buffer.size,
                                                       &err);
            s_assert_state_equal (original, decoded);
            assert_null (decoded->project);
            assert_null (decoded->contact_name);
            assert_null (decoded->items [0].code);
            assert_null (decoded->alerts [0].alert);
            case_state_destroy (&decoded);
            wire_buffer_release (&buffer);
            case_state_destroy (&original);
        }
}

//  The packed form is PROTOCOL.md's case state: the keys a client reads.
static void
test_packed_form_has_protocol_keys (void **state)
{
    (void) state;
    case_state_t *original = s_full_state ();
    wire_buffer_t buffer;
    s_pack (original, &buffer);
    json_t *packed = unit_bytes_to_json (buffer.buffer.data, buffer.buffer.size);
    unit_assert_json_matches ("packed state",
        "{'case':'AS-2026-0042','status':'in_progress','project':'新建年产十万吨饲料厂房项目',"
        "'applicant':'江西某某农牧有限公司','county':'新建区','agent':'王五',"
        "'expected_done':'2026-03-31','events':17,"
        "'contact':{'name':'李四','phone':'+86 138-0000-0000'},"
        "'items':[{'code':'I00','name':'建设项目用地预审与选址意见书','department':'自然资源局',"
        "'level':'city','county':'湾里区','status':'suspended','due':'2026-02-27',"
        "'warn':'2026-02-25','paused_days':3,'overdue':true,'reminders':4,'escalation':1,"
        "'delivered':false,'materials':['申请表','图纸 (盖章)'],'after':['A01']},"
        "{'status':'approved','delivered':true,'after':['A01','B02']},{'status':'waiting'}],"
        "'alerts':[{'alert':'AL-1','to':'group_leader','level':1,'acknowledged':true},"
        "{'alert':'AL-2','to':'city','level':2,'acknowledged':false}]}", packed);
    json_decref (packed);
    wire_buffer_release (&buffer);
    case_state_destroy (&original);
}

//  --- Decoding what is not a state -------------------------------------

static void
s_assert_not_decoded (const void *data, size_t size, const char *label)
{
    daiban_error_t err = { 0 };
    case_state_t *decoded = case_state_decode (data, size, &err);
    if (decoded)
        fail_msg ("%s: decoded as a state", label);
    if (err.code == DAIBAN_OK || err.message [0] == 0)
        fail_msg ("%s: no error given", label);
}

static void
test_decode_refuses_garbage (void **state)
{
    (void) state;
    s_assert_not_decoded ("", 0, "empty");
    s_assert_not_decoded ("\xc1", 1, "0xc1");
    s_assert_not_decoded ("not msgpack", 11, "text");
    s_assert_not_decoded ("\xdf\xff\xff\xff\xff", 5, "huge map");
    s_assert_not_decoded ("\x81\xa4" "case" "\xa1" "C" "\xc0", 9, "trailing byte");
    const char *values [] = {
        "[1,2]", "'case'", "null", "{}", "{'status':'registered'}", "{'case':5}",
        "{'case':null}", "{'case':'C','status':'bogus'}", "{'case':'C','status':3}",
        "{'case':'C','events':'x'}", "{'case':'C','events':1.5}", "{'case':'C','project':7}",
        "{'case':'C','items':[5]}", "{'case':'C','items':[{'status':'nope'}]}",
        "{'case':'C','items':[{'code':'A'},{'materials':[1]}]}",
        "{'case':'C','items':[{'code':'A','materials':['x',5]}]}",
        "{'case':'C','items':[{'code':'A','materials':'x'}]}",
        "{'case':'C','items':[{'overdue':1}]}", "{'case':'C','items':[{'limit_days':'5'}]}",
        "{'case':'C','alerts':[{'acknowledged':'yes'}]}", "{'case':'C','alerts':['AL-1']}",
        "{'case':'C','alerts':[{'alert':'A','level':18446744073709551615}]}",
        "{'case':'C','items':[{'resume_status':'closed'}]}",
    };
    for (size_t index = 0; index < sizeof values / sizeof values [0]; index++) {
        //  18446744073709551615 does not fit jansson: pack it by hand instead.
        if (strstr (values [index], "18446744073709551615")) {
            wire_buffer_t buffer;
            wire_buffer_init (&buffer);
            msgpack_pack_map (&buffer.packer, 2);
            wire_pack_key (&buffer.packer, "case");
            wire_pack_str (&buffer.packer, "C");
            wire_pack_key (&buffer.packer, "events");
            msgpack_pack_uint64 (&buffer.packer, UINT64_MAX);
            s_assert_not_decoded (buffer.buffer.data, buffer.buffer.size, "events past int64");
            wire_buffer_release (&buffer);
            continue;
        }
        wire_buffer_t buffer;
        wire_buffer_init (&buffer);
        unit_pack_text (&buffer, values [index]);
        s_assert_not_decoded (buffer.buffer.data, buffer.buffer.size, values [index]);
        wire_buffer_release (&buffer);
    }
}

//  Every strict prefix of a stored state is refused (and nothing leaks).
static void
test_decode_refuses_truncation (void **state)
{
    (void) state;
    case_state_t *original = s_full_state ();
    wire_buffer_t buffer;
    s_pack (original, &buffer);
    for (size_t cut = 0; cut < buffer.buffer.size; cut++) {
        char label [40];
        snprintf (label, sizeof label, "cut at %zu", cut);
        s_assert_not_decoded (buffer.buffer.data, cut, label);
    }
    wire_buffer_release (&buffer);
    case_state_destroy (&original);
}

//  Readers ignore keys they do not know; missing keys keep their defaults.
static void
test_decode_minimal_and_unknown_keys (void **state)
{
    (void) state;
    wire_buffer_t buffer;
    wire_buffer_init (&buffer);
    unit_pack_text (&buffer, "{'case':'AS-1','future':[1,{'x':2}],'status':'accepted',"
                             "'items':[{'code':'A','new_field':{},'status':'transferred'}],"
                             "'alerts':[{'alert':'AL','later':null}],'contact':{'name':'李'}}");
    daiban_error_t err = { 0 };
    case_state_t *decoded = case_state_decode (buffer.buffer.data, buffer.buffer.size, &err);
    if (!decoded)
        fail_msg ("%s", err.message);
    assert_string_equal (decoded->case_id, "AS-1");
    assert_int_equal (decoded->status, CASE_ACCEPTED);
    assert_int_equal (decoded->item_count, 1);
    assert_string_equal (decoded->items [0].code, "A");
    assert_int_equal (decoded->items [0].status, ITEM_TRANSFERRED);
    assert_int_equal (decoded->items [0].materials.count, 0);
    assert_int_equal (decoded->alert_count, 1);
    assert_string_equal (decoded->alerts [0].alert, "AL");
    assert_string_equal (decoded->contact_name, "李");
    assert_null (decoded->contact_phone);
    assert_int_equal (decoded->events, 0);
    case_state_destroy (&decoded);
    wire_buffer_release (&buffer);
}

//  --- Summary ----------------------------------------------------------

static json_t *
s_summary (const case_state_t *state)
{
    wire_buffer_t buffer;
    wire_buffer_init (&buffer);
    case_state_pack_summary (state, &buffer.packer);
    assert_false (buffer.failed);
    json_t *summary = unit_bytes_to_json (buffer.buffer.data, buffer.buffer.size);
    wire_buffer_release (&buffer);
    return summary;
}

static void
s_assert_summary (const case_state_t *state, const char *expected_text)
{
    json_t *summary = s_summary (state);
    json_t *expected = unit_json (expected_text);
    if (!json_equal (expected, summary)) {
        char *got = json_dumps (summary, JSON_COMPACT | JSON_SORT_KEYS);
        fail_msg ("summary %s, expected %s", got, expected_text);
    }
    json_decref (expected);
    json_decref (summary);
}

static void
test_summary (void **state)
{
    (void) state;
    //  I00 suspended and overdue, I01 approved, I02 waiting: 2 open, overdue.
    case_state_t *full = s_full_state ();
    s_assert_summary (full, "{'case':'AS-2026-0042','status':'in_progress',"
                            "'project':'新建年产十万吨饲料厂房项目','applicant':'江西某某农牧有限公司',"
                            "'agent':'王五','expected_done':'2026-03-31','items_open':2,"
                            "'overdue':true}");
    assert_int_equal (case_state_items_open (full), 2);
    assert_true (case_state_overdue (full));
    //  An overdue item that was then decided no longer makes the case overdue.
    full->items [0].status = ITEM_REJECTED;
    full->items [1].overdue = true;
    assert_false (case_state_overdue (full));
    assert_int_equal (case_state_items_open (full), 1);
    full->items [2].overdue = true;
    assert_true (case_state_overdue (full));
    full->items [2].status = ITEM_WITHDRAWN;
    assert_int_equal (case_state_items_open (full), 0);
    s_assert_summary (full, "{'case':'AS-2026-0042','status':'in_progress',"
                            "'project':'新建年产十万吨饲料厂房项目','applicant':'江西某某农牧有限公司',"
                            "'agent':'王五','expected_done':'2026-03-31','items_open':0,"
                            "'overdue':false}");
    case_state_destroy (&full);
    //  A fresh case: unset texts are nil.
    case_state_t *fresh = case_state_new ("AS-9");
    s_assert_summary (fresh, "{'case':'AS-9','status':'registered','project':null,"
                             "'applicant':null,'agent':null,'expected_done':null,'items_open':0,"
                             "'overdue':false}");
    case_state_destroy (&fresh);
}

//  --- Helpers ----------------------------------------------------------

static void
test_lookups_and_lists (void **state)
{
    (void) state;
    case_state_t *full = s_full_state ();
    assert_ptr_equal (case_state_item (full, "I01", 3), &full->items [1]);
    assert_ptr_equal (case_state_item (full, "I02xyz", 3), &full->items [2]);
    assert_null (case_state_item (full, "I0", 2));
    assert_null (case_state_item (full, "I011", 4));
    assert_null (case_state_item (full, "i01", 3));
    assert_ptr_equal (case_state_alert (full, "AL-2", 4), &full->alerts [1]);
    assert_null (case_state_alert (full, "AL-", 3));
    assert_null (case_state_alert (full, "AL-3", 4));
    //  New records are zeroed, appended after the others.
    case_item_t *item = case_state_add_item (full);
    assert_int_equal (full->item_count, 4);
    assert_ptr_equal (item, &full->items [3]);
    assert_null (item->code);
    assert_int_equal (item->status, ITEM_WAITING);
    assert_int_equal (item->materials.count, 0);
    assert_false (item->overdue);
    //  An item without a code is never found.
    assert_null (case_state_item (full, "", 0));
    case_alert_t *alert = case_state_add_alert (full);
    assert_int_equal (full->alert_count, 3);
    assert_null (alert->alert);
    assert_false (alert->acknowledged);
    //  Closed items.
    case_item_t probe = { 0 };
    const struct { item_status_t status; bool closed; } closed [] = {
        { ITEM_WAITING, false }, { ITEM_SUBMITTED, false }, { ITEM_TRANSFERRED, false },
        { ITEM_IN_REVIEW, false }, { ITEM_SUSPENDED, false }, { ITEM_APPROVED, true },
        { ITEM_REJECTED, true }, { ITEM_WITHDRAWN, true },
    };
    for (int index = 0; index < 8; index++) {
        probe.status = closed [index].status;
        assert_int_equal (case_state_item_closed (&probe), closed [index].closed);
    }
    //  Lists keep one copy of each value, compared by exact bytes.
    text_list_t list = { 0 };
    assert_true (text_list_add (&list, "图纸xyz", 6));
    assert_true (text_list_add (&list, "图纸", 6));
    assert_true (text_list_add (&list, "图", 3));
    assert_int_equal (list.count, 2);
    assert_string_equal (list.values [0], "图纸");
    assert_string_equal (list.values [1], "图");
    assert_true (text_list_contains (&list, "图纸!", 6));
    assert_false (text_list_contains (&list, "图纸!", 7));
    assert_false (text_list_contains (&list, "", 0));
    item->materials = list;         //  freed with the state
    //  case_text_set replaces.
    s_set (&full->agent, "赵六");
    assert_string_equal (full->agent, "赵六");
    assert_true (case_text_set (&full->agent, "钱七号", 6));
    assert_string_equal (full->agent, "钱七");
    case_state_destroy (&full);
    case_state_destroy (&full);         //  safe twice
    assert_null (full);
    case_state_destroy (NULL);
}

static void
test_status_names (void **state)
{
    (void) state;
    const char *cases [] = { "registered", "returned", "accepted", "in_progress", "closed" };
    for (int status = CASE_REGISTERED; status <= CASE_CLOSED; status++)
        assert_string_equal (case_status_name ((case_status_t) status), cases [status]);
    const char *items [] = { "waiting", "submitted", "transferred", "in_review", "suspended",
                             "approved", "rejected", "withdrawn" };
    for (int status = ITEM_WAITING; status <= ITEM_WITHDRAWN; status++)
        assert_string_equal (item_status_name ((item_status_t) status), items [status]);
    case_state_t *unnamed = case_state_new (NULL);
    assert_non_null (unnamed);
    assert_null (unnamed->case_id);
    assert_int_equal (unnamed->status, CASE_REGISTERED);
    case_state_destroy (&unnamed);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_pack_decode_round_trip),
        cmocka_unit_test (test_round_trip_statuses_and_nulls),
        cmocka_unit_test (test_packed_form_has_protocol_keys),
        cmocka_unit_test (test_decode_refuses_garbage),
        cmocka_unit_test (test_decode_refuses_truncation),
        cmocka_unit_test (test_decode_minimal_and_unknown_keys),
        cmocka_unit_test (test_summary),
        cmocka_unit_test (test_lookups_and_lists),
        cmocka_unit_test (test_status_names),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
