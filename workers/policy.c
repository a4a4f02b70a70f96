/*  policy: the supervision policy and its clock arithmetic (see policy.h). */
#include "policy.h"

#include <ctype.h>
#include <string.h>

#define MINUTE_MS INT64_C (60000)

int
policy_parse_time (const char *text)
{
    if (!text || strlen (text) != 5 || text [2] != ':'
    ||  !isdigit ((unsigned char) text [0]) || !isdigit ((unsigned char) text [1])
    ||  !isdigit ((unsigned char) text [3]) || !isdigit ((unsigned char) text [4]))
        return -1;
    int hour = (text [0] - '0') * 10 + (text [1] - '0');
    int minute = (text [3] - '0') * 10 + (text [4] - '0');
    return hour < 24 && minute < 60? hour * 60 + minute: -1;
}

//  A whole number in [low, high] at path, fallback when unset.
static daiban_code_t
s_read_int (const worker_context_t *context, const char *path, int fallback, int low, int high,
            int *value, daiban_error_t *err)
{
    int64_t number = 0;
    daiban_code_t code = worker_context_int (context, path, fallback, &number, err);
    if (code)
        return code;
    if (number < low || number > high)
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "config %s: %lld is not in %d..%d",
                                 path, (long long) number, low, high);
    *value = (int) number;
    return DAIBAN_OK;
}

static daiban_code_t
s_read_time (const worker_context_t *context, const char *path, const char *fallback,
             int *minutes, daiban_error_t *err)
{
    const char *text = worker_context_text (context, path, fallback);
    *minutes = policy_parse_time (text);
    if (*minutes < 0)
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "config %s: \"%s\" is not a time "
                                 "HH:MM", path, text);
    return DAIBAN_OK;
}

daiban_code_t
policy_read (const worker_context_t *context, policy_t *policy, daiban_error_t *err)
{
    memset (policy, 0, sizeof (policy_t));
    int repeat_hours = 0, recheck_hours = 0;
    //  A year of working days is far more than any limit needs; the
    //  bounds keep the calendar arithmetic within its range.
    daiban_code_t code;
    if ((code = s_read_int (context, "policy/warn_days", 2, 0, 250, &policy->warn_days, err))
    ||  (code = s_read_time (context, "policy/notice_time", "08:00", &policy->notice_minute, err))
    ||  (code = s_read_time (context, "policy/office_open", "08:30", &policy->office_open, err))
    ||  (code = s_read_time (context, "policy/office_close", "17:30", &policy->office_close, err))
    ||  (code = s_read_int (context, "policy/reminder_every_days", 2, 1, 250,
                            &policy->reminder_every_days, err))
    ||  (code = s_read_int (context, "policy/escalate_reminders", 2, 1, 1000,
                            &policy->escalate_reminders, err))
    ||  (code = s_read_int (context, "policy/escalate_overdue_days", 3, 1, 250,
                            &policy->escalate_overdue_days, err))
    ||  (code = s_read_int (context, "policy/escalate_level2_days", 5, 1, 250,
                            &policy->escalate_level2_days, err))
    ||  (code = s_read_int (context, "policy/alert_repeat_hours", 24, 1, 24 * 366,
                            &repeat_hours, err))
    ||  (code = s_read_int (context, "policy/recheck_hours", 24, 1, 24 * 366,
                            &recheck_hours, err)))
        return code;
    if (policy->office_open >= policy->office_close)
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "config policy/office_open: the "
                                 "offices must open before policy/office_close");
    policy->alert_repeat_ms = repeat_hours * DATE_HOUR_MS;
    policy->recheck_ms = recheck_hours * DATE_HOUR_MS;
    policy->group_leader = worker_context_text (context, "policy/group_leader", "专班组长");
    policy->city_government = worker_context_text (context, "policy/city_government", "市政府");
    return DAIBAN_OK;
}

daiban_code_t
policy_check (const worker_context_t *context, daiban_error_t *err)
{
    policy_t policy;
    return policy_read (context, &policy, err);
}

int64_t
policy_notice_at (const policy_t *self, date_t date)
{
    return date_start_ms (date) + self->notice_minute * MINUTE_MS;
}

int64_t
policy_opening_at (const policy_t *self, date_t date)
{
    return date_start_ms (date) + self->office_open * MINUTE_MS;
}

bool
policy_in_office_hours (const policy_t *self, calendar_t *calendar, int64_t time)
{
    date_t date = date_from_ms (time);
    int64_t minute = (time - date_start_ms (date)) / MINUTE_MS;
    return calendar_is_working_day (calendar, date, NULL)
        && minute >= self->office_open && minute < self->office_close;
}

int64_t
policy_next_opening (const policy_t *self, calendar_t *calendar, int64_t time)
{
    date_t date = date_from_ms (time);
    if (calendar_is_working_day (calendar, date, NULL) && time <= policy_opening_at (self, date))
        return policy_opening_at (self, date);
    return policy_opening_at (self, calendar_next_working_day (calendar, date, NULL));
}
