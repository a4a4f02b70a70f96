/*  test_access: the role rules of docs/security.md as tables — which role
    may use which op, post which type under which source, act for another
    with "as", decide which department's items, and connect to which
    socket; every refusal is `forbidden` with a message naming the op or
    type and the role. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "access.h"
#include "request.h"
#include "unit_support.h"

typedef struct {
    request_t request;
    wire_buffer_t buffer;
} decoded_t;

static void
s_decode (decoded_t *decoded, const char *text)
{
    wire_buffer_init (&decoded->buffer);
    unit_pack_text (&decoded->buffer, text);
    request_init (&decoded->request);
    daiban_error_t err = { 0 };
    if (request_decode (&decoded->request, decoded->buffer.buffer.data,
                        decoded->buffer.buffer.size, &err))
        fail_msg ("test request does not decode: %s: %s", err.message, text);
}

static void
s_release (decoded_t *decoded)
{
    request_release (&decoded->request);
    wire_buffer_release (&decoded->buffer);
}

static principal_t
s_principal (const char *name, access_role_t role)
{
    principal_t principal = { name, strlen (name), role };
    return principal;
}

//  Checks one request for a principal: the code, and for a refusal a
//  message holding each of the words.
static void
s_expect (const char *name, access_role_t role, const char *request, daiban_code_t expected,
          const char *word1, const char *word2)
{
    decoded_t decoded;
    s_decode (&decoded, request);
    principal_t principal = s_principal (name, role);
    daiban_error_t err = { 0 };
    daiban_code_t code = access_check_request (&principal, &decoded.request, &err);
    if (code != expected)
        fail_msg ("%s (%s): %s: got %s (%s), expected %s", name, access_role_name (role), request,
                  daiban_error_code_name (code), err.message, daiban_error_code_name (expected));
    if (word1 && !strstr (err.message, word1))
        fail_msg ("message \"%s\" does not name \"%s\"", err.message, word1);
    if (word2 && !strstr (err.message, word2))
        fail_msg ("message \"%s\" does not name \"%s\"", err.message, word2);
    s_release (&decoded);
}

static void
test_ops_by_role (void **state)
{
    (void) state;
    static const struct {
        const char *op;
        //  system, department, operator, supervisor, worker, gateway, admin
        bool allowed [ACCESS_ROLE_COUNT];
    } table [] = {
        { "{'op':'case','case':'C'}",         { 1, 1, 1, 1, 0, 0, 1 } },
        { "{'op':'history','from':1}",        { 1, 1, 1, 1, 0, 0, 1 } },
        { "{'op':'cases'}",                   { 0, 0, 1, 1, 0, 0, 1 } },
        { "{'op':'stats'}",                   { 0, 0, 1, 1, 0, 0, 1 } },
        { "{'op':'catalog'}",                 { 0, 0, 1, 1, 0, 0, 1 } },
        { "{'op':'deadletters'}",             { 0, 0, 1, 1, 0, 0, 1 } },
        { "{'op':'clock','advance_ms':1}",    { 0, 0, 0, 0, 0, 0, 1 } },
        { "{'op':'retry','role':'r','seq':1}", { 0, 0, 0, 0, 0, 0, 1 } },
        { "{'op':'backup'}",                  { 0, 0, 0, 0, 0, 0, 1 } },
        { "{'op':'reload'}",                  { 0, 0, 0, 0, 0, 0, 1 } },
        { "{'op':'whoami'}",                  { 1, 1, 1, 1, 1, 1, 1 } },
    };
    for (size_t row = 0; row < sizeof table / sizeof table [0]; row++)
        for (int role = 0; role < ACCESS_ROLE_COUNT; role++) {
            const char *op = strstr (table [row].op, "'op':'") + 6;
            char word [24];
            snprintf (word, sizeof word, "%.*s", (int) (strchr (op, '\'') - op), op);
            s_expect ("k", (access_role_t) role, table [row].op,
                      table [row].allowed [role]? DAIBAN_OK: DAIBAN_FORBIDDEN,
                      table [row].allowed [role]? NULL: access_role_name ((access_role_t) role),
                      table [row].allowed [role]? NULL: word);
        }
}

#define POST(type, source, body) \
    "{'op':'post','event':{'id':'1','type':'" type "','case':'C','source':'" source "','body':" body "}}"

static void
test_posts_by_role (void **state)
{
    (void) state;
    static const struct {
        const char *name;
        access_role_t role;
        const char *request;
        daiban_code_t expected;
        const char *word1, *word2;
    } table [] = {
        //  A system posts as itself only, and no item decisions.
        { "12345", ACCESS_SYSTEM, POST ("case.registered", "12345", "{}"), DAIBAN_OK, NULL, NULL },
        { "12345", ACCESS_SYSTEM, POST ("case.registered", "window-3", "{}"), DAIBAN_FORBIDDEN,
          "source", "12345" },
        { "12345", ACCESS_SYSTEM, POST ("item.approved", "12345", "{}"), DAIBAN_FORBIDDEN,
          "item.approved", "system" },
        { "12345", ACCESS_SYSTEM, POST ("problem.reported", "12345", "{}"), DAIBAN_OK, NULL, NULL },
        //  A department decides items (which ones: access_check_item).
        { "市自然资源局", ACCESS_DEPARTMENT, POST ("item.approved", "市自然资源局", "{}"), DAIBAN_OK,
          NULL, NULL },
        { "市自然资源局", ACCESS_DEPARTMENT, POST ("item.suspended", "市住建局", "{}"),
          DAIBAN_FORBIDDEN, "source", "市自然资源局" },
        //  Operators post anything but acknowledgements, as any source.
        { "agent-1", ACCESS_OPERATOR, POST ("item.approved", "窗口3", "{}"), DAIBAN_OK, NULL, NULL },
        { "agent-1", ACCESS_OPERATOR, POST ("alert.acknowledged", "agent-1", "{'by':'agent-1'}"),
          DAIBAN_FORBIDDEN, "alert.acknowledged", "operator" },
        { "12345", ACCESS_SYSTEM, POST ("alert.acknowledged", "12345", "{}"),
          DAIBAN_FORBIDDEN, "alert.acknowledged", "system" },
        //  A supervisor acknowledges, as itself.
        { "supervisor-孔玲", ACCESS_SUPERVISOR,
          POST ("alert.acknowledged", "x", "{'alert':'a','by':'supervisor-孔玲'}"), DAIBAN_OK,
          NULL, NULL },
        { "supervisor-孔玲", ACCESS_SUPERVISOR,
          POST ("alert.acknowledged", "x", "{'alert':'a','by':'someone'}"), DAIBAN_FORBIDDEN,
          "by", "supervisor-孔玲" },
        { "root", ACCESS_ADMIN, POST ("alert.acknowledged", "x", "{'alert':'a','by':'someone'}"),
          DAIBAN_OK, NULL, NULL },
        //  Neither a worker key nor a bare gateway posts on ingress.
        { "intake", ACCESS_WORKER, POST ("worklog.added", "intake", "{}"), DAIBAN_FORBIDDEN,
          "worker", "post" },
        { "gateway", ACCESS_GATEWAY, POST ("worklog.added", "gateway", "{}"), DAIBAN_FORBIDDEN,
          "gateway", "post" },
    };
    for (size_t row = 0; row < sizeof table / sizeof table [0]; row++)
        s_expect (table [row].name, table [row].role, table [row].request, table [row].expected,
                  table [row].word1, table [row].word2);
}

static void
test_as (void **state)
{
    (void) state;
    static const struct {
        access_role_t connection;
        const char *request;
        daiban_code_t expected;
        const char *name;           //  the effective principal's, when ok
        access_role_t role;
    } table [] = {
        { ACCESS_GATEWAY, "{'op':'case','case':'C','as':{'name':'王丽','role':'operator'}}",
          DAIBAN_OK, "王丽", ACCESS_OPERATOR },
        { ACCESS_ADMIN, "{'op':'case','case':'C','as':{'name':'dept','role':'department'}}",
          DAIBAN_OK, "dept", ACCESS_DEPARTMENT },
        { ACCESS_GATEWAY, "{'op':'case','case':'C'}", DAIBAN_OK, "gw", ACCESS_GATEWAY },
        { ACCESS_OPERATOR, "{'op':'case','case':'C','as':{'name':'x','role':'admin'}}",
          DAIBAN_FORBIDDEN, NULL, 0 },
        { ACCESS_SYSTEM, "{'op':'case','case':'C','as':{'name':'x','role':'system'}}",
          DAIBAN_FORBIDDEN, NULL, 0 },
        { ACCESS_GATEWAY, "{'op':'case','case':'C','as':{'name':'x','role':'worker'}}",
          DAIBAN_BAD_REQUEST, NULL, 0 },
        { ACCESS_GATEWAY, "{'op':'case','case':'C','as':{'name':'x','role':'gateway'}}",
          DAIBAN_BAD_REQUEST, NULL, 0 },
        { ACCESS_GATEWAY, "{'op':'case','case':'C','as':{'name':'','role':'operator'}}",
          DAIBAN_BAD_REQUEST, NULL, 0 },
        { ACCESS_GATEWAY, "{'op':'case','case':'C','as':{'name':'a\\nb','role':'operator'}}",
          DAIBAN_BAD_REQUEST, NULL, 0 },
        { ACCESS_GATEWAY, "{'op':'case','case':'C','as':'operator'}", DAIBAN_BAD_REQUEST, NULL, 0 },
        { ACCESS_GATEWAY, "{'op':'case','case':'C','as':{'name':1,'role':'operator'}}",
          DAIBAN_BAD_REQUEST, NULL, 0 },
    };
    for (size_t row = 0; row < sizeof table / sizeof table [0]; row++) {
        decoded_t decoded;
        s_decode (&decoded, table [row].request);
        principal_t connection = s_principal ("gw", table [row].connection), effective;
        daiban_error_t err = { 0 };
        daiban_code_t code = access_resolve (&connection, &decoded.request, &effective, &err);
        if (code != table [row].expected)
            fail_msg ("%s: got %s (%s)", table [row].request, daiban_error_code_name (code),
                      err.message);
        if (code == DAIBAN_OK) {
            assert_int_equal (effective.name_size, strlen (table [row].name));
            assert_memory_equal (effective.name, table [row].name, effective.name_size);
            assert_int_equal (effective.role, table [row].role);
        }
        else
            assert_non_null (strstr (err.message, "as"));
        s_release (&decoded);
    }
}

static void
test_department_items (void **state)
{
    (void) state;
    case_state_t *case_state = case_state_new ("C");
    case_item_t *item = case_state_add_item (case_state);
    item->code = strdup ("X01");
    item->department = strdup ("市自然资源局");
    case_state_add_item (case_state)->code = strdup ("X02");  //  no department
    static const struct {
        const char *name;
        access_role_t role;
        const char *request;
        daiban_code_t expected;
    } table [] = {
        { "市自然资源局", ACCESS_DEPARTMENT, POST ("item.approved", "市自然资源局", "{'item':'X01'}"),
          DAIBAN_OK },
        { "市住建局", ACCESS_DEPARTMENT, POST ("item.approved", "市住建局", "{'item':'X01'}"),
          DAIBAN_FORBIDDEN },
        { "市住建局", ACCESS_DEPARTMENT, POST ("item.resumed", "市住建局", "{'item':'X02'}"),
          DAIBAN_FORBIDDEN },
        //  An item the case does not hold is the reducer's to refuse.
        { "市住建局", ACCESS_DEPARTMENT, POST ("item.approved", "市住建局", "{'item':'Z9'}"),
          DAIBAN_OK },
        //  Not a decision, or not a department: no item rule.
        { "市住建局", ACCESS_DEPARTMENT, POST ("worklog.added", "市住建局", "{'item':'X01'}"),
          DAIBAN_OK },
        { "agent", ACCESS_OPERATOR, POST ("item.approved", "x", "{'item':'X01'}"), DAIBAN_OK },
    };
    for (size_t row = 0; row < sizeof table / sizeof table [0]; row++) {
        decoded_t decoded;
        s_decode (&decoded, table [row].request);
        principal_t principal = s_principal (table [row].name, table [row].role);
        daiban_error_t err = { 0 };
        daiban_code_t code = access_check_item (&principal, case_state, &decoded.request.event,
                                                &err);
        if (code != table [row].expected)
            fail_msg ("row %zu: got %s (%s)", row, daiban_error_code_name (code), err.message);
        if (code)
            assert_non_null (strstr (err.message, table [row].name));
        s_release (&decoded);
    }
    //  Emits (no principal) and a case not yet registered pass.
    decoded_t decoded;
    s_decode (&decoded, POST ("item.approved", "市住建局", "{'item':'X01'}"));
    daiban_error_t err = { 0 };
    assert_int_equal (access_check_item (NULL, case_state, &decoded.request.event, &err), DAIBAN_OK);
    principal_t principal = s_principal ("市住建局", ACCESS_DEPARTMENT);
    assert_int_equal (access_check_item (&principal, NULL, &decoded.request.event, &err), DAIBAN_OK);
    s_release (&decoded);
    case_state_destroy (&case_state);
}

static void
test_sockets_by_role (void **state)
{
    (void) state;
    //  ingress, workers, stream
    static const bool table [ACCESS_ROLE_COUNT][3] = {
        [ACCESS_SYSTEM] = { 1, 0, 0 }, [ACCESS_DEPARTMENT] = { 1, 0, 0 },
        [ACCESS_OPERATOR] = { 1, 0, 1 }, [ACCESS_SUPERVISOR] = { 1, 0, 1 },
        [ACCESS_WORKER] = { 0, 1, 0 }, [ACCESS_GATEWAY] = { 1, 0, 1 }, [ACCESS_ADMIN] = { 1, 1, 1 },
    };
    for (int role = 0; role < ACCESS_ROLE_COUNT; role++)
        for (int socket = 0; socket < 3; socket++)
            if (access_may_connect ((access_role_t) role, (access_socket_t) socket) != table [role][socket])
                fail_msg ("role %s, socket %d", access_role_name ((access_role_t) role), socket);
}

static void
test_role_names (void **state)
{
    (void) state;
    for (int role = 0; role < ACCESS_ROLE_COUNT; role++) {
        const char *name = access_role_name ((access_role_t) role);
        access_role_t found;
        assert_true (access_role_find (name, strlen (name), &found));
        assert_int_equal (found, role);
    }
    access_role_t found;
    assert_false (access_role_find ("root", 4, &found));
    assert_false (access_role_find ("admi", 4, &found));
    assert_true (access_name_valid ("supervisor-孔玲", strlen ("supervisor-孔玲")));
    assert_false (access_name_valid ("", 0));
    assert_false (access_name_valid ("a\tb", 3));
    assert_false (access_name_valid ("\xff", 1));
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_ops_by_role),
        cmocka_unit_test (test_posts_by_role),
        cmocka_unit_test (test_as),
        cmocka_unit_test (test_department_items),
        cmocka_unit_test (test_sockets_by_role),
        cmocka_unit_test (test_role_names),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
