/*  test_worker_output: the worker side of the protocol without sockets:
    the `done` and `fail` answers as packed by worker_output, and the
    decoding of dispatches by worker_dispatch (what a role sees, and the
    answer to dispatches that are malformed or whose decision fails). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit_support.h"
#include "log.h"
#include "worker_dispatch.h"
#include "worker_output.h"

//  --- worker_output ---------------------------------------------------------

static json_t *
s_done_json (worker_output_t *output, uint64_t lease)
{
    wire_buffer_t reply;
    wire_buffer_init (&reply);
    daiban_error_t err = { 0 };
    assert_int_equal (worker_output_pack_done (output, lease, &reply, &err), DAIBAN_OK);
    json_t *value = unit_bytes_to_json (reply.buffer.data, reply.buffer.size);
    wire_buffer_release (&reply);
    return value;
}

static void
test_done_packs_emits_and_timers (void **state)
{
    (void) state;
    worker_output_t *output = worker_output_new ();
    assert_non_null (output);
    json_t *empty = s_done_json (output, 1);
    json_t *want = unit_json ("{'op':'done','lease':1,'emit':[],'timers':[]}");
    assert_true (json_equal (want, empty));
    json_decref (want);
    json_decref (empty);

    msgpack_packer *body = worker_output_emit (output, "item.submitted", "AS-1");
    msgpack_pack_map (body, 1);
    wire_pack_key (body, "item");
    wire_pack_str (body, "S1-01");
    body = worker_output_emit (output, "case.closed", "AS-1");
    msgpack_pack_map (body, 0);
    msgpack_packer *data = worker_output_timer_set (output, "t/1", 1795000000000, "AS-1", "k");
    msgpack_pack_map (data, 1);
    wire_pack_key (data, "n");
    msgpack_pack_int (data, 3);
    worker_output_timer_cancel (output, "t/0");
    assert_int_equal (worker_output_emit_count (output), 2);
    assert_int_equal (worker_output_timer_count (output), 2);

    json_t *done = s_done_json (output, 4294967296);
    want = unit_json ("{'op':'done','lease':4294967296,'emit':["
                      "{'type':'item.submitted','case':'AS-1','body':{'item':'S1-01'}},"
                      "{'type':'case.closed','case':'AS-1','body':{}}],"
                      "'timers':[{'set':{'id':'t/1','at':1795000000000,'case':'AS-1','kind':'k',"
                      "'data':{'n':3}}},{'cancel':'t/0'}]}");
    if (!json_equal (want, done))
        fail_msg ("done: %s", json_dumps (done, JSON_COMPACT));
    json_decref (want);
    json_decref (done);

    //  reset forgets everything: the next decision starts empty.
    worker_output_reset (output);
    assert_int_equal (worker_output_emit_count (output), 0);
    done = s_done_json (output, 2);
    unit_assert_json_matches ("after reset", "{'emit':[],'timers':[]}", done);
    json_decref (done);
    worker_output_destroy (&output);
    worker_output_destroy (&output);
    assert_null (output);
}

static void
test_fail_message_stays_utf8 (void **state)
{
    (void) state;
    //  "县区" cut inside its second character: only the first one goes out.
    char message [] = "\xe5\x8e\xbf\xe5\x8c";
    wire_buffer_t reply;
    wire_buffer_init (&reply);
    daiban_error_t err = { 0 };
    assert_int_equal (worker_output_pack_fail (3, message, &reply, &err), DAIBAN_OK);
    json_t *fail = unit_bytes_to_json (reply.buffer.data, reply.buffer.size);
    unit_assert_json_matches ("fail", "{'op':'fail','lease':3,'message':'县'}", fail);
    json_decref (fail);
    wire_buffer_release (&reply);
}

//  --- worker_dispatch --------------------------------------------------------

//  A probe role: records what it was given, and fails when the event's
//  body says so.
static struct {
    int calls;
    char type [WORKER_TYPE_MAX], case_id [WORKER_CASE_MAX];
    int64_t now, seq, ts, load_db01, load_nobody;
    bool had_state;
    char status [16];
} s_seen;

static daiban_code_t
s_probe_decide (const worker_dispatch_t *dispatch, const worker_context_t *context,
                worker_output_t *output, daiban_error_t *err)
{
    (void) context;
    s_seen.calls++;
    strcpy (s_seen.type, dispatch->type);
    strcpy (s_seen.case_id, dispatch->case_id);
    s_seen.now = dispatch->now;
    s_seen.seq = dispatch->seq;
    s_seen.ts = dispatch->ts;
    s_seen.had_state = dispatch->state != NULL;
    if (dispatch->state)
        snprintf (s_seen.status, sizeof s_seen.status, "%s",
                  case_status_name (dispatch->state->status));
    s_seen.load_db01 = worker_dispatch_agent_load (dispatch, "DB01");
    s_seen.load_nobody = worker_dispatch_agent_load (dispatch, "XX99");
    if (wire_map_get (dispatch->body, "fail"))
        return daiban_error_set (err, DAIBAN_CONFLICT, "probe failed as asked");
    msgpack_packer *body = worker_output_emit (output, "case.closed", dispatch->case_id);
    msgpack_pack_map (body, 0);
    return DAIBAN_OK;
}

static const char *const s_probe_types [] = { "case.registered", NULL };
static const worker_role_t s_probe = { "probe", s_probe_types, s_probe_decide, NULL };

//  Answers a dispatch given in test notation: the answer as JSON, or NULL
//  (and *code) when the message could not be answered at all.
static json_t *
s_answer (const char *text, daiban_code_t *code)
{
    unit_value_t message;
    const msgpack_object *root = unit_value_init (&message, text);
    worker_output_t *output = worker_output_new ();
    wire_buffer_t reply;
    wire_buffer_init (&reply);
    daiban_error_t err = { 0 };
    *code = worker_dispatch_answer (&s_probe, NULL, root, output, &reply, &err);
    json_t *answer = *code? NULL: unit_bytes_to_json (reply.buffer.data, reply.buffer.size);
    if (*code)
        assert_int_equal (reply.buffer.size, 0);
    wire_buffer_release (&reply);
    worker_output_destroy (&output);
    unit_value_release (&message);
    return answer;
}

#define EVENT "'event':{'id':'w-1','type':'case.registered','case':'AS-9','source':'w'," \
              "'seq':17,'ts':1795000000123,'body':{}}"

static void
test_dispatch_decoded_for_the_role (void **state)
{
    (void) state;
    memset (&s_seen, 0, sizeof s_seen);
    daiban_code_t code;
    json_t *answer = s_answer ("{'op':'dispatch','lease':5," EVENT ","
                               "'case':{'case':'AS-9','status':'returned','items':[]},"
                               "'now':1795000009999,'agents':{'DB01':4,'DB02':1}}", &code);
    assert_int_equal (code, DAIBAN_OK);
    unit_assert_json_matches ("done", "{'op':'done','lease':5,'emit':[{'type':'case.closed',"
                              "'case':'AS-9'}],'timers':[]}", answer);
    json_decref (answer);
    assert_int_equal (s_seen.calls, 1);
    assert_string_equal (s_seen.type, "case.registered");
    assert_string_equal (s_seen.case_id, "AS-9");
    assert_int_equal (s_seen.now, 1795000009999);
    assert_int_equal (s_seen.seq, 17);
    assert_int_equal (s_seen.ts, 1795000000123);
    assert_true (s_seen.had_state);
    assert_string_equal (s_seen.status, "returned");
    assert_int_equal (s_seen.load_db01, 4);
    assert_int_equal (s_seen.load_nobody, 0);

    //  nil case: an event of an unknown case; no agents: every load is 0.
    answer = s_answer ("{'op':'dispatch','lease':6," EVENT ",'case':null,'now':1}", &code);
    assert_int_equal (code, DAIBAN_OK);
    assert_false (s_seen.had_state);
    assert_int_equal (s_seen.load_db01, 0);
    json_decref (answer);
}

static void
test_bad_dispatches_are_failed (void **state)
{
    (void) state;
    static const struct {
        const char *name, *dispatch, *fragment;
    } cases [] = {
        { "the decision fails", "{'op':'dispatch','lease':8,'event':{'type':'case.registered',"
          "'case':'AS-9','body':{'fail':true}},'case':null,'now':1}", "probe failed as asked" },
        { "no event", "{'op':'dispatch','lease':8,'case':null,'now':1}", "event" },
        { "no now", "{'op':'dispatch','lease':8," EVENT ",'case':null}", "now" },
        { "body not a map", "{'op':'dispatch','lease':8,'event':{'type':'case.registered',"
          "'case':'AS-9','body':[]},'now':1}", "body" },
        { "case not a map", "{'op':'dispatch','lease':8," EVENT ",'case':'AS-9','now':1}", "case" },
        { "case state that is not one", "{'op':'dispatch','lease':8," EVENT ","
          "'case':{'case':'AS-9','status':'lost'},'now':1}", "decode" },
        { "agents not a map", "{'op':'dispatch','lease':8," EVENT ",'now':1,'agents':[1]}",
          "agents" },
    };
    for (size_t index = 0; index < sizeof cases / sizeof cases [0]; index++) {
        daiban_code_t code;
        json_t *answer = s_answer (cases [index].dispatch, &code);
        assert_int_equal (code, DAIBAN_OK);
        unit_assert_json_matches (cases [index].name, "{'op':'fail','lease':8}", answer);
        const char *message = json_string_value (json_object_get (answer, "message"));
        if (!message || !strstr (message, cases [index].fragment))
            fail_msg ("%s: message \"%s\" lacks \"%s\"", cases [index].name,
                      message? message: "(none)", cases [index].fragment);
        json_decref (answer);
    }
    //  Without a lease there is nothing to answer.
    daiban_code_t code;
    assert_null (s_answer ("{'op':'dispatch'," EVENT ",'now':1}", &code));
    assert_int_equal (code, DAIBAN_BAD_REQUEST);
    assert_null (s_answer ("{'op':'dispatch','lease':-1," EVENT ",'now':1}", &code));
    assert_int_equal (code, DAIBAN_BAD_REQUEST);
}

int
main (void)
{
    log_level = LOG_LEVEL_ERROR;
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_done_packs_emits_and_timers),
        cmocka_unit_test (test_fail_message_stays_utf8),
        cmocka_unit_test (test_dispatch_decoded_for_the_role),
        cmocka_unit_test (test_bad_dispatches_are_failed),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
