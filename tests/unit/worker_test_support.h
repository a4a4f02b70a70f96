/*  worker_test_support: helpers for the unit tests of worker roles that
    run a role's decision on a dispatch built from readable test notation
    (unit_support.h) and compare the `done` answer with an expected subset.
    Header-only; include it after <cmocka.h> and unit_support.h.

    Times are written "@cst:YYYY-MM-DD HH:MM" anywhere in a body, a case
    state or an expected answer, and stand for that time in China Standard
    Time as Unix milliseconds (an integer), so tables say when a timer
    fires in words. */
#ifndef DAIBAN_WORKER_TEST_SUPPORT_H
#define DAIBAN_WORKER_TEST_SUPPORT_H

#include "date.h"
#include "log.h"
#include "worker_dispatch.h"

typedef struct {
    config_t *config;
    worker_context_t *context;
    worker_output_t *output;
} worker_test_t;

//  Takes config (NULL: it could not be made) and makes the catalog and
//  calendar from it; 0 on success (a cmocka group setup returns it).
static inline int
worker_test_setup_with (worker_test_t *self, config_t *config)
{
    log_level = LOG_LEVEL_ERROR;
    daiban_error_t err = { 0 };
    self->config = config;
    self->context = config? worker_context_new (config, &err): NULL;
    if (config && !self->context)
        fprintf (stderr, "test context: %s\n", err.message);
    self->output = worker_output_new ();
    return self->context && self->output? 0: -1;
}

//  The default configuration, catalog and calendar; 0 on success.
static inline int
worker_test_setup (worker_test_t *self)
{
    daiban_error_t err = { 0 };
    config_t *config = config_new (NULL, &err);
    if (!config)
        fprintf (stderr, "test configuration: %s\n", err.message);
    return worker_test_setup_with (self, config);
}

static inline void
worker_test_teardown (worker_test_t *self)
{
    worker_output_destroy (&self->output);
    worker_context_destroy (&self->context);
    config_destroy (&self->config);
}

//  The worker_test_t with the defaults that a file's tests share, made and
//  freed by cmocka's group fixtures: cmocka_run_group_tests (tests,
//  worker_test_group_setup, worker_test_group_teardown).
static worker_test_t worker_test_shared;

static inline int
worker_test_group_setup (void **state)
{
    (void) state;
    return worker_test_setup (&worker_test_shared);
}

static inline int
worker_test_group_teardown (void **state)
{
    (void) state;
    worker_test_teardown (&worker_test_shared);
    return 0;
}

//  Unix ms of "YYYY-MM-DD HH:MM" CST.
static inline int64_t
worker_test_time (const char *text)
{
    date_t date = 0;
    daiban_error_t err = { 0 };
    char day [DATE_TEXT_SIZE];
    snprintf (day, sizeof day, "%.10s", text);
    if (strlen (text) != 16 || text [10] != ' ' || text [13] != ':' || date_parse (day, &date, &err))
        fail_msg ("bad test time \"%s\" (want YYYY-MM-DD HH:MM)", text);
    return date_at_ms (date, atoi (text + 11), atoi (text + 14));
}

//  Replaces every "@cst:..." string of value, in place, by its time.
static inline json_t *
worker_test_times (json_t *value)
{
    if (json_is_string (value) && strncmp (json_string_value (value), "@cst:", 5) == 0)
        return json_integer (worker_test_time (json_string_value (value) + 5));
    if (json_is_object (value)) {
        const char *key;
        json_t *member;
        json_object_foreach (value, key, member) {
            json_t *replaced = worker_test_times (member);
            if (replaced != member)
                json_object_set_new (value, key, replaced);
        }
    }
    else
    if (json_is_array (value))
        for (size_t index = 0; index < json_array_size (value); index++) {
            json_t *member = json_array_get (value, index);
            json_t *replaced = worker_test_times (member);
            if (replaced != member)
                json_array_set_new (value, index, replaced);
        }
    return value;
}

//  Test notation with times replaced.
static inline json_t *
worker_test_json (const char *text)
{
    json_t *value = unit_json (text);
    json_t *replaced = worker_test_times (value);
    if (replaced != value)
        json_decref (value);
    return replaced;
}

//  A dispatch, as JSON, of the event (type, body) of case AS-1 with
//  sequence number 9, committed at ts, dispatched at now with lease 11,
//  with the case state (NULL: an unknown case) and no agent busy. A test
//  may change it before worker_test_answer.
static inline json_t *
worker_test_dispatch (const char *type, const char *body, const char *state, const char *ts,
                      const char *now)
{
    json_t *dispatch = unit_json ("{'op':'dispatch','lease':11,'agents':{}}");
    json_t *event = json_object ();
    json_object_set_new (event, "id", json_string ("x"));
    json_object_set_new (event, "type", json_string (type));
    json_object_set_new (event, "case", json_string ("AS-1"));
    json_object_set_new (event, "source", json_string ("test"));
    json_object_set_new (event, "body", worker_test_json (body));
    json_object_set_new (event, "seq", json_integer (9));
    json_object_set_new (event, "ts", json_integer (worker_test_time (ts)));
    json_object_set_new (dispatch, "event", event);
    json_object_set_new (dispatch, "case", state? worker_test_json (state): json_null ());
    json_object_set_new (dispatch, "now", json_integer (worker_test_time (now)));
    return dispatch;
}

//  The answer, as JSON, of role to the dispatch (which it takes), packed
//  and unpacked as the broker's message would be, through the socket
//  loop's own call.
static inline json_t *
worker_test_answer (worker_test_t *self, const worker_role_t *role, json_t *dispatch)
{
    unit_value_t message;
    wire_buffer_t reply;
    wire_buffer_init (&reply);
    wire_buffer_init (&message.buffer);
    msgpack_zone_init (&message.zone, 1024);
    unit_pack_json (&message.buffer.packer, dispatch);
    daiban_error_t err = { 0 };
    if (wire_unpack (message.buffer.buffer.data, message.buffer.buffer.size, &message.zone,
                     &message.root, &err))
        fail_msg ("dispatch does not unpack: %s", err.message);
    if (worker_dispatch_answer (role, self->context, &message.root, self->output, &reply, &err))
        fail_msg ("no answer: %s", err.message);
    json_t *answer = unit_bytes_to_json (reply.buffer.data, reply.buffer.size);
    wire_buffer_release (&reply);
    unit_value_release (&message);
    json_decref (dispatch);
    return answer;
}

//  The answer of role to worker_test_dispatch (type, body, state, ts, now).
static inline json_t *
worker_test_decide (worker_test_t *self, const worker_role_t *role, const char *type,
                    const char *body, const char *state, const char *ts, const char *now)
{
    return worker_test_answer (self, role, worker_test_dispatch (type, body, state, ts, now));
}

//  Fails the test unless actual matches the expected notation (times
//  replaced), showing both. With its times replaced, the expected value
//  goes back as plain JSON, which the notation reader takes as it is: the
//  notation has no apostrophes in its data.
static inline void
worker_test_assert (const char *label, const char *expected_text, const json_t *actual)
{
    json_t *expected = worker_test_json (expected_text);
    char *text = json_dumps (expected, JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref (expected);
    assert_non_null (text);
    unit_assert_json_matches (label, text, actual);
    free (text);
}

//  One row of a role's table: an event on a case state, and a subset of
//  the answer. when is the event's commit time "YYYY-MM-DD HH:MM", which
//  is also the dispatch's now, or "TS/NOW" when now is later.
typedef struct {
    const char *name;
    const char *type;
    const char *body;
    const char *state;
    const char *when;
    const char *expect;
} worker_test_case_t;

static inline void
worker_test_run (worker_test_t *self, const worker_role_t *role, const worker_test_case_t *cases,
                 size_t count)
{
    for (size_t index = 0; index < count; index++) {
        const worker_test_case_t *row = &cases [index];
        char ts [17];
        snprintf (ts, sizeof ts, "%s", row->when);
        const char *now = strlen (row->when) > 17 && row->when [16] == '/'? row->when + 17: ts;
        json_t *answer = worker_test_decide (self, role, row->type, row->body, row->state, ts, now);
        worker_test_assert (row->name, row->expect, answer);
        json_decref (answer);
    }
}

#endif
