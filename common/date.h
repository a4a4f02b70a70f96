/*  date: civil dates in China Standard Time (UTC+8, no daylight saving),
    the only time zone daiban knows (DESIGN.md, Time). A date is a day
    number, so comparing, subtracting and stepping dates is integer
    arithmetic; the text form is "YYYY-MM-DD" (PROTOCOL.md). */
#ifndef DAIBAN_DATE_H
#define DAIBAN_DATE_H

#include <stdbool.h>
#include <stdint.h>
#include "daiban_error.h"

//  Days since 1970-01-01 (day 0, a Thursday). The day after d is d + 1.
typedef int32_t date_t;

//  The range that "YYYY-MM-DD" can write: 0001-01-01 .. 9999-12-31.
#define DATE_MIN (-719162)
#define DATE_MAX 2932896

#define DATE_TEXT_SIZE 11                   //  "YYYY-MM-DD" and its NUL
#define DATE_HOUR_MS INT64_C (3600000)
#define DATE_DAY_MS (24 * DATE_HOUR_MS)
#define DATE_CST_OFFSET_MS (8 * DATE_HOUR_MS)

//  Parses exactly "YYYY-MM-DD" (four, two and two digits, a real day of
//  the Gregorian calendar); anything else is a bad_request naming the text.
daiban_code_t date_parse (const char *text, date_t *date, daiban_error_t *err);

//  Writes "YYYY-MM-DD" into buffer (DATE_TEXT_SIZE bytes) and returns it,
//  so that it can sit inside a printf argument list.
char *date_format (date_t date, char *buffer);

//  True when year-month-day is a day of the calendar (year 1..9999).
bool date_is_valid (int year, int month, int day);

//  The date of a valid year-month-day (asserted: check with date_is_valid).
date_t date_from_civil (int year, int month, int day);
void date_to_civil (date_t date, int *year, int *month, int *day);
int date_year (date_t date);

//  ISO day of the week: 1 = Monday .. 6 = Saturday, 7 = Sunday.
int date_weekday (date_t date);
bool date_is_weekend (date_t date);

//  The CST date of a Unix time in milliseconds, clamped to DATE_MIN..DATE_MAX.
date_t date_from_ms (int64_t ms);

//  Unix times in milliseconds of 00:00 CST on date, of its end (24:00 CST,
//  which is 00:00 of the next day: a time is within the date while it is
//  below this), and of hour:minute CST on date ("09:00 on the warn date").
int64_t date_start_ms (date_t date);
int64_t date_end_ms (date_t date);
int64_t date_at_ms (date_t date, int hour, int minute);

#endif
