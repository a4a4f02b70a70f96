/*  intake_plan: what intake decides when it accepts a case, as pure
    functions of the case, the catalog, the calendar and the agents' loads:
    which agent takes the case, in which order the items can be filed,
    and when the whole case should be done (DOMAIN.md §3 stage 3-4;
    PROTOCOL.md, Workflow semantics). */
#ifndef DAIBAN_INTAKE_PLAN_H
#define DAIBAN_INTAKE_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include "calendar.h"
#include "case_state.h"
#include "catalog.h"
#include "daiban_error.h"
#include "worker_dispatch.h"

//  The agent with the most free capacity (capacity minus the open cases
//  the broker counts): agents (代办员) first; stand-by agents (候补代办员)
//  only when every agent is full; the chief agent (代办长) as the last
//  resort, full or not. Ties go to the lowest agent id.
const catalog_agent_t *intake_choose_agent (catalog_t *catalog, const worker_dispatch_t *dispatch);

//  One requested item in the plan.
typedef struct {
    const case_item_t *item;        //  in the case state
    const catalog_item_t *entry;    //  its catalog entry
    const char **after;             //  its prerequisites that the case requested
    size_t after_count;             //  (the others are taken as done)
    int group;                      //  0: no requested prerequisite; else 1 + the
                                    //  largest group among them (parallel waves)
    date_t start, done;             //  predicted: released, decided
} intake_step_t;

typedef struct {
    intake_step_t *steps;           //  in the case's item order
    size_t count;
    date_t expected_done;           //  the end of the critical path
    bool provisional;               //  some date lies outside the known calendar
} intake_plan_t;

//  Plans every item of state, which must all be in the catalog. Each item
//  starts when all its requested prerequisites are done (today when it has
//  none) and takes its limit: working days strictly after its start, or
//  calendar days moved to the next working day ("days" items).
daiban_code_t intake_plan_make (intake_plan_t *plan, const case_state_t *state,
                                catalog_t *catalog, calendar_t *calendar, date_t today,
                                daiban_error_t *err);
void intake_plan_release (intake_plan_t *plan);

#endif
