/*  routes: the route table, authentication and dispatch (see routes.h). */
#include "routes.h"

#include <czmq.h>
#include <string.h>
#include "handlers.h"
#include "route_match.h"
#include "wire.h"

typedef struct {
    const char *method;
    const char *pattern;
    handler_fn_t *handler;
    bool open;                  //  needs no token
    bool streamed;              //  handled at the headers, the body as it comes
} s_route_t;

static const s_route_t s_routes [] = {
    { "POST", "/v1/events", handle_post_event, false, false },
    { "POST", "/v1/events:batch", handle_post_batch, false, false },
    { "GET", "/v1/events", handle_history, false, false },
    { "GET", "/v1/cases", handle_cases, false, false },
    { "GET", "/v1/cases/*", handle_case, false, false },
    { "GET", "/v1/cases/*/events", handle_case_events, false, false },
    { "POST", "/v1/cases/*/attachments", handle_attachment_post, false, true },
    { "GET", "/v1/cases/*/attachments/*", handle_attachment_get, false, false },
    { "GET", "/v1/cases/*/dossier", handle_dossier, false, false },
    { "GET", "/v1/stream", handle_stream, false, false },
    { "GET", "/v1/alerts", handle_alerts, false, false },
    { "POST", "/v1/alerts/**/ack", handle_ack, false, false },
    { "GET", "/v1/catalog", handle_catalog, false, false },
    { "GET", "/v1/calendar/due", handle_due, false, false },
    { "GET", "/v1/calendar/workdays", handle_workdays, false, false },
    { "GET", "/v1/stats", handle_stats, false, false },
    { "GET", "/v1/whoami", handle_whoami, false, false },
    { "GET", "/metrics", handle_metrics, true, false },
    { "GET", "/healthz", handle_healthz, true, false },
    { "GET", "/*", handle_board, true, false },
    { "GET", "/", handle_board, true, false },
    { NULL, NULL, NULL, false, false }
};

//  The bearer token: the Authorization header, or access_token in the
//  query (a browser's EventSource cannot send headers).
static const char *
s_token (request_t *request)
{
    const char *header = request_header (request, MHD_HTTP_HEADER_AUTHORIZATION);
    if (header && strncasecmp (header, "Bearer ", 7) == 0)
        return header + 7;
    return request_arg (request, "access_token");
}

static bool
s_authenticate (request_t *request, enum MHD_Result *result)
{
    gateway_t *gateway = request->gateway;
    if (!gateway->tokens) {
        strcpy (request->principal.name, "local");
        strcpy (request->principal.role, "admin");
        return true;
    }
    const char *token = s_token (request);
    if (token && tokens_find (gateway->tokens, token, &request->principal))
        return true;
    *result = reply_error (request, 401, "unauthorized", token? "unknown token"
                           : "no token: send Authorization: Bearer TOKEN");
    return false;
}

//  The route of request's method and path; *known tells whether the path
//  exists with another method (405 rather than 404).
static const s_route_t *
s_find (request_t *request, bool *known)
{
    *known = false;
    for (const s_route_t *route = s_routes; route->method; route++) {
        char capture [sizeof request->param] = "";
        if (!route_match (route->pattern, request->path, capture, sizeof capture))
            continue;
        if (!streq (route->method, request->method)) {
            *known = true;
            continue;
        }
        memcpy (request->param, capture, sizeof capture);
        request->route = route->pattern;
        return route;
    }
    return NULL;
}

//  The first query argument whose name or value is not UTF-8 (its name
//  then goes into closure), as libmicrohttpd walks them.
static enum MHD_Result
s_check_arg (void *closure, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void) kind;
    bool valid = wire_utf8_valid (key, strlen (key))
              && (!value || wire_utf8_valid (value, strlen (value)));
    if (!valid)
        snprintf ((char *) closure, 64, "%s", wire_utf8_valid (key, strlen (key))? key: "?");
    return valid? MHD_YES: MHD_NO;
}

//  Paths and arguments go into JSON and msgpack strings: UTF-8 only.
static bool
s_utf8 (request_t *request, enum MHD_Result *result)
{
    char bad [64] = "";
    if (!wire_utf8_valid (request->path, strlen (request->path))) {
        *result = reply_error (request, 400, "bad_request", "the path is not UTF-8");
        return false;
    }
    MHD_get_connection_values (request->connection, MHD_GET_ARGUMENT_KIND, s_check_arg, bad);
    if (*bad)
        *result = reply_error (request, 400, "bad_request", "query argument %s: not UTF-8",
                               bad);
    return *bad == 0;
}

bool
routes_streamed (request_t *request)
{
    bool known = false;
    const s_route_t *route = s_find (request, &known);
    return route && route->streamed;
}

enum MHD_Result
routes_dispatch (request_t *request)
{
    enum MHD_Result result = MHD_NO;
    if (!s_utf8 (request, &result))
        return result;
    bool known = false;
    const s_route_t *route = s_find (request, &known);
    if (!route && known)
        return reply_error (request, 405, "method_not_allowed", "%s is not allowed on %s",
                            request->method, request->path);
    if (!route)
        return reply_error (request, 404, "not_found", "no route %s %s", request->method,
                            request->path);
    if (request->too_large)
        return reply_error (request, 413, "too_large", "the body is over %zu bytes",
                            request->limit);
    if (route->open) {
        //  What an open route asks the broker, it asks as the gateway itself.
        strcpy (request->principal.name, request->gateway->tokens? "daiban-gateway": "local");
        strcpy (request->principal.role, request->gateway->tokens? "operator": "admin");
    }
    else
    if (!s_authenticate (request, &result))
        return result;
    return route->handler (request);
}
