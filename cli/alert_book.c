/*  alert_book: the fold of the log's alert events (see alert_book.h). */
#include "alert_book.h"

#include <assert.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct _alert_book_t {
    json_t *alerts;             //  array, in the order of first raising
    json_t *index;              //  "case\nalert" -> the same objects
};

alert_book_t *
alert_book_new (void)
{
    alert_book_t *self = (alert_book_t *) calloc (1, sizeof (alert_book_t));
    if (!self)
        return NULL;
    self->alerts = json_array ();
    self->index = json_object ();
    if (!self->alerts || !self->index)
        alert_book_destroy (&self);
    return self;
}

void
alert_book_destroy (alert_book_t **self_p)
{
    assert (self_p);
    if (!*self_p)
        return;
    alert_book_t *self = *self_p;
    json_decref (self->alerts);
    json_decref (self->index);
    free (self);
    *self_p = NULL;
}

json_t *
alert_book_alerts (alert_book_t *self)
{
    return self->alerts;
}

//  The index key of an alert: case ids hold no newline (PROTOCOL.md), so
//  the pair cannot be confused with another. malloc'd; NULL on no memory.
static char *
s_key (const char *case_id, const char *alert_id)
{
    size_t size = strlen (case_id) + strlen (alert_id) + 2;
    char *key = (char *) malloc (size);
    if (key)
        snprintf (key, size, "%s\n%s", case_id, alert_id);
    return key;
}

//  Copies body [name] into alert when it is a string, as the reducer
//  does: a raise that leaves a field out keeps the one known before.
static int
s_copy_text (json_t *alert, json_t *body, const char *name)
{
    json_t *value = json_object_get (body, name);
    return json_is_string (value)? json_object_set (alert, name, value): 0;
}

static json_t *
s_new_alert (const char *case_id, json_t *alert_id)
{
    return json_pack ("{s:s, s:O, s:n, s:I, s:n, s:n, s:I, s:I, s:b, s:n}",
                      "case", case_id, "alert", alert_id, "to", "level", (json_int_t) 0,
                      "item", "summary", "repeat", (json_int_t) 0, "raised_at",
                      (json_int_t) 0, "acknowledged", 0, "acknowledged_by");
}

static daiban_code_t
s_raised (alert_book_t *self, json_t *alert, const char *key, const char *case_id,
          json_t *event, json_t **result, daiban_error_t *err)
{
    json_t *body = json_object_get (event, "body");
    int rc = 0;
    if (alert)
        rc = json_object_set_new (alert, "repeat", json_integer (
                 json_integer_value (json_object_get (alert, "repeat")) + 1));
    else {
        alert = s_new_alert (case_id, json_object_get (body, "alert"));
        rc = !alert || json_array_append_new (self->alerts, alert)
          || json_object_set (self->index, key, alert);
    }
    json_t *level = json_object_get (body, "level");
    json_t *ts = json_object_get (event, "ts");
    if (!rc && json_is_integer (level))
        rc = json_object_set (alert, "level", level);
    if (!rc && json_is_integer (ts))
        rc = json_object_set (alert, "raised_at", ts);
    rc = rc || s_copy_text (alert, body, "to") || s_copy_text (alert, body, "item")
            || s_copy_text (alert, body, "summary");
    if (rc)
        return daiban_error_set (err, DAIBAN_INTERNAL, "out of memory");
    *result = alert;
    return DAIBAN_OK;
}

daiban_code_t
alert_book_apply (alert_book_t *self, json_t *event, json_t **result, daiban_error_t *err)
{
    assert (self && result);
    *result = NULL;
    const char *type = json_string_value (json_object_get (event, "type"));
    const char *case_id = json_string_value (json_object_get (event, "case"));
    json_t *body = json_object_get (event, "body");
    const char *alert_id = json_string_value (json_object_get (body, "alert"));
    bool raised = type && strcmp (type, "alert.raised") == 0;
    if (!case_id || !alert_id || !(raised || (type && strcmp (type, "alert.acknowledged") == 0)))
        return DAIBAN_OK;
    char *key = s_key (case_id, alert_id);
    if (!key)
        return daiban_error_set (err, DAIBAN_INTERNAL, "out of memory");
    json_t *alert = json_object_get (self->index, key);
    daiban_code_t code = DAIBAN_OK;
    if (raised)
        code = s_raised (self, alert, key, case_id, event, result, err);
    else
    if (alert) {
        json_t *by = json_object_get (body, "by");
        if (json_object_set (alert, "acknowledged", json_true ())
        ||  (json_is_string (by) && json_object_set (alert, "acknowledged_by", by)))
            code = daiban_error_set (err, DAIBAN_INTERNAL, "out of memory");
        else
            *result = alert;
    }
    free (key);
    return code;
}

bool
alert_book_selects (json_t *alert, const char *role, bool all)
{
    const char *to = json_string_value (json_object_get (alert, "to"));
    if (role && (!to || strcmp (to, role) != 0))
        return false;
    return all || !json_is_true (json_object_get (alert, "acknowledged"));
}
