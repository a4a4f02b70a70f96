/*  format: readable event lines and shared text helpers (see format.h). */
#include "format.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "date.h"
#include "encoding.h"

char *
format_time_cst (int64_t ms, char *buffer, size_t size)
{
    date_t date = date_from_ms (ms);
    int year, month, day;
    date_to_civil (date, &year, &month, &day);
    int64_t into_day = (ms + DATE_CST_OFFSET_MS) % DATE_DAY_MS;
    if (into_day < 0)
        into_day += DATE_DAY_MS;
    int seconds = (int) (into_day / 1000);
    snprintf (buffer, size, "%04d-%02d-%02d %02d:%02d:%02d", year, month, day,
              seconds / 3600, seconds / 60 % 60, seconds % 60);
    return buffer;
}

//  Decodes the character at text into *point and returns its length in
//  bytes; a byte that does not start a valid character counts as one
//  U+FFFD, so that a bad byte can never stop the walk.
static size_t
s_next_char (const unsigned char *text, uint32_t *point)
{
    size_t length = encoding_utf8_next (text, strnlen ((const char *) text, 4), point);
    if (length == 0) {
        *point = 0xFFFD;
        length = 1;
    }
    return length;
}

static bool
s_is_wide (uint32_t point)
{
    return (point >= 0x1100 && point <= 0x115F) || (point >= 0x2E80 && point <= 0xA4CF)
        || (point >= 0xAC00 && point <= 0xD7A3) || (point >= 0xF900 && point <= 0xFAFF)
        || (point >= 0xFE30 && point <= 0xFE4F) || (point >= 0xFF00 && point <= 0xFF60)
        || (point >= 0xFFE0 && point <= 0xFFE6) || (point >= 0x20000 && point <= 0x3FFFD);
}

size_t
format_width (const char *text)
{
    size_t width = 0;
    const unsigned char *cursor = (const unsigned char *) text;
    while (*cursor) {
        uint32_t point;
        cursor += s_next_char (cursor, &point);
        width += s_is_wide (point)? 2: 1;
    }
    return width;
}

void
format_padded (FILE *out, const char *text, size_t width)
{
    size_t used = format_width (text);
    fputs (text, out);
    do
        fputc (' ', out);
    while (++used < width);
}

char *
format_truncate (const char *text, size_t max_chars)
{
    size_t size = strlen (text);
    char *copy = (char *) malloc (size + 4);
    if (!copy)
        return NULL;
    const unsigned char *cursor = (const unsigned char *) text;
    size_t written = 0, chars = 0;
    while (*cursor) {
        uint32_t point;
        size_t length = s_next_char (cursor, &point);
        if (chars + 1 == max_chars && cursor [length]) {
            memcpy (copy + written, "\xE2\x80\xA6", 3);     //  "…"
            written += 3;
            break;
        }
        if (point < 0x20 || point == 0x7F)
            copy [written++] = ' ';
        else {
            memcpy (copy + written, cursor, length);
            written += length;
        }
        cursor += length;
        chars++;
    }
    copy [written] = 0;
    return copy;
}

static bool
s_is_scalar (json_t *value)
{
    return !json_is_object (value) && !json_is_array (value);
}

//  The text of a scalar: strings without quotes, others as JSON.
static char *
s_scalar_text (json_t *value)
{
    if (json_is_string (value))
        return strdup (json_string_value (value));
    return json_dumps (value, JSON_COMPACT | JSON_ENCODE_ANY);
}

//  The name that stands for an object in a list, or NULL.
static json_t *
s_label (json_t *object)
{
    static const char *keys [] = { "code", "item", "name", "alert", NULL };
    for (int index = 0; keys [index]; index++) {
        json_t *label = json_object_get (object, keys [index]);
        if (label && s_is_scalar (label))
            return label;
    }
    return NULL;
}

//  Arrays whose elements all have a short text: "a,b,c"; NULL otherwise.
static char *
s_join (json_t *array)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream (&text, &size);
    if (!out)
        return NULL;
    bool joinable = true;
    size_t index;
    json_t *element;
    json_array_foreach (array, index, element) {
        json_t *label = json_is_object (element)? s_label (element): element;
        char *part = label && s_is_scalar (label)? s_scalar_text (label): NULL;
        if (!part) {
            joinable = false;
            break;
        }
        fprintf (out, "%s%s", index? ",": "", part);
        free (part);
    }
    fclose (out);
    if (!joinable) {
        free (text);
        text = NULL;
    }
    return text;
}

char *
format_value (json_t *value)
{
    if (s_is_scalar (value))
        return s_scalar_text (value);
    if (json_is_array (value)) {
        if (json_array_size (value) == 0)
            return strdup ("[]");
        char *joined = s_join (value);
        if (joined)
            return joined;
    }
    return json_dumps (value, JSON_COMPACT);
}

char *
format_body_summary (json_t *body, size_t max_chars)
{
    if (!json_is_object (body))
        return body? format_value (body): strdup ("");
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream (&text, &size);
    if (!out)
        return NULL;
    const char *key;
    json_t *value;
    bool first = true;
    json_object_foreach (body, key, value) {
        char *shown = format_value (value);
        fprintf (out, "%s%s=%s", first? "": " ", key, shown? shown: "?");
        free (shown);
        first = false;
    }
    fclose (out);
    if (!text)
        return NULL;
    char *summary = format_truncate (text, max_chars);
    free (text);
    return summary;
}

//  The text of a string member, or fallback.
static const char *
s_text (json_t *object, const char *key, const char *fallback)
{
    const char *text = json_string_value (json_object_get (object, key));
    return text? text: fallback;
}

void
format_event (FILE *out, json_t *event)
{
    json_t *seq = json_object_get (event, "seq");
    if (json_is_integer (seq))
        fprintf (out, "%6lld  ", (long long) json_integer_value (seq));
    else
        fprintf (out, "%6s  ", "-");
    json_t *when = json_object_get (event, "ts");
    if (!json_is_integer (when))
        when = json_object_get (event, "at");
    char stamp [32] = "-";
    if (json_is_integer (when))
        format_time_cst (json_integer_value (when), stamp, sizeof stamp);
    format_padded (out, stamp, 21);
    format_padded (out, s_text (event, "type", "?"), 24);
    format_padded (out, s_text (event, "case", "?"), 14);
    format_padded (out, s_text (event, "source", "-"), 12);
    char *summary = format_body_summary (json_object_get (event, "body"), FORMAT_SUMMARY_MAX);
    fputs (summary? summary: "", out);
    free (summary);
    //  Who posted it, when the broker saw another principal than the source.
    const char *by = s_text (event, "by", NULL);
    if (by && strcmp (by, s_text (event, "source", "")) != 0)
        fprintf (out, "  (by %s)", by);
    json_t *cause = json_object_get (event, "cause");
    if (json_is_integer (cause))
        fprintf (out, "  (cause #%lld)", (long long) json_integer_value (cause));
    fputc ('\n', out);
}

int
format_json_line (FILE *out, json_t *value)
{
    char *text = json_dumps (value, JSON_COMPACT | JSON_ENCODE_ANY);
    if (!text)
        return -1;
    fputs (text, out);
    fputc ('\n', out);
    free (text);
    return 0;
}
