/*  test_reminder: the reminder role's decisions, by tables of (event, case
    state as of that event, time) -> the `done` answer: a reminder with the
    warning (count 1) and with the overdue notice (count 2), then every 2
    working days while overdue (the third on the 3rd working day overdue),
    office hours (occasions on a weekend, a holiday or an evening wait for
    the next opening), the county office reminded of an unconfirmed
    handover, and decided items ending their timers. The default catalog,
    calendar and policy (config/). */
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
#include "reminder.h"

static void
s_run (const worker_test_case_t *cases, size_t count)
{
    worker_test_run (&worker_test_shared, &reminder_role, cases, count);
}

//  A case with item S1-06 (市自然资源局), due 2026-10-10 (the make-up
//  Saturday after National Day); extra adds its fields.
#define CASE_ITEM(status, extra) \
    "{'case':'AS-1','status':'in_progress','items':[{'code':'S1-06','level':'city'," \
    "'department':'市自然资源局','status':'" status "','due':'2026-10-10'" extra "}]}"
#define WARNING "{'item':'S1-06','due':'2026-10-10','days_left':2}"
#define OVERDUE "{'item':'S1-06','due':'2026-10-10','days_over':1}"
#define FIRED(kind) "{'id':'x','kind':'" kind "','data':{'item':'S1-06'}}"
#define NOTHING "{'op':'done','lease':11,'emit':[],'timers':[]}"

//  reminder.sent to the department's chief representative.
#define SENT(count) \
    "{'type':'reminder.sent','case':'AS-1','body':{'item':'S1-06','to':'市自然资源局'," \
    "'contact':'市自然资源局首席代表','count':" #count "}}"
//  A timer of the role for item S1-06.
#define TIMER(which, kind, at) \
    "{'set':{'id':'reminder/" which "/AS-1/S1-06','at':'@cst:" at "','case':'AS-1'," \
    "'kind':'" kind "','data':{'item':'S1-06'}}}"

static void
test_warning_and_overdue (void **state)
{
    (void) state;
    static const worker_test_case_t cases [] = {
        { "the warning comes at 08:00, before the offices open: put off to 08:30",
          "deadline.warning", WARNING, CASE_ITEM ("submitted", ",'warned':true"),
          "2026-10-08 08:00",
          "{'op':'done','emit':[],'timers':[" TIMER ("warning", "reminder.warning",
                                                     "2026-10-08 08:30") "]}" },
        { "at 08:30 the first reminder goes out: count 1",
          "timer.fired", FIRED ("reminder.warning"), CASE_ITEM ("submitted", ",'warned':true"),
          "2026-10-08 08:30", "{'op':'done','emit':[" SENT (1) "],'timers':[]}" },
        { "a warning committed in office hours is reminded at once",
          "deadline.warning", WARNING, CASE_ITEM ("transferred", ",'warned':true"),
          "2026-10-08 10:15", "{'op':'done','emit':[" SENT (1) "],'timers':[]}" },
        { "the overdue notice at 08:00: put off to 08:30",
          "deadline.overdue", OVERDUE,
          CASE_ITEM ("submitted", ",'overdue':true,'days_over':1,'reminders':1"),
          "2026-10-12 08:00",
          "{'op':'done','emit':[],'timers':[" TIMER ("overdue", "reminder.overdue",
                                                     "2026-10-12 08:30") "]}" },
        { "the overdue reminder: count 2, the next one 2 working days later",
          "timer.fired", FIRED ("reminder.overdue"),
          CASE_ITEM ("submitted", ",'overdue':true,'reminders':1"), "2026-10-12 08:30",
          "{'op':'done','emit':[" SENT (2) "],'timers':[" TIMER ("repeat", "reminder.repeat",
                                                                 "2026-10-14 08:30") "]}" },
        { "the third on the 3rd working day overdue (10-14), the fourth on the 5th",
          "timer.fired", FIRED ("reminder.repeat"),
          CASE_ITEM ("in_review", ",'overdue':true,'reminders':2"), "2026-10-14 08:30",
          "{'op':'done','emit':[" SENT (3) "],'timers':[" TIMER ("repeat", "reminder.repeat",
                                                                 "2026-10-16 08:30") "]}" },
        { "from a Friday the next reminder skips the weekend",
          "timer.fired", FIRED ("reminder.repeat"),
          CASE_ITEM ("in_review", ",'overdue':true,'reminders':3"), "2026-10-16 08:30",
          "{'emit':[" SENT (4) "],'timers':[" TIMER ("repeat", "reminder.repeat",
                                                     "2026-10-20 08:30") "]}" },
        { "the count follows the state: reminders + 1",
          "timer.fired", FIRED ("reminder.repeat"),
          CASE_ITEM ("in_review", ",'overdue':true,'reminders':7"), "2026-10-20 08:31",
          "{'emit':[" SENT (8) "]}" },
        { "a suspended item is not reminded, but the chain goes on",
          "timer.fired", FIRED ("reminder.repeat"),
          CASE_ITEM ("suspended", ",'overdue':true,'reminders':3"), "2026-10-16 08:30",
          "{'op':'done','emit':[],'timers':[" TIMER ("repeat", "reminder.repeat",
                                                     "2026-10-20 08:30") "]}" },
        { "no longer overdue (a resumption moved due to 10-21): not reminded, chain goes on",
          "timer.fired", FIRED ("reminder.repeat"),
          "{'case':'AS-1','status':'in_progress','items':[{'code':'S1-06','level':'city',"
          "'department':'市自然资源局','status':'submitted','due':'2026-10-21',"
          "'overdue':true,'reminders':3}]}", "2026-10-16 08:30",
          "{'op':'done','emit':[],'timers':[" TIMER ("repeat", "reminder.repeat",
                                                     "2026-10-20 08:30") "]}" },
        { "an approved item: the repeat stops",
          "timer.fired", FIRED ("reminder.repeat"),
          CASE_ITEM ("approved", ",'overdue':true,'reminders':3"), "2026-10-16 08:30", NOTHING },
        { "a suspended item gets no warning reminder",
          "timer.fired", FIRED ("reminder.warning"), CASE_ITEM ("suspended", ""),
          "2026-10-08 08:30", NOTHING },
        { "another role's timer: nothing",
          "timer.fired", "{'id':'deadline/warning/AS-1/S1-06','kind':'deadline.warning',"
          "'data':{'item':'S1-06','due':'2026-10-10'}}", CASE_ITEM ("submitted", ""),
          "2026-10-08 08:30", NOTHING },
        { "item.progress changes nothing",
          "item.progress", "{'item':'S1-06','note':'已完成现场踏勘'}",
          CASE_ITEM ("in_review", ",'overdue':true,'reminders':3"), "2026-10-15 10:00",
          NOTHING },
        { "a department the catalog does not know: fail",
          "deadline.warning", WARNING,
          "{'case':'AS-1','status':'in_progress','items':[{'code':'S1-06','level':'city',"
          "'department':'某局','status':'submitted','due':'2026-10-10'}]}", "2026-10-08 10:00",
          "{'op':'fail','lease':11,'message':'item S1-06: department 某局 is not in the catalog'}" },
        { "an unknown case: nothing",
          "deadline.warning", WARNING, NULL, "2026-10-08 10:00", NOTHING },
    };
    s_run (cases, sizeof cases / sizeof cases [0]);
}

static void
test_office_hours (void **state)
{
    (void) state;
    static const worker_test_case_t cases [] = {
        { "on a Saturday: put off to Monday 08:30",
          "deadline.overdue", OVERDUE, CASE_ITEM ("submitted", ",'overdue':true"),
          "2026-03-07 10:00",
          "{'emit':[],'timers':[" TIMER ("overdue", "reminder.overdue", "2026-03-09 08:30") "]}" },
        { "in the evening: put off to the next morning",
          "deadline.warning", WARNING, CASE_ITEM ("submitted", ""), "2026-03-05 18:00",
          "{'emit':[],'timers':[" TIMER ("warning", "reminder.warning", "2026-03-06 08:30") "]}" },
        { "at closing time 17:30 exactly: put off",
          "deadline.warning", WARNING, CASE_ITEM ("submitted", ""), "2026-03-05 17:30",
          "{'emit':[],'timers':[" TIMER ("warning", "reminder.warning", "2026-03-06 08:30") "]}" },
        { "at 17:29: sent",
          "deadline.warning", WARNING, CASE_ITEM ("submitted", ""), "2026-03-05 17:29",
          "{'emit':[" SENT (1) "],'timers':[]}" },
        { "in the National Day holiday: put off to 10-08",
          "deadline.warning", WARNING, CASE_ITEM ("submitted", ""), "2026-10-03 11:00",
          "{'emit':[],'timers':[" TIMER ("warning", "reminder.warning", "2026-10-08 08:30") "]}" },
        { "on the make-up Saturday 10-10 the offices are open",
          "deadline.warning", WARNING, CASE_ITEM ("submitted", ""), "2026-10-10 09:00",
          "{'emit':[" SENT (1) "],'timers':[]}" },
        { "a repeat that fires outside office hours waits for the opening too",
          "timer.fired", FIRED ("reminder.repeat"),
          CASE_ITEM ("in_review", ",'overdue':true,'reminders':2"), "2026-10-17 08:30",
          "{'emit':[],'timers':[" TIMER ("repeat", "reminder.repeat", "2026-10-19 08:30") "]}" },
    };
    s_run (cases, sizeof cases / sizeof cases [0]);
}

//  The handover timer of the transfer role, and its reminder.
#define HANDOVER_DATA "{'item':'S1-06','county':'海城市','office':'海城市营商环境建设局'}"
#define HANDOVER_SENT(count) \
    "{'type':'reminder.sent','case':'AS-1','body':{'item':'S1-06','to':'海城市营商环境建设局'," \
    "'contact':'海城市营商环境建设局','count':" #count "}}"

static void
test_handover (void **state)
{
    (void) state;
    static const worker_test_case_t cases [] = {
        { "handover not confirmed by 24:00: the county office, at the next opening",
          "timer.fired", "{'id':'transfer/handover/AS-1/S1-06','kind':'transfer.handover',"
          "'data':" HANDOVER_DATA "}", CASE_ITEM ("transferred", ",'county':'海城市'"),
          "2026-09-30 00:00",
          "{'op':'done','emit':[],'timers':[{'set':{'id':'reminder/handover/AS-1/S1-06',"
          "'at':'@cst:2026-09-30 08:30','case':'AS-1','kind':'reminder.handover',"
          "'data':" HANDOVER_DATA "}}]}" },
        { "at the opening: the office is reminded",
          "timer.fired", "{'id':'reminder/handover/AS-1/S1-06','kind':'reminder.handover',"
          "'data':" HANDOVER_DATA "}", CASE_ITEM ("transferred", ",'county':'海城市'"),
          "2026-09-30 08:30",
          "{'op':'done','emit':[" HANDOVER_SENT (1) "],'timers':[]}" },
        { "a handover timer in office hours reminds at once",
          "timer.fired", "{'id':'transfer/handover/AS-1/S1-06','kind':'transfer.handover',"
          "'data':" HANDOVER_DATA "}", CASE_ITEM ("transferred", ",'reminders':1"),
          "2026-09-30 11:00", "{'op':'done','emit':[" HANDOVER_SENT (2) "],'timers':[]}" },
        { "the office's name from the catalog when the timer has none",
          "timer.fired", "{'id':'x','kind':'transfer.handover','data':{'item':'S1-06'}}",
          CASE_ITEM ("transferred", ",'county':'台安县'"), "2026-09-30 11:00",
          "{'emit':[{'body':{'to':'台安县营商环境建设局','contact':'台安县营商环境建设局'}}]}" },
        { "confirmed meanwhile (in review): nothing",
          "timer.fired", "{'id':'reminder/handover/AS-1/S1-06','kind':'reminder.handover',"
          "'data':" HANDOVER_DATA "}",
          CASE_ITEM ("in_review", ",'transfer_accepted':true"), "2026-09-30 08:30", NOTHING },
        { "accepted, then suspended: nothing",
          "timer.fired", "{'id':'transfer/handover/AS-1/S1-06','kind':'transfer.handover',"
          "'data':" HANDOVER_DATA "}",
          CASE_ITEM ("suspended", ",'transfer_accepted':true"), "2026-09-30 10:00", NOTHING },
        { "item.transfer_accepted cancels a reminder put off",
          "item.transfer_accepted", "{'item':'S1-06','office':'海城市营商环境建设局'}",
          CASE_ITEM ("in_review", ",'transfer_accepted':true"), "2026-09-30 07:00",
          "{'op':'done','emit':[],'timers':[{'cancel':'reminder/handover/AS-1/S1-06'}]}" },
    };
    s_run (cases, sizeof cases / sizeof cases [0]);
}

#define ALL_CANCELLED \
    "{'op':'done','emit':[],'timers':[{'cancel':'reminder/warning/AS-1/S1-06'}," \
    "{'cancel':'reminder/overdue/AS-1/S1-06'},{'cancel':'reminder/repeat/AS-1/S1-06'}," \
    "{'cancel':'reminder/handover/AS-1/S1-06'}]}"

static void
test_decided (void **state)
{
    (void) state;
    static const worker_test_case_t cases [] = {
        { "approved: every reminder timer of the item cancelled",
          "item.approved", "{'item':'S1-06','result':{'number':'N1','kind':'license',"
          "'electronic':true}}", CASE_ITEM ("approved", ""), "2026-10-13 10:00", ALL_CANCELLED },
        { "rejected", "item.rejected", "{'item':'S1-06','reason':'不符合规划'}",
          CASE_ITEM ("rejected", ""), "2026-10-13 10:00", ALL_CANCELLED },
        { "withdrawn", "item.withdrawn", "{'item':'S1-06','reason':'项目调整'}",
          CASE_ITEM ("withdrawn", ""), "2026-10-13 10:00", ALL_CANCELLED },
        { "a warning for an item decided meanwhile: nothing",
          "deadline.warning", WARNING, CASE_ITEM ("approved", ""), "2026-10-08 10:00", NOTHING },
    };
    s_run (cases, sizeof cases / sizeof cases [0]);
}

static void
test_policy (void **state)
{
    (void) state;
    config_set (worker_test_shared.config, "policy/reminder_every_days", "3");
    config_set (worker_test_shared.config, "policy/office_open", "09:00");
    static const worker_test_case_t cases [] = {
        { "every 3 working days, offices open at 09:00",
          "timer.fired", FIRED ("reminder.overdue"),
          CASE_ITEM ("submitted", ",'overdue':true,'reminders':1"), "2026-10-12 09:00",
          "{'emit':[" SENT (2) "],'timers':[" TIMER ("repeat", "reminder.repeat",
                                                     "2026-10-15 09:00") "]}" },
        { "08:30 is now before the opening",
          "deadline.warning", WARNING, CASE_ITEM ("submitted", ""), "2026-10-08 08:30",
          "{'emit':[],'timers':[" TIMER ("warning", "reminder.warning", "2026-10-08 09:00") "]}" },
    };
    s_run (cases, sizeof cases / sizeof cases [0]);
    config_set (worker_test_shared.config, "policy/reminder_every_days", "0");
    static const worker_test_case_t bad [] = {
        { "reminder_every_days 0 is refused",
          "deadline.warning", WARNING, CASE_ITEM ("submitted", ""), "2026-10-08 10:00",
          "{'op':'fail','lease':11,'message':'config policy/reminder_every_days: 0 is not in 1..250'}" },
    };
    s_run (bad, 1);
    config_set (worker_test_shared.config, "policy/reminder_every_days", "2");
    config_set (worker_test_shared.config, "policy/office_open", "08:30");
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_warning_and_overdue),
        cmocka_unit_test (test_office_hours),
        cmocka_unit_test (test_handover),
        cmocka_unit_test (test_decided),
        cmocka_unit_test (test_policy),
    };
    return cmocka_run_group_tests (tests, worker_test_group_setup, worker_test_group_teardown);
}
