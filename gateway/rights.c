/*  rights: the roles' rights and the status of each error (see rights.h). */
#include "rights.h"

#include <czmq.h>
#include <stdio.h>
#include <string.h>

static const char *s_reader_ops [] = { "case", "history", NULL };
static const char *s_operator_ops [] = {
    "case", "cases", "history", "stats", "catalog", "deadletters", "stream", NULL
};
//  Item decisions: a department's, not any system's.
static const char *s_decisions [] = {
    "item.approved", "item.rejected", "item.suspended", "item.resumed", "item.progress", NULL
};

static bool
s_listed (const char *name, const char **list)
{
    for (int index = 0; list [index]; index++)
        if (streq (name, list [index]))
            return true;
    return false;
}

static bool
s_is (const tokens_principal_t *principal, const char *role)
{
    return streq (principal->role, role);
}

bool
rights_may_read (const tokens_principal_t *principal, const char *op, char *why, size_t size)
{
    bool allowed = s_is (principal, "admin")
                || ((s_is (principal, "operator") || s_is (principal, "supervisor"))
                    && s_listed (op, s_operator_ops))
                || s_listed (op, s_reader_ops);
    if (!allowed)
        snprintf (why, size, "role %s may not use %s", principal->role, op);
    return allowed;
}

static bool
s_own_source (const tokens_principal_t *principal, const char *source, char *why, size_t size)
{
    if (source && streq (source, principal->name))
        return true;
    snprintf (why, size, "role %s posts only as source %s, not %s", principal->role,
              principal->name, source? source: "(none)");
    return false;
}

bool
rights_may_post (const tokens_principal_t *principal, json_t *event, char *why, size_t size)
{
    const char *type = json_string_value (json_object_get (event, "type"));
    const char *source = json_string_value (json_object_get (event, "source"));
    if (!type || s_is (principal, "admin"))
        return true;            //  the broker names a missing type
    bool ack = streq (type, "alert.acknowledged");
    bool system = s_is (principal, "system"), department = s_is (principal, "department");
    if ((ack && !s_is (principal, "supervisor"))
    ||  (system && s_listed (type, s_decisions))) {
        snprintf (why, size, "role %s may not post %s", principal->role, type);
        return false;
    }
    if (system || department)
        return s_own_source (principal, source, why, size);
    const char *by = json_string_value (json_object_get (json_object_get (event, "body"), "by"));
    if (ack && (!by || !streq (by, principal->name))) {
        snprintf (why, size, "role supervisor acknowledges as itself: body.by must be %s",
                  principal->name);
        return false;
    }
    return true;
}

int
rights_http_status (const char *code)
{
    static const struct { const char *code; int status; } table [] = {
        { "bad_request", 400 }, { "unknown_type", 400 }, { "invalid_body", 400 },
        { "unauthorized", 401 }, { "forbidden", 403 }, { "not_found", 404 },
        { "conflict", 409 }, { "too_large", 413 }, { "unavailable", 503 },
        { "timeout", 504 }, { NULL, 0 }
    };
    for (int index = 0; code && table [index].code; index++)
        if (streq (code, table [index].code))
            return table [index].status;
    return 500;
}
