/*  test_reducer: the rules of what a case allows (reducer.h), by tables.
    A story of events builds a case step by step; each row applies one
    event to the case as it stands after some steps of the story (plus
    extra events of its own) and checks either the effect on the state
    (read through its packed form) or the refusal, its code and message. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "case_state.h"
#include "envelope.h"
#include "reducer.h"
#include "unit_support.h"

#define CASE_ID "AS-2026-0001"
#define ROW_SEQ 100
#define ROW_TS 777000

//  The story: registration of A01 (city), B02 (county, its own county)
//  and C03 (city, after A01 in the plan); intake adds D04; A01 submitted,
//  B02 transferred and accepted by the county; an alert; A01 approved and
//  delivered; the case closed. Step k is committed as seq k+1 at 1000*(k+1).
static const char *s_story [][2] = {
    { "case.registered",
      "{'project':'新建厂房','applicant':'某某公司','contact':{'name':'李四','phone':'138'},"
      "'channel':'window','county':'新建区',"
      "'items':[{'code':'A01','level':'city','materials':['申请表','图纸']},"
      "{'code':'B02','level':'county','materials':['图纸'],'county':'湾里区'},"
      "{'code':'C03','level':'city','materials':[]}]}" },
    { "case.accepted",
      "{'agent':'王五','expected_done':'2026-03-31','items':["
      "{'code':'A01','name':'立项','department':'发改委','level':'city','limit_days':5,'after':[]},"
      "{'code':'B02','name':'规划','department':'自然资源局','level':'county','county':'湾里区',"
      "'limit_days':10,'after':[]},"
      "{'code':'C03','name':'施工许可','department':'住建局','level':'city','limit_days':7,"
      "'after':['A01']},"
      "{'code':'D04','name':'消防','department':'消防救援支队','level':'city','limit_days':3,"
      "'after':[]}]}" },
    { "item.submitted", "{'item':'A01','department':'发改委','window':'综合窗口3'}" },
    { "item.transferred", "{'item':'B02','county':'湾里区','office':'湾里区代办室'}" },
    { "item.transfer_accepted", "{'item':'B02','office':'湾里区代办室'}" },
    { "alert.raised", "{'alert':'AL-1','to':'group_leader','level':1,'summary':'逾期','item':'A01'}" },
    { "item.approved",
      "{'item':'A01','result':{'number':'发改字1号','kind':'reply','electronic':true}}" },
    { "result.delivered", "{'item':'A01','method':'e_license'}" },
    { "case.closed", "{}" },
};

enum {
    NEW = 0,            //  no state: never registered
    REGISTERED = 1,     //  A01 B02 C03 waiting
    ACCEPTED = 2,       //  planned, D04 added
    SUBMITTED = 3,      //  A01 submitted
    RELEASED = 4,       //  A01 submitted, B02 transferred
    IN_REVIEW = 5,      //  B02 accepted by the county: in_review
    ALERTED = 6,        //  alert AL-1 raised
    APPROVED = 7,       //  A01 approved
    DELIVERED = 8,      //  A01's result delivered
    CLOSED = 9
};

//  A valid body of every type, naming items the story has.
static const char *s_bodies [][2] = {
    { "case.registered", NULL },            //  the story's first step
    { "case.materials_supplied", "{'materials':[{'item':'A01','name':'营业执照'}]}" },
    { "item.transfer_accepted", "{'item':'B02','office':'湾里区代办室'}" },
    { "item.suspended", "{'item':'A01','reason':'correction'}" },
    { "item.resumed", "{'item':'A01'}" },
    { "item.progress", "{'item':'A01','note':'已受理'}" },
    { "item.approved", "{'item':'A01','result':{'number':'N1','kind':'license','electronic':false}}" },
    { "item.rejected", "{'item':'A01','reason':'不符合规划'}" },
    { "item.withdrawn", "{'item':'A01','reason':'企业撤回'}" },
    { "result.delivered", "{'item':'A01','method':'mail','tracking':'SF1'}" },
    { "worklog.added", "{'agent':'王五','note':'陪同踏勘'}" },
    { "problem.reported", "{'kind':'general','description':'缺少用地证明'}" },
    { "meeting.minutes", "{'meeting':'M-1','summary':'联席会议','decisions':['容缺受理']}" },
    { "alert.acknowledged", "{'alert':'AL-1','by':'督查科'}" },
    { "case.returned", "{'missing':[{'item':'A01','materials':['x']}],'unknown_items':[]}" },
    { "case.accepted", NULL },              //  the story's second step
    { "item.submitted", "{'item':'C03','department':'住建局','window':'综合窗口1'}" },
    { "item.transferred", "{'item':'C03','county':'新建区','office':'新建区代办室'}" },
    { "item.deadline_set",
      "{'item':'A01','due':'2026-01-20','warn':'2026-01-16','limit_days':5,'paused_days':0}" },
    { "deadline.warning", "{'item':'A01','due':'2026-01-20','days_left':2}" },
    { "deadline.overdue", "{'item':'A01','due':'2026-01-20','days_over':1}" },
    { "reminder.sent", "{'item':'A01','to':'发改委','contact':'首席代表','count':1}" },
    { "escalation.raised", "{'item':'A01','level':1,'reason':'逾期'}" },
    { "meeting.convened", "{'meeting':'M-2','departments':['发改委'],'topic':'用地'}" },
    { "alert.raised", "{'alert':'AL-2','to':'city','level':2,'summary':'逾期'}" },
    { "case.closed", "{}" },
    { "timer.fired", "{'id':'T-1','kind':'warning','data':{}}" },
    { "dispatch.dead_lettered", "{'role':'deadline','event':3,'attempts':5,'message':'x'}" },
};

static const char *
s_body (const char *type)
{
    for (size_t index = 0; index < sizeof s_bodies / sizeof s_bodies [0]; index++)
        if (strcmp (s_bodies [index][0], type) == 0)
            return s_bodies [index][1]? s_bodies [index][1]
                 : strcmp (type, "case.registered") == 0? s_story [0][1]: s_story [1][1];
    fail_msg ("no body for %s", type);
    return NULL;
}

//  Applies one event (type and body in test notation) as the broker does:
//  the envelope read back from msgpack, the body checked, then the rules.
static daiban_code_t
s_apply (case_state_t **state, const char *type, const char *body_text, uint64_t seq,
         int64_t ts, daiban_error_t *err)
{
    json_t *event = json_pack ("{s:s, s:s, s:s}", "type", type, "case", CASE_ID,
                               "source", "test");
    assert_non_null (event);
    char id [32];
    snprintf (id, sizeof id, "e-%llu", (unsigned long long) seq);
    json_object_set_new (event, "id", json_string (id));
    json_object_set_new (event, "body", unit_json (body_text));
    wire_buffer_t buffer;
    wire_buffer_init (&buffer);
    unit_pack_json (&buffer.packer, event);
    json_decref (event);
    msgpack_zone zone;
    msgpack_zone_init (&zone, 1024);
    msgpack_object object;
    envelope_t envelope;
    daiban_error_clear (err);
    if (wire_unpack (buffer.buffer.data, buffer.buffer.size, &zone, &object, err)
    ||  envelope_parse (&envelope, &object, ENVELOPE_STORED, err)
    ||  event_type_check_body (envelope.type, envelope.body, err))
        fail_msg ("test event %s %s is not valid: %s", type, body_text, err->message);
    daiban_code_t code = reducer_apply (state, &envelope, seq, ts, err);
    if (code)
        assert_int_equal (err->code, code);
    msgpack_zone_destroy (&zone);
    wire_buffer_release (&buffer);
    return code;
}

//  The state after the first steps of the story.
static case_state_t *
s_story_state (int steps)
{
    case_state_t *state = NULL;
    for (int step = 0; step < steps; step++) {
        daiban_error_t err;
        if (s_apply (&state, s_story [step][0], s_story [step][1], step + 1, 1000 * (step + 1),
                     &err))
            fail_msg ("story step %d (%s): %s", step, s_story [step][0], err.message);
    }
    return state;
}

//  Applies the extra events of a row, given as [[type, body], ...].
static void
s_apply_extra (case_state_t **state, const char *extra, int first_seq)
{
    if (!extra)
        return;
    json_t *list = unit_json (extra);
    size_t index;
    json_t *pair;
    json_array_foreach (list, index, pair) {
        char *body = json_dumps (json_array_get (pair, 1), JSON_COMPACT);
        daiban_error_t err;
        if (s_apply (state, json_string_value (json_array_get (pair, 0)), body,
                     first_seq + index, 1000 * (first_seq + index), &err))
            fail_msg ("extra event %zu: %s", index, err.message);
        free (body);
    }
    json_decref (list);
}

static size_t
s_extra_count (const char *extra)
{
    if (!extra)
        return 0;
    json_t *list = unit_json (extra);
    size_t count = json_array_size (list);
    json_decref (list);
    return count;
}

static json_t *
s_state_json (const case_state_t *state)
{
    wire_buffer_t buffer;
    wire_buffer_init (&buffer);
    case_state_pack (state, &buffer.packer);
    assert_false (buffer.failed);
    json_t *value = unit_bytes_to_json (buffer.buffer.data, buffer.buffer.size);
    wire_buffer_release (&buffer);
    return value;
}

typedef struct {
    int steps;                  //  how much of the story comes first
    const char *extra;          //  then these events: [[type, body], ...]
    const char *type;           //  the event under test
    const char *body;           //  NULL: the type's body from s_bodies
    daiban_code_t code;
    const char *expect;         //  success: the state contains this; failure: in the message
} row_t;

static void
s_run_rows (const row_t *rows, size_t count)
{
    for (size_t index = 0; index < count; index++) {
        const row_t *row = &rows [index];
        case_state_t *state = s_story_state (row->steps);
        s_apply_extra (&state, row->extra, 50);
        const char *body = row->body? row->body: s_body (row->type);
        json_t *before = state? s_state_json (state): NULL;
        daiban_error_t err;
        daiban_code_t code = s_apply (&state, row->type, body, ROW_SEQ, ROW_TS, &err);
        char label [200];
        snprintf (label, sizeof label, "row %zu: %s %.100s", index, row->type, body);
        if (code != row->code)
            fail_msg ("%s: expected %s, got %s: %s", label, daiban_error_code_name (row->code),
                      daiban_error_code_name (code), err.message);
        if (code && !strstr (err.message, row->expect))
            fail_msg ("%s: message \"%s\" lacks \"%s\"", label, err.message, row->expect);
        //  A refusal changes nothing: the broker keeps applying the rest
        //  of a batch to the same state.
        if (code && before) {
            json_t *after = s_state_json (state);
            if (!json_equal (before, after))
                fail_msg ("%s: the refused event changed the state", label);
            json_decref (after);
        }
        json_decref (before);
        if (!code) {
            json_t *actual = s_state_json (state);
            unit_assert_json_matches (label, row->expect, actual);
            //  Every applied event counts and moves last_seq and updated_at.
            json_int_t events = row->steps + (json_int_t) s_extra_count (row->extra) + 1;
            assert_int_equal (json_integer_value (json_object_get (actual, "events")), events);
            assert_int_equal (json_integer_value (json_object_get (actual, "last_seq")), ROW_SEQ);
            assert_int_equal (json_integer_value (json_object_get (actual, "updated_at")), ROW_TS);
            json_decref (actual);
        }
        case_state_destroy (&state);
    }
}

//  --- Effects of each type ---------------------------------------------

static void
test_case_lifecycle (void **state)
{
    (void) state;
    static const row_t rows [] = {
        { NEW, NULL, "case.registered", NULL, DAIBAN_OK,
          "{'case':'AS-2026-0001','status':'registered','project':'新建厂房','applicant':'某某公司',"
          "'county':'新建区','channel':'window','contact':{'name':'李四','phone':'138'},"
          "'registered_at':777000,'agent':null,'missing':0,'alerts':[],"
          "'items':[{'code':'A01','level':'city','county':'新建区','status':'waiting',"
          "'materials':['申请表','图纸'],'delivered':false,'escalation':0},"
          "{'code':'B02','level':'county','county':'湾里区','materials':['图纸']},"
          "{'code':'C03','status':'waiting','materials':[]}]}" },
        { REGISTERED, NULL, "case.materials_supplied",
          "{'materials':[{'item':'A01','name':'营业执照'},{'item':'A01','name':'申请表'},"
          "{'item':'C03','name':'图纸'}]}", DAIBAN_OK,
          "{'status':'registered','items':[{'materials':['申请表','图纸','营业执照']},"
          "{'materials':['图纸']},{'materials':['图纸']}]}" },
        { REGISTERED, NULL, "case.returned",
          "{'missing':[{'item':'A01','materials':['x','y']},{'item':'C03','materials':['z']}],"
          "'unknown_items':['Z9']}", DAIBAN_OK, "{'status':'returned','missing':3}" },
        { REGISTERED, NULL, "case.accepted", NULL, DAIBAN_OK,
          "{'status':'accepted','agent':'王五','expected_done':'2026-03-31','missing':0,"
          "'items':[{'code':'A01','name':'立项','department':'发改委','limit_days':5,'after':[],"
          "'status':'waiting','materials':['申请表','图纸']},"
          "{'code':'B02','county':'湾里区','limit_days':10},"
          "{'code':'C03','after':['A01'],'limit_days':7},"
          "{'code':'D04','name':'消防','level':'city','status':'waiting','materials':[]}]}" },
        //  Returned, supplied, then accepted: nothing is missing any more.
        { REGISTERED, "[['case.returned',{'missing':[],'unknown_items':['Z9','Z8']}],"
                      "['case.materials_supplied',{'materials':[{'item':'A01','name':'证明'}]}]]",
          "case.accepted", NULL, DAIBAN_OK, "{'status':'accepted','missing':0}" },
        { DELIVERED, NULL, "case.closed", NULL, DAIBAN_OK,
          "{'status':'closed','closed_at':777000}" },
    };
    s_run_rows (rows, sizeof rows / sizeof rows [0]);
}

static void
test_item_lifecycle (void **state)
{
    (void) state;
    static const row_t rows [] = {
        { ACCEPTED, NULL, "item.submitted", "{'item':'A01','department':'发改委','window':'综合窗口3'}",
          DAIBAN_OK, "{'status':'in_progress','items':[{'status':'submitted','window':'综合窗口3',"
                     "'department':'发改委','released_at':777000},{'status':'waiting'},{},{}]}" },
        { SUBMITTED, NULL, "item.transferred",
          "{'item':'B02','county':'湾里区','office':'湾里区代办室'}", DAIBAN_OK,
          "{'status':'in_progress','items':[{'status':'submitted'},{'status':'transferred',"
          "'county':'湾里区','office':'湾里区代办室','released_at':777000,"
          "'transfer_accepted':false},{},{}]}" },
        { RELEASED, NULL, "item.transfer_accepted", "{'item':'B02','office':'湾里区第二代办室'}",
          DAIBAN_OK, "{'items':[{},{'status':'in_review','transfer_accepted':true,"
                     "'office':'湾里区第二代办室'},{},{}]}" },
        { RELEASED, NULL, "item.suspended", "{'item':'A01','reason':'expert_review'}", DAIBAN_OK,
          "{'items':[{'status':'suspended','suspend_reason':'expert_review','suspended_at':777000,"
          "'resume_status':'submitted'},{'status':'transferred'},{},{}]}" },
        { IN_REVIEW, NULL, "item.suspended", "{'item':'B02','reason':'hearing'}", DAIBAN_OK,
          "{'items':[{},{'status':'suspended','resume_status':'in_review'},{},{}]}" },
        { RELEASED, NULL, "item.suspended", "{'item':'B02','reason':'other'}", DAIBAN_OK,
          "{'items':[{},{'status':'suspended','resume_status':'transferred'},{},{}]}" },
        //  A resumption returns to where the suspension found the item.
        { RELEASED, "[['item.suspended',{'item':'A01','reason':'correction'}]]",
          "item.resumed", "{'item':'A01'}", DAIBAN_OK,
          "{'items':[{'status':'submitted','suspended_at':50000,'suspend_reason':'correction'},"
          "{},{},{}]}" },
        { IN_REVIEW, "[['item.suspended',{'item':'B02','reason':'inspection'}]]",
          "item.resumed", "{'item':'B02'}", DAIBAN_OK,
          "{'items':[{},{'status':'in_review','suspended_at':50000},{},{}]}" },
        //  Suspended twice over its life, resumed each time.
        { RELEASED, "[['item.suspended',{'item':'A01','reason':'correction'}],"
                    "['item.resumed',{'item':'A01'}],"
                    "['item.suspended',{'item':'A01','reason':'appraisal'}]]",
          "item.resumed", "{'item':'A01'}", DAIBAN_OK,
          "{'items':[{'status':'submitted','suspend_reason':'appraisal'},{},{},{}]}" },
        { RELEASED, "[['reminder.sent',{'item':'A01','to':'发改委','contact':'首席代表','count':1}],"
                    "['reminder.sent',{'item':'A01','to':'发改委','contact':'首席代表','count':2}]]",
          "item.progress", "{'item':'A01','note':'已受理'}", DAIBAN_OK,
          "{'items':[{'progress_at':777000,'reminders_since_progress':0,'reminders':2},{},{},{}]}" },
        { IN_REVIEW, NULL, "item.progress", "{'item':'C03','note':'预审'}", DAIBAN_OK,
          "{'items':[{},{},{'status':'waiting','progress_at':777000},{}]}" },
    };
    s_run_rows (rows, sizeof rows / sizeof rows [0]);
}

static void
test_item_decisions (void **state)
{
    (void) state;
    static const row_t rows [] = {
        { RELEASED, NULL, "item.approved",
          "{'item':'A01','result':{'number':'发改字1号','kind':'reply','electronic':true}}", DAIBAN_OK,
          "{'items':[{'status':'approved','result_number':'发改字1号','result_kind':'reply',"
          "'decided_at':777000,'delivered':false},{},{'status':'waiting','blocked_by':null},{}]}" },
        //  From transferred (county not yet confirmed) and from in_review.
        { RELEASED, NULL, "item.approved",
          "{'item':'B02','result':{'number':'N2','kind':'license','electronic':false}}", DAIBAN_OK,
          "{'items':[{},{'status':'approved','result_kind':'license'},{},{}]}" },
        { IN_REVIEW, NULL, "item.approved",
          "{'item':'B02','result':{'number':'N3','kind':'certificate','electronic':true}}",
          DAIBAN_OK, "{'items':[{},{'status':'approved','result_number':'N3'},{},{}]}" },
        //  A rejected or withdrawn prerequisite blocks the items waiting for it.
        { RELEASED, NULL, "item.rejected", "{'item':'A01','reason':'不符合规划'}", DAIBAN_OK,
          "{'items':[{'status':'rejected','decision_reason':'不符合规划','decided_at':777000},"
          "{'blocked_by':null},{'status':'waiting','blocked_by':'A01'},{'blocked_by':null}]}" },
        { RELEASED, NULL, "item.withdrawn", "{'item':'A01','reason':'企业撤回'}", DAIBAN_OK,
          "{'items':[{'status':'withdrawn','decision_reason':'企业撤回'},{},"
          "{'blocked_by':'A01'},{'blocked_by':null}]}" },
        //  A waiting item can be withdrawn (never released).
        { RELEASED, NULL, "item.withdrawn", "{'item':'C03','reason':'不再需要'}", DAIBAN_OK,
          "{'items':[{'status':'submitted'},{},{'status':'withdrawn','decision_reason':'不再需要'},"
          "{}]}" },
        { RELEASED, "[['item.suspended',{'item':'A01','reason':'tendering'}]]", "item.withdrawn",
          "{'item':'A01','reason':'撤回'}", DAIBAN_OK, "{'items':[{'status':'withdrawn'},{},{},{}]}" },
        { APPROVED, NULL, "result.delivered", "{'item':'A01','method':'window'}", DAIBAN_OK,
          "{'items':[{'status':'approved','delivered':true},{},{},{}]}" },
    };
    s_run_rows (rows, sizeof rows / sizeof rows [0]);
}

static void
test_deadlines_reminders_escalations (void **state)
{
    (void) state;
    static const row_t rows [] = {
        { RELEASED, NULL, "item.deadline_set",
          "{'item':'A01','due':'2026-01-20','warn':'2026-01-16','limit_days':5,'paused_days':2}",
          DAIBAN_OK, "{'items':[{'due':'2026-01-20','warn':'2026-01-16','limit_days':5,"
                     "'paused_days':2,'provisional':false},{'due':null},{},{}]}" },
        { RELEASED, NULL, "item.deadline_set",
          "{'item':'A01','due':'2027-01-20','warn':'2027-01-18','limit_days':6,'paused_days':0,"
          "'provisional':true}", DAIBAN_OK,
          "{'items':[{'due':'2027-01-20','limit_days':6,'provisional':true},{},{},{}]}" },
        //  A second deadline_set (after a suspension) moves the dates.
        { RELEASED, "[['item.deadline_set',{'item':'A01','due':'2026-01-20','warn':'2026-01-16',"
                    "'limit_days':5,'paused_days':0,'provisional':true}]]",
          "item.deadline_set",
          "{'item':'A01','due':'2026-01-23','warn':'2026-01-21','limit_days':5,'paused_days':3}",
          DAIBAN_OK, "{'items':[{'due':'2026-01-23','warn':'2026-01-21','paused_days':3,"
                     "'provisional':false},{},{},{}]}" },
        { RELEASED, NULL, "deadline.warning", "{'item':'A01','due':'2026-01-20','days_left':2}",
          DAIBAN_OK, "{'items':[{'warned':true,'overdue':false},{'warned':false},{},{}]}" },
        { RELEASED, NULL, "deadline.overdue", "{'item':'B02','due':'2026-01-20','days_over':1}",
          DAIBAN_OK, "{'items':[{'overdue':false},{'overdue':true,'days_over':1},{},{}]}" },
        { RELEASED, NULL, "reminder.sent",
          "{'item':'A01','to':'发改委','contact':'首席代表','count':1}", DAIBAN_OK,
          "{'items':[{'reminders':1,'reminders_since_progress':1},{'reminders':0},{},{}]}" },
        { RELEASED, "[['reminder.sent',{'item':'A01','to':'发改委','contact':'首席代表','count':1}]]",
          "reminder.sent", "{'item':'A01','to':'发改委','contact':'首席代表','count':2}", DAIBAN_OK,
          "{'items':[{'reminders':2,'reminders_since_progress':2},{},{},{}]}" },
        { RELEASED, NULL, "escalation.raised", "{'item':'A01','level':1,'reason':'约谈'}",
          DAIBAN_OK, "{'escalation':1,'items':[{'escalation':1},{'escalation':0},{},{}]}" },
        { RELEASED, "[['escalation.raised',{'item':'A01','level':1,'reason':'约谈'}]]",
          "escalation.raised", "{'item':'A01','level':2,'reason':'市政府督办'}", DAIBAN_OK,
          "{'escalation':2,'items':[{'escalation':2},{},{},{}]}" },
        //  Each level once per item: a lower or equal level later is a
        //  decision taken on an old snapshot, refused.
        { RELEASED, "[['escalation.raised',{'item':'A01','level':2,'reason':'x'}]]",
          "escalation.raised", "{'item':'A01','level':1,'reason':'y'}", DAIBAN_CONFLICT,
          "already escalated to level 2" },
        { RELEASED, "[['escalation.raised',{'item':'A01','level':1,'reason':'x'}]]",
          "escalation.raised", "{'item':'A01','level':1,'reason':'y'}", DAIBAN_CONFLICT,
          "already escalated to level 1" },
        { RELEASED, NULL, "escalation.raised", "{'level':1,'reason':'联席会议'}", DAIBAN_OK,
          "{'escalation':1,'items':[{'escalation':0},{'escalation':0},{},{}]}" },
        { RELEASED, "[['escalation.raised',{'item':'A01','level':1,'reason':'x'}]]",
          "escalation.raised", "{'item':'B02','level':1,'reason':'y'}", DAIBAN_OK,
          "{'escalation':1,'items':[{'escalation':1},{'escalation':1},{},{}]}" },
    };
    s_run_rows (rows, sizeof rows / sizeof rows [0]);
}

static void
test_alerts_and_counters (void **state)
{
    (void) state;
    static const row_t rows [] = {
        { RELEASED, NULL, "alert.raised",
          "{'alert':'AL-9','to':'group_leader','level':1,'summary':'A01 逾期','item':'A01'}",
          DAIBAN_OK, "{'alerts':[{'alert':'AL-9','to':'group_leader','level':1,'summary':'A01 逾期',"
                     "'item':'A01','repeat':0,'acknowledged':false,'raised_at':777000,"
                     "'acknowledged_by':null}]}" },
        //  Raised again (not acknowledged within 24 hours): same alert, repeat 1, 2.
        { ALERTED, NULL, "alert.raised",
          "{'alert':'AL-1','to':'group_leader','level':1,'summary':'逾期','item':'A01','repeat':1}",
          DAIBAN_OK, "{'alerts':[{'alert':'AL-1','repeat':1,'raised_at':777000,"
                     "'acknowledged':false}]}" },
        { ALERTED, "[['alert.raised',{'alert':'AL-1','to':'group_leader','level':1,"
                   "'summary':'逾期','repeat':1}]]",
          "alert.raised", "{'alert':'AL-1','to':'group_leader','level':1,'summary':'逾期',"
                          "'repeat':2}", DAIBAN_OK, "{'alerts':[{'alert':'AL-1','repeat':2}]}" },
        //  A first raise of an alert that exists: an old snapshot's decision.
        { ALERTED, NULL, "alert.raised",
          "{'alert':'AL-1','to':'group_leader','level':1,'summary':'逾期','item':'A01'}",
          DAIBAN_CONFLICT, "AL-1 is already raised" },
        { ALERTED, NULL, "alert.raised", "{'alert':'AL-2','to':'city','level':2,'summary':'x'}",
          DAIBAN_OK, "{'alerts':[{'alert':'AL-1','level':1},{'alert':'AL-2','level':2,"
                     "'to':'city','item':null,'repeat':0}]}" },
        { ALERTED, NULL, "alert.acknowledged", "{'alert':'AL-1','by':'督查科'}", DAIBAN_OK,
          "{'alerts':[{'alert':'AL-1','acknowledged':true,'acknowledged_by':'督查科','repeat':0}]}" },
        { ALERTED, "[['alert.raised',{'alert':'AL-2','to':'city','level':2,'summary':'x'}]]",
          "alert.acknowledged", "{'alert':'AL-2','by':'市政府'}", DAIBAN_OK,
          "{'alerts':[{'acknowledged':false},{'acknowledged':true,'acknowledged_by':'市政府'}]}" },
        { RELEASED, NULL, "worklog.added", NULL, DAIBAN_OK,
          "{'worklogs':1,'problems':0,'minutes':0,'meetings':0}" },
        { RELEASED, "[['worklog.added',{'agent':'王五','note':'1'}]]", "worklog.added", NULL,
          DAIBAN_OK, "{'worklogs':2}" },
        { RELEASED, NULL, "problem.reported", "{'kind':'complex','description':'x','items':['A01']}",
          DAIBAN_OK, "{'problems':1,'worklogs':0}" },
        { RELEASED, NULL, "meeting.minutes", NULL, DAIBAN_OK, "{'minutes':1,'meetings':0}" },
        { RELEASED, NULL, "meeting.convened", NULL, DAIBAN_OK, "{'meetings':1,'minutes':0}" },
        { RELEASED, NULL, "timer.fired", NULL, DAIBAN_OK,
          "{'status':'in_progress','items':[{'status':'submitted'},{'status':'transferred'},{},{}]}" },
        { RELEASED, NULL, "dispatch.dead_lettered", NULL, DAIBAN_OK, "{'status':'in_progress'}" },
        //  On a closed case: the work log, minutes, the acknowledgement of
        //  an alert left open, and the broker's own events.
        { CLOSED, NULL, "worklog.added", NULL, DAIBAN_OK, "{'status':'closed','worklogs':1}" },
        { CLOSED, NULL, "alert.acknowledged", "{'alert':'AL-1','by':'督查科'}", DAIBAN_OK,
          "{'status':'closed','alerts':[{'alert':'AL-1','acknowledged':true,"
          "'acknowledged_by':'督查科'}]}" },
        { CLOSED, NULL, "meeting.minutes", NULL, DAIBAN_OK, "{'status':'closed','minutes':1}" },
        { CLOSED, NULL, "timer.fired", NULL, DAIBAN_OK, "{'status':'closed'}" },
        { CLOSED, NULL, "dispatch.dead_lettered", NULL, DAIBAN_OK, "{'status':'closed'}" },
    };
    s_run_rows (rows, sizeof rows / sizeof rows [0]);
}

//  --- Refusals ---------------------------------------------------------

static void
test_refusals (void **state)
{
    (void) state;
    static const row_t rows [] = {
        { REGISTERED, NULL, "case.registered", NULL, DAIBAN_CONFLICT, "already registered" },
        { CLOSED, NULL, "case.registered", NULL, DAIBAN_CONFLICT, "AS-2026-0001" },
        { NEW, NULL, "case.registered",
          "{'project':'p','applicant':'a','contact':{'name':'n','phone':'1'},'channel':'online',"
          "'items':[{'code':'A01','level':'city','materials':[]},"
          "{'code':'A01','level':'county','materials':[]}]}",
          DAIBAN_INVALID_BODY, "A01" },
        //  Items the case does not have.
        { RELEASED, NULL, "item.approved",
          "{'item':'X99','result':{'number':'N','kind':'license','electronic':true}}",
          DAIBAN_CONFLICT, "X99" },
        //  A known item first, an unknown one after: refused as a whole.
        { RELEASED, NULL, "case.materials_supplied",
          "{'materials':[{'item':'A01','name':'补充说明'},{'item':'X99','name':'m'}]}",
          DAIBAN_CONFLICT, "X99" },
        { RELEASED, NULL, "case.materials_supplied", "{'materials':[{'item':'X99','name':'m'}]}",
          DAIBAN_CONFLICT, "X99" },
        { ACCEPTED, NULL, "item.submitted", "{'item':'X99','department':'d','window':'w'}",
          DAIBAN_CONFLICT, "X99" },
        { RELEASED, NULL, "item.suspended", "{'item':'a01','reason':'other'}",
          DAIBAN_CONFLICT, "a01" },
        { RELEASED, NULL, "item.deadline_set",
          "{'item':'X99','due':'2026-01-20','warn':'2026-01-16','limit_days':5,'paused_days':0}",
          DAIBAN_CONFLICT, "X99" },
        { RELEASED, NULL, "reminder.sent", "{'item':'X99','to':'d','contact':'c','count':1}",
          DAIBAN_CONFLICT, "X99" },
        { RELEASED, NULL, "escalation.raised", "{'item':'X99','level':1,'reason':'r'}",
          DAIBAN_CONFLICT, "X99" },
        { RELEASED, NULL, "deadline.overdue", "{'item':'X99','due':'2026-01-20','days_over':1}",
          DAIBAN_CONFLICT, "X99" },
        //  Decisions.
        { APPROVED, NULL, "item.approved", NULL, DAIBAN_CONFLICT, "A01" },
        { APPROVED, NULL, "item.rejected", NULL, DAIBAN_CONFLICT, "A01" },
        { APPROVED, NULL, "item.withdrawn", NULL, DAIBAN_CONFLICT, "A01" },
        { RELEASED, NULL, "item.approved",
          "{'item':'C03','result':{'number':'N','kind':'license','electronic':true}}",
          DAIBAN_CONFLICT, "C03" },
        { ACCEPTED, NULL, "item.approved", NULL, DAIBAN_CONFLICT, "waiting" },
        { RELEASED, NULL, "item.rejected", "{'item':'C03','reason':'r'}", DAIBAN_CONFLICT, "C03" },
        { RELEASED, "[['item.suspended',{'item':'A01','reason':'hearing'}]]", "item.approved",
          NULL, DAIBAN_CONFLICT, "suspended" },
        { RELEASED, "[['item.rejected',{'item':'A01','reason':'r'}]]", "item.approved", NULL,
          DAIBAN_CONFLICT, "rejected" },
        //  Suspension and resumption.
        { RELEASED, NULL, "item.suspended", "{'item':'C03','reason':'other'}", DAIBAN_CONFLICT,
          "C03" },
        { RELEASED, "[['item.suspended',{'item':'A01','reason':'hearing'}]]", "item.suspended",
          NULL, DAIBAN_CONFLICT, "suspended" },
        { APPROVED, NULL, "item.suspended", NULL, DAIBAN_CONFLICT, "approved" },
        { RELEASED, NULL, "item.resumed", "{'item':'A01'}", DAIBAN_CONFLICT, "submitted" },
        { RELEASED, NULL, "item.resumed", "{'item':'C03'}", DAIBAN_CONFLICT, "waiting" },
        { APPROVED, NULL, "item.resumed", "{'item':'A01'}", DAIBAN_CONFLICT, "approved" },
        //  Release and the county's confirmation.
        { RELEASED, NULL, "item.submitted", "{'item':'A01','department':'d','window':'w'}",
          DAIBAN_CONFLICT, "A01" },
        { RELEASED, NULL, "item.transferred", "{'item':'B02','county':'c','office':'o'}",
          DAIBAN_CONFLICT, "B02" },
        { APPROVED, NULL, "item.submitted", "{'item':'A01','department':'d','window':'w'}",
          DAIBAN_CONFLICT, "approved" },
        { RELEASED, NULL, "item.transfer_accepted", "{'item':'A01','office':'o'}",
          DAIBAN_CONFLICT, "submitted" },
        { RELEASED, NULL, "item.transfer_accepted", "{'item':'C03','office':'o'}",
          DAIBAN_CONFLICT, "waiting" },
        { IN_REVIEW, NULL, "item.transfer_accepted", NULL, DAIBAN_CONFLICT, "B02" },
        //  Progress on a decided item.
        { APPROVED, NULL, "item.progress", NULL, DAIBAN_CONFLICT, "A01" },
        //  Delivery.
        { RELEASED, NULL, "result.delivered", NULL, DAIBAN_CONFLICT, "submitted" },
        { ACCEPTED, NULL, "result.delivered", NULL, DAIBAN_CONFLICT, "waiting" },
        { RELEASED, "[['item.rejected',{'item':'A01','reason':'r'}]]", "result.delivered", NULL,
          DAIBAN_CONFLICT, "rejected" },
        { DELIVERED, NULL, "result.delivered", NULL, DAIBAN_CONFLICT, "already delivered" },
        //  Alerts.
        { ALERTED, NULL, "alert.acknowledged", "{'alert':'AL-404','by':'x'}", DAIBAN_CONFLICT,
          "AL-404" },
        { RELEASED, NULL, "alert.acknowledged", NULL, DAIBAN_CONFLICT, "AL-1" },
        { ALERTED, "[['alert.acknowledged',{'alert':'AL-1','by':'x'}]]", "alert.acknowledged",
          NULL, DAIBAN_CONFLICT, "already acknowledged" },
        { CLOSED, "[['alert.acknowledged',{'alert':'AL-1','by':'x'}]]", "alert.acknowledged",
          NULL, DAIBAN_CONFLICT, "already acknowledged" },
        { CLOSED, NULL, "alert.acknowledged", "{'alert':'AL-404','by':'x'}", DAIBAN_CONFLICT,
          "AL-404" },
    };
    s_run_rows (rows, sizeof rows / sizeof rows [0]);
}

//  Every event but a registration is not_found for a case never registered.
static void
test_unregistered_case (void **state)
{
    (void) state;
    for (size_t index = 0; index < sizeof s_bodies / sizeof s_bodies [0]; index++) {
        const char *type = s_bodies [index][0];
        if (strcmp (type, "case.registered") == 0)
            continue;
        case_state_t *state = NULL;
        daiban_error_t err;
        daiban_code_t code = s_apply (&state, type, s_body (type), 1, 1000, &err);
        if (code != DAIBAN_NOT_FOUND || !strstr (err.message, CASE_ID))
            fail_msg ("%s on an unregistered case: %s %s", type, daiban_error_code_name (code),
                      err.message);
        assert_null (state);
    }
}

//  A closed case takes only the work log, the minutes and the
//  acknowledgement of an alert still open (and the broker's own records);
//  every other posted type, and what workers emit, is refused.
static void
test_closed_case (void **state)
{
    (void) state;
    const char *allowed [] = { "worklog.added", "meeting.minutes", "alert.acknowledged",
                               "timer.fired", "dispatch.dead_lettered" };
    for (size_t index = 0; index < sizeof s_bodies / sizeof s_bodies [0]; index++) {
        const char *type = s_bodies [index][0];
        bool open = false;
        for (size_t name = 0; name < sizeof allowed / sizeof allowed [0]; name++)
            open |= strcmp (type, allowed [name]) == 0;
        case_state_t *state = s_story_state (CLOSED);
        daiban_error_t err;
        daiban_code_t code = s_apply (&state, type, s_body (type), ROW_SEQ, ROW_TS, &err);
        if (open && code)
            fail_msg ("%s on a closed case: %s", type, err.message);
        if (!open && (code != DAIBAN_CONFLICT || !strstr (err.message, "AS-2026-0001")))
            fail_msg ("%s on a closed case: expected conflict, got %s %s", type,
                      daiban_error_code_name (code), err.message);
        if (!open && strcmp (type, "case.registered") && !strstr (err.message, "closed"))
            fail_msg ("%s on a closed case: the message should say it is closed: %s", type,
                      err.message);
        assert_int_equal (state->status, CASE_CLOSED);
        case_state_destroy (&state);
    }
}

//  The whole story: counts and seq after each step; a refused event in
//  the middle does not count.
static void
test_story_counts (void **state)
{
    (void) state;
    case_state_t *case_state = NULL;
    for (int step = 0; step < CLOSED; step++) {
        daiban_error_t err;
        assert_int_equal (s_apply (&case_state, s_story [step][0], s_story [step][1], step + 1,
                                   1000 * (step + 1), &err), DAIBAN_OK);
        assert_int_equal (case_state->events, step + 1);
        assert_int_equal (case_state->last_seq, step + 1);
        assert_int_equal (case_state->updated_at, 1000 * (step + 1));
        assert_int_equal (case_state->registered_at, 1000);
        //  Approving an unknown item is refused and leaves the counts.
        if (step >= REGISTERED - 1 && step < CLOSED - 1) {
            assert_int_equal (s_apply (&case_state, "item.approved",
                                       "{'item':'X99','result':{'number':'N','kind':'reply',"
                                       "'electronic':true}}", 999, 999, &err), DAIBAN_CONFLICT);
            assert_int_equal (case_state->events, step + 1);
            assert_int_equal (case_state->last_seq, step + 1);
        }
    }
    assert_int_equal (case_state->status, CASE_CLOSED);
    assert_int_equal (case_state->closed_at, 9000);
    assert_int_equal (case_state_items_open (case_state), 3);      //  B02, C03, D04
    case_state_destroy (&case_state);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_case_lifecycle),
        cmocka_unit_test (test_item_lifecycle),
        cmocka_unit_test (test_item_decisions),
        cmocka_unit_test (test_deadlines_reminders_escalations),
        cmocka_unit_test (test_alerts_and_counters),
        cmocka_unit_test (test_refusals),
        cmocka_unit_test (test_unregistered_case),
        cmocka_unit_test (test_closed_case),
        cmocka_unit_test (test_story_counts),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
