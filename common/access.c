/*  access: the role rules of docs/security.md (see access.h). */
#include "access.h"

#include <string.h>
#include "wire.h"

#define ROLE_BIT(role) (1u << (role))
#define READERS (ROLE_BIT (ACCESS_SYSTEM) | ROLE_BIT (ACCESS_DEPARTMENT) | STAFF)
#define STAFF (ROLE_BIT (ACCESS_OPERATOR) | ROLE_BIT (ACCESS_SUPERVISOR))
#define EVERYONE ((1u << ACCESS_ROLE_COUNT) - 1)

static const char *s_role_names [ACCESS_ROLE_COUNT] = {
    "system", "department", "operator", "supervisor", "worker", "gateway", "admin"
};

//  Who may make each op (admin may make every op). An op without a row is
//  admin's alone, so a new op is closed until someone opens it here.
static const unsigned s_op_roles [REQUEST_OP_COUNT] = {
    [REQUEST_POST] = READERS,
    [REQUEST_CASE] = READERS,
    [REQUEST_HISTORY] = READERS,
    [REQUEST_CASES] = STAFF,
    [REQUEST_CATALOG] = STAFF,
    [REQUEST_STATS] = STAFF,
    [REQUEST_DEADLETTERS] = STAFF,
    [REQUEST_WHOAMI] = EVERYONE,
};

//  The item decisions that only the item's department (or staff) posts.
static const char *s_department_types [] = {
    "item.approved", "item.rejected", "item.suspended", "item.resumed", "item.progress", NULL
};

const char *
access_role_name (access_role_t role)
{
    return role < ACCESS_ROLE_COUNT? s_role_names [role]: "unknown";
}

bool
access_role_find (const char *text, size_t size, access_role_t *role)
{
    for (int index = 0; index < ACCESS_ROLE_COUNT; index++)
        if (strlen (s_role_names [index]) == size && memcmp (s_role_names [index], text, size) == 0) {
            *role = (access_role_t) index;
            return true;
        }
    return false;
}

bool
access_name_valid (const char *name, size_t size)
{
    if (size == 0 || size > ENVELOPE_NAME_MAX || !wire_utf8_valid (name, size))
        return false;
    for (size_t index = 0; index < size; index++)
        if ((unsigned char) name [index] < 0x20 || name [index] == 0x7f)
            return false;
    return true;
}

bool
access_may_connect (access_role_t role, access_socket_t socket)
{
    if (role == ACCESS_ADMIN)
        return true;
    if (socket == ACCESS_WORKERS)
        return role == ACCESS_WORKER;
    if (socket == ACCESS_STREAM)
        return role == ACCESS_OPERATOR || role == ACCESS_SUPERVISOR || role == ACCESS_GATEWAY;
    return role != ACCESS_WORKER;
}

static bool
s_role_may (access_role_t role, unsigned roles)
{
    return role == ACCESS_ADMIN || (roles & ROLE_BIT (role)) != 0;
}

daiban_code_t
access_resolve (const principal_t *connection, const request_t *request, principal_t *effective,
                daiban_error_t *err)
{
    *effective = *connection;
    const msgpack_object *as = wire_map_get (&request->root, "as");
    if (!as || as->type == MSGPACK_OBJECT_NIL)
        return DAIBAN_OK;
    if (connection->role != ACCESS_GATEWAY && connection->role != ACCESS_ADMIN)
        return daiban_error_set (err, DAIBAN_FORBIDDEN, "as: role %s may not act for another",
                                 access_role_name (connection->role));
    const msgpack_object *name = wire_map_get (as, "name");
    const msgpack_object *role = wire_map_get (as, "role");
    if (as->type != MSGPACK_OBJECT_MAP || !wire_is_str (name) || !wire_is_str (role))
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "as: must be {name, role}");
    if (!access_name_valid (name->via.str.ptr, name->via.str.size))
        return daiban_error_set (err, DAIBAN_BAD_REQUEST,
                                 "as.name: 1..%d bytes of UTF-8, no control characters",
                                 ENVELOPE_NAME_MAX);
    access_role_t as_role;
    if (!access_role_find (role->via.str.ptr, role->via.str.size, &as_role)
    ||  as_role == ACCESS_WORKER || as_role == ACCESS_GATEWAY)
        return daiban_error_set (err, DAIBAN_BAD_REQUEST,
                                 "as.role: one of system, department, operator, supervisor, admin");
    effective->name = name->via.str.ptr;
    effective->name_size = name->via.str.size;
    effective->role = as_role;
    return DAIBAN_OK;
}

static bool
s_is_department_type (const char *type)
{
    for (int index = 0; s_department_types [index]; index++)
        if (strcmp (type, s_department_types [index]) == 0)
            return true;
    return false;
}

static bool
s_same (const principal_t *principal, const char *text, size_t size)
{
    return principal->name_size == size && memcmp (principal->name, text, size) == 0;
}

static daiban_code_t
s_check_post (const principal_t *principal, const envelope_t *event, daiban_error_t *err)
{
    access_role_t role = principal->role;
    const char *type = event->type->name;
    const char *role_name = access_role_name (role);
    if (strcmp (type, "alert.acknowledged") == 0) {
        if (role != ACCESS_SUPERVISOR && role != ACCESS_ADMIN)
            return daiban_error_set (err, DAIBAN_FORBIDDEN,
                                     "role %s may not post %s (supervisors acknowledge alerts)",
                                     role_name, type);
        const msgpack_object *by = wire_map_get (event->body, "by");
        if (role == ACCESS_SUPERVISOR && wire_is_str (by)
        &&  !s_same (principal, by->via.str.ptr, by->via.str.size))
            return daiban_error_set (err, DAIBAN_FORBIDDEN,
                                     "body.by: a supervisor acknowledges as itself (%.*s)",
                                     (int) principal->name_size, principal->name);
    }
    if (role == ACCESS_SYSTEM && s_is_department_type (type))
        return daiban_error_set (err, DAIBAN_FORBIDDEN,
                                 "role system may not post %s (a department key decides items)",
                                 type);
    if ((role == ACCESS_SYSTEM || role == ACCESS_DEPARTMENT)
    &&  !s_same (principal, event->source, event->source_size))
        return daiban_error_set (err, DAIBAN_FORBIDDEN,
                                 "event.source: role %s posts only as itself (%.*s)", role_name,
                                 (int) principal->name_size, principal->name);
    return DAIBAN_OK;
}

daiban_code_t
access_check_request (const principal_t *principal, const request_t *request,
                      daiban_error_t *err)
{
    if (request->op >= REQUEST_OP_COUNT || !s_role_may (principal->role, s_op_roles [request->op]))
        return daiban_error_set (err, DAIBAN_FORBIDDEN, "role %s may not use op %s",
                                 access_role_name (principal->role),
                                 request_op_name (request->op));
    if (request->op == REQUEST_POST)
        return s_check_post (principal, &request->event, err);
    return DAIBAN_OK;
}

daiban_code_t
access_check_item (const principal_t *principal, case_state_t *state, const envelope_t *event,
                   daiban_error_t *err)
{
    if (!principal || principal->role != ACCESS_DEPARTMENT || !state
    ||  !s_is_department_type (event->type->name))
        return DAIBAN_OK;
    const msgpack_object *code = wire_map_get (event->body, "item");
    case_item_t *item = wire_is_str (code)
                      ? case_state_item (state, code->via.str.ptr, code->via.str.size): NULL;
    if (!item || (item->department && s_same (principal, item->department,
                                              strlen (item->department))))
        return DAIBAN_OK;
    return daiban_error_set (err, DAIBAN_FORBIDDEN,
                             "item %s belongs to %s: department %.*s may not post %s",
                             item->code, item->department? item->department: "(no department)",
                             (int) principal->name_size, principal->name, event->type->name);
}
