/*  format_ops: readable lines of the operators' views: one alert of the
    `alerts` command (an alert_book record, with its case) and one dead
    letter of `deadletters`. Text that comes from outside is cut to a
    sane length and its control characters become spaces, so that each
    record stays on one line. */
#ifndef DAIBAN_FORMAT_OPS_H
#define DAIBAN_FORMAT_OPS_H

#include <jansson.h>
#include <stdio.h>

//  "ALERT  level N  OPEN|acknowledged by WHO  to ROLE  case ID  item CODE
//   repeat N  raised YYYY-MM-DD HH:MM:SS  SUMMARY", newline included.
void format_alert_line (FILE *out, json_t *alert);

//  "ROLE  seq N  case ID  attempts N  STATUS  YYYY-MM-DD HH:MM:SS  MESSAGE",
//  newline included; the time is when the event was parked (CST).
void format_deadletter (FILE *out, json_t *deadletter);

#endif
