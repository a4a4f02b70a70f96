/*  format: how daibanctl shows events to people: one readable line per
    event, "seq  time (CST)  type  case  source  body summary", plus the
    small text helpers the other views share (CST times, column padding
    that counts Chinese characters as two columns, truncation that never
    cuts a UTF-8 character in half). Output is UTF-8 as is. */
#ifndef DAIBAN_FORMAT_H
#define DAIBAN_FORMAT_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

//  At most this many characters of body summary on an event line.
#define FORMAT_SUMMARY_MAX 100

//  "2026-11-26 15:04:05" (CST) of a Unix time in ms; buffer >= 20 bytes.
char *format_time_cst (int64_t ms, char *buffer, size_t size);

//  Terminal columns that text takes: wide (CJK, full-width) characters
//  count two, others one.
size_t format_width (const char *text);

//  Writes text, then spaces up to width columns (at least one space).
void format_padded (FILE *out, const char *text, size_t width);

//  A malloc'd copy of text cut to at most max_chars characters, ending
//  in "…" when cut; control characters become spaces. NULL on no memory.
char *format_truncate (const char *text, size_t max_chars);

//  A short text for any JSON value: strings as they are, numbers and
//  booleans as JSON, arrays of scalars joined by ",", arrays of objects
//  by their "code"/"item"/"name", other values as compact JSON.
//  malloc'd; NULL on no memory.
char *format_value (json_t *value);

//  "key=value key=value ..." of a body, cut to max_chars. malloc'd.
char *format_body_summary (json_t *body, size_t max_chars);

//  Writes one readable line for event, newline included.
void format_event (FILE *out, json_t *event);

//  Writes value as compact JSON on one line (UTF-8, not escaped).
//  0, or -1 when it cannot be encoded.
int format_json_line (FILE *out, json_t *value);

#endif
