/*  event_type: the catalog of event types of PROTOCOL.md and the shape of
    each type's body. One table says, per type, who may post it and which
    body fields are required with which msgpack type or enumerated values;
    the broker checks every posted and every emitted body against it. */
#ifndef DAIBAN_EVENT_TYPE_H
#define DAIBAN_EVENT_TYPE_H

#include <msgpack.h>
#include <stdbool.h>
#include "daiban_error.h"

typedef enum {
    FIELD_STRING,
    FIELD_INTEGER,
    FIELD_BOOLEAN,
    FIELD_DATE,                 //  "YYYY-MM-DD"
    FIELD_MAP,                  //  checked against .fields
    FIELD_ANY_MAP,              //  any map (timer data)
    FIELD_STRING_LIST,
    FIELD_MAP_LIST              //  each element checked against .fields
} field_kind_t;

typedef struct body_field {
    const char *name;
    field_kind_t kind;
    bool optional;
    bool nonempty;                      //  a list needs at least one element
    const char *const *choices;         //  NULL-terminated enumeration, or NULL
    const struct body_field *fields;    //  for FIELD_MAP, FIELD_MAP_LIST
} body_field_t;

typedef struct {
    const char *name;
    bool emitted;                       //  by workers or the broker only
    const body_field_t *fields;         //  terminated by a NULL name
} event_type_t;

//  The type named by (name, size), or NULL when unknown.
const event_type_t *event_type_find (const char *name, size_t size);

//  Checks a body (a map) against the type's fields; the error is
//  invalid_body naming the field ("items[2].level").
daiban_code_t event_type_check_body (const event_type_t *type, const msgpack_object *body,
                                     daiban_error_t *err);

#endif
