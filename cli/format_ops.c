/*  format_ops: alert and dead letter lines (see format_ops.h). */
#include "format_ops.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "format.h"

//  Longest free text (summary, message) kept on a line, in characters.
#define FORMAT_OPS_TEXT_MAX 300
//  Longest name (role, alert id, case...) kept in a column.
#define FORMAT_OPS_NAME_MAX 64

//  Writes label and text (cut and cleaned), padded to width columns;
//  with width 0, no padding.
static void
s_put (FILE *out, const char *label, const char *text, size_t max_chars, size_t width)
{
    char *clean = format_truncate (text? text: "-", max_chars);
    size_t size = clean? strlen (label) + strlen (clean) + 1: 0;
    char *line = size? (char *) malloc (size): NULL;
    if (line) {
        snprintf (line, size, "%s%s", label, clean);
        if (width)
            format_padded (out, line, width);
        else
            fputs (line, out);
    }
    free (line);
    free (clean);
}

static const char *
s_text (json_t *object, const char *key)
{
    return json_string_value (json_object_get (object, key));
}

static long long
s_integer (json_t *object, const char *key)
{
    return (long long) json_integer_value (json_object_get (object, key));
}

//  "YYYY-MM-DD HH:MM:SS" of a time member in ms, or "-" when it has none.
static const char *
s_time (json_t *object, const char *key, char *buffer, size_t size)
{
    json_t *value = json_object_get (object, key);
    if (!json_is_integer (value) || json_integer_value (value) <= 0)
        return "-";
    return format_time_cst ((int64_t) json_integer_value (value), buffer, size);
}

void
format_alert_line (FILE *out, json_t *alert)
{
    char text [64], stamp [32];
    s_put (out, "", s_text (alert, "alert"), FORMAT_OPS_NAME_MAX, 24);
    snprintf (text, sizeof text, "level %lld", s_integer (alert, "level"));
    format_padded (out, text, 9);
    if (json_is_true (json_object_get (alert, "acknowledged")))
        s_put (out, "acknowledged by ", s_text (alert, "acknowledged_by"),
               FORMAT_OPS_NAME_MAX, 14);
    else
        format_padded (out, "OPEN", 14);
    s_put (out, "to ", s_text (alert, "to"), FORMAT_OPS_NAME_MAX, 14);
    s_put (out, "case ", s_text (alert, "case"), FORMAT_OPS_NAME_MAX, 20);
    s_put (out, "item ", s_text (alert, "item"), FORMAT_OPS_NAME_MAX, 12);
    snprintf (text, sizeof text, "repeat %lld", s_integer (alert, "repeat"));
    format_padded (out, text, 10);
    fprintf (out, "raised %s  ", s_time (alert, "raised_at", stamp, sizeof stamp));
    s_put (out, "", s_text (alert, "summary"), FORMAT_OPS_TEXT_MAX, 0);
    fputc ('\n', out);
}

void
format_deadletter (FILE *out, json_t *deadletter)
{
    char text [64], stamp [32];
    s_put (out, "", s_text (deadletter, "role"), FORMAT_OPS_NAME_MAX, 12);
    snprintf (text, sizeof text, "seq %lld", s_integer (deadletter, "seq"));
    format_padded (out, text, 11);
    s_put (out, "case ", s_text (deadletter, "case"), FORMAT_OPS_NAME_MAX, 20);
    snprintf (text, sizeof text, "attempts %lld", s_integer (deadletter, "attempts"));
    format_padded (out, text, 12);
    s_put (out, "", s_text (deadletter, "status"), FORMAT_OPS_NAME_MAX, 9);
    fprintf (out, "%s  ", s_time (deadletter, "at", stamp, sizeof stamp));
    s_put (out, "", s_text (deadletter, "message"), FORMAT_OPS_TEXT_MAX, 0);
    fputc ('\n', out);
}
