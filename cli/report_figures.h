/*  report_figures: the figures of the periodic report to the 专班 (定期报送,
    docs/archive.md) for a period of dates and for the period of the same
    length before it, computed from the event log alone (fed in seq order)
    and the agents' capacities: cases registered, accepted, returned for
    gaps, closed and open at the end; items decided on time and late by
    department and by county; working days used against the limit per
    item; items overdue at the end; reminders per department; escalations
    by level with the time to acknowledgement; agent load. Pure: the same
    events give the same figures, whenever the report is made. */
#ifndef DAIBAN_REPORT_FIGURES_H
#define DAIBAN_REPORT_FIGURES_H

#include <jansson.h>
#include "calendar.h"
#include "date.h"

typedef struct _report_figures_t report_figures_t;

//  The period is from..to (CST dates, both included); today is the date
//  the report is made: a period not over yet counts days overdue up to
//  today, not up to its end (a period over counts them up to its end, so
//  its figures never change). agents is [{id, name, capacity}] (the
//  roster), calendar counts working days.
report_figures_t *report_figures_new (date_t from, date_t to, date_t today,
                                      calendar_t *calendar, json_t *agents);
void report_figures_destroy (report_figures_t **self_p);

//  One committed event; events come in seq order. Events after the end of
//  the period change nothing.
void report_figures_add (report_figures_t *self, json_t *event);

//  {"from", "to", "as_of", "previous_from", "previous_to", "current": {figures},
//  "previous": {figures}} (docs/archive.md lists the figures); a new
//  reference.
json_t *report_figures_result (report_figures_t *self);

#endif
