/*  report_fold: what the periodic report needs to know of each case, item
    and alert, folded from the event log in seq order: the case's county
    and agent and when it was accepted and closed; each item's department,
    limit, release, due date, paused days, decision and escalation level;
    each alert's level and when it was raised and acknowledged. A pure
    function of the events it was given: the report of a past period can
    be made again and gives the same figures. */
#ifndef DAIBAN_REPORT_FOLD_H
#define DAIBAN_REPORT_FOLD_H

#include <czmq.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include "date.h"

typedef struct {
    char *code, *name, *department;
    int limit_days;
    int64_t released;           //  ms of item.submitted/transferred; 0: not released
    date_t due;                 //  the latest item.deadline_set; 0 (none) until then
    bool has_due;
    int paused_days;
    int64_t decided;            //  ms of item.approved/rejected/withdrawn; 0: open
    bool withdrawn;
    int escalation;             //  highest level raised
} report_item_t;

typedef struct {
    char *id, *county, *agent;
    int64_t registered, accepted, closed;       //  ms; 0: not (yet)
    report_item_t *items;
    size_t item_count;
} report_case_t;

typedef struct {
    int level;
    int64_t raised, acknowledged;               //  ms; acknowledged 0: open
} report_alert_t;

typedef struct _report_fold_t report_fold_t;

report_fold_t *report_fold_new (void);
void report_fold_destroy (report_fold_t **self_p);

//  Applies one event (a committed event as `history` returns it).
void report_fold_add (report_fold_t *self, json_t *event);

report_case_t *report_fold_case (report_fold_t *self, const char *case_id);
report_item_t *report_fold_item (report_case_t *state, const char *code);
//  Every case and alert, in no particular order.
zhashx_t *report_fold_cases (report_fold_t *self);
zhashx_t *report_fold_alerts (report_fold_t *self);

#endif
