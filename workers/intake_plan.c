/*  intake_plan: agent choice and the items' schedule (see intake_plan.h). */
#include "intake_plan.h"

#include <stdlib.h>
#include <string.h>

//  The agent of kind with the most free capacity, when one has any.
static const catalog_agent_t *
s_most_free (catalog_t *catalog, const worker_dispatch_t *dispatch, catalog_agent_kind_t kind)
{
    const catalog_agent_t *best = NULL;
    int64_t best_free = 0;
    for (size_t index = 0; index < catalog_agent_count (catalog); index++) {
        const catalog_agent_t *agent = catalog_agent_at (catalog, index);
        if (agent->kind != kind)
            continue;
        int64_t free_capacity = agent->capacity - worker_dispatch_agent_load (dispatch, agent->id);
        if (free_capacity <= 0)
            continue;
        if (!best || free_capacity > best_free
        ||  (free_capacity == best_free && strcmp (agent->id, best->id) < 0)) {
            best = agent;
            best_free = free_capacity;
        }
    }
    return best;
}

const catalog_agent_t *
intake_choose_agent (catalog_t *catalog, const worker_dispatch_t *dispatch)
{
    const catalog_agent_t *agent = s_most_free (catalog, dispatch, CATALOG_AGENT);
    if (!agent)
        agent = s_most_free (catalog, dispatch, CATALOG_STANDBY);
    return agent? agent: catalog_chief (catalog);
}

static intake_step_t *
s_step (intake_plan_t *plan, const char *code)
{
    for (size_t index = 0; index < plan->count; index++)
        if (streq (plan->steps [index].entry->code, code))
            return &plan->steps [index];
    return NULL;
}

//  Catalog rank orders every prerequisite before its dependants: the
//  steps are scheduled in that order, each after its prerequisites.
static int
s_by_rank (const void *left, const void *right)
{
    const intake_step_t *a = *(intake_step_t *const *) left;
    const intake_step_t *b = *(intake_step_t *const *) right;
    return a->entry->rank < b->entry->rank? -1: a->entry->rank > b->entry->rank;
}

static daiban_code_t
s_schedule (intake_plan_t *plan, intake_step_t *step, calendar_t *calendar, date_t today,
            daiban_error_t *err)
{
    step->start = today;
    for (size_t index = 0; index < step->entry->after_count; index++) {
        intake_step_t *before = s_step (plan, step->entry->after [index]);
        if (!before)
            continue;           //  not requested: taken as done
        step->after [step->after_count++] = before->entry->code;
        if (before->done > step->start)
            step->start = before->done;
        if (before->group + 1 > step->group)
            step->group = before->group + 1;
    }
    bool provisional = false;
    daiban_code_t code = step->entry->limit_unit == CATALOG_DAYS
        ? calendar_add_days (calendar, step->start, step->entry->limit_days, &step->done,
                             &provisional, err)
        : calendar_add_working_days (calendar, step->start, step->entry->limit_days, &step->done,
                                     &provisional, err);
    plan->provisional = plan->provisional || provisional;
    if (!code && step->done > plan->expected_done)
        plan->expected_done = step->done;
    return code;
}

daiban_code_t
intake_plan_make (intake_plan_t *plan, const case_state_t *state, catalog_t *catalog,
                  calendar_t *calendar, date_t today, daiban_error_t *err)
{
    memset (plan, 0, sizeof (intake_plan_t));
    plan->expected_done = today;
    plan->steps = (intake_step_t *) calloc (state->item_count + 1, sizeof (intake_step_t));
    intake_step_t **order = (intake_step_t **) calloc (state->item_count + 1, sizeof (intake_step_t *));
    daiban_code_t code = DAIBAN_OK;
    if (!plan->steps || !order)
        code = daiban_error_set (err, DAIBAN_INTERNAL, "out of memory");
    for (size_t index = 0; !code && index < state->item_count; index++) {
        intake_step_t *step = &plan->steps [plan->count++];
        step->item = &state->items [index];
        step->entry = step->item->code? catalog_item (catalog, step->item->code): NULL;
        if (!step->entry)
            code = daiban_error_set (err, DAIBAN_INTERNAL, "item %s is not in the catalog",
                                     step->item->code? step->item->code: "(none)");
        else
        if (!(step->after = (const char **) calloc (step->entry->after_count + 1, sizeof (char *))))
            code = daiban_error_set (err, DAIBAN_INTERNAL, "out of memory");
        order [index] = step;
    }
    if (!code)
        qsort (order, plan->count, sizeof (intake_step_t *), s_by_rank);
    for (size_t index = 0; !code && index < plan->count; index++)
        code = s_schedule (plan, order [index], calendar, today, err);
    free (order);
    if (code)
        intake_plan_release (plan);
    return code;
}

void
intake_plan_release (intake_plan_t *plan)
{
    for (size_t index = 0; plan->steps && index < plan->count; index++)
        free (plan->steps [index].after);
    free (plan->steps);
    memset (plan, 0, sizeof (intake_plan_t));
}
