/*  fuzz_request: the libFuzzer target for ingress requests (PROTOCOL.md,
    "Ingress: request and reply"). Each input is one request frame as a
    client sends it. It is decoded and judged for every role (access.h); a
    post's body is checked and the event applied to a case never
    registered and to a live case; every reply is packed and read back. ASan, UBSan and LeakSanitizer turn any misstep
    into a crash; the target aborts where a reply or a case state breaks
    the contract. See docs/fuzzing.md. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "case_state.h"
#include "event_type.h"
#include "reducer.h"
#include "access.h"
#include "request.h"
#include "wire.h"

#define FUZZ_SEQ 42                     //  any seq and ts: the reducer only records them
#define FUZZ_TS 1795000000000

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

//  Each event also meets two live cases with these items and alerts
//  (fuzz/make_corpus.py names the same): one just registered, every item
//  waiting, for intake's decisions; one in progress with an item in each
//  status, so that every item event meets every transition.
static const struct {
    const char *code;
    item_status_t status;
} s_live_items [] = {
    { "S1-01", ITEM_WAITING }, { "S1-02", ITEM_SUBMITTED }, { "S1-03", ITEM_TRANSFERRED },
    { "S1-04", ITEM_IN_REVIEW }, { "S1-05", ITEM_SUSPENDED }, { "S1-06", ITEM_APPROVED },
    { "S1-07", ITEM_REJECTED }, { "S2-13", ITEM_WITHDRAWN }
};
#define LIVE_ITEM_COUNT (sizeof s_live_items / sizeof s_live_items [0])
static const char *s_live_alerts [] = { "AL-0001", "AL-0002" };    //  the second acknowledged
#define LIVE_ALERT_COUNT (sizeof s_live_alerts / sizeof s_live_alerts [0])

//  DAIBAN_FUZZ_TRACE=1 prints each input's outcomes on stderr: the smoke
//  test runs the seeds that way to prove they reach the reducer.
static bool s_trace;

//  What happened to one input, for the trace: a code per stage, -1 when
//  the stage was not reached.
typedef struct {
    int request, body, new_case, registered_case, active_case;
    bool emitted;
} outcome_t;

static void
s_fail (const char *what, const char *detail)
{
    fprintf (stderr, "fuzz_request: %s: %s\n", what, detail);
    abort ();           //  the harness, not the library: a contract break is a crash here
}

static void
s_buffer_check (const wire_buffer_t *buffer, const char *what)
{
    if (buffer->failed)
        s_fail (what, "out of memory while packing");
}

//  The reply must be one msgpack map with "ok" as expected; a failure
//  carries an error whose code and message are UTF-8 strings (PROTOCOL.md:
//  strings are UTF-8, and a client decoding strictly would choke).
static void
s_check_reply (const wire_buffer_t *reply, bool ok)
{
    msgpack_zone zone;
    msgpack_zone_init (&zone, 1024);
    msgpack_object root;
    daiban_error_t err;
    if (wire_unpack (reply->buffer.data, reply->buffer.size, &zone, &root, &err))
        s_fail ("the reply does not decode", err.message);
    const msgpack_object *ok_field = wire_map_get (&root, "ok");
    if (!ok_field || ok_field->type != MSGPACK_OBJECT_BOOLEAN || ok_field->via.boolean != ok)
        s_fail ("the reply's ok", "missing or wrong");
    if (!ok) {
        const msgpack_object *error = wire_map_get (&root, "error");
        const msgpack_object *code = wire_map_get (error, "code");
        const msgpack_object *message = wire_map_get (error, "message");
        if (!wire_is_str (code) || !wire_is_str (message))
            s_fail ("the reply's error", "code or message missing or not a string");
        if (!wire_utf8_valid (message->via.str.ptr, message->via.str.size))
            s_fail ("the reply's error message is not UTF-8", "see the input");
    }
    msgpack_zone_destroy (&zone);
}

//  Packs the reply the broker would send for err (NULL: success).
static void
s_reply (const request_t *request, const daiban_error_t *err)
{
    wire_buffer_t reply;
    wire_buffer_init (&reply);
    if (err)
        request_pack_error (&reply.packer, request->rid, err);
    else
    if (request->op == REQUEST_POST) {
        request_pack_ok (&reply.packer, request->rid, 2);
        wire_pack_key (&reply.packer, "seq");
        msgpack_pack_uint64 (&reply.packer, FUZZ_SEQ);
        wire_pack_key (&reply.packer, "duplicate");
        msgpack_pack_false (&reply.packer);
    }
    else
        request_pack_ok (&reply.packer, request->rid, 0);
    s_buffer_check (&reply, "the reply");
    s_check_reply (&reply, err == NULL);
    wire_buffer_release (&reply);
}

//  A state is stored and sent packed: packing, decoding and packing again
//  must give the same bytes, or a restart would change the case.
static void
s_check_state (const case_state_t *state)
{
    wire_buffer_t first, second;
    wire_buffer_init (&first);
    wire_buffer_init (&second);
    case_state_pack (state, &first.packer);
    case_state_pack_summary (state, &second.packer);
    s_buffer_check (&first, "the case state");
    s_buffer_check (&second, "the case summary");
    wire_buffer_clear (&second);
    daiban_error_t err;
    case_state_t *copy = case_state_decode (first.buffer.data, first.buffer.size, &err);
    if (!copy)
        s_fail ("a packed case state does not decode", err.message);
    case_state_pack (copy, &second.packer);
    s_buffer_check (&second, "the decoded case state");
    if (first.buffer.size != second.buffer.size
    ||  memcmp (first.buffer.data, second.buffer.data, first.buffer.size) != 0)
        s_fail ("a case state", "changes over pack and decode");
    case_state_destroy (&copy);
    wire_buffer_release (&first);
    wire_buffer_release (&second);
}

//  The event as the broker stores and publishes it must decode again.
static void
s_check_committed (const envelope_t *event)
{
    wire_buffer_t committed;
    wire_buffer_init (&committed);
    envelope_pack_committed (event, FUZZ_SEQ, FUZZ_TS, FUZZ_SEQ - 1, &committed);
    s_buffer_check (&committed, "the committed event");
    msgpack_zone zone;
    msgpack_zone_init (&zone, 1024);
    msgpack_object root;
    daiban_error_t err;
    if (wire_unpack (committed.buffer.data, committed.buffer.size, &zone, &root, &err))
        s_fail ("a committed event does not decode", err.message);
    msgpack_zone_destroy (&zone);
    wire_buffer_release (&committed);
}

static case_item_t *
s_live_item (case_state_t *state, const char *code, item_status_t status)
{
    case_item_t *item = case_state_add_item (state);
    if (!item || !case_text_set (&item->code, code, strlen (code))
    ||  !case_text_set (&item->level, "city", 4)
    ||  !text_list_add (&item->materials, "申请表", strlen ("申请表")))
        return NULL;
    //  S1-01 waits for the others: a rejection or withdrawal blocks it
    //  (reducer.c, s_block_dependants).
    for (size_t index = 1; index < LIVE_ITEM_COUNT && strcmp (code, s_live_items [0].code) == 0;
         index++)
        if (!text_list_add (&item->after, s_live_items [index].code,
                            strlen (s_live_items [index].code)))
            return NULL;
    item->status = status;
    item->resume_status = status == ITEM_SUSPENDED? ITEM_IN_REVIEW: ITEM_WAITING;
    item->limit_days = 20;
    return item;
}

//  A live case: registered (all items waiting) or in progress (items in
//  every status), with an open and an acknowledged alert.
static case_state_t *
s_live_case (const char *case_id, case_status_t status)
{
    case_state_t *state = case_state_new (case_id);
    if (!state)
        return NULL;
    state->status = status;
    state->registered_at = FUZZ_TS - 86400000;
    bool ready = case_text_set (&state->project, "新能源装备产业园", strlen ("新能源装备产业园"));
    if (ready && status != CASE_REGISTERED)
        ready = case_text_set (&state->agent, "李明", strlen ("李明"));
    for (size_t index = 0; ready && index < LIVE_ITEM_COUNT; index++)
        ready = s_live_item (state, s_live_items [index].code,
                             status == CASE_REGISTERED? ITEM_WAITING: s_live_items [index].status)
                != NULL;
    for (size_t index = 0; ready && index < LIVE_ALERT_COUNT; index++) {
        case_alert_t *alert = case_state_add_alert (state);
        ready = alert && case_text_set (&alert->alert, s_live_alerts [index],
                                        strlen (s_live_alerts [index]));
        if (ready)
            alert->acknowledged = index == 1;
    }
    if (!ready)
        case_state_destroy (&state);
    return state;
}

//  Applies the event to *state_p as the broker does (a refused event
//  spoils the state, which is thrown away), checks the outcome and
//  answers it; returns the reducer's code.
static int
s_apply (const request_t *request, const envelope_t *event, case_state_t **state_p)
{
    daiban_error_t err;
    daiban_error_clear (&err);
    daiban_code_t code = reducer_apply (state_p, event, FUZZ_SEQ, FUZZ_TS, &err);
    if (code == DAIBAN_OK) {
        if (!*state_p)
            s_fail ("reducer_apply", "succeeded without a case state");
        s_check_state (*state_p);
    }
    s_reply (request, code? &err: NULL);
    case_state_destroy (state_p);
    return (int) code;
}

//  A post whose envelope is fine: the body, then the case state.
static void
s_fuzz_event (const request_t *request, const envelope_t *event, outcome_t *outcome)
{
    daiban_error_t err;
    daiban_error_clear (&err);
    outcome->body = (int) event_type_check_body (event->type, event->body, &err);
    if (outcome->body) {
        s_reply (request, &err);
        return;
    }
    s_check_committed (event);
    case_state_t *state = NULL;
    outcome->new_case = s_apply (request, event, &state);
    if (!(state = s_live_case (event->case_id, CASE_REGISTERED)))
        s_fail ("the registered case", "out of memory");
    outcome->registered_case = s_apply (request, event, &state);
    if (!(state = s_live_case (event->case_id, CASE_IN_PROGRESS)))
        s_fail ("the active case", "out of memory");
    outcome->active_case = s_apply (request, event, &state);
}

//  Ingress refuses a post of a type that daiban emits; the same event
//  from a worker's `done` is taken, with id and source from the broker.
//  So the event goes on as a worker's emit would.
static void
s_fuzz_emitted (const request_t *request, outcome_t *outcome)
{
    envelope_t event;
    daiban_error_t err;
    const msgpack_object *object = wire_map_get (&request->root, "event");
    if (envelope_parse (&event, object, ENVELOPE_EMITTED, &err))
        s_fail ("an unauthorized post is not a valid emit", err.message);
    outcome->emitted = true;
    event.id = "deadline:41";
    event.id_size = strlen (event.id);
    event.source = "deadline";
    event.source_size = strlen (event.source);
    s_fuzz_event (request, &event, outcome);
}

static void
s_trace_outcome (const outcome_t *outcome)
{
    const int codes [] = { outcome->request, outcome->body, outcome->new_case,
                           outcome->registered_case, outcome->active_case };
    const char *names [] = { "request", "body", "new_case", "registered_case", "active_case" };
    fprintf (stderr, "fuzz_request:%s", outcome->emitted? " emitted": "");
    for (size_t index = 0; index < sizeof codes / sizeof codes [0]; index++)
        fprintf (stderr, " %s=%s", names [index],
                 codes [index] < 0? "-": daiban_error_code_name ((daiban_code_t) codes [index]));
    fprintf (stderr, "\n");
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
    (void) argc;
    (void) argv;
    const char *trace = getenv ("DAIBAN_FUZZ_TRACE");
    s_trace = trace && *trace && strcmp (trace, "0") != 0;
    return 0;
}

//  Every role judges the request (access.h), as the broker would for a
//  connection of that role: "as", the op, the type and the source.
static void
s_fuzz_access (const request_t *request)
{
    for (int role = 0; role < ACCESS_ROLE_COUNT; role++) {
        principal_t connection = { "window-3", 8, (access_role_t) role }, effective;
        daiban_error_t err;
        daiban_error_clear (&err);
        if (access_resolve (&connection, request, &effective, &err) == DAIBAN_OK)
            access_check_request (&effective, request, &err);
        s_reply (request, err.code? &err: NULL);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    request_t request;
    request_init (&request);
    daiban_error_t err;
    daiban_error_clear (&err);
    outcome_t outcome = { -1, -1, -1, -1, -1, false };
    outcome.request = (int) request_decode (&request, data, size, &err);
    if (outcome.request == DAIBAN_OK)
        s_fuzz_access (&request);
    if (outcome.request == DAIBAN_OK && request.op == REQUEST_POST)
        s_fuzz_event (&request, &request.event, &outcome);
    else {
        s_reply (&request, outcome.request? &err: NULL);
        if (outcome.request == DAIBAN_UNAUTHORIZED)
            s_fuzz_emitted (&request, &outcome);
    }
    if (s_trace)
        s_trace_outcome (&outcome);
    request_release (&request);
    return 0;
}
