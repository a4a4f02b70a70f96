/*  test_calendar: civil dates in CST and the working-day calendar, by
    tables of cases (DOMAIN.md §7, PROTOCOL.md "Workflow semantics"), and
    the project's year files checked date by date against the shared
    holiday data (shared/data/holidays/, when that folder is there). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "calendar.h"
#include "date.h"

static calendar_t *s_calendar;

static date_t
s_date (const char *text)
{
    date_t date = 0;
    daiban_error_t err = { 0 };
    if (date_parse (text, &date, &err))
        fail_msg ("%s", err.message);
    return date;
}

static int
s_setup (void **state)
{
    (void) state;
    daiban_error_t err = { 0 };
    s_calendar = calendar_new (NULL, &err);
    if (!s_calendar)
        fprintf (stderr, "calendar_new: %s\n", err.message);
    return s_calendar? 0: -1;
}

static int
s_teardown (void **state)
{
    (void) state;
    calendar_destroy (&s_calendar);
    calendar_destroy (&s_calendar);     //  safe twice
    return 0;
}

//  --- Dates -------------------------------------------------------------

static void
test_date_parse_and_format (void **state)
{
    (void) state;
    struct { const char *text; date_t date; int weekday; } cases [] = {
        { "1970-01-01", 0, 4 },
        { "1969-12-31", -1, 3 },
        { "2025-10-09", 20370, 4 },
        { "2024-02-29", 19782, 4 },
        { "0001-01-01", DATE_MIN, 1 },
        { "9999-12-31", DATE_MAX, 5 },
        { "2026-02-14", 20498, 6 },
        { "2026-01-04", 20457, 7 },
    };
    for (size_t index = 0; index < sizeof cases / sizeof cases [0]; index++) {
        char buffer [DATE_TEXT_SIZE];
        assert_int_equal (s_date (cases [index].text), cases [index].date);
        assert_string_equal (date_format (cases [index].date, buffer), cases [index].text);
        assert_int_equal (date_weekday (cases [index].date), cases [index].weekday);
        assert_int_equal (date_is_weekend (cases [index].date), cases [index].weekday >= 6);
    }
    //  Every day of three centuries: text, civil fields and weekday agree.
    date_t date = s_date ("1900-01-01");
    int weekday = date_weekday (date);
    for (int year = 1900; year < 2200; year++)
        for (int month = 1; month <= 12; month++)
            for (int day = 1; date_is_valid (year, month, day); day++, date++) {
                char text [32], buffer [DATE_TEXT_SIZE];
                snprintf (text, sizeof text, "%04d-%02d-%02d", year, month, day);
                assert_int_equal (date_from_civil (year, month, day), date);
                assert_string_equal (date_format (date, buffer), text);
                assert_int_equal (date_year (date), year);
                assert_int_equal (date_weekday (date), weekday);
                weekday = weekday % 7 + 1;
            }
    assert_int_equal (date, s_date ("2200-01-01"));
}

static void
test_date_parse_rejects_bad_text (void **state)
{
    (void) state;
    const char *bad [] = {
        "", "2025", "2025-1-01", "2025-01-1", "25-01-01", "2025/01/01", "20250101",
        "2025-13-01", "2025-00-10", "2025-01-00", "2025-01-32", "2025-02-29", "2100-02-29",
        "2024-04-31", "0000-01-01", " 2025-01-01", "2025-01-01 ", "2025-01-01T00:00",
        "+025-01-01", "2025-1a-01", "abcd-ef-gh", "2025--01-01", "2025-01-01\n",
    };
    for (size_t index = 0; index < sizeof bad / sizeof bad [0]; index++) {
        date_t date = 12345;
        daiban_error_t err = { 0 };
        assert_int_equal (date_parse (bad [index], &date, &err), DAIBAN_BAD_REQUEST);
        assert_int_equal (err.code, DAIBAN_BAD_REQUEST);
        assert_non_null (strstr (err.message, "bad date"));
        assert_int_equal (date, 12345);     //  untouched on error
    }
    daiban_error_t err = { 0 };
    date_t date;
    assert_int_equal (date_parse (NULL, &date, &err), DAIBAN_BAD_REQUEST);
    assert_int_equal (date_parse ("2025-02-30", &date, &err), DAIBAN_BAD_REQUEST);
    assert_string_equal (err.message, "bad date \"2025-02-30\": no such day");
    assert_int_equal (date_parse ("2025/02/03", &date, &err), DAIBAN_BAD_REQUEST);
    assert_string_equal (err.message, "bad date \"2025/02/03\": expected YYYY-MM-DD");
}

static void
test_date_china_standard_time (void **state)
{
    (void) state;
    struct { int64_t ms; const char *date; } cases [] = {
        { 0, "1970-01-01" },                        //  08:00 CST
        { -8 * DATE_HOUR_MS, "1970-01-01" },        //  00:00 CST
        { -8 * DATE_HOUR_MS - 1, "1969-12-31" },
        { 16 * DATE_HOUR_MS - 1, "1970-01-01" },    //  23:59:59.999 CST
        { 16 * DATE_HOUR_MS, "1970-01-02" },
        { INT64_C (1759939200000), "2025-10-09" },  //  2025-10-08T16:00Z
        { INT64_C (1759939199999), "2025-10-08" },
        { INT64_C (1760025599999), "2025-10-09" },
        { INT64_MAX, "9999-12-31" },                //  clamped
        { INT64_MIN, "0001-01-01" },
    };
    for (size_t index = 0; index < sizeof cases / sizeof cases [0]; index++)
        assert_int_equal (date_from_ms (cases [index].ms), s_date (cases [index].date));

    date_t date = s_date ("2025-10-09");
    assert_int_equal (date_start_ms (date), INT64_C (1759939200000));
    assert_int_equal (date_end_ms (date), INT64_C (1759939200000) + DATE_DAY_MS);
    assert_int_equal (date_at_ms (date, 9, 0), INT64_C (1759971600000));
    assert_int_equal (date_at_ms (date, 24, 0), date_end_ms (date));
    assert_int_equal (date_start_ms (s_date ("2026-02-24")), INT64_C (1771862400000));
    for (date = s_date ("2023-01-01"); date < s_date ("2027-01-01"); date++) {
        assert_int_equal (date_from_ms (date_start_ms (date)), date);
        assert_int_equal (date_from_ms (date_end_ms (date) - 1), date);
        assert_int_equal (date_from_ms (date_end_ms (date)), date + 1);
    }
}

//  --- Working days ------------------------------------------------------

typedef struct {
    const char *start;
    int days;
    const char *expected;
    bool provisional;
    const char *why;
} count_case_t;

static void
s_check_add_working_days (const count_case_t *cases, size_t count)
{
    for (size_t index = 0; index < count; index++) {
        const count_case_t *test = &cases [index];
        date_t result = 0;
        bool provisional = !test->provisional;
        daiban_error_t err = { 0 };
        assert_int_equal (calendar_add_working_days (s_calendar, s_date (test->start), test->days,
                                                     &result, &provisional, &err), DAIBAN_OK);
        char buffer [DATE_TEXT_SIZE];
        if (result != s_date (test->expected) || provisional != test->provisional)
            fail_msg ("%s + %d wd (%s): got %s%s, expected %s%s", test->start, test->days,
                      test->why, date_format (result, buffer), provisional? " provisional": "",
                      test->expected, test->provisional? " provisional": "");
        //  The same span counted the other way gives the count back.
        assert_int_equal (calendar_working_days_between (s_calendar, s_date (test->start),
                                                         result, &provisional), test->days);
        assert_int_equal (provisional, test->provisional);
    }
}

static void
test_domain_examples (void **state)
{
    (void) state;
    count_case_t cases [] = {
        { "2025-09-29", 2, "2025-10-09", false, "8-day National Day break" },
        { "2026-02-12", 3, "2026-02-24", false, "make-up Saturday 02-14, break 02-15..02-23" },
        { "2025-12-30", 2, "2026-01-04", false, "make-up Sunday 2026-01-04" },
        { "2024-05-06", 20, "2024-05-31", false, "make-up Saturday 05-11" },
    };
    s_check_add_working_days (cases, sizeof cases / sizeof cases [0]);
}

static void
test_holiday_breaks (void **state)
{
    (void) state;
    count_case_t cases [] = {
        //  Spring Festival
        { "2023-01-20", 1, "2023-01-28", false, "2023 break 01-21..01-27, make-up Saturday" },
        { "2023-01-27", 2, "2023-01-29", false, "make-up Saturday and Sunday in a row" },
        { "2023-01-27", 3, "2023-01-30", false, "then Monday" },
        { "2024-02-03", 1, "2024-02-04", false, "make-up Sunday before the 2024 break" },
        { "2024-02-09", 1, "2024-02-18", false, "2024 break 02-10..02-17, make-up Sunday" },
        { "2025-01-24", 1, "2025-01-26", false, "make-up Sunday before the 2025 break" },
        { "2025-01-27", 1, "2025-02-05", false, "2025 break 01-28..02-04 (除夕 added)" },
        { "2025-02-07", 1, "2025-02-08", false, "make-up Saturday after the 2025 break" },
        { "2026-02-13", 1, "2026-02-14", false, "make-up Saturday before the 9-day break" },
        { "2026-02-14", 1, "2026-02-24", false, "9-day break 02-15..02-23" },
        { "2026-02-27", 1, "2026-02-28", false, "make-up Saturday after it" },
        //  National Day
        { "2023-09-28", 1, "2023-10-07", false, "2023 break 09-29..10-06" },
        { "2024-09-27", 1, "2024-09-29", false, "make-up Sunday 2024-09-29" },
        { "2024-09-29", 1, "2024-09-30", false, "Monday" },
        { "2024-09-30", 1, "2024-10-08", false, "2024 break 10-01..10-07" },
        { "2024-10-11", 1, "2024-10-12", false, "make-up Saturday 2024-10-12" },
        { "2025-09-26", 1, "2025-09-28", false, "make-up Sunday 2025-09-28" },
        { "2025-10-10", 1, "2025-10-11", false, "make-up Saturday 2025-10-11" },
        { "2026-09-18", 1, "2026-09-20", false, "make-up Sunday 2026-09-20" },
        { "2026-09-30", 1, "2026-10-08", false, "2026 break 10-01..10-07" },
        { "2026-10-09", 1, "2026-10-10", false, "make-up Saturday 2026-10-10" },
        //  Year boundaries
        { "2022-12-30", 1, "2023-01-03", false, "2022-12-31 is listed by the 2023 notice" },
        { "2023-12-29", 1, "2024-01-02", false, "New Year's Day 2024" },
        { "2024-12-31", 1, "2025-01-02", false, "New Year's Day 2025" },
        { "2025-12-31", 1, "2026-01-04", false, "2026-01-01..01-03 off" },
        { "2026-12-28", 3, "2026-12-31", false, "last known day" },
        //  The start never counts, not even on a holiday or a make-up day
        { "2025-10-01", 1, "2025-10-09", false, "start on National Day" },
        { "2025-10-04", 1, "2025-10-09", false, "start on a Saturday inside the break" },
        { "2025-10-08", 1, "2025-10-09", false, "start on the break's last day" },
        { "2025-10-11", 1, "2025-10-13", false, "start on a make-up Saturday" },
        { "2025-10-09", 0, "2025-10-09", false, "0 days is the start itself" },
        { "2025-10-05", 0, "2025-10-05", false, "0 days, even on a holiday" },
        //  1, 5, 20, 60, 120 working days
        { "2025-09-29", 1, "2025-09-30", false, "" },
        { "2025-09-29", 5, "2025-10-13", false, "" },
        { "2025-09-29", 20, "2025-11-03", false, "" },
        { "2025-09-29", 60, "2025-12-29", false, "" },
        { "2025-09-29", 120, "2026-03-30", false, "across the Spring Festival" },
        { "2024-01-31", 1, "2024-02-01", false, "" },
        { "2024-01-31", 5, "2024-02-06", false, "" },
        { "2024-01-31", 20, "2024-03-04", false, "" },
        { "2024-01-31", 60, "2024-04-29", false, "" },
        { "2024-01-31", 120, "2024-07-25", false, "" },
        { "2023-04-20", 1, "2023-04-21", false, "" },
        { "2023-04-20", 5, "2023-04-26", false, "make-up Sunday 04-23, break 04-29..05-03" },
        { "2023-04-20", 20, "2023-05-19", false, "" },
        { "2023-04-20", 60, "2023-07-17", false, "" },
        { "2023-04-20", 120, "2023-10-13", false, "" },
        //  Outside the known years: weekends only, provisional
        { "2026-09-18", 120, "2027-03-11", true, "runs into 2027" },
        { "2026-12-30", 2, "2027-01-01", true, "2027-01-01 estimated a working day" },
        { "2026-11-20", 60, "2027-02-12", true, "" },
        { "2022-06-01", 1, "2022-06-02", true, "before the first year" },
        { "2026-12-31", 0, "2026-12-31", false, "nothing examined" },
    };
    s_check_add_working_days (cases, sizeof cases / sizeof cases [0]);
}

static void
test_is_working_day (void **state)
{
    (void) state;
    struct { const char *date; bool working; bool provisional; } cases [] = {
        { "2026-02-13", true, false },      //  Friday
        { "2026-02-14", true, false },      //  make-up Saturday
        { "2026-02-15", false, false },     //  Spring Festival, Sunday
        { "2026-02-16", false, false },     //  Spring Festival, Monday
        { "2026-02-23", false, false },     //  Spring Festival, Monday
        { "2026-02-24", true, false },
        { "2026-02-28", true, false },      //  make-up Saturday
        { "2026-03-01", false, false },     //  ordinary Sunday
        { "2025-05-02", false, false },     //  5月2日, statutory since 2025
        { "2024-05-02", false, false },     //  a swapped rest day in 2024
        { "2023-06-25", true, false },      //  make-up Sunday
        { "2022-12-31", false, false },     //  listed by the 2023 notice
        { "2022-12-30", true, true },       //  2022 itself is not covered
        { "2027-01-01", true, true },       //  unknown: follows the week
        { "2027-01-02", false, true },
        { "2030-10-01", true, true },
    };
    for (size_t index = 0; index < sizeof cases / sizeof cases [0]; index++) {
        bool provisional = !cases [index].provisional;
        if (calendar_is_working_day (s_calendar, s_date (cases [index].date), &provisional)
                != cases [index].working || provisional != cases [index].provisional)
            fail_msg ("%s: expected %s%s", cases [index].date,
                      cases [index].working? "working": "off",
                      cases [index].provisional? " (provisional)": "");
        calendar_is_working_day (s_calendar, s_date (cases [index].date), NULL);
    }
    assert_int_equal (calendar_first_known_year (s_calendar), 2023);
    assert_int_equal (calendar_last_known_year (s_calendar), 2026);
    assert_string_equal (calendar_holiday_name (s_calendar, s_date ("2026-02-14")), "春节");
    assert_string_equal (calendar_holiday_name (s_calendar, s_date ("2025-10-08")),
                         "国庆节、中秋节");
    assert_string_equal (calendar_holiday_name (s_calendar, s_date ("2022-12-31")), "元旦");
    assert_null (calendar_holiday_name (s_calendar, s_date ("2026-03-02")));
    assert_null (calendar_holiday_name (s_calendar, s_date ("2030-10-01")));
}

static void
test_subtract_and_next (void **state)
{
    (void) state;
    count_case_t cases [] = {
        { "2025-10-09", 2, "2025-09-29", false, "warn date before National Day" },
        { "2026-02-24", 3, "2026-02-12", false, "across the 9-day break" },
        { "2025-01-27", 1, "2025-01-26", false, "make-up Sunday" },
        { "2024-05-31", 20, "2024-05-06", false, "" },
        { "2025-10-09", 0, "2025-10-09", false, "" },
        { "2023-01-03", 1, "2022-12-30", true, "2022-12-30 is not covered" },
        { "2027-01-05", 3, "2026-12-31", true, "from 2027" },
    };
    for (size_t index = 0; index < sizeof cases / sizeof cases [0]; index++) {
        date_t result = 0;
        bool provisional = !cases [index].provisional;
        assert_int_equal (calendar_subtract_working_days (s_calendar, s_date (cases [index].start),
                          cases [index].days, &result, &provisional, NULL), DAIBAN_OK);
        assert_int_equal (result, s_date (cases [index].expected));
        assert_int_equal (provisional, cases [index].provisional);
    }
    struct { const char *date, *next; bool provisional; } next [] = {
        { "2025-09-30", "2025-10-09", false },
        { "2025-10-03", "2025-10-09", false },
        { "2026-02-13", "2026-02-14", false },
        { "2024-05-10", "2024-05-11", false },
        { "2024-05-11", "2024-05-13", false },
        { "2026-12-31", "2027-01-01", true },
    };
    for (size_t index = 0; index < sizeof next / sizeof next [0]; index++) {
        bool provisional = !next [index].provisional;
        assert_int_equal (calendar_next_working_day (s_calendar, s_date (next [index].date),
                                                     &provisional), s_date (next [index].next));
        assert_int_equal (provisional, next [index].provisional);
    }
}

static void
test_add_calendar_days (void **state)
{
    (void) state;
    count_case_t cases [] = {
        { "2025-09-25", 7, "2025-10-09", false, "lands on 10-02: moved past the break" },
        { "2025-01-20", 6, "2025-01-26", false, "lands on a make-up Sunday: stays" },
        { "2024-05-06", 5, "2024-05-11", false, "lands on a make-up Saturday: stays" },
        { "2024-05-06", 6, "2024-05-13", false, "lands on a Sunday: Monday" },
        { "2025-10-05", 0, "2025-10-09", false, "0 days on a holiday" },
        { "2026-03-02", 30, "2026-04-01", false, "a working day: as is" },
        { "2026-12-01", 30, "2026-12-31", false, "" },
        { "2026-12-01", 31, "2027-01-01", true, "lands past the last year" },
        { "2026-12-19", 14, "2027-01-04", true, "lands on 2027-01-02, moved on" },
    };
    for (size_t index = 0; index < sizeof cases / sizeof cases [0]; index++) {
        date_t result = 0;
        bool provisional = !cases [index].provisional;
        assert_int_equal (calendar_add_days (s_calendar, s_date (cases [index].start),
                          cases [index].days, &result, &provisional, NULL), DAIBAN_OK);
        char buffer [DATE_TEXT_SIZE];
        if (result != s_date (cases [index].expected) || provisional != cases [index].provisional)
            fail_msg ("%s + %d days (%s): got %s", cases [index].start, cases [index].days,
                      cases [index].why, date_format (result, buffer));
    }
}

static void
test_working_days_between (void **state)
{
    (void) state;
    struct { const char *from, *to; int count; bool provisional; } cases [] = {
        { "2025-09-29", "2025-10-09", 2, false },
        { "2025-10-09", "2025-09-29", 0, false },       //  to before from
        { "2025-10-09", "2025-10-09", 0, false },
        { "2025-10-01", "2025-10-08", 0, false },       //  all inside the break
        { "2025-10-08", "2025-10-09", 1, false },
        { "2025-12-30", "2026-01-04", 2, false },
        { "2023-01-01", "2023-12-31", 249, false },     //  working days of each year
        { "2024-01-01", "2024-12-31", 251, false },
        { "2025-01-01", "2025-12-31", 248, false },
        { "2026-01-01", "2026-12-31", 248, false },
        { "2026-12-01", "2027-01-31", 43, true },
        { "2026-12-31", "2027-01-01", 1, true },
    };
    for (size_t index = 0; index < sizeof cases / sizeof cases [0]; index++) {
        bool provisional = !cases [index].provisional;
        int count = calendar_working_days_between (s_calendar, s_date (cases [index].from),
                                                   s_date (cases [index].to), &provisional);
        if (count != cases [index].count || provisional != cases [index].provisional)
            fail_msg ("%s..%s: %d working days%s", cases [index].from, cases [index].to,
                      count, provisional? " (provisional)": "");
    }
}

//  Every start date of the known years: counting forward, back and
//  between agree with each other.
static void
test_counting_is_consistent (void **state)
{
    (void) state;
    int counts [] = { 1, 2, 5, 20 };
    for (date_t start = s_date ("2023-01-01"); start <= s_date ("2026-11-30"); start++)
        for (size_t index = 0; index < sizeof counts / sizeof counts [0]; index++) {
            date_t due, back;
            bool provisional = true;
            assert_int_equal (calendar_add_working_days (s_calendar, start, counts [index],
                              &due, &provisional, NULL), DAIBAN_OK);
            assert_false (provisional);
            assert_true (calendar_is_working_day (s_calendar, due, NULL));
            assert_int_equal (calendar_working_days_between (s_calendar, start, due, NULL),
                              counts [index]);
            assert_int_equal (calendar_working_days_between (s_calendar, start, due - 1, NULL),
                              counts [index] - 1);
            assert_int_equal (calendar_subtract_working_days (s_calendar, due, counts [index],
                              &back, NULL, NULL), DAIBAN_OK);
            assert_true (back <= start);
            assert_true (calendar_is_working_day (s_calendar, back, NULL));
            if (calendar_is_working_day (s_calendar, start, NULL))
                assert_int_equal (back, start);
        }
}

static void
test_bad_counts (void **state)
{
    (void) state;
    date_t result = 42;
    daiban_error_t err = { 0 };
    date_t date = s_date ("2025-10-09");
    assert_int_equal (calendar_add_working_days (s_calendar, date, -1, &result, NULL, &err),
                      DAIBAN_BAD_REQUEST);
    assert_non_null (strstr (err.message, "-1 days"));
    assert_int_equal (calendar_add_working_days (s_calendar, date, CALENDAR_DAYS_MAX + 1,
                                                 &result, NULL, &err), DAIBAN_BAD_REQUEST);
    assert_int_equal (calendar_subtract_working_days (s_calendar, date, -5, &result, NULL, &err),
                      DAIBAN_BAD_REQUEST);
    assert_int_equal (calendar_add_days (s_calendar, date, -1, &result, NULL, &err),
                      DAIBAN_BAD_REQUEST);
    assert_int_equal (calendar_add_days (s_calendar, DATE_MAX, 1, &result, NULL, &err),
                      DAIBAN_BAD_REQUEST);
    assert_int_equal (calendar_add_working_days (s_calendar, DATE_MAX - 3, 5, &result, NULL,
                                                 &err), DAIBAN_BAD_REQUEST);
    assert_non_null (strstr (err.message, "out of range"));
    assert_int_equal (calendar_subtract_working_days (s_calendar, DATE_MIN + 3, 5, &result,
                                                      NULL, &err), DAIBAN_BAD_REQUEST);
    assert_int_equal (result, 42);
    assert_int_equal (calendar_add_working_days (s_calendar, date, CALENDAR_DAYS_MAX, &result,
                                                 NULL, &err), DAIBAN_OK);
    bool provisional = false;
    assert_int_equal (calendar_next_working_day (s_calendar, DATE_MAX, &provisional), DATE_MAX);
    assert_true (provisional);
}

//  --- calendar/dir ------------------------------------------------------

static char s_directory [64];

static void
s_write (const char *name, const char *text)
{
    char path [256];
    snprintf (path, sizeof path, "%s/%s", s_directory, name);
    FILE *file = fopen (path, "w");
    assert_non_null (file);
    assert_int_equal (fputs (text, file) >= 0, 1);
    assert_int_equal (fclose (file), 0);
}

static void
s_remove_all (void)
{
    DIR *handle = opendir (s_directory);
    assert_non_null (handle);
    struct dirent *entry;
    char path [512];
    while ((entry = readdir (handle)))
        if (entry->d_name [0] != '.') {
            snprintf (path, sizeof path, "%s/%s", s_directory, entry->d_name);
            unlink (path);
        }
    closedir (handle);
}

static calendar_t *
s_calendar_from_directory (const char *directory, daiban_error_t *err)
{
    daiban_error_t config_err = { 0 };
    config_t *config = config_new (NULL, &config_err);
    assert_non_null (config);
    config_set (config, "calendar/dir", directory);
    calendar_t *calendar = calendar_new (config, err);
    config_destroy (&config);
    return calendar;
}

static void
test_calendar_directory (void **state)
{
    (void) state;
    strcpy (s_directory, "/tmp/daiban-calendar-XXXXXX");
    assert_non_null (mkdtemp (s_directory));
    //  Made-up data, not the real 2027 arrangement: a new year, and a
    //  2026 file that replaces the embedded one.
    s_write ("2027.cfg", "#  test\nyear = 2027\nnotice = \"test\"\n"
                         "holiday = \"元旦\"\n    2027-01-01 = off\n"
                         "holiday = test\n    2027-02-06 = work\n    2027-02-08 = off\n");
    s_write ("2026.cfg", "year = 2026\nholiday = replaced\n    2026-03-02 = off\n");
    s_write ("notes.txt", "not a calendar file\n");
    daiban_error_t err = { 0 };
    calendar_t *calendar = s_calendar_from_directory (s_directory, &err);
    if (!calendar)
        fail_msg ("%s", err.message);
    bool provisional = true;
    assert_int_equal (calendar_last_known_year (calendar), 2027);
    assert_int_equal (calendar_first_known_year (calendar), 2023);
    assert_false (calendar_is_working_day (calendar, s_date ("2027-01-01"), &provisional));
    assert_false (provisional);
    assert_true (calendar_is_working_day (calendar, s_date ("2027-02-06"), &provisional));
    assert_false (calendar_is_working_day (calendar, s_date ("2027-02-08"), &provisional));
    assert_true (calendar_is_working_day (calendar, s_date ("2027-06-01"), &provisional));
    assert_false (provisional);
    calendar_is_working_day (calendar, s_date ("2028-01-03"), &provisional);
    assert_true (provisional);
    assert_string_equal (calendar_holiday_name (calendar, s_date ("2027-02-06")), "test");
    //  The embedded 2026 is gone: its holidays are ordinary days now.
    assert_false (calendar_is_working_day (calendar, s_date ("2026-03-02"), &provisional));
    assert_string_equal (calendar_holiday_name (calendar, s_date ("2026-03-02")), "replaced");
    assert_true (calendar_is_working_day (calendar, s_date ("2026-10-01"), &provisional));
    assert_false (provisional);
    assert_false (calendar_is_working_day (calendar, s_date ("2026-02-14"), NULL));
    assert_false (calendar_is_working_day (calendar, s_date ("2022-12-31"), NULL));
    date_t due;
    assert_int_equal (calendar_add_working_days (calendar, s_date ("2026-12-30"), 2, &due,
                                                 &provisional, NULL), DAIBAN_OK);
    assert_int_equal (due, s_date ("2027-01-04"));
    assert_false (provisional);
    calendar_destroy (&calendar);
    s_remove_all ();
    assert_int_equal (rmdir (s_directory), 0);
}

static void
test_calendar_directory_bad_files (void **state)
{
    (void) state;
    struct { const char *name, *text, *error; } cases [] = {
        { "2027.cfg", "year = 2027\nholiday = x\n    2027-02-30 = off\n",
          "2027.cfg: holiday x: bad date \"2027-02-30\": no such day" },
        { "2027.cfg", "year = 2027\nholiday = x\n    2027-2-6 = off\n", "expected YYYY-MM-DD" },
        { "2027.cfg", "year = 2027\nholiday = x\n    2027-02-06 = holiday\n",
          "2027.cfg: 2027-02-06 = \"holiday\": expected off or work" },
        { "2027.cfg", "year = 2027\nholiday = x\n    2027-02-08 = work\n",
          "2027.cfg: 2027-02-08 = work: a make-up working day is a Saturday or Sunday" },
        { "2027.cfg", "year = 2028\n", "2027.cfg: holds year 2028, so must be named 2028.cfg" },
        { "2027.cfg", "holiday = x\n    2027-01-01 = off\n", "2027.cfg: \"year = YYYY\" missing" },
        { "2027.cfg", "year = 20x7\n", "2027.cfg: \"year = YYYY\" missing or not a year" },
        { "2027.cfg", "year = 2027\nholiday = x\n    2027-01-01 = off\n    2027-01-01 = off\n",
          "2027.cfg: 2027-01-01 is listed twice" },
        { "2027.cfg", "year = 2027\nholidays = x\n", "2027.cfg: unknown key \"holidays\"" },
        { "2027.cfg", "year = 2027\nholiday = x\n    2027-01-01 = off\nbad line here\n",
          "2027.cfg: line 4: not valid ZPL" },
        { "2027.cfg", "year = 2027\nholiday = \"x\n", "2027.cfg: line 2: not valid ZPL" },
        { "2027.cfg", "year = 2027\nholiday = x\n    2029-01-03 = off\n",
          "2027.cfg: 2029-01-03 is not within a year of 2027" },
        { "2027.cfg", "year = 2027\nholiday = x\n    2026-10-10 = off\n",
          "calendar/2026.cfg and " },       //  the embedded 2026 has it a make-up day
        { "2027.cfg", "year = 2027\nholiday = x\n    2027-01-01 = off\n        2027-01-02 = off\n",
          "2027.cfg: 2027-01-01: unexpected lines indented under it" },
        { "2027.cfg", "year = 2027\nholiday\n    2027-01-01 = off\n",
          "2027.cfg: a holiday without a name" },
        { "2027-draft.cfg", "year = 2027\n", "must be named 2027.cfg" },
    };
    strcpy (s_directory, "/tmp/daiban-calendar-XXXXXX");
    assert_non_null (mkdtemp (s_directory));
    for (size_t index = 0; index < sizeof cases / sizeof cases [0]; index++) {
        s_write (cases [index].name, cases [index].text);
        daiban_error_t err = { 0 };
        calendar_t *calendar = s_calendar_from_directory (s_directory, &err);
        if (calendar || err.code != DAIBAN_BAD_REQUEST
        || !strstr (err.message, cases [index].error) || !strstr (err.message, s_directory))
            fail_msg ("case %zu: expected an error with \"%s\", got \"%s\"", index,
                      cases [index].error, calendar? "(no error)": err.message);
        s_remove_all ();
    }
    assert_int_equal (rmdir (s_directory), 0);
    daiban_error_t err = { 0 };
    assert_null (s_calendar_from_directory ("/nonexistent/daiban-calendar", &err));
    assert_non_null (strstr (err.message, "calendar/dir /nonexistent/daiban-calendar"));
}

//  --- Against the shared holiday data -----------------------------------

typedef struct {
    date_t date;
    bool off;
    char name [64];
} listed_day_t;

static listed_day_t s_listed [1024];
static size_t s_listed_count;

//  Reads one upstream file and checks each of its dates against the calendar.
static void
s_check_json_file (const char *path)
{
    json_error_t error;
    json_t *root = json_load_file (path, 0, &error);
    if (!root)
        fail_msg ("%s: line %d: %s", path, error.line, error.text);
    json_int_t year = json_integer_value (json_object_get (root, "year"));
    json_t *days = json_object_get (root, "days");
    assert_true (json_is_array (days));
    char name [32];
    snprintf (name, sizeof name, "calendar/%d.cfg", (int) year);
    if (json_array_size (days) && !config_embedded (name))
        fail_msg ("%s: no config/%s for it", path, name);
    size_t index;
    json_t *day;
    json_array_foreach (days, index, day) {
        const char *text = json_string_value (json_object_get (day, "date"));
        const char *holiday = json_string_value (json_object_get (day, "name"));
        json_t *off = json_object_get (day, "isOffDay");
        assert_true (text && holiday && json_is_boolean (off));
        date_t date = s_date (text);
        bool provisional = true;
        if (calendar_is_working_day (s_calendar, date, &provisional) == json_is_true (off)
        ||  provisional)
            fail_msg ("%s: %s is %s there, not in the calendar", path, text,
                      json_is_true (off)? "a day off": "a make-up working day");
        const char *listed = calendar_holiday_name (s_calendar, date);
        if (!listed || strcmp (listed, holiday))
            fail_msg ("%s: %s is %s there, %s in the calendar", path, text, holiday,
                      listed? listed: "(none)");
        assert_true (s_listed_count < sizeof s_listed / sizeof s_listed [0]);
        listed_day_t *entry = &s_listed [s_listed_count++];
        *entry = (listed_day_t) { date, json_is_true (off), "" };
        snprintf (entry->name, sizeof entry->name, "%s", holiday);
    }
    json_decref (root);
}

static const listed_day_t *
s_find_listed (date_t date)
{
    for (size_t index = 0; index < s_listed_count; index++)
        if (s_listed [index].date == date)
            return &s_listed [index];
    return NULL;
}

//  Every dated line of the project's files must be in the shared data.
static void
s_check_project_file (const config_file_t *file)
{
    zconfig_t *root = zconfig_str_load (file->text);
    assert_non_null (root);
    for (zconfig_t *holiday = zconfig_child (root); holiday; holiday = zconfig_next (holiday)) {
        if (!streq (zconfig_name (holiday), "holiday"))
            continue;
        for (zconfig_t *item = zconfig_child (holiday); item; item = zconfig_next (item)) {
            const listed_day_t *listed = s_find_listed (s_date (zconfig_name (item)));
            if (!listed || listed->off != streq (zconfig_value (item), "off")
            ||  strcmp (listed->name, zconfig_value (holiday)))
                fail_msg ("config/%s: %s = %s (%s) is not so in the shared data", file->name,
                          zconfig_name (item), zconfig_value (item), zconfig_value (holiday));
        }
    }
    zconfig_destroy (&root);
}

static void
test_matches_shared_holiday_data (void **state)
{
    (void) state;
    const char *source = getenv ("DAIBAN_SOURCE_DIR");
    char folder [4096];
    snprintf (folder, sizeof folder, "%s/../shared/data/holidays",
              source? source: "(DAIBAN_SOURCE_DIR not set)");
    DIR *handle = source? opendir (folder): NULL;
    if (!handle) {
        print_message ("shared holiday data absent (%s): comparison not run\n", folder);
        return;
    }
    s_listed_count = 0;
    size_t files = 0;
    struct dirent *entry;
    while ((entry = readdir (handle))) {
        size_t length = strlen (entry->d_name);
        if (length < 6 || strcmp (entry->d_name + length - 5, ".json"))
            continue;
        char path [4400];
        snprintf (path, sizeof path, "%s/%s", folder, entry->d_name);
        s_check_json_file (path);
        files++;
    }
    closedir (handle);
    assert_true (files >= 4);
    size_t project_files = 0;
    for (const config_file_t *file = config_embedded_files; file->name; file++)
        if (!strncmp (file->name, "calendar/", 9)) {
            s_check_project_file (file);
            project_files++;
        }
    assert_true (project_files >= 4);
    print_message ("%zu shared files, %zu dates, %zu project files: all agree\n",
                   files, s_listed_count, project_files);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_date_parse_and_format),
        cmocka_unit_test (test_date_parse_rejects_bad_text),
        cmocka_unit_test (test_date_china_standard_time),
        cmocka_unit_test (test_domain_examples),
        cmocka_unit_test (test_holiday_breaks),
        cmocka_unit_test (test_is_working_day),
        cmocka_unit_test (test_subtract_and_next),
        cmocka_unit_test (test_add_calendar_days),
        cmocka_unit_test (test_working_days_between),
        cmocka_unit_test (test_counting_is_consistent),
        cmocka_unit_test (test_bad_counts),
        cmocka_unit_test (test_calendar_directory),
        cmocka_unit_test (test_calendar_directory_bad_files),
        cmocka_unit_test (test_matches_shared_holiday_data),
    };
    return cmocka_run_group_tests (tests, s_setup, s_teardown);
}
