/*  test_store: the LMDB store in a temporary directory. A batch of events
    commits in one transaction and reads back (by seq, in order, by case,
    from the middle); dedupe keys; an abort leaves nothing; a reopen keeps
    the log; a schema version mismatch and an unusable data directory fail
    with a clear message; a tiny map grows (DAIBAN_RETRY, abort, grow, redo)
    and everything is there after a reopen. The write-ahead log: a child
    that commits and crashes (no store_destroy) leaves events that the next
    store_new replays, on top of a checkpoint too; an aborted batch that had
    written is undone and the next takes its seqs; a checkpoint empties the
    log and keeps the data; a data directory in use refuses a second store. */
#define _XOPEN_SOURCE 700           //  nftw, mkdtemp
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store.h"
#include "unit_files.h"

#define MAP_SIZE (8 * 1024 * 1024)

//  --- Temporary directories -------------------------------------------

static store_t *
s_open (const char *dir, size_t map_size)
{
    daiban_error_t err = { 0 };
    store_t *store = store_new (dir, map_size, &err);
    if (!store)
        fail_msg ("store_new %s: %s", dir, err.message);
    return store;
}

//  The test's temporary directory and the store a test opens in it, made
//  and removed around each test (cmocka fixtures), so a failing test
//  leaves nothing behind either.
static char *s_dir;
static store_t *s_store;

static int
s_setup_dir (void **state)
{
    (void) state;
    s_dir = unit_temp_dir ("test_store");
    return 0;
}

//  The same with a store of MAP_SIZE open in it.
static int
s_setup_store (void **state)
{
    s_setup_dir (state);
    s_store = s_open (s_dir, MAP_SIZE);
    return 0;
}

static int
s_teardown (void **state)
{
    (void) state;
    store_destroy (&s_store);
    unit_remove_dir (&s_dir);
    return 0;
}

//  --- The events of the tests -----------------------------------------

typedef struct {
    const char *source, *id, *case_id;
} test_event_t;

//  Cases "A", "AB" and "A.1" share a prefix: a case's timeline must not
//  take in the others. ("ab","c") and ("a","bc") must stay two keys.
static const test_event_t s_events [] = {
    { "window-3", "w3-1", "A" },
    { "ab", "c", "AB" },
    { "a", "bc", "A" },
    { "window-3", "w3-2", "A.1" },
    { "intake", "intake-1", "A" },
    { "窗口", "编号-1", "B" },
};
#define EVENT_COUNT (sizeof s_events / sizeof s_events [0])

//  The bytes stored for an event: its seq and case, then filler.
static size_t
s_event_data (uint64_t seq, const char *case_id, char *buffer, size_t size)
{
    int length = snprintf (buffer, size, "event %llu of %s:", (unsigned long long) seq, case_id);
    assert_true (length > 0 && (size_t) length < size);
    for (size_t index = (size_t) length; index < size; index++)
        buffer [index] = (char) ('a' + (seq + index) % 26);
    return size;
}

static daiban_code_t
s_append (store_t *store, MDB_txn *txn, uint64_t seq, const test_event_t *event, size_t size,
          daiban_error_t *err)
{
    char data [4096];
    assert_true (size <= sizeof data);
    s_event_data (seq, event->case_id, data, size);
    return store_event_append (store, txn, seq, data, size, event->source, strlen (event->source),
                               event->id, strlen (event->id), event->case_id, err);
}

static void
s_commit_events (store_t *store, uint64_t first_seq)
{
    MDB_txn *txn;
    daiban_error_t err = { 0 };
    assert_int_equal (store_write_begin (store, &txn, &err), DAIBAN_OK);
    for (size_t index = 0; index < EVENT_COUNT; index++)
        if (s_append (store, txn, first_seq + index, &s_events [index], 100 + index, &err))
            fail_msg ("append %zu: %s", index, err.message);
    assert_int_equal (store_write_commit (store, &err), DAIBAN_OK);
}

static void
s_assert_event (store_t *store, MDB_txn *txn, uint64_t seq, const char *case_id, size_t size)
{
    MDB_val value;
    daiban_error_t err = { 0 };
    if (store_event_get (store, txn, seq, &value, &err))
        fail_msg ("event %llu: %s", (unsigned long long) seq, err.message);
    char expected [4096];
    s_event_data (seq, case_id, expected, size);
    assert_int_equal (value.mv_size, size);
    assert_memory_equal (value.mv_data, expected, size);
}

//  Fails unless the dedupe key (source, id) finds the seq expected.
static void
s_assert_id (store_t *store, MDB_txn *txn, const char *source, const char *id,
             uint64_t expected)
{
    uint64_t seq = 0;
    daiban_error_t err = { 0 };
    if (store_event_id_get (store, txn, source, strlen (source), id, strlen (id), &seq, &err))
        fail_msg ("dedupe %s/%s: %s", source, id, err.message);
    assert_int_equal (seq, expected);
}

//  Collects the seqs a walk visits; stops after limit when limit > 0.
typedef struct {
    uint64_t seqs [64];
    size_t count;
    size_t limit;
    bool data_ok;
} visits_t;

static bool
s_visit (uint64_t seq, const MDB_val *event, void *argument)
{
    visits_t *visits = (visits_t *) argument;
    assert_true (visits->count < 64);
    visits->seqs [visits->count++] = seq;
    char prefix [64];
    int length = snprintf (prefix, sizeof prefix, "event %llu of ", (unsigned long long) seq);
    if (event->mv_size < (size_t) length || memcmp (event->mv_data, prefix, length))
        visits->data_ok = false;
    return visits->limit == 0 || visits->count < visits->limit;
}

//  Walks from, optionally one case, and compares the seqs with expected
//  (a list ending with 0).
static void
s_assert_walk (store_t *store, MDB_txn *txn, uint64_t from, const char *case_id, size_t limit,
               const uint64_t *expected)
{
    visits_t visits = { .limit = limit, .data_ok = true };
    daiban_error_t err = { 0 };
    if (store_events_each (store, txn, from, case_id, s_visit, &visits, &err))
        fail_msg ("walk: %s", err.message);
    size_t count = 0;
    while (expected [count])
        count++;
    if (visits.count != count)
        fail_msg ("walk from %llu case %s: %zu events, expected %zu", (unsigned long long) from,
                  case_id? case_id: "(all)", visits.count, count);
    for (size_t index = 0; index < count; index++)
        assert_int_equal (visits.seqs [index], expected [index]);
    assert_true (visits.data_ok);
}

//  --- Tests ------------------------------------------------------------

static void
test_batch_commit_and_read (void **state)
{
    (void) state;
    assert_int_equal (store_last_seq (s_store), 0);
    s_commit_events (s_store, 1);
    assert_int_equal (store_last_seq (s_store), EVENT_COUNT);

    MDB_txn *txn;
    daiban_error_t err = { 0 };
    assert_int_equal (store_read_begin (s_store, &txn, &err), DAIBAN_OK);
    for (size_t index = 0; index < EVENT_COUNT; index++)
        s_assert_event (s_store, txn, index + 1, s_events [index].case_id, 100 + index);
    MDB_val value;
    assert_int_equal (store_event_get (s_store, txn, 0, &value, &err), DAIBAN_NOT_FOUND);
    assert_int_equal (store_event_get (s_store, txn, EVENT_COUNT + 1, &value, &err),
                      DAIBAN_NOT_FOUND);
    assert_non_null (strstr (err.message, "7"));

    //  All events, from the start, from the middle, past the end.
    s_assert_walk (s_store, txn, 0, NULL, 0, (uint64_t []) { 1, 2, 3, 4, 5, 6, 0 });
    s_assert_walk (s_store, txn, 1, NULL, 0, (uint64_t []) { 1, 2, 3, 4, 5, 6, 0 });
    s_assert_walk (s_store, txn, 4, NULL, 0, (uint64_t []) { 4, 5, 6, 0 });
    s_assert_walk (s_store, txn, 6, NULL, 0, (uint64_t []) { 6, 0 });
    s_assert_walk (s_store, txn, 7, NULL, 0, (uint64_t []) { 0 });
    s_assert_walk (s_store, txn, UINT64_MAX, NULL, 0, (uint64_t []) { 0 });
    //  The visitor stops the walk.
    s_assert_walk (s_store, txn, 2, NULL, 2, (uint64_t []) { 2, 3, 0 });
    //  One case: exactly its events, not those of cases sharing a prefix.
    s_assert_walk (s_store, txn, 0, "A", 0, (uint64_t []) { 1, 3, 5, 0 });
    s_assert_walk (s_store, txn, 2, "A", 0, (uint64_t []) { 3, 5, 0 });
    s_assert_walk (s_store, txn, 3, "A", 0, (uint64_t []) { 3, 5, 0 });
    s_assert_walk (s_store, txn, 6, "A", 0, (uint64_t []) { 0 });
    s_assert_walk (s_store, txn, 1, "A", 1, (uint64_t []) { 1, 0 });
    s_assert_walk (s_store, txn, 0, "AB", 0, (uint64_t []) { 2, 0 });
    s_assert_walk (s_store, txn, 0, "A.1", 0, (uint64_t []) { 4, 0 });
    s_assert_walk (s_store, txn, 0, "B", 0, (uint64_t []) { 6, 0 });
    s_assert_walk (s_store, txn, 0, "C", 0, (uint64_t []) { 0 });
    s_assert_walk (s_store, txn, 0, "", 0, (uint64_t []) { 0 });

    //  Dedupe: each (source, id) finds its own seq, and nothing else does.
    for (size_t index = 0; index < EVENT_COUNT; index++)
        s_assert_id (s_store, txn, s_events [index].source, s_events [index].id, index + 1);
    struct { const char *source, *id; } unknown [] = {
        { "abc", "" }, { "a", "b" }, { "window-3", "w3-3" }, { "window-", "3w3-1" },
        { "window-3w", "3-1" }, { "intake", "intake-1 " }, { "Window-3", "w3-1" },
    };
    for (size_t index = 0; index < sizeof unknown / sizeof unknown [0]; index++) {
        const char *source = unknown [index].source, *id = unknown [index].id;
        uint64_t seq = 99;
        daiban_code_t code = store_event_id_get (s_store, txn, source, strlen (source), id,
                                                 strlen (id), &seq, &err);
        if (code != DAIBAN_NOT_FOUND)
            fail_msg ("(%s, %s) should be unknown", source, id);
        assert_int_equal (seq, 99);
    }
    store_read_end (s_store, &txn);
    assert_null (txn);
    store_destroy (&s_store);
    store_destroy (&s_store);
    assert_null (s_store);
}

//  Appends must follow the log without gaps or repeats.
static void
test_append_order (void **state)
{
    (void) state;
    MDB_txn *txn;
    daiban_error_t err = { 0 };
    assert_int_equal (store_write_begin (s_store, &txn, &err), DAIBAN_OK);
    assert_int_equal (s_append (s_store, txn, 2, &s_events [0], 30, &err), DAIBAN_INTERNAL);
    assert_int_equal (s_append (s_store, txn, 0, &s_events [0], 30, &err), DAIBAN_INTERNAL);
    assert_int_equal (s_append (s_store, txn, 1, &s_events [0], 30, &err), DAIBAN_OK);
    assert_int_equal (s_append (s_store, txn, 1, &s_events [1], 30, &err), DAIBAN_INTERNAL);
    assert_int_equal (s_append (s_store, txn, 3, &s_events [1], 30, &err), DAIBAN_INTERNAL);
    assert_int_equal (s_append (s_store, txn, 2, &s_events [1], 30, &err), DAIBAN_OK);
    assert_int_equal (store_write_commit (s_store, &err), DAIBAN_OK);
    assert_int_equal (store_last_seq (s_store), 2);
    //  The next batch continues from the committed seq.
    assert_int_equal (store_write_begin (s_store, &txn, &err), DAIBAN_OK);
    assert_int_equal (s_append (s_store, txn, 1, &s_events [2], 30, &err), DAIBAN_INTERNAL);
    assert_int_equal (s_append (s_store, txn, 3, &s_events [2], 30, &err), DAIBAN_OK);
    assert_int_equal (store_write_commit (s_store, &err), DAIBAN_OK);
    assert_int_equal (store_last_seq (s_store), 3);
}

static void
test_abort_leaves_nothing (void **state)
{
    (void) state;
    s_commit_events (s_store, 1);
    MDB_txn *txn;
    daiban_error_t err = { 0 };
    assert_int_equal (store_write_begin (s_store, &txn, &err), DAIBAN_OK);
    const test_event_t extra [] = { { "x", "1", "A" }, { "x", "2", "NEW" } };
    assert_int_equal (s_append (s_store, txn, 7, &extra [0], 50, &err), DAIBAN_OK);
    assert_int_equal (s_append (s_store, txn, 8, &extra [1], 50, &err), DAIBAN_OK);
    assert_int_equal (store_case_put (s_store, txn, "NEW", "state", 5, &err), DAIBAN_OK);
    store_write_abort (s_store);
    store_write_abort (s_store);          //  harmless when none is open
    assert_int_equal (store_last_seq (s_store), EVENT_COUNT);

    assert_int_equal (store_read_begin (s_store, &txn, &err), DAIBAN_OK);
    MDB_val value;
    assert_int_equal (store_event_get (s_store, txn, 7, &value, &err), DAIBAN_NOT_FOUND);
    assert_int_equal (store_event_get (s_store, txn, 8, &value, &err), DAIBAN_NOT_FOUND);
    uint64_t seq;
    assert_int_equal (store_event_id_get (s_store, txn, "x", 1, "1", 1, &seq, &err),
                      DAIBAN_NOT_FOUND);
    assert_int_equal (store_case_get (s_store, txn, "NEW", &value, &err), DAIBAN_NOT_FOUND);
    s_assert_walk (s_store, txn, 0, "NEW", 0, (uint64_t []) { 0 });
    s_assert_walk (s_store, txn, 0, "A", 0, (uint64_t []) { 1, 3, 5, 0 });
    s_assert_walk (s_store, txn, 5, NULL, 0, (uint64_t []) { 5, 6, 0 });
    store_read_end (s_store, &txn);

    //  The seqs the aborted batch took are given again.
    assert_int_equal (store_write_begin (s_store, &txn, &err), DAIBAN_OK);
    assert_int_equal (s_append (s_store, txn, 7, &extra [0], 60, &err), DAIBAN_OK);
    assert_int_equal (store_write_commit (s_store, &err), DAIBAN_OK);
    assert_int_equal (store_last_seq (s_store), 7);
    assert_int_equal (store_read_begin (s_store, &txn, &err), DAIBAN_OK);
    s_assert_event (s_store, txn, 7, "A", 60);
    store_read_end (s_store, &txn);
    //  Destroying with a write open aborts it.
    assert_int_equal (store_write_begin (s_store, &txn, &err), DAIBAN_OK);
    assert_int_equal (s_append (s_store, txn, 8, &extra [1], 60, &err), DAIBAN_OK);
    store_destroy (&s_store);
    s_store = s_open (s_dir, MAP_SIZE);
    assert_int_equal (store_last_seq (s_store), 7);
}

//  Case states: put, overwrite, get, count, visit in id order.
static bool
s_visit_case (const MDB_val *key, const MDB_val *state, void *argument)
{
    char *names = (char *) argument;
    strncat (names, (const char *) key->mv_data, key->mv_size);
    strcat (names, "=");
    strncat (names, (const char *) state->mv_data, state->mv_size);
    strcat (names, ";");
    return strlen (names) < 40;
}

static void
test_case_states (void **state)
{
    (void) state;
    MDB_txn *txn;
    daiban_error_t err = { 0 };
    assert_int_equal (store_write_begin (s_store, &txn, &err), DAIBAN_OK);
    assert_int_equal (store_case_put (s_store, txn, "B", "b1", 2, &err), DAIBAN_OK);
    assert_int_equal (store_case_put (s_store, txn, "A", "a1", 2, &err), DAIBAN_OK);
    assert_int_equal (store_case_put (s_store, txn, "AB", "ab", 2, &err), DAIBAN_OK);
    assert_int_equal (store_case_put (s_store, txn, "B", "b2", 2, &err), DAIBAN_OK);
    assert_int_equal (store_write_commit (s_store, &err), DAIBAN_OK);
    assert_int_equal (store_read_begin (s_store, &txn, &err), DAIBAN_OK);
    assert_int_equal (store_case_count (s_store, txn), 3);
    MDB_val value;
    assert_int_equal (store_case_get (s_store, txn, "B", &value, &err), DAIBAN_OK);
    assert_int_equal (value.mv_size, 2);
    assert_memory_equal (value.mv_data, "b2", 2);
    assert_int_equal (store_case_get (s_store, txn, "C", &value, &err), DAIBAN_NOT_FOUND);
    assert_non_null (strstr (err.message, "C"));
    char names [200] = "";
    assert_int_equal (store_cases_each (s_store, txn, NULL, s_visit_case, names, &err), DAIBAN_OK);
    assert_string_equal (names, "A=a1;AB=ab;B=b2;");
    //  After a case id: strictly after it, whether it exists or not.
    const char *afters [][2] = { { "A", "AB=ab;B=b2;" }, { "AA", "AB=ab;B=b2;" },
                                 { "AB", "B=b2;" }, { "B", "" }, { "", "A=a1;AB=ab;B=b2;" } };
    for (size_t index = 0; index < sizeof afters / sizeof afters [0]; index++) {
        names [0] = 0;
        assert_int_equal (store_cases_each (s_store, txn, afters [index][0], s_visit_case, names,
                                            &err), DAIBAN_OK);
        assert_string_equal (names, afters [index][1]);
    }
    store_read_end (s_store, &txn);
}

static void
test_reopen_keeps_data (void **state)
{
    (void) state;
    s_commit_events (s_store, 1);
    MDB_txn *txn;
    daiban_error_t err = { 0 };
    assert_int_equal (store_write_begin (s_store, &txn, &err), DAIBAN_OK);
    assert_int_equal (store_case_put (s_store, txn, "A", "state of A", 10, &err), DAIBAN_OK);
    assert_int_equal (store_write_commit (s_store, &err), DAIBAN_OK);
    store_destroy (&s_store);

    s_store = s_open (s_dir, MAP_SIZE);
    assert_int_equal (store_last_seq (s_store), EVENT_COUNT);
    assert_int_equal (store_read_begin (s_store, &txn, &err), DAIBAN_OK);
    for (size_t index = 0; index < EVENT_COUNT; index++)
        s_assert_event (s_store, txn, index + 1, s_events [index].case_id, 100 + index);
    s_assert_walk (s_store, txn, 0, "A", 0, (uint64_t []) { 1, 3, 5, 0 });
    s_assert_id (s_store, txn, "a", "bc", 3);
    MDB_val value;
    assert_int_equal (store_case_get (s_store, txn, "A", &value, &err), DAIBAN_OK);
    assert_memory_equal (value.mv_data, "state of A", 10);
    store_read_end (s_store, &txn);
    //  The log continues where it was: seq 7 next, not 1.
    const test_event_t later = { "window-3", "w3-9", "A" };
    assert_int_equal (store_write_begin (s_store, &txn, &err), DAIBAN_OK);
    assert_int_equal (s_append (s_store, txn, 1, &later, 30, &err), DAIBAN_INTERNAL);
    assert_int_equal (s_append (s_store, txn, EVENT_COUNT + 1, &later, 30, &err), DAIBAN_OK);
    assert_int_equal (store_write_commit (s_store, &err), DAIBAN_OK);
    store_destroy (&s_store);
    s_store = s_open (s_dir, MAP_SIZE);
    assert_int_equal (store_last_seq (s_store), EVENT_COUNT + 1);
    assert_int_equal (store_read_begin (s_store, &txn, &err), DAIBAN_OK);
    s_assert_walk (s_store, txn, 0, "A", 0, (uint64_t []) { 1, 3, 5, 7, 0 });
    store_read_end (s_store, &txn);
}

//  A (source, id) already in the log cannot be appended a second time.
static void
test_duplicate_id_refused (void **state)
{
    (void) state;
    s_commit_events (s_store, 1);
    MDB_txn *txn;
    daiban_error_t err = { 0 };
    assert_int_equal (store_write_begin (s_store, &txn, &err), DAIBAN_OK);
    daiban_code_t code = s_append (s_store, txn, EVENT_COUNT + 1, &s_events [1], 30, &err);
    assert_int_not_equal (code, DAIBAN_OK);
    store_write_abort (s_store);
    assert_int_equal (store_last_seq (s_store), EVENT_COUNT);
}

//  Dedupe in one walk: a claim holds the key within the batch, a key
//  given back is free again, and an appended claim is committed.
static void
test_dedupe_claim (void **state)
{
    (void) state;
    s_commit_events (s_store, 1);
    MDB_txn *txn;
    daiban_error_t err = { 0 };
    bool duplicate = true;
    uint64_t held = 0, next = EVENT_COUNT + 1;
    assert_int_equal (store_write_begin (s_store, &txn, &err), DAIBAN_OK);
    //  A committed key is held, with its seq.
    assert_int_equal (store_event_id_claim (s_store, txn, s_events [0].source,
                                            strlen (s_events [0].source), s_events [0].id,
                                            strlen (s_events [0].id), next, &duplicate, &held,
                                            &err), DAIBAN_OK);
    assert_true (duplicate);
    assert_int_equal (held, 1);
    //  A new key is claimed, and then held within the batch.
    assert_int_equal (store_event_id_claim (s_store, txn, "w", 1, "gone", 4, next, &duplicate,
                                            &held, &err), DAIBAN_OK);
    assert_false (duplicate);
    assert_int_equal (store_event_id_claim (s_store, txn, "w", 1, "gone", 4, next + 1,
                                            &duplicate, &held, &err), DAIBAN_OK);
    assert_true (duplicate);
    assert_int_equal (held, next);
    //  Given back, it is free; another claims the seq and is appended.
    assert_int_equal (store_event_id_unclaim (s_store, txn, "w", 1, "gone", 4, &err), DAIBAN_OK);
    uint64_t seq;
    assert_int_equal (store_event_id_get (s_store, txn, "w", 1, "gone", 4, &seq, &err),
                      DAIBAN_NOT_FOUND);
    assert_int_equal (store_event_id_claim (s_store, txn, "w", 1, "kept", 4, next, &duplicate,
                                            &held, &err), DAIBAN_OK);
    assert_false (duplicate);
    char data [4096];
    s_event_data (next, "A", data, 64);
    assert_int_equal (store_event_append_claimed (s_store, txn, next, data, 64, "w", 1,
                                                  "kept", 4, "A", &err), DAIBAN_OK);
    //  Too long to be a key: refused before anything is written.
    char long_id [600];
    memset (long_id, 'x', sizeof long_id);
    assert_int_equal (store_event_id_claim (s_store, txn, "w", 1, long_id, sizeof long_id,
                                            next + 1, &duplicate, &held, &err),
                      DAIBAN_BAD_REQUEST);
    assert_int_equal (store_write_commit (s_store, &err), DAIBAN_OK);
    assert_int_equal (store_read_begin (s_store, &txn, &err), DAIBAN_OK);
    s_assert_id (s_store, txn, "w", "kept", next);
    s_assert_event (s_store, txn, next, "A", 64);
    assert_int_equal (store_event_id_get (s_store, txn, "w", 1, "gone", 4, &seq, &err),
                      DAIBAN_NOT_FOUND);
    store_read_end (s_store, &txn);
}

//  Writes a raw value into the meta database, as another version would.
static void
s_write_schema (const char *dir, const char *version)
{
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi meta;
    assert_int_equal (mdb_env_create (&env), 0);
    assert_int_equal (mdb_env_set_maxdbs (env, 32), 0);
    assert_int_equal (mdb_env_set_mapsize (env, MAP_SIZE), 0);
    assert_int_equal (mdb_env_open (env, dir, 0, 0644), 0);
    assert_int_equal (mdb_txn_begin (env, NULL, 0, &txn), 0);
    assert_int_equal (mdb_dbi_open (txn, "meta", MDB_CREATE, &meta), 0);
    MDB_val key = { 6, (void *) "schema" }, value = { strlen (version), (void *) version };
    assert_int_equal (mdb_put (txn, meta, &key, &value, 0), 0);
    assert_int_equal (mdb_txn_commit (txn), 0);
    mdb_env_close (env);
}

static void
test_schema_version_mismatch (void **state)
{
    (void) state;
    s_commit_events (s_store, 1);
    store_destroy (&s_store);
    const char *others [] = { "99", "0", "10", "1.0", "" };
    for (size_t index = 0; index < sizeof others / sizeof others [0]; index++) {
        s_write_schema (s_dir, others [index]);
        daiban_error_t err = { 0 };
        s_store = store_new (s_dir, MAP_SIZE, &err);
        if (s_store)
            fail_msg ("a store of schema \"%s\" was opened", others [index]);
        assert_int_not_equal (err.code, DAIBAN_OK);
        //  The message names both versions.
        char found [40];
        snprintf (found, sizeof found, "version %s,", others [index]);
        if (!strstr (err.message, found) || !strstr (err.message, STORE_SCHEMA_VERSION))
            fail_msg ("schema \"%s\": message \"%s\"", others [index], err.message);
    }
    //  Back at this version, the data is all there.
    s_write_schema (s_dir, STORE_SCHEMA_VERSION);
    s_store = s_open (s_dir, MAP_SIZE);
    assert_int_equal (store_last_seq (s_store), EVENT_COUNT);
}

static void
test_data_dir (void **state)
{
    (void) state;
    //  A missing directory is created, with its parents.
    char path [512];
    snprintf (path, sizeof path, "%s/a/b/c", s_dir);
    s_store = s_open (path, MAP_SIZE);
    store_destroy (&s_store);
    struct stat info;
    assert_int_equal (stat (path, &info), 0);
    assert_true (S_ISDIR (info.st_mode));
    //  A regular file where the directory, or a parent of it, should be.
    char file [512];
    snprintf (file, sizeof file, "%s/file", s_dir);
    FILE *handle = fopen (file, "w");
    assert_non_null (handle);
    fputs ("not a directory\n", handle);
    fclose (handle);
    const char *under [] = { "", "/sub", "/sub/deeper" };
    for (int index = 0; index < 3; index++) {
        snprintf (path, sizeof path, "%s%s", file, under [index]);
        daiban_error_t err = { 0 };
        s_store = store_new (path, MAP_SIZE, &err);
        if (s_store)
            fail_msg ("store opened in %s", path);
        assert_int_not_equal (err.code, DAIBAN_OK);
        if (!strstr (err.message, path) || !strstr (err.message, "ot a directory"))
            fail_msg ("%s: message \"%s\"", path, err.message);
    }
    //  The file is untouched.
    assert_int_equal (stat (file, &info), 0);
    assert_true (S_ISREG (info.st_mode));
    assert_int_equal (info.st_size, 16);
}

//  A tiny map fills up: DAIBAN_RETRY, abort, grow, run the batch again.
static void
test_map_growth (void **state)
{
    (void) state;
    const size_t tiny = 65536;
    s_store = s_open (s_dir, tiny);
    assert_int_equal (store_map_size (s_store), tiny);
    const size_t count = 300, size = 1500;            //  450 KB: about 7 times the map
    char sources [300][16], ids [300][16], cases [300][8];
    int grows = 0;
    daiban_code_t code;
    while (true) {
        MDB_txn *txn;
        daiban_error_t err = { 0 };
        code = store_write_begin (s_store, &txn, &err);
        assert_true (code == DAIBAN_OK || code == DAIBAN_RETRY);
        for (size_t index = 0; !code && index < count; index++) {
            snprintf (sources [index], sizeof sources [index], "src-%zu", index % 7);
            snprintf (ids [index], sizeof ids [index], "id-%zu", index);
            snprintf (cases [index], sizeof cases [index], "C%zu", index % 5);
            test_event_t event = { sources [index], ids [index], cases [index] };
            code = s_append (s_store, txn, index + 1, &event, size, &err);
        }
        if (!code)
            code = store_write_commit (s_store, &err);
        if (code == DAIBAN_OK)
            break;
        if (code != DAIBAN_RETRY)
            fail_msg ("batch: %s %s", daiban_error_code_name (code), err.message);
        store_write_abort (s_store);
        assert_int_equal (store_last_seq (s_store), 0);
        size_t before = store_map_size (s_store);
        assert_int_equal (store_grow (s_store, &err), DAIBAN_OK);
        assert_int_equal (store_map_size (s_store), 2 * before);
        assert_true (++grows < 20);
    }
    assert_true (grows >= 2);
    size_t grown = store_map_size (s_store);
    assert_true (grown >= count * size);
    assert_int_equal (store_last_seq (s_store), count);
    store_destroy (&s_store);

    //  Reopened with the tiny size again: the file's size wins, all is there.
    s_store = s_open (s_dir, tiny);
    assert_true (store_map_size (s_store) >= count * size);
    assert_int_equal (store_last_seq (s_store), count);
    MDB_txn *txn;
    daiban_error_t err = { 0 };
    assert_int_equal (store_read_begin (s_store, &txn, &err), DAIBAN_OK);
    for (size_t index = 0; index < count; index++) {
        s_assert_event (s_store, txn, index + 1, cases [index], size);
        s_assert_id (s_store, txn, sources [index], ids [index], index + 1);
    }
    store_read_end (s_store, &txn);
    //  And it takes more: the next batch grows again if it must.
    int more_grows = 0;
    while (true) {
        code = store_write_begin (s_store, &txn, &err);
        for (size_t index = 0; !code && index < count; index++) {
            char id [16];
            snprintf (id, sizeof id, "more-%zu", index);
            test_event_t event = { "more", id, "C9" };
            code = s_append (s_store, txn, count + index + 1, &event, size, &err);
        }
        if (!code)
            code = store_write_commit (s_store, &err);
        if (code == DAIBAN_OK)
            break;
        assert_int_equal (code, DAIBAN_RETRY);
        store_write_abort (s_store);
        assert_int_equal (store_grow (s_store, &err), DAIBAN_OK);
        assert_true (++more_grows < 20);
    }
    assert_int_equal (store_last_seq (s_store), 2 * count);
}

//  --- The write-ahead log: crashes, aborts, checkpoints, the lock -------

//  Commits events first_seq .. first_seq + count - 1 as one batch: source
//  "batch", id "id-SEQ", case "C" and seq % 3, size + seq bytes. No cmocka
//  assertion on the way but programmer errors: a forked child calls it.
static daiban_code_t
s_commit_batch (store_t *store, uint64_t first_seq, size_t count, size_t size,
                daiban_error_t *err)
{
    MDB_txn *txn;
    daiban_code_t code = store_write_begin (store, &txn, err);
    for (size_t index = 0; !code && index < count; index++) {
        uint64_t seq = first_seq + index;
        char id [32], case_id [8];
        snprintf (id, sizeof id, "id-%llu", (unsigned long long) seq);
        snprintf (case_id, sizeof case_id, "C%llu", (unsigned long long) (seq % 3));
        test_event_t event = { "batch", id, case_id };
        code = s_append (store, txn, seq, &event, size + seq, err);
    }
    if (code) {
        store_write_abort (store);
        return code;
    }
    return store_write_commit (store, err);
}

//  Events first .. last are those of s_commit_batch with size, found by
//  seq and by dedupe key.
static void
s_assert_batch_events (store_t *store, MDB_txn *txn, uint64_t first, uint64_t last, size_t size)
{
    for (uint64_t seq = first; seq <= last; seq++) {
        char id [32], case_id [8];
        snprintf (id, sizeof id, "id-%llu", (unsigned long long) seq);
        snprintf (case_id, sizeof case_id, "C%llu", (unsigned long long) (seq % 3));
        s_assert_event (store, txn, seq, case_id, size + seq);
        s_assert_id (store, txn, "batch", id, seq);
    }
}

//  The whole timeline is 1 .. last, case C1's is its share of it, and
//  event last + 1 is not there.
static void
s_assert_timeline (store_t *store, MDB_txn *txn, uint64_t last)
{
    MDB_val value;
    daiban_error_t err = { 0 };
    assert_int_equal (store_event_get (store, txn, last + 1, &value, &err), DAIBAN_NOT_FOUND);
    uint64_t all [64] = { 0 }, c1 [64] = { 0 };
    size_t c1_count = 0;
    assert_true (last < 64);
    for (uint64_t seq = 1; seq <= last; seq++) {
        all [seq - 1] = seq;
        if (seq % 3 == 1)
            c1 [c1_count++] = seq;
    }
    s_assert_walk (store, txn, 0, NULL, 0, all);
    s_assert_walk (store, txn, 0, "C1", 0, c1);
}

//  The events LMDB holds on disk, read past the store (which must be
//  closed: LMDB wants one environment per file in a process): what the
//  last checkpoint wrote, without the log.
static size_t
s_checkpointed_events (const char *dir)
{
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi events;
    MDB_stat stat;
    assert_int_equal (mdb_env_create (&env), 0);
    assert_int_equal (mdb_env_set_maxdbs (env, 32), 0);
    assert_int_equal (mdb_env_open (env, dir, MDB_RDONLY, 0644), 0);
    assert_int_equal (mdb_txn_begin (env, NULL, MDB_RDONLY, &txn), 0);
    assert_int_equal (mdb_dbi_open (txn, "events", 0, &events), 0);
    assert_int_equal (mdb_stat (txn, events, &stat), 0);
    mdb_txn_abort (txn);
    mdb_env_close (env);
    return stat.ms_entries;
}

//  Runs child in a forked process that ends with _exit, without
//  store_destroy and without cmocka: what it leaves in s_dir is what a
//  broker that crashed leaves (its log in the page cache, LMDB as of the
//  last checkpoint). The parent holds no store while it forks.
static void
s_run_crashing_child (unit_child_fn *child)
{
    assert_null (s_store);
    unit_run_child (child);
}

//  Five batches of five events, synced, then a crash.
static int
s_child_batches_then_crash (void)
{
    daiban_error_t err = { 0 };
    store_t *store = store_new (s_dir, MAP_SIZE, &err);
    UNIT_CHILD_CHECK (store, 1, err.message);
    for (uint64_t batch = 0; batch < 5; batch++)
        UNIT_CHILD_CHECK (s_commit_batch (store, 1 + 5 * batch, 5, 40, &err) == DAIBAN_OK, 2,
                     err.message);
    UNIT_CHILD_CHECK (store_last_seq (store) == 25, 3, "last seq");
    UNIT_CHILD_CHECK (store_log_bytes (store) > 0, 4, "the batches are in the log");
    UNIT_CHILD_CHECK (store_sync (store, &err) == DAIBAN_OK, 5, err.message);
    UNIT_CHILD_CHECK (store_committed (store) == 5, 6, "five batches committed");
    UNIT_CHILD_CHECK (store_durable (store) == store_committed (store), 7, "durable after sync");
    return 0;
}

//  Opens the store a crashed child left: store_new replayed the log
//  (events 1..last, 40 bytes each, with their timelines) and checkpointed.
static void
s_reopen_recovered (uint64_t last)
{
    s_store = s_open (s_dir, MAP_SIZE);
    assert_int_equal (store_last_seq (s_store), last);
    assert_int_equal (store_log_bytes (s_store), 0);
    MDB_txn *txn;
    daiban_error_t err = { 0 };
    assert_int_equal (store_read_begin (s_store, &txn, &err), DAIBAN_OK);
    s_assert_batch_events (s_store, txn, 1, last, 40);
    s_assert_timeline (s_store, txn, last);
    store_read_end (s_store, &txn);
}

static void
test_crash_recovery (void **state)
{
    (void) state;
    s_run_crashing_child (s_child_batches_then_crash);
    //  Nothing reached LMDB: the events are in the log only.
    assert_int_equal (s_checkpointed_events (s_dir), 0);
    s_reopen_recovered (25);
    assert_int_equal (store_checkpoints (s_store), 1);
    daiban_error_t err = { 0 };
    //  The log goes on: seq 26 next, and a second reopen has it all.
    assert_int_equal (s_commit_batch (s_store, 26, 1, 40, &err), DAIBAN_OK);
    assert_true (store_log_bytes (s_store) > 0);
    store_destroy (&s_store);
    assert_int_equal (s_checkpointed_events (s_dir), 26);
    s_reopen_recovered (26);
}

//  A claim given back and one appended, synced, then a crash: the log
//  has the appended one only (the tree had both for a while).
static int
s_child_claims_then_crash (void)
{
    daiban_error_t err = { 0 };
    store_t *store = store_new (s_dir, MAP_SIZE, &err);
    UNIT_CHILD_CHECK (store, 1, err.message);
    MDB_txn *txn;
    bool duplicate;
    uint64_t held;
    char data [4096];
    s_event_data (1, "A", data, 40);
    UNIT_CHILD_CHECK (store_write_begin (store, &txn, &err) == DAIBAN_OK, 2, err.message);
    UNIT_CHILD_CHECK (store_event_id_claim (store, txn, "w", 1, "gone", 4, 1, &duplicate, &held,
                                            &err) == DAIBAN_OK && !duplicate, 3, "claim");
    UNIT_CHILD_CHECK (store_event_id_unclaim (store, txn, "w", 1, "gone", 4, &err) == DAIBAN_OK,
                      4, err.message);
    UNIT_CHILD_CHECK (store_event_id_claim (store, txn, "w", 1, "kept", 4, 1, &duplicate, &held,
                                            &err) == DAIBAN_OK && !duplicate, 5, "claim");
    UNIT_CHILD_CHECK (store_event_append_claimed (store, txn, 1, data, 40, "w", 1,
                                                  "kept", 4, "A", &err) == DAIBAN_OK,
                      6, err.message);
    UNIT_CHILD_CHECK (store_write_commit (store, &err) == DAIBAN_OK, 7, err.message);
    UNIT_CHILD_CHECK (store_sync (store, &err) == DAIBAN_OK, 8, err.message);
    return 0;
}

static void
test_dedupe_claim_replayed (void **state)
{
    (void) state;
    s_run_crashing_child (s_child_claims_then_crash);
    assert_int_equal (s_checkpointed_events (s_dir), 0);
    s_store = s_open (s_dir, MAP_SIZE);
    assert_int_equal (store_last_seq (s_store), 1);
    MDB_txn *txn;
    daiban_error_t err = { 0 };
    uint64_t seq;
    assert_int_equal (store_read_begin (s_store, &txn, &err), DAIBAN_OK);
    s_assert_id (s_store, txn, "w", "kept", 1);
    assert_int_equal (store_event_id_get (s_store, txn, "w", 1, "gone", 4, &seq, &err),
                      DAIBAN_NOT_FOUND);
    store_read_end (s_store, &txn);
}

//  Batch A committed, batch B written then aborted, batch C: A and C.
static void
s_assert_a_and_c (store_t *store)
{
    assert_int_equal (store_last_seq (store), 5);
    MDB_txn *txn;
    daiban_error_t err = { 0 };
    assert_int_equal (store_read_begin (store, &txn, &err), DAIBAN_OK);
    s_assert_batch_events (store, txn, 1, 3, 40);
    s_assert_batch_events (store, txn, 4, 5, 70);
    s_assert_timeline (store, txn, 5);
    MDB_val value;
    assert_int_equal (store_case_get (store, txn, "B-only", &value, &err), DAIBAN_NOT_FOUND);
    store_read_end (store, &txn);
}

static void
test_aborted_batch_undone (void **state)
{
    (void) state;
    daiban_error_t err = { 0 };
    assert_int_equal (s_commit_batch (s_store, 1, 3, 40, &err), DAIBAN_OK);
    size_t log_bytes = store_log_bytes (s_store);
    assert_true (log_bytes > 0);
    //  B writes events 4 and 5 (ids id-4, id-5) and a case, then aborts.
    MDB_txn *txn;
    assert_int_equal (store_write_begin (s_store, &txn, &err), DAIBAN_OK);
    const test_event_t b_events [] = { { "batch", "id-4", "C1" }, { "batch", "id-5", "C2" } };
    assert_int_equal (s_append (s_store, txn, 4, &b_events [0], 200, &err), DAIBAN_OK);
    assert_int_equal (s_append (s_store, txn, 5, &b_events [1], 200, &err), DAIBAN_OK);
    assert_int_equal (store_case_put (s_store, txn, "B-only", "b", 1, &err), DAIBAN_OK);
    store_write_abort (s_store);
    assert_int_equal (store_last_seq (s_store), 3);
    assert_int_equal (store_log_bytes (s_store), log_bytes);
    //  C takes seqs 4 and 5 and B's dedupe keys again, with other data.
    assert_int_equal (s_commit_batch (s_store, 4, 2, 70, &err), DAIBAN_OK);
    s_assert_a_and_c (s_store);
    store_destroy (&s_store);
    s_store = s_open (s_dir, MAP_SIZE);
    s_assert_a_and_c (s_store);
}

//  Events 1 .. 6 of s_events and the state of case "A".
static void
s_assert_checkpoint_data (store_t *store)
{
    MDB_txn *txn;
    daiban_error_t err = { 0 };
    assert_int_equal (store_read_begin (store, &txn, &err), DAIBAN_OK);
    for (size_t index = 0; index < EVENT_COUNT; index++)
        s_assert_event (store, txn, index + 1, s_events [index].case_id, 100 + index);
    s_assert_walk (store, txn, 0, "A", 0, (uint64_t []) { 1, 3, 5, 0 });
    s_assert_id (store, txn, "ab", "c", 2);
    MDB_val value;
    assert_int_equal (store_case_get (store, txn, "A", &value, &err), DAIBAN_OK);
    assert_int_equal (value.mv_size, 10);
    assert_memory_equal (value.mv_data, "state of A", 10);
    store_read_end (store, &txn);
}

static void
test_checkpoint (void **state)
{
    (void) state;
    size_t checkpoints = store_checkpoints (s_store);
    assert_int_equal (store_log_bytes (s_store), 0);
    s_commit_events (s_store, 1);
    MDB_txn *txn;
    daiban_error_t err = { 0 };
    assert_int_equal (store_write_begin (s_store, &txn, &err), DAIBAN_OK);
    assert_int_equal (store_case_put (s_store, txn, "A", "state of A", 10, &err), DAIBAN_OK);
    assert_int_equal (store_write_commit (s_store, &err), DAIBAN_OK);
    assert_true (store_log_bytes (s_store) > 0);
    s_assert_checkpoint_data (s_store);

    assert_int_equal (store_checkpoint (s_store, &err), DAIBAN_OK);
    assert_int_equal (store_log_bytes (s_store), 0);
    assert_int_equal (store_checkpoints (s_store), checkpoints + 1);
    assert_int_equal (store_last_seq (s_store), EVENT_COUNT);
    assert_true (store_durable (s_store) >= store_committed (s_store));
    s_assert_checkpoint_data (s_store);
    //  Writes go on after it, from the start of the log.
    const test_event_t later = { "window-3", "w3-9", "Z" };
    assert_int_equal (store_write_begin (s_store, &txn, &err), DAIBAN_OK);
    assert_int_equal (s_append (s_store, txn, EVENT_COUNT + 1, &later, 30, &err), DAIBAN_OK);
    assert_int_equal (store_write_commit (s_store, &err), DAIBAN_OK);
    assert_true (store_log_bytes (s_store) > 0);
    assert_int_equal (store_checkpoints (s_store), checkpoints + 1);
    //  Committed is not durable until the log is flushed: workers see
    //  only up to store_durable_seq.
    assert_int_equal (store_durable_seq (s_store), EVENT_COUNT);
    assert_true (store_durable (s_store) < store_committed (s_store));
    assert_int_equal (store_sync (s_store, &err), DAIBAN_OK);
    assert_int_equal (store_durable_seq (s_store), EVENT_COUNT + 1);
    assert_int_equal (store_durable (s_store), store_committed (s_store));

    store_destroy (&s_store);
    assert_int_equal (s_checkpointed_events (s_dir), EVENT_COUNT + 1);
    s_store = s_open (s_dir, MAP_SIZE);
    assert_int_equal (store_last_seq (s_store), EVENT_COUNT + 1);
    s_assert_checkpoint_data (s_store);
    assert_int_equal (store_read_begin (s_store, &txn, &err), DAIBAN_OK);
    s_assert_event (s_store, txn, EVENT_COUNT + 1, "Z", 30);
    s_assert_walk (s_store, txn, 0, "Z", 0, (uint64_t []) { 7, 0 });
    s_assert_id (s_store, txn, "window-3", "w3-9", EVENT_COUNT + 1);
    store_read_end (s_store, &txn);
}

//  A data directory is one broker's: a second store_new is refused at
//  once, and the first goes on as if nothing happened.
static void
test_data_dir_in_use (void **state)
{
    (void) state;
    daiban_error_t err = { 0 };
    assert_int_equal (s_commit_batch (s_store, 1, 2, 40, &err), DAIBAN_OK);
    for (int attempt = 0; attempt < 2; attempt++) {
        daiban_error_t second_err = { 0 };
        store_t *second = store_new (s_dir, MAP_SIZE, &second_err);
        if (second) {
            store_destroy (&second);
            fail_msg ("a second store opened %s while the first holds it", s_dir);
        }
        assert_int_equal (second_err.code, DAIBAN_UNAVAILABLE);
        if (!strstr (second_err.message, "in use"))
            fail_msg ("second store_new: \"%s\"", second_err.message);
    }
    assert_int_equal (s_commit_batch (s_store, 3, 2, 40, &err), DAIBAN_OK);
    MDB_txn *txn;
    assert_int_equal (store_read_begin (s_store, &txn, &err), DAIBAN_OK);
    s_assert_batch_events (s_store, txn, 1, 4, 40);
    s_assert_timeline (s_store, txn, 4);
    store_read_end (s_store, &txn);
    store_destroy (&s_store);
    s_store = s_open (s_dir, MAP_SIZE);
    assert_int_equal (store_last_seq (s_store), 4);
}

//  Batch A, a checkpoint, batch B, synced, then a crash.
static int
s_child_checkpoint_then_crash (void)
{
    daiban_error_t err = { 0 };
    store_t *store = store_new (s_dir, MAP_SIZE, &err);
    UNIT_CHILD_CHECK (store, 1, err.message);
    UNIT_CHILD_CHECK (s_commit_batch (store, 1, 5, 40, &err) == DAIBAN_OK, 2, err.message);
    size_t checkpoints = store_checkpoints (store);
    UNIT_CHILD_CHECK (store_checkpoint (store, &err) == DAIBAN_OK, 3, err.message);
    UNIT_CHILD_CHECK (store_checkpoints (store) == checkpoints + 1, 4, "checkpoint counted");
    UNIT_CHILD_CHECK (store_log_bytes (store) == 0, 5, "log restarted");
    UNIT_CHILD_CHECK (s_commit_batch (store, 6, 5, 40, &err) == DAIBAN_OK, 6, err.message);
    UNIT_CHILD_CHECK (store_log_bytes (store) > 0, 7, "batch B in the log");
    UNIT_CHILD_CHECK (store_sync (store, &err) == DAIBAN_OK, 8, err.message);
    UNIT_CHILD_CHECK (store_last_seq (store) == 10, 9, "last seq");
    return 0;
}

static void
test_log_replayed_on_checkpoint (void **state)
{
    (void) state;
    s_run_crashing_child (s_child_checkpoint_then_crash);
    //  LMDB has A; B is in the log only, after the stale records of A.
    assert_int_equal (s_checkpointed_events (s_dir), 5);
    s_reopen_recovered (10);
    store_destroy (&s_store);
    assert_int_equal (s_checkpointed_events (s_dir), 10);
}

static void
test_u64_keys (void **state)
{
    (void) state;
    const uint64_t values [] = { 0, 1, 255, 256, 65535, 65536, 4294967295ULL, 4294967296ULL,
                                 1795000000000ULL, INT64_MAX, UINT64_MAX - 1, UINT64_MAX };
    const size_t count = sizeof values / sizeof values [0];
    for (size_t index = 0; index < count; index++) {
        unsigned char key [8];
        store_u64_to_key (values [index], key);
        assert_true (store_key_to_u64 (key) == values [index]);
        //  Big-endian: byte order is numeric order.
        if (index > 0) {
            unsigned char previous [8];
            store_u64_to_key (values [index - 1], previous);
            assert_true (memcmp (previous, key, 8) < 0);
        }
    }
    unsigned char key [8];
    store_u64_to_key (0x0102030405060708ULL, key);
    assert_memory_equal (key, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
}

//  store_destroy checkpoints even when the working transaction was dropped
//  (an aborted batch that had written) or a written batch is still open.
static void
test_destroy_checkpoints_after_abort (void **state)
{
    (void) state;
    daiban_error_t err = { 0 };
    assert_int_equal (s_commit_batch (s_store, 1, 3, 40, &err), DAIBAN_OK);
    MDB_txn *txn;
    assert_int_equal (store_write_begin (s_store, &txn, &err), DAIBAN_OK);
    const test_event_t aborted = { "batch", "id-4", "C1" };
    assert_int_equal (s_append (s_store, txn, 4, &aborted, 50, &err), DAIBAN_OK);
    store_write_abort (s_store);
    store_destroy (&s_store);
    assert_int_equal (s_checkpointed_events (s_dir), 3);
    //  The same with the written batch still open at store_destroy.
    s_store = s_open (s_dir, MAP_SIZE);
    assert_int_equal (s_commit_batch (s_store, 4, 2, 40, &err), DAIBAN_OK);
    assert_int_equal (store_write_begin (s_store, &txn, &err), DAIBAN_OK);
    const test_event_t open_at_destroy = { "batch", "id-6", "C0" };
    assert_int_equal (s_append (s_store, txn, 6, &open_at_destroy, 50, &err), DAIBAN_OK);
    store_destroy (&s_store);
    assert_int_equal (s_checkpointed_events (s_dir), 5);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup_teardown (test_batch_commit_and_read, s_setup_store, s_teardown),
        cmocka_unit_test_setup_teardown (test_append_order, s_setup_store, s_teardown),
        cmocka_unit_test_setup_teardown (test_abort_leaves_nothing, s_setup_store, s_teardown),
        cmocka_unit_test_setup_teardown (test_case_states, s_setup_store, s_teardown),
        cmocka_unit_test_setup_teardown (test_reopen_keeps_data, s_setup_store, s_teardown),
        cmocka_unit_test_setup_teardown (test_duplicate_id_refused, s_setup_store, s_teardown),
        cmocka_unit_test_setup_teardown (test_dedupe_claim, s_setup_store, s_teardown),
        cmocka_unit_test_setup_teardown (test_schema_version_mismatch, s_setup_store, s_teardown),
        cmocka_unit_test_setup_teardown (test_data_dir, s_setup_dir, s_teardown),
        cmocka_unit_test_setup_teardown (test_map_growth, s_setup_dir, s_teardown),
        cmocka_unit_test_setup_teardown (test_crash_recovery, s_setup_dir, s_teardown),
        cmocka_unit_test_setup_teardown (test_dedupe_claim_replayed, s_setup_dir, s_teardown),
        cmocka_unit_test_setup_teardown (test_aborted_batch_undone, s_setup_store, s_teardown),
        cmocka_unit_test_setup_teardown (test_checkpoint, s_setup_store, s_teardown),
        cmocka_unit_test_setup_teardown (test_data_dir_in_use, s_setup_store, s_teardown),
        cmocka_unit_test_setup_teardown (test_log_replayed_on_checkpoint, s_setup_dir,
                                         s_teardown),
        cmocka_unit_test_setup_teardown (test_destroy_checkpoints_after_abort, s_setup_store,
                                         s_teardown),
        cmocka_unit_test (test_u64_keys),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
