/*  routes: the table of the HTTP API (method, path pattern, handler,
    whether it needs a token) and the dispatch of a complete request:
    match, authenticate, check the body limit, call the handler. */
#ifndef DAIBAN_ROUTES_H
#define DAIBAN_ROUTES_H

#include <stdbool.h>
#include <stddef.h>
#include "http_request.h"

//  Answers request (its body complete).
enum MHD_Result routes_dispatch (request_t *request);

//  True when request's route takes its body as it comes (an upload).
bool routes_streamed (request_t *request);

#endif
