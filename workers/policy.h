/*  policy: the supervision policy (跟踪督办) of the deadline, reminder and
    escalation roles, read from the `policy` section of the configuration
    (config/policy.cfg, docs/policy.md), and the clock arithmetic the
    three share: the time deadline notices fire, office hours, the next
    opening of the offices. All times are China Standard Time. */
#ifndef DAIBAN_POLICY_H
#define DAIBAN_POLICY_H

#include <stdbool.h>
#include <stdint.h>
#include "calendar.h"
#include "daiban_error.h"
#include "worker_context.h"

//  A timer id with its NUL: the broker takes ids of at most 150 bytes
//  (docs/protocol.md, Workers).
#define POLICY_TIMER_ID_SIZE 151

typedef struct {
    int warn_days;                  //  warn date: working days before due
    int notice_minute;              //  deadline and escalation timers, minutes after 00:00
    int office_open, office_close;  //  reminders go out in [open, close), minutes
    int reminder_every_days;        //  working days between reminders while overdue
    int escalate_reminders;         //  level 1 after this many reminders since progress
    int escalate_overdue_days;      //  level 1 on this working day overdue
    int escalate_level2_days;       //  level 2 on this working day after level 1
    int64_t alert_repeat_ms;        //  an alert not acknowledged is raised again after
    int64_t recheck_ms;             //  a provisional deadline is computed again after
    const char *group_leader;       //  level 1 alerts go to (专班组长); owned by the config
    const char *city_government;    //  level 2 alerts go to (市政府)
} policy_t;

//  Reads the policy, with the defaults of PROTOCOL.md for unset keys. An
//  error naming the key when a value is not valid (a bad time, a count
//  out of range, office hours that close before they open).
daiban_code_t policy_read (const worker_context_t *context, policy_t *policy,
                           daiban_error_t *err);

//  policy_read, for a start-up check: the roles read the policy on every
//  decision, so a bad value is better refused before the worker connects.
daiban_code_t policy_check (const worker_context_t *context, daiban_error_t *err);

//  notice_time on date: when a deadline or escalation timer for that date fires.
int64_t policy_notice_at (const policy_t *self, date_t date);

//  office_open on date.
int64_t policy_opening_at (const policy_t *self, date_t date);

//  True when time (ms) falls on a working day within office hours.
bool policy_in_office_hours (const policy_t *self, calendar_t *calendar, int64_t time);

//  The first office opening at or after time: today's when the offices
//  have not opened yet on a working day, else the next working day's.
int64_t policy_next_opening (const policy_t *self, calendar_t *calendar, int64_t time);

//  Parses "HH:MM" (00:00 to 23:59) into minutes after midnight; -1 when
//  the text is not such a time.
int policy_parse_time (const char *text);

#endif
