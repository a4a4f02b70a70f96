/*  date: civil dates in China Standard Time (see date.h). */
#include "date.h"

#include <assert.h>
#include <stddef.h>

static int
s_days_in_month (int year, int month)
{
    static const int days [] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap? 29: days [month - 1];
}

bool
date_is_valid (int year, int month, int day)
{
    return year >= 1 && year <= 9999 && month >= 1 && month <= 12
        && day >= 1 && day <= s_days_in_month (year, month);
}

//  The day-number conversions count in 400-year eras of 146097 days from
//  0000-03-01, so that the leap day is the last day of each counted year.
//  Years 1..9999 keep every quantity positive.
date_t
date_from_civil (int year, int month, int day)
{
    assert (date_is_valid (year, month, day));
    year -= month <= 2;
    int era = year / 400;
    int year_of_era = year - era * 400;
    int day_of_year = (153 * (month > 2? month - 3: month + 9) + 2) / 5 + day - 1;
    int day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return era * 146097 + day_of_era - 719468;
}

void
date_to_civil (date_t date, int *year, int *month, int *day)
{
    assert (date >= DATE_MIN && date <= DATE_MAX);
    int days = date + 719468;
    int era = days / 146097;
    int day_of_era = days - era * 146097;
    int year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36524
                       - day_of_era / 146096) / 365;
    int day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    int month_index = (5 * day_of_year + 2) / 153;
    *day = day_of_year - (153 * month_index + 2) / 5 + 1;
    *month = month_index < 10? month_index + 3: month_index - 9;
    *year = year_of_era + era * 400 + (*month <= 2);
}

int
date_year (date_t date)
{
    int year, month, day;
    date_to_civil (date, &year, &month, &day);
    return year;
}

//  The number written by count digits at text (already checked to be digits).
static int
s_number (const char *text, int count)
{
    int number = 0;
    for (int index = 0; index < count; index++)
        number = number * 10 + (text [index] - '0');
    return number;
}

daiban_code_t
date_parse (const char *text, date_t *date, daiban_error_t *err)
{
    if (!text)
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "missing date (expected YYYY-MM-DD)");
    static const char pattern [] = "dddd-dd-dd";
    size_t index = 0;
    for (; pattern [index] && text [index]; index++) {
        bool digit = text [index] >= '0' && text [index] <= '9';
        if (pattern [index] == 'd'? !digit: text [index] != '-')
            break;
    }
    if (pattern [index] || text [index])
        return daiban_error_set (err, DAIBAN_BAD_REQUEST,
                                 "bad date \"%.40s\": expected YYYY-MM-DD", text);
    int year = s_number (text, 4);
    int month = s_number (text + 5, 2);
    int day = s_number (text + 8, 2);
    if (!date_is_valid (year, month, day))
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "bad date \"%s\": no such day", text);
    *date = date_from_civil (year, month, day);
    return DAIBAN_OK;
}

//  Writes value as count decimal digits, with leading zeros.
static void
s_digits (char *text, int value, int count)
{
    for (int index = count - 1; index >= 0; index--, value /= 10)
        text [index] = (char) ('0' + value % 10);
}

char *
date_format (date_t date, char *buffer)
{
    int year, month, day;
    date_to_civil (date, &year, &month, &day);
    s_digits (buffer, year, 4);
    s_digits (buffer + 5, month, 2);
    s_digits (buffer + 8, day, 2);
    buffer [4] = buffer [7] = '-';
    buffer [10] = 0;
    return buffer;
}

int
date_weekday (date_t date)
{
    //  Day 0 was a Thursday (4); C's % keeps the sign of negative dates.
    return ((date % 7 + 7) % 7 + 3) % 7 + 1;
}

bool
date_is_weekend (date_t date)
{
    return date_weekday (date) >= 6;
}

date_t
date_from_ms (int64_t ms)
{
    //  Floor division first, then the offset on the remainder, so that
    //  no sum can overflow whatever ms is.
    int64_t days = ms / DATE_DAY_MS;
    int64_t rest = ms % DATE_DAY_MS;
    if (rest < 0) {
        days--;
        rest += DATE_DAY_MS;
    }
    if (rest + DATE_CST_OFFSET_MS >= DATE_DAY_MS)
        days++;
    return days < DATE_MIN? DATE_MIN: days > DATE_MAX? DATE_MAX: (date_t) days;
}

int64_t
date_start_ms (date_t date)
{
    return (int64_t) date * DATE_DAY_MS - DATE_CST_OFFSET_MS;
}

int64_t
date_end_ms (date_t date)
{
    return date_start_ms (date) + DATE_DAY_MS;
}

int64_t
date_at_ms (date_t date, int hour, int minute)
{
    assert (hour >= 0 && hour <= 24 && minute >= 0 && minute < 60);
    return date_start_ms (date) + hour * DATE_HOUR_MS + minute * INT64_C (60000);
}
