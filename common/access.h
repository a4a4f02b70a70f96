/*  access: who may do what (docs/security.md). A principal is the name and
    role of an authenticated key (or, without keys, every local client as
    admin); these pure functions decide whether a principal may connect to
    a socket, make a request, or post an event on a case. The broker calls
    them; nothing here does I/O. */
#ifndef DAIBAN_ACCESS_H
#define DAIBAN_ACCESS_H

#include <stdbool.h>
#include <stddef.h>
#include "case_state.h"
#include "daiban_error.h"
#include "envelope.h"
#include "request.h"

typedef enum {
    ACCESS_SYSTEM,          //  other systems: window, portal, 12345
    ACCESS_DEPARTMENT,      //  a department's approval system (name = the department)
    ACCESS_OPERATOR,        //  agents and the window
    ACCESS_SUPERVISOR,      //  the 专班: operator, and acknowledges alerts
    ACCESS_WORKER,          //  a worker process (name = its role)
    ACCESS_GATEWAY,         //  the HTTP gateway: acts for the principal it names
    ACCESS_ADMIN,           //  everything
    ACCESS_ROLE_COUNT
} access_role_t;

typedef enum { ACCESS_INGRESS, ACCESS_WORKERS, ACCESS_STREAM } access_socket_t;

#define ACCESS_LOCAL_NAME "local"   //  the principal of every client without keys

typedef struct {
    const char *name;               //  not terminated; lives as long as its source
    size_t name_size;
    access_role_t role;
} principal_t;

const char *access_role_name (access_role_t role);
//  false when text is not a role's name.
bool access_role_find (const char *text, size_t size, access_role_t *role);

//  A principal's name: 1..ENVELOPE_NAME_MAX bytes of UTF-8 without control
//  characters (it is stored as `by` and shown in logs).
bool access_name_valid (const char *name, size_t size);

//  Whether a key of this role is let in on a socket (the ZAP decision).
bool access_may_connect (access_role_t role, access_socket_t socket);

//  Who the request acts as: the connection's principal, or the one that
//  the request names with "as" (only a gateway or an admin may).
daiban_code_t access_resolve (const principal_t *connection, const request_t *request,
                              principal_t *effective, daiban_error_t *err);

//  Whether the principal may make this request: the op, and for a post
//  the event's type and source.
daiban_code_t access_check_request (const principal_t *principal, const request_t *request,
                                    daiban_error_t *err);

//  The case-state stage of a post: a department decides only the items of
//  its own department. An item the case does not hold passes (the reducer
//  refuses it).
daiban_code_t access_check_item (const principal_t *principal, case_state_t *state,
                                 const envelope_t *event, daiban_error_t *err);

#endif
