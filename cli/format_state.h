/*  format_state: readable views of the broker's query replies: one
    case's state (header, one line per item, alerts), case summaries,
    the catalog and the statistics. Days left and over are working days
    on the holiday calendar, counted from the date of now_ms (the
    broker's clock when it runs a test clock), as PROTOCOL.md counts
    days_left and days_over. */
#ifndef DAIBAN_FORMAT_STATE_H
#define DAIBAN_FORMAT_STATE_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include "calendar.h"

//  The case state of a `case` reply. calendar may be NULL: the days
//  left and over are then left out.
void format_case (FILE *out, json_t *state, calendar_t *calendar, int64_t now_ms);

//  "3 working days left", "due today", "2 working days over" for an open
//  item due on due_text ("YYYY-MM-DD") as of now_ms, into buffer; ""
//  when due_text is not a date.
char *format_days_left (const char *due_text, calendar_t *calendar, int64_t now_ms,
                        char *buffer, size_t size);

//  One line per summary of a `cases` reply.
void format_case_summary (FILE *out, json_t *summary);

//  One line per alert of a case state: "case  alert  level  to  ...".
void format_alert (FILE *out, const char *case_id, json_t *alert);

//  The `catalog` reply: items, counties, departments.
void format_catalog (FILE *out, json_t *reply);

//  The `stats` reply as "name: value" lines, nested maps as "a.b".
void format_stats (FILE *out, json_t *reply);

#endif
