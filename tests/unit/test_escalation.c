/*  test_escalation: the escalation role's decisions, by tables of (event,
    case state as of that event, time) -> the `done` answer: level 1 after
    2 reminders since the last progress or on the 3rd working day overdue,
    level 2 on the 5th working day after level 1, a complex problem to the
    city government at once, a general problem convening a joint meeting
    of the departments involved, alerts raised again every 24 hours until
    acknowledged, and a decided item ending its escalation. The default
    catalog, calendar and policy (config/). */
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
#include "escalation.h"

static void
s_run (const worker_test_case_t *cases, size_t count)
{
    worker_test_run (&worker_test_shared, &escalation_role, cases, count);
}

//  Item S1-06 (建设用地规划许可证, 市自然资源局) due 2026-10-10, the make-up
//  Saturday after National Day; extra adds its fields, more adds items.
#define CASE_ITEMS(status, extra, more) \
    "{'case':'AS-1','status':'in_progress','project':'鞍山测试项目','items':[" \
    "{'code':'S1-06','level':'city','department':'市自然资源局','status':'" status "'," \
    "'due':'2026-10-10'" extra "}" more "]}"
#define CASE_ITEM(status, extra) CASE_ITEMS (status, extra, "")
#define REMINDER(count) \
    "{'item':'S1-06','to':'市自然资源局','contact':'市自然资源局首席代表','count':" #count "}"
#define FIRED(kind, data) "{'id':'x','kind':'" kind "','data':" data "}"
#define NOTHING "{'op':'done','lease':11,'emit':[],'timers':[]}"
#define SUBJECT "案件 AS-1（鞍山测试项目）事项 S1-06 建设用地规划许可证（市自然资源局）"

//  Level 1 raised about S1-06 for reason, with its alert and timers: the
//  alert again at repeat_at, the overdue watch ended, level 2 at level2_at.
#define LEVEL1(reason, summary, repeat_at, level2_at) \
    "{'op':'done','lease':11,'emit':[" \
    "{'type':'escalation.raised','case':'AS-1','body':{'item':'S1-06','level':1," \
    "'reason':'" reason "'}}," \
    "{'type':'alert.raised','case':'AS-1','body':{'alert':'AS-1/S1-06/L1','to':'专班组长'," \
    "'level':1,'summary':'" summary "','item':'S1-06'}}],'timers':[" \
    "{'set':{'id':'escalation/alert/AS-1/S1-06/L1','at':'@cst:" repeat_at "','case':'AS-1'," \
    "'kind':'escalation.alert','data':{'alert':'AS-1/S1-06/L1'}}}," \
    "{'cancel':'escalation/overdue/AS-1/S1-06'}," \
    "{'set':{'id':'escalation/level2/AS-1/S1-06','at':'@cst:" level2_at "','case':'AS-1'," \
    "'kind':'escalation.level2','data':{'item':'S1-06'}}}]}"
#define OVERDUE_WATCH(at) \
    "{'op':'done','emit':[],'timers':[{'set':{'id':'escalation/overdue/AS-1/S1-06'," \
    "'at':'@cst:" at "','case':'AS-1','kind':'escalation.overdue','data':{'item':'S1-06'}}}]}"

static void
test_level1 (void **state)
{
    (void) state;
    static const worker_test_case_t cases [] = {
        { "one reminder since the last progress: nothing yet",
          "reminder.sent", REMINDER (1), CASE_ITEM ("submitted", ",'reminders':1,"
          "'reminders_since_progress':1"), "2026-10-08 08:30", NOTHING },
        { "2 reminders since the last progress: level 1 (约谈), level 2 armed 5 days on",
          "reminder.sent", REMINDER (2), CASE_ITEM ("submitted", ",'reminders':2,"
          "'reminders_since_progress':2"), "2026-10-12 08:30",
          LEVEL1 ("reminders", SUBJECT "自上次进展以来已提醒 2 次仍未办结，请专班组长约谈审批人员。",
                  "2026-10-13 08:30", "2026-10-19 08:00") },
        { "4 reminders but progress since 2 of them: only 2 count, and 2 are enough",
          "reminder.sent", REMINDER (4), CASE_ITEM ("in_review", ",'reminders':4,"
          "'reminders_since_progress':2"), "2026-10-14 08:30",
          "{'emit':[{'type':'escalation.raised','body':{'level':1,'reason':'reminders'}},"
          "{'type':'alert.raised'}]}" },
        { "progress reset the count: 1 since, nothing",
          "reminder.sent", REMINDER (4), CASE_ITEM ("in_review", ",'reminders':4,"
          "'reminders_since_progress':1"), "2026-10-14 08:30", NOTHING },
        { "a third reminder before level 1 is committed: raised once, by the second",
          "reminder.sent", REMINDER (3), CASE_ITEM ("submitted", ",'reminders':3,"
          "'reminders_since_progress':3"), "2026-10-14 08:30", NOTHING },
        { "level 1 already raised: not again",
          "reminder.sent", REMINDER (3), CASE_ITEM ("submitted", ",'reminders':3,"
          "'reminders_since_progress':3,'escalation':1"), "2026-10-14 08:30", NOTHING },
        { "the overdue notice arms the watch for the 3rd working day overdue (10-14)",
          "deadline.overdue", "{'item':'S1-06','due':'2026-10-10','days_over':1}",
          CASE_ITEM ("submitted", ",'overdue':true,'days_over':1"), "2026-10-12 08:00",
          OVERDUE_WATCH ("2026-10-14 08:00") },
        { "on the 3rd working day overdue: level 1",
          "timer.fired", FIRED ("escalation.overdue", "{'item':'S1-06'}"),
          CASE_ITEM ("submitted", ",'overdue':true,'reminders_since_progress':1"),
          "2026-10-14 08:00/2026-10-14 08:01",
          LEVEL1 ("overdue", SUBJECT "已超期 3 个工作日（应于 2026-10-10 办结），请专班组长约谈审批人员。",
                  "2026-10-15 08:01", "2026-10-21 08:00") },
        { "an overdue notice committed late, already 3 days over: level 1 at once",
          "deadline.overdue", "{'item':'S1-06','due':'2026-10-10','days_over':3}",
          CASE_ITEM ("submitted", ",'overdue':true"), "2026-10-14 09:00",
          "{'emit':[{'type':'escalation.raised','body':{'level':1,'reason':'overdue'}},"
          "{'type':'alert.raised','body':{'alert':'AS-1/S1-06/L1'}}]}" },
        { "the watch finds level 1 raised by the reminders meanwhile: nothing",
          "timer.fired", FIRED ("escalation.overdue", "{'item':'S1-06'}"),
          CASE_ITEM ("submitted", ",'overdue':true,'escalation':1"), "2026-10-14 08:00",
          NOTHING },
        { "the watch on a suspended item looks again the next working day",
          "timer.fired", FIRED ("escalation.overdue", "{'item':'S1-06'}"),
          CASE_ITEM ("suspended", ",'overdue':true"), "2026-10-16 08:00",
          OVERDUE_WATCH ("2026-10-19 08:00") },
        { "due moved by a resumption (to 10-14): the watch moves to its 3rd day",
          "timer.fired", FIRED ("escalation.overdue", "{'item':'S1-06'}"),
          "{'case':'AS-1','status':'in_progress','items':[{'code':'S1-06','status':'in_review',"
          "'due':'2026-10-14','overdue':true}]}", "2026-10-16 08:00",
          OVERDUE_WATCH ("2026-10-19 08:00") },
        { "the watch for an approved item: nothing",
          "timer.fired", FIRED ("escalation.overdue", "{'item':'S1-06'}"),
          CASE_ITEM ("approved", ",'overdue':true"), "2026-10-14 08:00", NOTHING },
        { "another role's timer: nothing",
          "timer.fired", FIRED ("reminder.repeat", "{'item':'S1-06'}"),
          CASE_ITEM ("submitted", ",'overdue':true"), "2026-10-14 08:30", NOTHING },
    };
    s_run (cases, sizeof cases / sizeof cases [0]);
}

//  Level 2 about S1-06, to the city government.
#define LEVEL2(reason, repeat_at) \
    "{'op':'done','lease':11,'emit':[" \
    "{'type':'escalation.raised','case':'AS-1','body':{'item':'S1-06','level':2," \
    "'reason':'" reason "'}}," \
    "{'type':'alert.raised','case':'AS-1','body':{'alert':'AS-1/S1-06/L2','to':'市政府'," \
    "'level':2,'item':'S1-06'}}],'timers':[" \
    "{'set':{'id':'escalation/alert/AS-1/S1-06/L2','at':'@cst:" repeat_at "'," \
    "'kind':'escalation.alert','data':{'alert':'AS-1/S1-06/L2'}}}," \
    "{'cancel':'escalation/overdue/AS-1/S1-06'},{'cancel':'escalation/level2/AS-1/S1-06'}]}"

static void
test_level2 (void **state)
{
    (void) state;
    static const worker_test_case_t cases [] = {
        { "5 working days after level 1, still open: level 2 (市政府)",
          "timer.fired", FIRED ("escalation.level2", "{'item':'S1-06'}"),
          CASE_ITEM ("in_review", ",'overdue':true,'escalation':1"), "2026-10-21 08:00",
          LEVEL2 ("no_result", "2026-10-22 08:00") },
        { "its summary",
          "timer.fired", FIRED ("escalation.level2", "{'item':'S1-06'}"),
          CASE_ITEM ("suspended", ",'escalation':1"), "2026-10-21 08:00",
          "{'emit':[{},{'body':{'summary':'" SUBJECT "约谈后 5 个工作日仍未办结，提请市政府协调解决。'}}]}" },
        { "approved meanwhile: nothing",
          "timer.fired", FIRED ("escalation.level2", "{'item':'S1-06'}"),
          CASE_ITEM ("approved", ",'escalation':1"), "2026-10-21 08:00", NOTHING },
        { "already at level 2: nothing",
          "timer.fired", FIRED ("escalation.level2", "{'item':'S1-06'}"),
          CASE_ITEM ("in_review", ",'escalation':2"), "2026-10-21 08:00", NOTHING },
    };
    s_run (cases, sizeof cases / sizeof cases [0]);
}

//  A second item, S1-07 (市生态环境局), and a closed one, S1-01 (市发改委).
#define MORE_ITEMS \
    ",{'code':'S1-07','department':'市生态环境局','status':'submitted'}" \
    ",{'code':'S1-01','department':'市发改委','status':'approved'}" \
    ",{'code':'S1-05','department':'市自然资源局','status':'waiting'}"

static void
test_problems (void **state)
{
    (void) state;
    static const worker_test_case_t cases [] = {
        { "a complex problem about one item: level 2 at once",
          "problem.reported", "{'kind':'complex','description':'用地指标不足','items':['S1-06']}",
          CASE_ITEMS ("in_review", "", MORE_ITEMS), "2026-10-13 10:00",
          "{'op':'done','emit':["
          "{'type':'escalation.raised','body':{'item':'S1-06','level':2,'reason':'complex_problem'}},"
          "{'type':'alert.raised','body':{'alert':'AS-1/P9/L2','to':'市政府','level':2,"
          "'item':'S1-06','summary':'案件 AS-1（鞍山测试项目）复杂问题，提请市政府联合攻关：用地指标不足'}}],"
          "'timers':[{'set':{'id':'escalation/alert/AS-1/P9/L2','at':'@cst:2026-10-14 10:00',"
          "'kind':'escalation.alert','data':{'alert':'AS-1/P9/L2'}}},"
          "{'cancel':'escalation/overdue/AS-1/S1-06'},{'cancel':'escalation/level2/AS-1/S1-06'}]}" },
        { "a complex problem about the whole case: no item",
          "problem.reported", "{'kind':'complex','description':'规划调整'}",
          CASE_ITEMS ("in_review", "", MORE_ITEMS), "2026-10-13 10:00",
          "{'op':'done','emit':[{'type':'escalation.raised','body':{'level':2,"
          "'reason':'complex_problem'}},{'type':'alert.raised','body':{'alert':'AS-1/P9/L2'}}],"
          "'timers':[{'set':{'id':'escalation/alert/AS-1/P9/L2'}}]}" },
        { "a general problem naming items: a joint meeting of their departments",
          "problem.reported", "{'kind':'general','description':'用地与环评意见不一致',"
          "'items':['S1-06','S1-07','S1-05']}",
          CASE_ITEMS ("in_review", "", MORE_ITEMS), "2026-10-13 10:00",
          "{'op':'done','emit':[{'type':'meeting.convened','case':'AS-1','body':"
          "{'meeting':'AS-1/M9','departments':['市自然资源局','市生态环境局'],"
          "'topic':'用地与环评意见不一致'}}],'timers':[]}" },
        { "a general problem naming none: the departments of every open item",
          "problem.reported", "{'kind':'general','description':'多部门协调'}",
          CASE_ITEMS ("in_review", "", MORE_ITEMS), "2026-10-13 10:00",
          "{'emit':[{'type':'meeting.convened','body':{'departments':"
          "['市自然资源局','市生态环境局']}}]}" },
        { "an item without a department in the state takes the catalog's",
          "problem.reported", "{'kind':'general','description':'协调','items':['S1-08']}",
          "{'case':'AS-1','status':'in_progress','items':[{'code':'S1-08','status':'submitted'}]}",
          "2026-10-13 10:00",
          "{'emit':[{'type':'meeting.convened','body':{'departments':['市水利局']}}]}" },
    };
    s_run (cases, sizeof cases / sizeof cases [0]);
}

//  The state's alert of level 1 about S1-06; extra adds its fields.
#define ALERT_STATE(status, extra) \
    "{'case':'AS-1','status':'in_progress','items':[{'code':'S1-06','status':'" status "'," \
    "'escalation':1}],'alerts':[{'alert':'AS-1/S1-06/L1','to':'专班组长','level':1," \
    "'item':'S1-06','summary':'约谈','raised_at':'@cst:2026-10-12 08:30'" extra "}]}"
#define ALERT_FIRED FIRED ("escalation.alert", "{'alert':'AS-1/S1-06/L1'}")
#define RAISED_AGAIN(repeat, next_at) \
    "{'op':'done','lease':11,'emit':[{'type':'alert.raised','case':'AS-1','body':" \
    "{'alert':'AS-1/S1-06/L1','to':'专班组长','level':1,'summary':'约谈','item':'S1-06'," \
    "'repeat':" #repeat "}}],'timers':[{'set':{'id':'escalation/alert/AS-1/S1-06/L1'," \
    "'at':'@cst:" next_at "','case':'AS-1','kind':'escalation.alert'," \
    "'data':{'alert':'AS-1/S1-06/L1'}}}]}"

static void
test_alerts (void **state)
{
    (void) state;
    static const worker_test_case_t cases [] = {
        { "not acknowledged within 24 hours: raised again, repeat 1",
          "timer.fired", ALERT_FIRED, ALERT_STATE ("in_review", ""), "2026-10-13 08:30",
          RAISED_AGAIN (1, "2026-10-14 08:30") },
        { "and again 24 hours later, repeat 2",
          "timer.fired", ALERT_FIRED, ALERT_STATE ("in_review", ",'repeat':1"), "2026-10-14 08:30",
          RAISED_AGAIN (2, "2026-10-15 08:30") },
        { "over a weekend too: alerts are not office business",
          "timer.fired", ALERT_FIRED, ALERT_STATE ("in_review", ",'repeat':4"),
          "2026-10-17 08:30/2026-10-17 08:32", RAISED_AGAIN (5, "2026-10-18 08:32") },
        { "acknowledged: never again",
          "timer.fired", ALERT_FIRED,
          ALERT_STATE ("in_review", ",'repeat':1,'acknowledged':true,'acknowledged_by':'组长'"),
          "2026-10-14 08:30", NOTHING },
        { "alert.acknowledged cancels the repetition",
          "alert.acknowledged", "{'alert':'AS-1/S1-06/L1','by':'专班组长'}",
          ALERT_STATE ("in_review", ",'acknowledged':true"), "2026-10-12 15:00",
          "{'op':'done','emit':[],'timers':[{'cancel':'escalation/alert/AS-1/S1-06/L1'}]}" },
        { "the item was decided: its alert is not raised again",
          "timer.fired", ALERT_FIRED, ALERT_STATE ("approved", ""), "2026-10-13 08:30", NOTHING },
        { "an alert the case does not have: nothing",
          "timer.fired", FIRED ("escalation.alert", "{'alert':'AS-1/S1-99/L1'}"),
          ALERT_STATE ("in_review", ""), "2026-10-13 08:30", NOTHING },
    };
    s_run (cases, sizeof cases / sizeof cases [0]);
}

#define ALL_CANCELLED \
    "{'op':'done','emit':[],'timers':[{'cancel':'escalation/overdue/AS-1/S1-06'}," \
    "{'cancel':'escalation/level2/AS-1/S1-06'},{'cancel':'escalation/alert/AS-1/S1-06/L1'}," \
    "{'cancel':'escalation/alert/AS-1/S1-06/L2'}]}"

static void
test_decided (void **state)
{
    (void) state;
    static const worker_test_case_t cases [] = {
        { "approved: the watch, level 2 and both alerts' repetitions end",
          "item.approved", "{'item':'S1-06','result':{'number':'N1','kind':'license',"
          "'electronic':true}}", CASE_ITEM ("approved", ",'escalation':1"), "2026-10-15 10:00",
          ALL_CANCELLED },
        { "rejected", "item.rejected", "{'item':'S1-06','reason':'不符合规划'}",
          CASE_ITEM ("rejected", ""), "2026-10-15 10:00", ALL_CANCELLED },
        { "withdrawn", "item.withdrawn", "{'item':'S1-06','reason':'项目调整'}",
          CASE_ITEM ("withdrawn", ""), "2026-10-15 10:00", ALL_CANCELLED },
        { "a reminder counted for an item decided meanwhile: nothing",
          "reminder.sent", REMINDER (2), CASE_ITEM ("approved", ",'reminders_since_progress':2"),
          "2026-10-12 08:30", NOTHING },
        { "a closed case: nothing",
          "problem.reported", "{'kind':'complex','description':'x'}",
          "{'case':'AS-1','status':'closed','items':[]}", "2026-10-12 08:30", NOTHING },
    };
    s_run (cases, sizeof cases / sizeof cases [0]);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_level1),
        cmocka_unit_test (test_level2),
        cmocka_unit_test (test_problems),
        cmocka_unit_test (test_alerts),
        cmocka_unit_test (test_decided),
    };
    return cmocka_run_group_tests (tests, worker_test_group_setup, worker_test_group_teardown);
}
