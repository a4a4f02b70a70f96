/*  test_intake: the intake role's decisions, by tables of (event, case
    state, agents' loads, now) -> the `done` answer, through the same
    worker_dispatch_answer that the socket loop calls. A small test catalog
    (a diamond T-A -> T-B, T-C -> T-D, and a calendar-day item T-E) keeps
    the expected dates easy to check by hand against the 2026 calendar. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit_support.h"
#include "worker_test_support.h"
#include "intake.h"
#include "intake_plan.h"

#define ITEM(code, name, levels, limit, unit, after, materials) \
    "    " code "\n" \
    "        name = " name "\n" \
    "        department = 市发改委\n" \
    "        stage = S1\n" \
    "        levels = \"" levels "\"\n" \
    "        limit_days = " limit "\n" \
    "        limit_unit = " unit "\n" \
    "        limit_kind = promised\n" \
    "        after = \"" after "\"\n" \
    "        materials\n" materials

//  Departments, counties and agents keep the embedded defaults: agents
//  DB01..DB05 (capacity 12), stand-by HB01, HB02 (6), chief DB00 (5).
static const char *s_catalog_text =
    "items\n"
    ITEM ("T-A", "甲", "city county", "2", "working_days", "",
          "            material = 申请表\n            material = 营业执照\n")
    ITEM ("T-B", "乙", "city county", "3", "working_days", "T-A",
          "            material = 申请表\n            material = 设计方案\n")
    ITEM ("T-C", "丙", "city", "1", "working_days", "T-A",
          "            material = 申请表\n")
    ITEM ("T-D", "丁", "city county", "2", "working_days", "T-B T-C",
          "            material = 申请表\n")
    ITEM ("T-E", "戊", "city county", "7", "days", "T-A",
          "            material = 环评报告\n");

static worker_test_t s_test;

static int
s_setup (void **state)
{
    (void) state;
    char path [] = "/tmp/test_intake_XXXXXX";
    int fd = mkstemp (path);
    if (fd < 0)
        return -1;
    size_t length = strlen (s_catalog_text);
    bool written = write (fd, s_catalog_text, length) == (ssize_t) length;
    close (fd);
    daiban_error_t err = { 0 };
    config_t *config = written? config_new (path, &err): NULL;
    unlink (path);
    if (written && !config)
        fprintf (stderr, "test configuration: %s\n", err.message);
    return worker_test_setup_with (&s_test, config);
}

static int
s_teardown (void **state)
{
    (void) state;
    worker_test_teardown (&s_test);
    worker_context_destroy (&s_test.context);   //  safe twice
    return 0;
}

//  The answer to event (type, body) on the case, committed and dispatched
//  at now, with the agents' loads (NULL: a dispatch without agents).
static json_t *
s_decide (const char *type, const char *body, const char *case_state, const char *agents,
          const char *now)
{
    json_t *dispatch = worker_test_dispatch (type, body, case_state, now, now);
    if (agents)
        json_object_set_new (dispatch, "agents", worker_test_json (agents));
    else
        json_object_del (dispatch, "agents");
    return worker_test_answer (&s_test, &intake_role, dispatch);
}

typedef struct {
    const char *name;
    const char *type;
    const char *body;
    const char *state;
    const char *agents;
    const char *now;
    const char *expect;             //  a subset of the answer (unit_json_matches)
} intake_case_t;

static void
s_run_cases (const intake_case_t *cases, size_t count)
{
    for (size_t index = 0; index < count; index++) {
        const intake_case_t *row = &cases [index];
        json_t *answer = s_decide (row->type, row->body, row->state, row->agents, row->now);
        unit_assert_json_matches (row->name, row->expect, answer);
        json_decref (answer);
    }
}

#define REGISTERED "{'items':[{'code':'T-A','level':'city','materials':['申请表']}]}"
#define SUPPLIED "{'materials':[{'item':'T-A','name':'营业执照'}]}"

//  --- Return (一次性告知) and acceptance -------------------------------

static void
test_return_lists_every_gap_at_once (void **state)
{
    (void) state;
    static const intake_case_t cases [] = {
        { "two items miss materials, one unknown, a county item without county, a bad level",
          "case.registered", REGISTERED,
          "{'case':'AS-1','status':'registered','items':["
          "{'code':'T-A','level':'city','status':'waiting','materials':['申请表']},"
          "{'code':'T-B','level':'city','status':'waiting','materials':['营业执照']},"
          "{'code':'X-9','level':'city','status':'waiting','materials':['申请表']},"
          "{'code':'T-D','level':'county','status':'waiting','materials':['申请表']},"
          "{'code':'T-C','level':'county','county':'海城市','status':'waiting',"
          "'materials':['申请表']}]}",
          NULL, "2026-09-28 10:00",
          "{'op':'done','lease':11,'timers':[],'emit':[{'type':'case.returned',"
          "'case':'AS-1','body':{"
          "'missing':[{'item':'T-A','materials':['营业执照']},"
          "{'item':'T-B','materials':['申请表','设计方案']}],"
          "'unknown_items':['X-9'],"
          "'problems':[{'item':'T-D','kind':'no_county'},{'item':'T-C','kind':'level'}]}}]}" },
        { "a county named that the catalog does not know",
          "case.registered", REGISTERED,
          "{'case':'AS-1','status':'registered','county':'大连市','items':["
          "{'code':'T-D','level':'county','status':'waiting','materials':['申请表']}]}",
          NULL, "2026-09-28 10:00",
          "{'op':'done','emit':[{'type':'case.returned','body':{'missing':[],"
          "'unknown_items':[],'problems':[{'item':'T-D','kind':'unknown_county'}]}}]}" },
        { "materials still missing after a supply: returned again with what is left",
          "case.materials_supplied", SUPPLIED,
          "{'case':'AS-1','status':'returned','items':["
          "{'code':'T-A','level':'city','status':'waiting','materials':['申请表','营业执照']},"
          "{'code':'T-B','level':'city','status':'waiting','materials':['申请表']}]}",
          NULL, "2026-09-29 10:00",
          "{'emit':[{'type':'case.returned','body':{"
          "'missing':[{'item':'T-B','materials':['设计方案']}],'unknown_items':[],"
          "'problems':[]}}]}" },
    };
    s_run_cases (cases, sizeof cases / sizeof cases [0]);

    //  The problems say what is wrong in Chinese and in English.
    json_t *answer = s_decide ("case.registered", REGISTERED,
        "{'case':'AS-1','items':[{'code':'T-C','level':'county','county':'海城市',"
        "'materials':['申请表']}]}", NULL, "2026-09-28 10:00");
    json_t *problem = json_object_get (json_array_get (json_object_get (json_object_get (
        json_array_get (json_object_get (answer, "emit"), 0), "body"), "problems"), 0), "problem");
    assert_non_null (strstr (json_string_value (problem), "县级"));
    assert_non_null (strstr (json_string_value (problem), "level county is not allowed"));
    json_decref (answer);
}

static void
test_supplied_materials_accept (void **state)
{
    (void) state;
    static const intake_case_t cases [] = {
        { "the gaps filled: accepted, county item planned with its office",
          "case.materials_supplied",
          "{'materials':[{'item':'T-A','name':'营业执照'},{'item':'T-B','name':'设计方案'}]}",
          "{'case':'AS-1','status':'returned','county':'海城市','items':["
          "{'code':'T-A','level':'city','county':'海城市','status':'waiting',"
          "'materials':['申请表','营业执照']},"
          "{'code':'T-B','level':'county','status':'waiting',"
          "'materials':['申请表','设计方案','多余的材料']}]}",
          "{}", "2026-09-28 10:00",
          "{'op':'done','lease':11,'timers':[],'emit':[{'type':'case.accepted',"
          "'case':'AS-1','body':{'agent':'DB01','agent_name':'王芳',"
          "'expected_done':'2026-10-10','provisional':false,'items':["
          "{'code':'T-A','name':'甲','department':'市发改委','level':'city','limit_days':2,"
          "'after':[],'limit_unit':'working_days','limit_kind':'promised','stage':'S1',"
          "'group':0,'planned_done':'2026-09-30'},"
          "{'code':'T-B','name':'乙','department':'市发改委','level':'county',"
          "'county':'海城市','office':'海城市营商环境建设局','limit_days':3,'after':['T-A'],"
          "'group':1,'planned_done':'2026-10-10'}]}}]}" },
        { "already accepted: nothing more",
          "case.materials_supplied", SUPPLIED,
          "{'case':'AS-1','status':'accepted','items':["
          "{'code':'T-A','level':'city','status':'waiting','materials':['申请表']}]}",
          NULL, "2026-09-28 10:00", "{'op':'done','emit':[],'timers':[]}" },
        { "in progress: nothing",
          "case.materials_supplied", SUPPLIED,
          "{'case':'AS-1','status':'in_progress','items':[]}",
          NULL, "2026-09-28 10:00", "{'emit':[],'timers':[]}" },
        { "closed: nothing",
          "case.registered", REGISTERED,
          "{'case':'AS-1','status':'closed','items':[]}",
          NULL, "2026-09-28 10:00", "{'emit':[],'timers':[]}" },
        { "unknown case (no state): nothing",
          "case.registered", REGISTERED, NULL, NULL, "2026-09-28 10:00",
          "{'emit':[],'timers':[]}" },
    };
    s_run_cases (cases, sizeof cases / sizeof cases [0]);

    //  A city item carries no county and no office, even when the case has one.
    json_t *answer = s_decide (cases [0].type, cases [0].body, cases [0].state, "{}",
                               cases [0].now);
    json_t *items = json_object_get (json_object_get (json_array_get (
        json_object_get (answer, "emit"), 0), "body"), "items");
    assert_null (json_object_get (json_array_get (items, 0), "county"));
    assert_null (json_object_get (json_array_get (items, 0), "office"));
    assert_non_null (json_object_get (json_array_get (items, 1), "office"));
    json_decref (answer);
}

//  --- The agent ----------------------------------------------------------

#define ONE_ITEM_CASE \
    "{'case':'AS-1','status':'registered','items':[" \
    "{'code':'T-A','level':'city','materials':['申请表','营业执照']}]}"

static void
test_agent_choice (void **state)
{
    (void) state;
    static const struct {
        const char *name, *agents, *agent;
    } cases [] = {
        { "nobody busy: the lowest id", "{}", "DB01" },
        { "the most free capacity", "{'DB01':10,'DB02':3,'DB03':5,'DB04':12,'DB05':11}", "DB02" },
        { "a tie: the lowest id", "{'DB01':10,'DB02':4,'DB03':4,'DB04':9,'DB05':11}", "DB02" },
        { "agents full: the stand-by with most room",
          "{'DB01':12,'DB02':12,'DB03':13,'DB04':12,'DB05':12,'HB01':3,'HB02':1}", "HB02" },
        { "a busy stand-by is not chosen while an agent has room",
          "{'DB01':12,'DB02':12,'DB03':12,'DB04':12,'DB05':11,'HB01':0,'HB02':0}", "DB05" },
        { "everyone full: the chief agent",
          "{'DB01':12,'DB02':12,'DB03':12,'DB04':12,'DB05':12,'HB01':6,'HB02':7,'DB00':5}", "DB00" },
    };
    for (size_t index = 0; index < sizeof cases / sizeof cases [0]; index++) {
        json_t *answer = s_decide ("case.registered", REGISTERED, ONE_ITEM_CASE,
                                   cases [index].agents, "2026-09-28 10:00");
        char expect [256];
        snprintf (expect, sizeof expect,
                  "{'emit':[{'type':'case.accepted','body':{'agent':'%s'}}]}", cases [index].agent);
        unit_assert_json_matches (cases [index].name, expect, answer);
        json_decref (answer);
    }
}

//  --- The plan and expected_done ----------------------------------------

//  2026: 09-28..09-30 are working days, 10-01..10-07 off (National Day),
//  10-08, 10-09 and the make-up Saturday 10-10 work, 10-11 is a Sunday.
static void
test_plan_and_expected_done (void **state)
{
    (void) state;
    static const intake_case_t cases [] = {
        { "a diamond across National Day: A 2 wd, B 3 wd and C 1 wd after A, D 2 wd after both",
          "case.registered", REGISTERED,
          "{'case':'AS-1','status':'registered','items':["
          "{'code':'T-D','level':'city','materials':['申请表']},"
          "{'code':'T-C','level':'city','materials':['申请表']},"
          "{'code':'T-B','level':'city','materials':['申请表','设计方案']},"
          "{'code':'T-A','level':'city','materials':['申请表','营业执照']}]}",
          "{}", "2026-09-28 16:30",
          "{'emit':[{'type':'case.accepted','body':{'expected_done':'2026-10-13','items':["
          "{'code':'T-D','after':['T-B','T-C'],'group':2,'planned_done':'2026-10-13'},"
          "{'code':'T-C','after':['T-A'],'group':1,'planned_done':'2026-10-08'},"
          "{'code':'T-B','after':['T-A'],'group':1,'planned_done':'2026-10-10'},"
          "{'code':'T-A','after':[],'group':0,'planned_done':'2026-09-30'}]}}]}" },
        { "unrequested prerequisites are taken as done: B starts today, D after B only",
          "case.registered", REGISTERED,
          "{'case':'AS-1','status':'registered','items':["
          "{'code':'T-B','level':'city','materials':['申请表','设计方案']},"
          "{'code':'T-D','level':'city','materials':['申请表']}]}",
          "{}", "2026-09-28 09:00",
          "{'emit':[{'type':'case.accepted','body':{'expected_done':'2026-10-10','items':["
          "{'code':'T-B','after':[],'group':0,'planned_done':'2026-10-08'},"
          "{'code':'T-D','after':['T-B'],'group':1,'planned_done':'2026-10-10'}]}}]}" },
        { "a limit in calendar days ending on a holiday moves to the next working day",
          "case.registered", REGISTERED,
          "{'case':'AS-1','status':'registered','items':["
          "{'code':'T-A','level':'city','materials':['申请表','营业执照']},"
          "{'code':'T-E','level':'city','materials':['环评报告']}]}",
          "{}", "2026-09-28 09:00",
          "{'emit':[{'type':'case.accepted','body':{'expected_done':'2026-10-08','items':["
          "{'code':'T-A','planned_done':'2026-09-30'},"
          "{'code':'T-E','after':['T-A'],'limit_unit':'days','limit_days':7,"
          "'planned_done':'2026-10-08'}]}}]}" },
        { "today is the CST date of now: 00:30 CST on 09-28 is still 09-27 in UTC",
          "case.registered", REGISTERED, ONE_ITEM_CASE, "{}", "2026-09-28 00:30",
          "{'emit':[{'type':'case.accepted','body':{'expected_done':'2026-09-30'}}]}" },
        { "past the known calendar the prediction is provisional",
          "case.registered", REGISTERED, ONE_ITEM_CASE, "{}", "2026-12-30 10:00",
          "{'emit':[{'type':'case.accepted','body':{'provisional':true}}]}" },
    };
    s_run_cases (cases, sizeof cases / sizeof cases [0]);
}

//  The plan module on its own: the requested subgraph and the waves.
static void
test_plan_module (void **state)
{
    (void) state;
    daiban_error_t err = { 0 };
    case_state_t *case_state = case_state_new ("AS-1");
    const char *codes [] = { "T-C", "T-A", "T-D" };
    for (size_t index = 0; index < 3; index++) {
        case_item_t *item = case_state_add_item (case_state);
        assert_non_null (item);
        assert_true (case_text_set (&item->code, codes [index], strlen (codes [index])));
    }
    date_t today = date_from_civil (2026, 9, 28);
    intake_plan_t plan;
    assert_int_equal (intake_plan_make (&plan, case_state, s_test.context->catalog,
                                        s_test.context->calendar, today, &err), DAIBAN_OK);
    assert_int_equal (plan.count, 3);
    //  T-C after T-A; T-D after T-C only (T-B not requested)
    assert_int_equal (plan.steps [0].after_count, 1);
    assert_string_equal (plan.steps [0].after [0], "T-A");
    assert_int_equal (plan.steps [2].after_count, 1);
    assert_string_equal (plan.steps [2].after [0], "T-C");
    assert_int_equal (plan.steps [2].group, 2);
    assert_int_equal (plan.steps [1].start, today);
    assert_int_equal (plan.steps [0].start, date_from_civil (2026, 9, 30));
    assert_int_equal (plan.expected_done, date_from_civil (2026, 10, 10));
    intake_plan_release (&plan);

    //  An item not in the catalog cannot be planned.
    case_item_t *item = case_state_add_item (case_state);
    assert_true (case_text_set (&item->code, "X-9", 3));
    assert_int_not_equal (intake_plan_make (&plan, case_state, s_test.context->catalog,
                                            s_test.context->calendar, today, &err), DAIBAN_OK);
    assert_non_null (strstr (err.message, "X-9"));
    case_state_destroy (&case_state);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_return_lists_every_gap_at_once),
        cmocka_unit_test (test_supplied_materials_accept),
        cmocka_unit_test (test_agent_choice),
        cmocka_unit_test (test_plan_and_expected_done),
        cmocka_unit_test (test_plan_module),
    };
    return cmocka_run_group_tests (tests, s_setup, s_teardown);
}
