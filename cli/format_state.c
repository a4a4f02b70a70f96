/*  format_state: readable case, cases, catalog and stats views (see format_state.h). */
#include "format_state.h"

#include <czmq.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "date.h"
#include "format.h"

//  The text of a string member, or fallback.
static const char *
s_text (json_t *object, const char *key, const char *fallback)
{
    const char *text = json_string_value (json_object_get (object, key));
    return text && *text? text: fallback;
}

static long long
s_integer (json_t *object, const char *key)
{
    return (long long) json_integer_value (json_object_get (object, key));
}

static const char *
s_yes_no (json_t *object, const char *key)
{
    return json_is_true (json_object_get (object, key))? "yes": "no";
}

//  Writes "label  value" for a header field, any JSON type.
static void
s_field (FILE *out, const char *label, json_t *value)
{
    format_padded (out, label, 15);
    char *shown = format_value (value);
    if (json_is_integer (value) && strstr (label, "_at")
    &&  json_integer_value (value) > 0) {
        char stamp [32];
        fprintf (out, "%s (CST)\n", format_time_cst (json_integer_value (value), stamp,
                                                     sizeof stamp));
    }
    else
        fprintf (out, "%s\n", shown? shown: "?");
    free (shown);
}

char *
format_days_left (const char *due_text, calendar_t *calendar, int64_t now_ms,
                  char *buffer, size_t size)
{
    buffer [0] = 0;
    date_t due;
    if (!calendar || !due_text || date_parse (due_text, &due, NULL) != DAIBAN_OK)
        return buffer;
    date_t today = date_from_ms (now_ms);
    bool provisional = false;
    if (today < due) {
        int left = calendar_working_days_between (calendar, today, due, &provisional);
        snprintf (buffer, size, "%d working day%s left%s", left, left == 1? "": "s",
                  provisional? " (provisional)": "");
    }
    else
    if (today == due)
        snprintf (buffer, size, "due today");
    else {
        int over = calendar_working_days_between (calendar, due, today, &provisional);
        snprintf (buffer, size, "%d working day%s over%s", over, over == 1? "": "s",
                  provisional? " (provisional)": "");
    }
    return buffer;
}

static bool
s_item_open (const char *status)
{
    return strcmp (status, "approved") && strcmp (status, "rejected")
        && strcmp (status, "withdrawn");
}

static void
s_item (FILE *out, json_t *item, calendar_t *calendar, int64_t now_ms)
{
    const char *status = s_text (item, "status", "?");
    const char *due = s_text (item, "due", NULL);
    fprintf (out, "  ");
    format_padded (out, s_text (item, "code", "?"), 10);
    format_padded (out, status, 12);
    char text [96];
    snprintf (text, sizeof text, "due %s", due? due: "-");
    format_padded (out, text, 15);
    char days [64] = "";
    if (due && s_item_open (status))
        format_days_left (due, calendar, now_ms, days, sizeof days);
    if (json_is_true (json_object_get (item, "overdue")) && s_item_open (status)) {
        size_t used = strlen (days);
        snprintf (days + used, sizeof days - used, "%sOVERDUE", used? " ": "");
    }
    format_padded (out, *days? days: "-", 30);
    snprintf (text, sizeof text, "paused %lld  reminders %lld  escalation %lld  delivered %s",
              s_integer (item, "paused_days"), s_integer (item, "reminders"),
              s_integer (item, "escalation"), s_yes_no (item, "delivered"));
    format_padded (out, text, 10);
    //  Name and department are known once intake has planned the item.
    const char *name = s_text (item, "name", NULL);
    const char *department = s_text (item, "department", NULL);
    if (name)
        fprintf (out, "%s  ", name);
    if (department)
        fprintf (out, "%s  ", department);
    fprintf (out, "%s", s_text (item, "level", "-"));
    const char *county = s_text (item, "county", NULL);
    if (county)
        fprintf (out, " %s", county);
    fputc ('\n', out);
}

//  Header fields, in the order a reader wants them; other scalar fields
//  the broker adds follow, so that nothing it says is hidden.
static const char *s_header_keys [] = {
    "case", "status", "project", "applicant", "contact", "channel", "county", "agent",
    "expected_done", "escalation", "events", "registered_at", "updated_at", "closed_at", NULL
};

static bool
s_is_header_key (const char *key)
{
    for (int index = 0; s_header_keys [index]; index++)
        if (streq (key, s_header_keys [index]))
            return true;
    return streq (key, "items") || streq (key, "alerts");
}

void
format_case (FILE *out, json_t *state, calendar_t *calendar, int64_t now_ms)
{
    for (int index = 0; s_header_keys [index]; index++) {
        json_t *value = json_object_get (state, s_header_keys [index]);
        //  A time of 0 is one that has not happened (closed_at of an open case).
        bool unset = !value || json_is_null (value)
                  || (strstr (s_header_keys [index], "_at") && json_is_integer (value)
                      && json_integer_value (value) == 0);
        if (!unset)
            s_field (out, s_header_keys [index], value);
    }
    const char *key;
    json_t *value;
    json_object_foreach (state, key, value)
        if (!s_is_header_key (key) && !json_is_null (value) && !json_is_object (value)
        &&  !json_is_array (value))
            s_field (out, key, value);

    json_t *items = json_object_get (state, "items");
    fprintf (out, "items (%zu):\n", json_array_size (items));
    size_t index;
    json_t *item;
    json_array_foreach (items, index, item)
        s_item (out, item, calendar, now_ms);

    json_t *alerts = json_object_get (state, "alerts");
    fprintf (out, "alerts (%zu):\n", json_array_size (alerts));
    json_t *alert;
    json_array_foreach (alerts, index, alert) {
        fprintf (out, "  ");
        format_alert (out, NULL, alert);
    }
}

void
format_alert (FILE *out, const char *case_id, json_t *alert)
{
    if (case_id)
        format_padded (out, case_id, 14);
    format_padded (out, s_text (alert, "alert", "?"), 18);
    char text [64];
    snprintf (text, sizeof text, "level %lld", s_integer (alert, "level"));
    format_padded (out, text, 9);
    json_t *by = json_object_get (alert, "acknowledged_by");
    if (json_is_true (json_object_get (alert, "acknowledged")))
        snprintf (text, sizeof text, "acknowledged%s%s", json_is_string (by)? " by ": "",
                  json_is_string (by)? json_string_value (by): "");
    else
        snprintf (text, sizeof text, "OPEN");
    format_padded (out, text, 14);
    fprintf (out, "to %s", s_text (alert, "to", "?"));
    const char *item = s_text (alert, "item", NULL);
    if (item)
        fprintf (out, "  item %s", item);
    if (s_integer (alert, "repeat") > 0)
        fprintf (out, "  repeat %lld", s_integer (alert, "repeat"));
    const char *summary = s_text (alert, "summary", NULL);
    if (summary)
        fprintf (out, "  %s", summary);
    fputc ('\n', out);
}

void
format_case_summary (FILE *out, json_t *summary)
{
    format_padded (out, s_text (summary, "case", "?"), 14);
    format_padded (out, s_text (summary, "status", "?"), 12);
    char text [64];
    snprintf (text, sizeof text, "open %lld", s_integer (summary, "items_open"));
    format_padded (out, text, 9);
    format_padded (out, json_is_true (json_object_get (summary, "overdue"))? "OVERDUE": "-", 8);
    snprintf (text, sizeof text, "done by %s", s_text (summary, "expected_done", "-"));
    format_padded (out, text, 19);
    format_padded (out, s_text (summary, "agent", "-"), 6);
    fprintf (out, "%s / %s\n", s_text (summary, "project", "?"),
             s_text (summary, "applicant", "?"));
}

static void
s_catalog_item (FILE *out, json_t *item)
{
    fprintf (out, "  ");
    format_padded (out, s_text (item, "code", "?"), 8);
    format_padded (out, s_text (item, "stage", "?"), 4);
    char *levels = format_value (json_object_get (item, "levels"));
    format_padded (out, levels? levels: "?", 12);
    free (levels);
    char text [96];
    const char *unit = s_text (item, "limit_unit", "working_days");
    snprintf (text, sizeof text, "%lld %s (%s)", s_integer (item, "limit_days"),
              streq (unit, "days")? "days": "working days", s_text (item, "limit_kind", "?"));
    format_padded (out, text, 30);
    fprintf (out, "%s / %s", s_text (item, "name", "?"), s_text (item, "department", "?"));
    json_t *after = json_object_get (item, "after");
    if (json_array_size (after)) {
        char *codes = format_value (after);
        fprintf (out, "  after %s", codes? codes: "?");
        free (codes);
    }
    fputc ('\n', out);
}

void
format_catalog (FILE *out, json_t *reply)
{
    json_t *items = json_object_get (reply, "items");
    fprintf (out, "items (%zu):\n", json_array_size (items));
    size_t index;
    json_t *entry;
    json_array_foreach (items, index, entry)
        s_catalog_item (out, entry);
    json_t *counties = json_object_get (reply, "counties");
    fprintf (out, "counties (%zu):\n", json_array_size (counties));
    json_array_foreach (counties, index, entry) {
        fprintf (out, "  ");
        format_padded (out, s_text (entry, "name", "?"), 20);
        fprintf (out, "%s\n", s_text (entry, "office", "?"));
    }
    json_t *departments = json_object_get (reply, "departments");
    fprintf (out, "departments (%zu):\n", json_array_size (departments));
    json_array_foreach (departments, index, entry) {
        fprintf (out, "  ");
        format_padded (out, s_text (entry, "name", "?"), 24);
        fprintf (out, "%s\n", s_text (entry, "contact", "?"));
    }
}

static void
s_stats (FILE *out, const char *prefix, json_t *map)
{
    const char *key;
    json_t *value;
    json_object_foreach (map, key, value) {
        if (!prefix && (streq (key, "ok") || streq (key, "rid")))
            continue;
        char name [256];
        snprintf (name, sizeof name, "%s%s%s", prefix? prefix: "", prefix? ".": "", key);
        if (json_is_object (value))
            s_stats (out, name, value);
        else {
            char *shown = format_value (value);
            fprintf (out, "%s: %s\n", name, shown? shown: "?");
            free (shown);
        }
    }
}

void
format_stats (FILE *out, json_t *reply)
{
    s_stats (out, NULL, reply);
}
