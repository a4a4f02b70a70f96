/*  calendar: China's working days, from the State Council's yearly
    arrangement of holidays and make-up working days (DOMAIN.md §7).
    A working day is a Monday to Friday not declared off, or a Saturday or
    Sunday declared a make-up working day (调休上班). The arrangement is
    data, one file per notice year: config/calendar/YYYY.cfg, embedded at
    build time, plus the files of the directory "calendar/dir" when the
    configuration names one (docs/calendar.md).

    Past the last year covered, and before the first, nobody knows the
    holidays yet: answers there are estimates (weekends only) and every
    function that examines such a day says so through *provisional, so
    that deadlines can be flagged and recomputed when the notice appears.
    Each call sets *provisional (true or false); it may be NULL.

    The calendar is read-only once built: one instance can serve every
    thread. Lookups are a table index, and no call allocates. */
#ifndef DAIBAN_CALENDAR_H
#define DAIBAN_CALENDAR_H

#include <stdbool.h>
#include "config.h"
#include "date.h"
#include "daiban_error.h"

//  The largest count the counting functions accept: a century. Limits
//  come from outside (catalog, events); this bounds the work per call.
#define CALENDAR_DAYS_MAX 36500

typedef struct _calendar_t calendar_t;

//  Loads every embedded calendar/*.cfg and then, when config (which may
//  be NULL) sets "calendar/dir", every *.cfg file in that directory; a
//  file for a year already loaded replaces it. A file that does not
//  parse or check is an error naming the file and the line or date.
calendar_t *calendar_new (config_t *config, daiban_error_t *err);
void calendar_destroy (calendar_t **self_p);

//  The first and last year that have a file (0 when none has).
int calendar_first_known_year (calendar_t *self);
int calendar_last_known_year (calendar_t *self);

bool calendar_is_working_day (calendar_t *self, date_t date, bool *provisional);

//  The holiday a file lists date under ("春节"), off day or make-up day;
//  NULL for a date no file lists. Owned by the calendar.
const char *calendar_holiday_name (calendar_t *self, date_t date);

//  The first working day strictly after date ("09:00 of the next working
//  day"). Never goes past DATE_MAX.
date_t calendar_next_working_day (calendar_t *self, date_t date, bool *provisional);

//  The days-th working day strictly after date: the due date of a limit
//  in working days. The start date never counts, working day or not;
//  0 days gives date itself. days must be 0..CALENDAR_DAYS_MAX.
daiban_code_t calendar_add_working_days (calendar_t *self, date_t date, int days,
                                         date_t *result, bool *provisional,
                                         daiban_error_t *err);

//  The days-th working day strictly before date: the warn date, "days
//  working days before due". For a working day d,
//  add_working_days (subtract_working_days (d, n), n) is d again.
daiban_code_t calendar_subtract_working_days (calendar_t *self, date_t date, int days,
                                              date_t *result, bool *provisional,
                                              daiban_error_t *err);

//  date plus days calendar days, moved on to the next working day when it
//  is not one: the due date of a limit in calendar days ("days").
daiban_code_t calendar_add_days (calendar_t *self, date_t date, int days,
                                 date_t *result, bool *provisional,
                                 daiban_error_t *err);

//  The working days strictly after from, up to and including to; 0 when
//  to <= from. Gives days_left, days_over and the paused days.
int calendar_working_days_between (calendar_t *self, date_t from, date_t to,
                                   bool *provisional);

#endif
