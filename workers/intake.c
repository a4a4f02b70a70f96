/*  intake: registration check, return (补正) or acceptance (see intake.h). */
#include "intake.h"

#include <stdio.h>
#include <string.h>
#include "intake_plan.h"
#include "log.h"

static const char *const s_types [] = { "case.registered", "case.materials_supplied", NULL };
const worker_role_t intake_role = { "intake", s_types, intake_decide, NULL };

//  A level or county problem of one item: the reason to return the case
//  when no material is missing. kind is for programs, text for people.
typedef struct {
    const char *kind;               //  "level", "no_county", "unknown_county"
    char text [320];
} intake_problem_t;

#define PROBLEMS_PER_ITEM 2

static bool
s_is_county (const case_item_t *item)
{
    return item->level && streq (item->level, "county");
}

//  Where a county-level item is handled: the item's own county, else the
//  case's (PROTOCOL.md, Workflow semantics).
static const char *
s_item_county (const case_state_t *state, const case_item_t *item)
{
    if (item->county && *item->county)
        return item->county;
    return state->county && *state->county? state->county: NULL;
}

static const char *
s_level_name (const char *level)
{
    return streq (level, "county")? "县级": streq (level, "city")? "市级": level;
}

//  Fills problems (at most PROBLEMS_PER_ITEM) and returns their count.
static size_t
s_item_problems (const case_state_t *state, const case_item_t *item,
                 const catalog_item_t *entry, catalog_t *catalog, intake_problem_t *problems)
{
    size_t count = 0;
    const char *level = item->level? item->level: "";
    if (!catalog_item_has_level (entry, level)) {
        const char *allowed = entry->city && entry->county? "city, county"
                            : entry->city? "city": "county";
        problems [count].kind = "level";
        snprintf (problems [count++].text, sizeof problems [0].text,
                  "此事项不能在%s办理（可选：%s）/ level %s is not allowed for this item "
                  "(allowed: %s)", s_level_name (level),
                  entry->city && entry->county? "市级、县级": entry->city? "市级": "县级",
                  level, allowed);
    }
    if (s_is_county (item)) {
        const char *county = s_item_county (state, item);
        if (!county) {
            problems [count].kind = "no_county";
            snprintf (problems [count++].text, sizeof problems [0].text,
                      "县级事项须写明所在县区 / a county-level item needs a county "
                      "(the item's or the case's)");
        }
        else
        if (!catalog_county (catalog, county)) {
            problems [count].kind = "unknown_county";
            snprintf (problems [count++].text, sizeof problems [0].text,
                      "县区“%s”不在目录中 / county %s is not in the catalog", county, county);
        }
    }
    return count;
}

static size_t
s_missing_count (const case_item_t *item, const catalog_item_t *entry)
{
    size_t missing = 0;
    for (size_t index = 0; index < entry->material_count; index++)
        if (!text_list_contains (&item->materials, entry->materials [index],
                                 strlen (entry->materials [index])))
            missing++;
    return missing;
}

//  How many entries each list of case.returned gets.
typedef struct {
    size_t unknown, missing, problems;
} intake_gaps_t;

static intake_gaps_t
s_count_gaps (const case_state_t *state, catalog_t *catalog)
{
    intake_gaps_t gaps = { 0, 0, 0 };
    intake_problem_t problems [PROBLEMS_PER_ITEM];
    for (size_t index = 0; index < state->item_count; index++) {
        const case_item_t *item = &state->items [index];
        const catalog_item_t *entry = item->code? catalog_item (catalog, item->code): NULL;
        if (!entry)
            gaps.unknown++;
        else {
            gaps.missing += s_missing_count (item, entry) > 0;
            gaps.problems += s_item_problems (state, item, entry, catalog, problems);
        }
    }
    return gaps;
}

//  case.returned {missing:[{item, materials}], unknown_items:[codes],
//  problems:[{item, kind, problem}]}: every gap of every item at once.
static void
s_emit_returned (const worker_dispatch_t *dispatch, catalog_t *catalog, intake_gaps_t gaps,
                 worker_output_t *output)
{
    const case_state_t *state = dispatch->state;
    msgpack_packer *packer = worker_output_emit (output, "case.returned", dispatch->case_id);
    msgpack_pack_map (packer, 3);
    wire_pack_key (packer, "missing");
    msgpack_pack_array (packer, gaps.missing);
    for (size_t index = 0; index < state->item_count; index++) {
        const case_item_t *item = &state->items [index];
        const catalog_item_t *entry = item->code? catalog_item (catalog, item->code): NULL;
        size_t missing = entry? s_missing_count (item, entry): 0;
        if (missing == 0)
            continue;
        msgpack_pack_map (packer, 2);
        wire_pack_key (packer, "item");
        wire_pack_str (packer, item->code);
        wire_pack_key (packer, "materials");
        msgpack_pack_array (packer, missing);
        for (size_t material = 0; material < entry->material_count; material++) {
            const char *name = entry->materials [material];
            if (!text_list_contains (&item->materials, name, strlen (name)))
                wire_pack_str (packer, name);
        }
    }
    wire_pack_key (packer, "unknown_items");
    msgpack_pack_array (packer, gaps.unknown);
    for (size_t index = 0; index < state->item_count; index++) {
        const case_item_t *item = &state->items [index];
        if (!item->code || !catalog_item (catalog, item->code))
            wire_pack_str (packer, item->code? item->code: "");
    }
    wire_pack_key (packer, "problems");
    msgpack_pack_array (packer, gaps.problems);
    for (size_t index = 0; index < state->item_count; index++) {
        const case_item_t *item = &state->items [index];
        const catalog_item_t *entry = item->code? catalog_item (catalog, item->code): NULL;
        intake_problem_t problems [PROBLEMS_PER_ITEM];
        size_t count = entry? s_item_problems (state, item, entry, catalog, problems): 0;
        for (size_t problem = 0; problem < count; problem++) {
            msgpack_pack_map (packer, 3);
            wire_pack_key (packer, "item");
            wire_pack_str (packer, item->code);
            wire_pack_key (packer, "kind");
            wire_pack_str (packer, problems [problem].kind);
            wire_pack_key (packer, "problem");
            wire_pack_str (packer, problems [problem].text);
        }
    }
}

static void
s_pack_step (const intake_step_t *step, const case_state_t *state, catalog_t *catalog,
             msgpack_packer *packer)
{
    const case_item_t *item = step->item;
    const catalog_item_t *entry = step->entry;
    const char *county = s_is_county (item)? s_item_county (state, item): NULL;
    char date [DATE_TEXT_SIZE];
    msgpack_pack_map (packer, county? 13: 11);
    wire_pack_key (packer, "code");
    wire_pack_str (packer, entry->code);
    wire_pack_key (packer, "name");
    wire_pack_str (packer, entry->name);
    wire_pack_key (packer, "department");
    wire_pack_str (packer, entry->department);
    wire_pack_key (packer, "level");
    wire_pack_str (packer, item->level);
    if (county) {
        wire_pack_key (packer, "county");
        wire_pack_str (packer, county);
        wire_pack_key (packer, "office");
        wire_pack_str (packer, catalog_county_office (catalog, county));
    }
    wire_pack_key (packer, "limit_days");
    msgpack_pack_int (packer, entry->limit_days);
    wire_pack_key (packer, "after");
    msgpack_pack_array (packer, step->after_count);
    for (size_t index = 0; index < step->after_count; index++)
        wire_pack_str (packer, step->after [index]);
    wire_pack_key (packer, "limit_unit");
    wire_pack_str (packer, catalog_limit_unit_name (entry->limit_unit));
    wire_pack_key (packer, "limit_kind");
    wire_pack_str (packer, catalog_limit_kind_name (entry->limit_kind));
    wire_pack_key (packer, "stage");
    wire_pack_str (packer, entry->stage);
    wire_pack_key (packer, "group");
    msgpack_pack_int (packer, step->group);
    wire_pack_key (packer, "planned_done");
    wire_pack_str (packer, date_format (step->done, date));
}

//  case.accepted {agent, items, expected_done} plus agent_name and
//  provisional (the prediction runs past the known holiday calendar).
static daiban_code_t
s_accept (const worker_dispatch_t *dispatch, const worker_context_t *context,
          worker_output_t *output, daiban_error_t *err)
{
    const catalog_agent_t *agent = intake_choose_agent (context->catalog, dispatch);
    intake_plan_t plan;
    daiban_code_t code = intake_plan_make (&plan, dispatch->state, context->catalog,
                                           context->calendar, date_from_ms (dispatch->now), err);
    if (code)
        return code;
    char date [DATE_TEXT_SIZE];
    msgpack_packer *packer = worker_output_emit (output, "case.accepted", dispatch->case_id);
    msgpack_pack_map (packer, 5);
    wire_pack_key (packer, "agent");
    wire_pack_str (packer, agent->id);
    wire_pack_key (packer, "agent_name");
    wire_pack_str (packer, agent->name);
    wire_pack_key (packer, "items");
    msgpack_pack_array (packer, plan.count);
    for (size_t index = 0; index < plan.count; index++)
        s_pack_step (&plan.steps [index], dispatch->state, context->catalog, packer);
    wire_pack_key (packer, "expected_done");
    wire_pack_str (packer, date_format (plan.expected_done, date));
    wire_pack_key (packer, "provisional");
    if (plan.provisional)
        msgpack_pack_true (packer);
    else
        msgpack_pack_false (packer);
    log_info ("case %s accepted: agent %s, %zu items, expected done %s", dispatch->case_id,
              agent->id, plan.count, date);
    intake_plan_release (&plan);
    return DAIBAN_OK;
}

daiban_code_t
intake_decide (const worker_dispatch_t *dispatch, const worker_context_t *context,
               worker_output_t *output, daiban_error_t *err)
{
    const case_state_t *state = dispatch->state;
    if (!state) {
        //  The broker refuses these events for unknown cases: nothing to do.
        log_warning ("%s for unknown case %s: ignored", dispatch->type, dispatch->case_id);
        return DAIBAN_OK;
    }
    if (state->status != CASE_REGISTERED && state->status != CASE_RETURNED)
        return DAIBAN_OK;       //  decided already: acceptance is final
    intake_gaps_t gaps = s_count_gaps (state, context->catalog);
    if (gaps.unknown || gaps.missing || gaps.problems) {
        s_emit_returned (dispatch, context->catalog, gaps, output);
        log_info ("case %s returned: %zu items miss materials, %zu unknown, %zu problems",
                  dispatch->case_id, gaps.missing, gaps.unknown, gaps.problems);
        return DAIBAN_OK;
    }
    if (state->item_count == 0)
        return daiban_error_set (err, DAIBAN_CONFLICT, "case %s has no items", dispatch->case_id);
    return s_accept (dispatch, context, output, err);
}
