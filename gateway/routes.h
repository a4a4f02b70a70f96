/*  routes: the table of the HTTP API (method, path pattern, handler,
    whether it needs a token) and the dispatch of a complete request:
    match, authenticate, check the body limit, call the handler. */
#ifndef DAIBAN_ROUTES_H
#define DAIBAN_ROUTES_H

#include <stdbool.h>
#include <stddef.h>
#include "request.h"

//  Answers request (its body complete).
enum MHD_Result routes_dispatch (request_t *request);

//  Matches path against pattern, where "*" stands for one non-empty
//  path segment, copied into capture (size bytes), and "**" for one or
//  more segments up to the rest of the pattern. Pure.
bool routes_match (const char *pattern, const char *path, char *capture, size_t size);

#endif
