/*  cmd_calendar: `due` and `workdays` answer deadline questions from the
    holiday calendar of the configuration (the embedded config/calendar,
    or the calendar/dir of -c FILE), the way the deadline worker counts
    (PROTOCOL.md, Workflow semantics; DOMAIN.md §7). They work offline:
    they never open a connection to the broker. */
#include "commands.h"

#include <errno.h>
#include <stdlib.h>
#include "args.h"
#include "calendar.h"
#include "date.h"
#include "format.h"

//  " (provisional: ...)" when the answer looked at days that no calendar
//  file covers, "" otherwise. latest is the latest day it looked at.
static const char *
s_provisional_note (calendar_t *calendar, date_t latest, bool provisional)
{
    if (!provisional)
        return "";
    return date_year (latest) > calendar_last_known_year (calendar)
         ? " (provisional: past the known calendar)"
         : " (provisional: before the known calendar)";
}

static bool
s_parse_date (const char *name, const char *text, date_t *date, int *code)
{
    if (date_parse (text, date, NULL) == DAIBAN_OK)
        return true;
    *code = cli_usage_error ("%s: \"%s\" is not a date YYYY-MM-DD", name, text);
    return false;
}

//  N: a whole number of days, digits only, 0 to CALENDAR_DAYS_MAX.
static bool
s_parse_days (const char *text, int *days, int *code)
{
    char *end = NULL;
    errno = 0;
    long long value = strtoll (text, &end, 10);
    if (*text >= '0' && *text <= '9' && !*end && !errno && value <= CALENDAR_DAYS_MAX) {
        *days = (int) value;
        return true;
    }
    *code = cli_usage_error ("N: \"%s\" is not a number of days (0 to %d)", text,
                             CALENDAR_DAYS_MAX);
    return false;
}

//  Parses the options and exactly two positional arguments.
static int
s_arguments (int argc, char **argv, args_option_t *options, const char *usage,
             const char **positional)
{
    size_t count = 0;
    daiban_error_t err;
    if (args_parse (argc, argv, 1, options, positional, 2, &count, &err) != DAIBAN_OK)
        return cli_fail (&err);
    if (count != 2)
        return cli_usage_error ("usage: %s", usage);
    return CLI_EXIT_OK;
}

static calendar_t *
s_calendar (cli_t *cli, int *code)
{
    daiban_error_t err;
    calendar_t *calendar = calendar_new (cli_config (cli), &err);
    if (!calendar)
        *code = cli_fail (&err);
    return calendar;
}

int
cmd_due (cli_t *cli, int argc, char **argv)
{
    bool days_unit = false, json = false;
    args_option_t options [] = {
        { "--days", ARGS_FLAG, &days_unit }, { "--json", ARGS_FLAG, &json }, { NULL, 0, NULL }
    };
    const char *positional [2];
    int code = s_arguments (argc, argv, options, "due DATE N [--days] [--json]", positional);
    date_t start, due;
    int days = 0;
    if (code != CLI_EXIT_OK || !s_parse_date ("DATE", positional [0], &start, &code)
    ||  !s_parse_days (positional [1], &days, &code))
        return code;
    calendar_t *calendar = s_calendar (cli, &code);
    if (!calendar)
        return code;
    bool provisional = false;
    daiban_error_t err;
    daiban_code_t result = days_unit
        ? calendar_add_days (calendar, start, days, &due, &provisional, &err)
        : calendar_add_working_days (calendar, start, days, &due, &provisional, &err);
    if (result != DAIBAN_OK) {
        calendar_destroy (&calendar);
        return cli_usage_error ("due %s %d: %s", positional [0], days, err.message);
    }
    char text [DATE_TEXT_SIZE];
    if (json) {
        json_t *answer = json_pack ("{s:s, s:i, s:s, s:s, s:b}", "from", positional [0],
                                    "days", days, "unit", days_unit? "days": "working_days",
                                    "due", date_format (due, text), "provisional", provisional);
        format_json_line (stdout, answer);
        json_decref (answer);
    }
    else
        printf ("%s%s\n", date_format (due, text),
                s_provisional_note (calendar, due, provisional));
    calendar_destroy (&calendar);
    return cli_flush ();
}

int
cmd_workdays (cli_t *cli, int argc, char **argv)
{
    bool json = false;
    args_option_t options [] = { { "--json", ARGS_FLAG, &json }, { NULL, 0, NULL } };
    const char *positional [2];
    int code = s_arguments (argc, argv, options, "workdays FROM TO [--json]", positional);
    date_t from, to;
    if (code != CLI_EXIT_OK || !s_parse_date ("FROM", positional [0], &from, &code)
    ||  !s_parse_date ("TO", positional [1], &to, &code))
        return code;
    calendar_t *calendar = s_calendar (cli, &code);
    if (!calendar)
        return code;
    bool provisional = false;
    int count = calendar_working_days_between (calendar, from, to, &provisional);
    if (json) {
        json_t *answer = json_pack ("{s:s, s:s, s:i, s:b}", "from", positional [0],
                                    "to", positional [1], "working_days", count,
                                    "provisional", provisional);
        format_json_line (stdout, answer);
        json_decref (answer);
    }
    else
        printf ("%d%s\n", count, s_provisional_note (calendar, to, provisional));
    calendar_destroy (&calendar);
    return cli_flush ();
}
