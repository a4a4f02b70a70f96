/*  route_match: whether a request path fits a route's pattern, and the
    part of it the pattern captures (the {id} of /v1/cases/{id}). Pure,
    so the route table's matching is tested by a table (tests/unit). */
#ifndef DAIBAN_ROUTE_MATCH_H
#define DAIBAN_ROUTE_MATCH_H

#include <stdbool.h>
#include <stddef.h>

//  Matches path against pattern, where "*" stands for one non-empty
//  path segment, copied into capture (size bytes), and "**" for one or
//  more segments up to the rest of the pattern. False when the capture
//  does not fit.
bool route_match (const char *pattern, const char *path, char *capture, size_t size);

#endif
