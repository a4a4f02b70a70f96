/*  test_gateway_rules: the gateway's pure decisions as tables — what each
    token role may read and post (gateway/rights.c, the security contract's
    rules that the gateway checks before the broker), the HTTP status of
    each broker error, and which route pattern a path fits with what it
    captures (gateway/route_match.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "rights.h"
#include "route_match.h"

static tokens_principal_t
s_principal (const char *name, const char *role)
{
    tokens_principal_t principal;
    memset (&principal, 0, sizeof principal);
    strcpy (principal.name, name);
    strcpy (principal.role, role);
    return principal;
}

static void
test_reads (void **state)
{
    (void) state;
    static const struct { const char *role, *op; bool allowed; } table [] = {
        { "system", "case", true }, { "system", "history", true },
        { "system", "cases", false }, { "system", "stream", false },
        { "system", "stats", false }, { "department", "catalog", false },
        { "operator", "cases", true }, { "operator", "stream", true },
        { "operator", "deadletters", true }, { "supervisor", "stats", true },
        { "operator", "backup", false }, { "admin", "backup", true }, { NULL, NULL, false }
    };
    for (int index = 0; table [index].role; index++) {
        tokens_principal_t principal = s_principal ("who", table [index].role);
        char why [200] = "";
        bool allowed = rights_may_read (&principal, table [index].op, why, sizeof why);
        if (allowed != table [index].allowed)
            fail_msg ("%s %s: %d", table [index].role, table [index].op, allowed);
        if (!allowed && (!strstr (why, table [index].role) || !strstr (why, table [index].op)))
            fail_msg ("%s %s: the reason names neither: %s", table [index].role,
                      table [index].op, why);
    }
}

static void
test_posts (void **state)
{
    (void) state;
    static const struct {
        const char *role, *type, *source, *by;
        const char *refusal;                //  NULL: allowed; else a word of the reason
    } table [] = {
        { "system", "worklog.added", "portal", NULL, NULL },
        { "system", "worklog.added", "window-3", NULL, "window-3" },
        { "system", "item.approved", "portal", NULL, "item.approved" },
        { "system", "alert.acknowledged", "portal", "portal", "alert.acknowledged" },
        { "department", "item.approved", "portal", NULL, NULL },
        { "department", "item.approved", "other", NULL, "other" },
        { "operator", "worklog.added", "window-3", NULL, NULL },
        { "operator", "alert.acknowledged", "portal", "portal", "role operator may not post" },
        { "supervisor", "alert.acknowledged", "portal", "portal", NULL },
        { "supervisor", "alert.acknowledged", "portal", "someone", "body.by" },
        { "admin", "alert.acknowledged", "x", "y", NULL }, { NULL, NULL, NULL, NULL, NULL }
    };
    for (int index = 0; table [index].role; index++) {
        tokens_principal_t principal = s_principal ("portal", table [index].role);
        json_t *event = json_pack ("{s:s, s:s, s:{}}", "type", table [index].type, "source",
                                   table [index].source, "body");
        if (table [index].by)
            json_object_set_new (json_object_get (event, "body"), "by",
                                 json_string (table [index].by));
        char why [200] = "";
        bool allowed = rights_may_post (&principal, event, why, sizeof why);
        json_decref (event);
        if (allowed != !table [index].refusal)
            fail_msg ("row %d (%s %s): allowed %d", index, table [index].role,
                      table [index].type, allowed);
        if (!allowed && !strstr (why, table [index].refusal))
            fail_msg ("row %d: \"%s\" lacks \"%s\"", index, why, table [index].refusal);
    }
}

static void
test_statuses (void **state)
{
    (void) state;
    static const struct { const char *code; int status; } table [] = {
        { "bad_request", 400 }, { "unknown_type", 400 }, { "invalid_body", 400 },
        { "unauthorized", 401 }, { "forbidden", 403 }, { "not_found", 404 },
        { "conflict", 409 }, { "too_large", 413 }, { "unavailable", 503 },
        { "timeout", 504 }, { "internal", 500 }, { "something_new", 500 }, { NULL, 0 }
    };
    for (int index = 0; table [index].code; index++)
        assert_int_equal (rights_http_status (table [index].code), table [index].status);
    assert_int_equal (rights_http_status (NULL), 500);
}

static void
test_route_match (void **state)
{
    (void) state;
    static const struct { const char *pattern, *path, *capture; } table [] = {
        { "/v1/events", "/v1/events", "" },
        { "/v1/events", "/v1/events:batch", NULL },
        { "/v1/cases/*", "/v1/cases/AS-2026-0001", "AS-2026-0001" },
        { "/v1/cases/*", "/v1/cases/", NULL },
        { "/v1/cases/*", "/v1/cases/A/events", NULL },
        { "/v1/cases/*/events", "/v1/cases/A-1/events", "A-1" },
        { "/v1/alerts/**/ack", "/v1/alerts/AS-1/S1-05/L1/ack", "AS-1/S1-05/L1" },
        { "/v1/alerts/**/ack", "/v1/alerts//ack", NULL },
        { "/v1/alerts/**/ack", "/v1/alerts/x/acked", NULL },
        { "/*", "/board.js", "board.js" }, { "/*", "/v1/x", NULL },
        { "/", "/", "" }, { NULL, NULL, NULL }
    };
    for (int index = 0; table [index].pattern; index++) {
        char capture [64] = "";
        bool matched = route_match (table [index].pattern, table [index].path, capture,
                                    sizeof capture);
        if (matched != (table [index].capture != NULL))
            fail_msg ("%s vs %s: %d", table [index].pattern, table [index].path, matched);
        if (matched)
            assert_string_equal (capture, table [index].capture);
    }
    //  A capture that does not fit is no match, never a cut one.
    char small [4];
    assert_false (route_match ("/v1/cases/*", "/v1/cases/ABCDEF", small, sizeof small));
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_reads), cmocka_unit_test (test_posts),
        cmocka_unit_test (test_statuses), cmocka_unit_test (test_route_match),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
