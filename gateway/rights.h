/*  rights: what each principal may do, as the security contract says
    (docs/http.md, Roles). The broker enforces the same rules on the
    principal the gateway passes with `as`; these pure decisions are the
    gateway's second line, and the only one for the routes the broker
    cannot tell apart (the event stream, the alert list). */
#ifndef DAIBAN_RIGHTS_H
#define DAIBAN_RIGHTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include "tokens.h"

//  True when principal may run op ("case", "cases", "history", "stats",
//  "catalog", "deadletters", "stream"); otherwise why holds the reason.
bool rights_may_read (const tokens_principal_t *principal, const char *op, char *why, size_t size);

//  True when principal may post event (its type, source and, for
//  alert.acknowledged, body.by); otherwise why holds the reason.
bool rights_may_post (const tokens_principal_t *principal, json_t *event, char *why, size_t size);

//  The HTTP status of a broker error code ("conflict" -> 409).
int rights_http_status (const char *code);

#endif
