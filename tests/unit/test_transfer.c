/*  test_transfer: the transfer role's decisions, by tables of (event, case
    state as of that event, now) -> the `done` answer, through the same
    worker_dispatch_answer that the socket loop calls: parallel release,
    prerequisites, county transfer and its handover timer, closing. The
    default catalog and calendar; the items' prerequisites come from the
    case state (intake's plan), as in the running system. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit_support.h"
#include "worker_test_support.h"
#include "transfer.h"

#define NOW "2026-09-30 15:00"

//  The answer to event (type, body) on the case, committed and dispatched at now.
static json_t *
s_decide (const char *type, const char *body, const char *case_state, const char *now)
{
    return worker_test_decide (&worker_test_shared, &transfer_role, type, body, case_state, now,
                               now);
}

typedef struct {
    const char *name;
    const char *type;
    const char *body;
    const char *state;
    const char *expect;             //  a subset of the answer (unit_json_matches)
} transfer_case_t;

static void
s_run_cases (const transfer_case_t *cases, size_t count)
{
    for (size_t index = 0; index < count; index++) {
        const transfer_case_t *row = &cases [index];
        json_t *answer = s_decide (row->type, row->body, row->state, NOW);
        unit_assert_json_matches (row->name, row->expect, answer);
        json_decref (answer);
    }
}

//  Items in the state's form; the after lists are the plan's.
#define CITY(code, status, after) \
    "{'code':'" code "','level':'city','department':'市发改委','status':'" status "'," \
    "'after':[" after "]}"
#define DONE(code) \
    "{'code':'" code "','level':'city','department':'市发改委','status':'approved'," \
    "'after':[],'delivered':true}"
#define CASE(status, items) "{'case':'AS-1','status':'" status "','items':[" items "]}"
#define APPROVED(code) "{'item':'" code "','result':{'number':'N1','kind':'license','electronic':true}}"
#define NOTHING "{'op':'done','lease':11,'emit':[],'timers':[]}"

//  --- Release -------------------------------------------------------------

static void
test_release (void **state)
{
    (void) state;
    static const transfer_case_t cases [] = {
        { "independent items are all released at once (并联审批)",
          "case.accepted", "{'agent':'DB01','items':[],'expected_done':'2026-10-30'}",
          CASE ("accepted", CITY ("S1-01", "waiting", "") "," CITY ("S1-04", "waiting", "") ","
                CITY ("S1-07", "waiting", "") "," CITY ("S1-05", "waiting", "'S1-01'")),
          "{'op':'done','lease':11,'timers':[],'emit':["
          "{'type':'item.submitted','case':'AS-1','body':{'item':'S1-01','department':'市发改委',"
          "'window':'综合服务窗口'}},"
          "{'type':'item.submitted','body':{'item':'S1-04'}},"
          "{'type':'item.submitted','body':{'item':'S1-07'}}]}" },
        { "a case not yet accepted releases nothing",
          "case.accepted", "{'agent':'DB01','items':[],'expected_done':'2026-10-30'}",
          CASE ("registered", CITY ("S1-01", "waiting", "")), NOTHING },
        { "diamond: A approved releases B and C, not D",
          "item.approved", APPROVED ("A"),
          CASE ("in_progress", CITY ("A", "approved", "") "," CITY ("B", "waiting", "'A'") ","
                CITY ("C", "waiting", "'A'") "," CITY ("D", "waiting", "'B','C'")),
          "{'emit':[{'type':'item.submitted','body':{'item':'B'}},"
          "{'type':'item.submitted','body':{'item':'C'}}],'timers':[]}" },
        { "diamond: B approved while C is in review releases nothing",
          "item.approved", APPROVED ("B"),
          CASE ("in_progress", CITY ("A", "approved", "") "," CITY ("B", "approved", "'A'") ","
                CITY ("C", "in_review", "'A'") "," CITY ("D", "waiting", "'B','C'")), NOTHING },
        { "diamond: C approved after B releases D",
          "item.approved", APPROVED ("C"),
          CASE ("in_progress", CITY ("A", "approved", "") "," CITY ("B", "approved", "'A'") ","
                CITY ("C", "approved", "'A'") "," CITY ("D", "waiting", "'B','C'")),
          "{'emit':[{'type':'item.submitted','body':{'item':'D'}}],'timers':[]}" },
        { "an approval releases only its own dependants (no double release)",
          "item.approved", APPROVED ("C"),
          CASE ("in_progress", CITY ("A", "approved", "") "," CITY ("B", "waiting", "'A'") ","
                CITY ("C", "approved", "") "," CITY ("D", "waiting", "'C'")),
          "{'emit':[{'type':'item.submitted','body':{'item':'D'}}]}" },
        { "a prerequisite the case does not have counts as done",
          "item.approved", APPROVED ("A"),
          CASE ("in_progress", CITY ("A", "approved", "") "," CITY ("B", "waiting", "'A','Z'")),
          "{'emit':[{'type':'item.submitted','body':{'item':'B'}}]}" },
        { "a rejected prerequisite: the dependant is not released (blocked_by)",
          "item.approved", APPROVED ("C"),
          CASE ("in_progress", CITY ("A", "rejected", "") "," CITY ("C", "approved", "") ","
                "{'code':'D','level':'city','status':'waiting','after':['A','C'],"
                "'blocked_by':'A'}"), NOTHING },
        { "a withdrawn prerequisite blocks even without blocked_by in the state",
          "item.approved", APPROVED ("C"),
          CASE ("in_progress", CITY ("A", "withdrawn", "") "," CITY ("C", "approved", "") ","
                CITY ("D", "waiting", "'A','C'")), NOTHING },
        { "the rejection itself releases nothing",
          "item.rejected", "{'item':'A','reason':'不符合条件'}",
          CASE ("in_progress", CITY ("A", "rejected", "") ","
                "{'code':'B','level':'city','status':'waiting','after':['A'],'blocked_by':'A'}"),
          NOTHING },
        { "a city item without a department in the state takes the catalog's",
          "case.accepted", "{'agent':'DB01','items':[],'expected_done':'2026-10-30'}",
          CASE ("accepted", "{'code':'S1-05','level':'city','status':'waiting','after':[]}"),
          "{'emit':[{'type':'item.submitted','body':{'item':'S1-05','department':'市自然资源局'}}]}" },
        { "a closed case: nothing",
          "item.approved", APPROVED ("A"),
          CASE ("closed", CITY ("A", "approved", "") "," CITY ("B", "waiting", "'A'")), NOTHING },
        { "an unknown case: nothing",
          "item.approved", APPROVED ("A"), NULL, NOTHING },
    };
    s_run_cases (cases, sizeof cases / sizeof cases [0]);
}

//  --- County items: transfer (转办) and the handover timer ----------------

#define COUNTY(code, status, after) \
    "{'code':'" code "','level':'county','county':'海城市','department':'市发改委'," \
    "'status':'" status "','after':[" after "]}"

static void
s_expect_handover (const char *now, date_t due_day, const char *item, const char *state_text,
                   const char *type, const char *body)
{
    char expect [1024];
    snprintf (expect, sizeof expect,
              "{'emit':[{'type':'item.transferred','case':'AS-1','body':{'item':'%s',"
              "'county':'海城市','office':'海城市营商环境建设局'}}],"
              "'timers':[{'set':{'id':'transfer/handover/AS-1/%s','at':%lld,'case':'AS-1',"
              "'kind':'transfer.handover','data':{'item':'%s','county':'海城市',"
              "'office':'海城市营商环境建设局'}}}]}",
              item, item, (long long) date_end_ms (due_day), item);
    json_t *answer = s_decide (type, body, state_text, now);
    unit_assert_json_matches (now, expect, answer);
    json_decref (answer);
}

static void
test_county_transfer_and_timer (void **state)
{
    (void) state;
    const char *accepted = "{'agent':'DB01','items':[],'expected_done':'2026-10-30'}";
    //  The handover is due by the end of the next working day after today.
    s_expect_handover ("2026-09-30 15:00", date_from_civil (2026, 10, 8), "S1-01",
                       CASE ("accepted", COUNTY ("S1-01", "waiting", "")),
                       "case.accepted", accepted);
    s_expect_handover ("2026-10-09 11:00", date_from_civil (2026, 10, 10), "S1-01",
                       CASE ("accepted", COUNTY ("S1-01", "waiting", "")),
                       "case.accepted", accepted);      //  a make-up Saturday counts
    s_expect_handover ("2026-10-16 23:59", date_from_civil (2026, 10, 19), "S1-01",
                       CASE ("accepted", COUNTY ("S1-01", "waiting", "")),
                       "case.accepted", accepted);      //  Friday night: Monday
    //  Released by the approval of its prerequisite, like a city item.
    s_expect_handover ("2026-09-30 15:00", date_from_civil (2026, 10, 8), "S1-05",
                       CASE ("in_progress", CITY ("S1-01", "approved", "") ","
                             COUNTY ("S1-05", "waiting", "'S1-01'")),
                       "item.approved", APPROVED ("S1-01"));
    //  The case's county when the item names none.
    json_t *answer = s_decide ("case.accepted", accepted,
        "{'case':'AS-1','status':'accepted','county':'台安县','items':["
        "{'code':'S1-01','level':'county','status':'waiting','after':[]}]}", NOW);
    unit_assert_json_matches ("case county", "{'emit':[{'type':'item.transferred','body':"
        "{'county':'台安县','office':'台安县营商环境建设局'}}],'timers':[{'set':{}}]}", answer);
    json_decref (answer);
    //  A county the catalog does not know: fail, for an operator to see.
    answer = s_decide ("case.accepted", accepted,
        "{'case':'AS-1','status':'accepted','items':[{'code':'S1-01','level':'county',"
        "'county':'大连市','status':'waiting','after':[]}]}", NOW);
    unit_assert_json_matches ("unknown county", "{'op':'fail','lease':11}", answer);
    assert_non_null (strstr (json_string_value (json_object_get (answer, "message")), "大连市"));
    json_decref (answer);
}

static void
test_handover_cancelled (void **state)
{
    (void) state;
    static const transfer_case_t cases [] = {
        { "the county office confirms: the timer is cancelled",
          "item.transfer_accepted", "{'item':'S1-01','office':'海城市营商环境建设局'}",
          CASE ("in_progress", "{'code':'S1-01','level':'county','county':'海城市',"
                "'status':'in_review','after':[],'transfer_accepted':true,'released_at':1}"),
          "{'op':'done','emit':[],'timers':[{'cancel':'transfer/handover/AS-1/S1-01'}]}" },
        { "decided before the office confirmed: the timer goes too",
          "item.approved", APPROVED ("S1-01"),
          CASE ("in_progress", "{'code':'S1-01','level':'county','county':'海城市',"
                "'status':'approved','after':[],'released_at':1}"),
          "{'emit':[],'timers':[{'cancel':'transfer/handover/AS-1/S1-01'}]}" },
        { "decided after the office confirmed: nothing to cancel",
          "item.approved", APPROVED ("S1-01"),
          CASE ("in_progress", "{'code':'S1-01','level':'county','county':'海城市',"
                "'status':'approved','after':[],'released_at':1,'transfer_accepted':true}"),
          NOTHING },
        { "the handover timer fires: transfer emits nothing (the reminder role acts)",
          "timer.fired", "{'id':'transfer/handover/AS-1/S1-01','kind':'transfer.handover',"
          "'data':{'item':'S1-01','county':'海城市','office':'海城市营商环境建设局'}}",
          CASE ("in_progress", "{'code':'S1-01','level':'county','county':'海城市',"
                "'status':'transferred','after':[],'released_at':1}"), NOTHING },
    };
    s_run_cases (cases, sizeof cases / sizeof cases [0]);
}

//  transfer/handover_ms and transfer/window from the configuration.
static void
test_configured_handover_and_window (void **state)
{
    (void) state;
    daiban_error_t err = { 0 };
    config_t *config = config_new (NULL, &err);
    assert_non_null (config);
    config_set (config, "transfer/handover_ms", "7200000");
    config_set (config, "transfer/window", "项目专区窗口");
    worker_test_t configured;
    assert_int_equal (worker_test_setup_with (&configured, config), 0);
    char expect [512];
    snprintf (expect, sizeof expect, "{'emit':[{'type':'item.transferred'},"
              "{'type':'item.submitted','body':{'window':'项目专区窗口'}}],"
              "'timers':[{'set':{'at':%lld}}]}", (long long) (worker_test_time (NOW) + 7200000));
    json_t *answer = worker_test_decide (&configured, &transfer_role, "case.accepted",
        "{'agent':'DB01','items':[],'expected_done':'2026-10-30'}",
        CASE ("accepted", COUNTY ("S1-01", "waiting", "") "," CITY ("S1-04", "waiting", "")),
        NOW, NOW);
    unit_assert_json_matches ("configured", expect, answer);
    json_decref (answer);

    config_set (config, "transfer/handover_ms", "soon");
    answer = worker_test_decide (&configured, &transfer_role, "case.accepted",
        "{'agent':'DB01','items':[],'expected_done':'2026-10-30'}",
        CASE ("accepted", COUNTY ("S1-01", "waiting", "")), NOW, NOW);
    unit_assert_json_matches ("bad value", "{'op':'fail'}", answer);
    assert_non_null (strstr (json_string_value (json_object_get (answer, "message")),
                             "transfer/handover_ms"));
    json_decref (answer);
    worker_test_teardown (&configured);
}

//  --- Closing (销号, 清零) ---------------------------------------------------

static void
test_closing (void **state)
{
    (void) state;
    static const transfer_case_t cases [] = {
        { "the last result delivered: the case closes",
          "result.delivered", "{'item':'B','method':'e_license'}",
          CASE ("in_progress", DONE ("A") "," DONE ("B")),
          "{'emit':[{'type':'case.closed','case':'AS-1','body':{'approved':2,'withdrawn':0}}],"
          "'timers':[]}" },
        { "a result still to deliver: open",
          "result.delivered", "{'item':'A','method':'mail'}",
          CASE ("in_progress", DONE ("A") "," CITY ("B", "approved", "")), NOTHING },
        { "an item still in review: open",
          "result.delivered", "{'item':'A','method':'mail'}",
          CASE ("in_progress", DONE ("A") "," CITY ("B", "in_review", "")), NOTHING },
        { "a rejected item keeps the case open",
          "result.delivered", "{'item':'A','method':'window'}",
          CASE ("in_progress", DONE ("A") "," CITY ("B", "rejected", "")), NOTHING },
        { "withdrawing the rejected item closes it",
          "item.withdrawn", "{'item':'B','reason':'企业放弃'}",
          CASE ("in_progress", DONE ("A") "," CITY ("B", "withdrawn", "")),
          "{'emit':[{'type':'case.closed','body':{'approved':1,'withdrawn':1}}]}" },
        { "delivered with a withdrawn item beside it: closes",
          "result.delivered", "{'item':'A','method':'window'}",
          CASE ("in_progress", CITY ("B", "withdrawn", "") "," DONE ("A")),
          "{'emit':[{'type':'case.closed'}]}" },
        { "an approval alone never closes (its result is not delivered)",
          "item.approved", APPROVED ("B"),
          CASE ("in_progress", DONE ("A") "," CITY ("B", "approved", "")), NOTHING },
        { "already closed: not again",
          "result.delivered", "{'item':'B','method':'e_license'}",
          CASE ("closed", DONE ("A") "," DONE ("B")), NOTHING },
    };
    s_run_cases (cases, sizeof cases / sizeof cases [0]);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_release),
        cmocka_unit_test (test_county_transfer_and_timer),
        cmocka_unit_test (test_handover_cancelled),
        cmocka_unit_test (test_configured_handover_and_window),
        cmocka_unit_test (test_closing),
    };
    return cmocka_run_group_tests (tests, worker_test_group_setup, worker_test_group_teardown);
}
