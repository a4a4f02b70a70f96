/*  ingest: group commit of one turn's posts (see ingest.h). */
#include "ingest.h"

#include "case_state.h"
#include "log.h"
#include "wire.h"
#include "reducer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


//  Open cases per agent (meta "load/<agent>"), for the intake role's
//  choice of agent: an accepted case counts until it is closed.
static void
s_agent_load_key (const char *agent, char *name, size_t size)
{
    snprintf (name, size, "load/%.150s", agent);
}

static int
s_agent_load_get (store_t *store, MDB_txn *txn, const char *agent, int64_t *load)
{
    char name [160];
    s_agent_load_key (agent, name, sizeof name);
    MDB_val key = { strlen (name), name }, value;
    unsigned char stored [8] = { 0 };
    int rc = mdb_get (txn, store_dbi (store, STORE_DB_META), &key, &value);
    if (rc == 0 && value.mv_size == 8)
        memcpy (stored, value.mv_data, 8);
    *load = (int64_t) store_key_to_u64 (stored);
    return rc;
}

static daiban_code_t
s_agent_load_add (store_t *store, MDB_txn *txn, const char *agent, int64_t delta,
                  daiban_error_t *err)
{
    int64_t load;
    int rc = s_agent_load_get (store, txn, agent, &load);
    char name [160];
    s_agent_load_key (agent, name, sizeof name);
    unsigned char stored [8];
    load += delta;
    store_u64_to_key ((uint64_t) (load < 0? 0: load), stored);
    MDB_val key = { strlen (name), name }, value = { 8, stored };
    if (rc == 0 || rc == MDB_NOTFOUND)
        rc = store_put (store, txn, STORE_DB_META, &key, &value, 0);
    return store_lmdb_error (rc, "agent load", err);
}

daiban_code_t
ingest_check_capacity (case_cache_t *cache, catalog_t *catalog, const envelope_t *event,
                       daiban_error_t *err)
{
    if (strcmp (event->type->name, "case.accepted") != 0)
        return DAIBAN_OK;
    char agent_id [160] = "";
    wire_str_copy (wire_map_get (event->body, "agent"), agent_id, sizeof agent_id);
    const catalog_agent_t *agent = catalog_agent (catalog, agent_id);
    case_state_t *state = NULL;
    daiban_code_t code = case_cache_get (cache, event->case_id, &state, err);
    //  The chief takes what nobody else can; an acceptance the case already
    //  counts (a repeat) adds nothing.
    if (code || !agent || agent->kind == CATALOG_CHIEF
    ||  (state && state->agent && streq (state->agent, agent_id) && state->status != CASE_CLOSED))
        return code;
    int64_t load;
    int rc = s_agent_load_get (case_cache_store (cache), case_cache_txn (cache), agent_id, &load);
    if (rc && rc != MDB_NOTFOUND)
        return store_lmdb_error (rc, "agent load", err);
    if (load < agent->capacity)
        return DAIBAN_OK;
    return daiban_error_set (err, DAIBAN_CONFLICT, "agent %s (%s) is at capacity: %lld open "
                             "cases of %d", agent_id, agent->name, (long long) load,
                             agent->capacity);
}

static daiban_code_t
s_track_agent (store_t *store, MDB_txn *txn, const char *agent_before, bool open_before,
               const case_state_t *state, daiban_error_t *err)
{
    bool open_after = state->status != CASE_CLOSED;
    const char *agent_after = state->agent;
    bool same = agent_before && agent_after && streq (agent_before, agent_after);
    daiban_code_t code = DAIBAN_OK;
    if (agent_before && open_before && (!same || !open_after))
        code = s_agent_load_add (store, txn, agent_before, -1, err);
    if (!code && agent_after && open_after && (!same || !open_before))
        code = s_agent_load_add (store, txn, agent_after, 1, err);
    return code;
}

static daiban_code_t
s_apply_and_append (case_cache_t *cache, const envelope_t *event, const principal_t *principal,
                    uint64_t seq, int64_t ts, uint64_t cause, wire_buffer_t *committed,
                    daiban_error_t *err)
{
    store_t *store = case_cache_store (cache);
    MDB_txn *txn = case_cache_txn (cache);
    case_state_t *state = NULL;
    daiban_code_t code = case_cache_get (cache, event->case_id, &state, err);
    if (!code)
        code = access_check_item (principal, state, event, err);
    if (code)
        return code;
    bool registering = state == NULL;
    char *agent_before = state && state->agent? strdup (state->agent): NULL;
    bool open_before = state && state->status != CASE_CLOSED;
    //  A refused event leaves the state as it was (the reducer checks
    //  before it changes anything); a new state is the cache's on success.
    if ((code = reducer_apply (&state, event, seq, ts, err))) {
        if (registering)
            case_state_destroy (&state);
    }
    else {
        wire_buffer_clear (committed);
        envelope_pack_committed (event, seq, ts, cause, committed);
        if (committed->failed)
            code = daiban_error_set (err, DAIBAN_UNAVAILABLE, "out of memory");
        if (!code)
            code = s_track_agent (store, txn, agent_before, open_before, state, err);
        if (!code)
            code = case_cache_changed (cache, state, err);
        else
        if (registering)
            case_state_destroy (&state);
        if (!code)
            code = store_event_append_claimed (store, txn, seq, committed->buffer.data,
                                               committed->buffer.size, event->source,
                                               event->source_size, event->id, event->id_size,
                                               event->case_id, err);
    }
    free (agent_before);
    return code;
}

daiban_code_t
ingest_event (case_cache_t *cache, const envelope_t *event, const principal_t *principal,
              uint64_t seq, int64_t ts, uint64_t cause, wire_buffer_t *committed,
              uint64_t *seq_out, bool *duplicate, daiban_error_t *err)
{
    store_t *store = case_cache_store (cache);
    MDB_txn *txn = case_cache_txn (cache);
    daiban_code_t code = store_event_id_claim (store, txn, event->source, event->source_size,
                                               event->id, event->id_size, seq, duplicate,
                                               seq_out, err);
    if (code || *duplicate)
        return code;
    code = event_type_check_body (event->type, event->body, err);
    if (!code)
        code = s_apply_and_append (cache, event, principal, seq, ts, cause, committed, err);
    if (code) {
        //  Refused: the id stays free for a corrected post.
        daiban_error_t undo_err = { 0 };
        if (store_event_id_unclaim (store, txn, event->source, event->source_size, event->id,
                                    event->id_size, &undo_err)) {
            *err = undo_err;
            return undo_err.code;
        }
        return code;
    }
    *seq_out = seq;
    return DAIBAN_OK;
}

//  One post, in PROTOCOL.md's order: (decode and envelope are done)
//  dedupe, body, case state; then the writes.
static daiban_code_t
s_ingest_one (case_cache_t *cache, pending_t *post, uint64_t seq, int64_t ts)
{
    daiban_code_t code = ingest_event (cache, &post->request.event, &post->principal, seq, ts,
                                       0, &post->event, &post->seq, &post->duplicate,
                                       &post->err);
    post->published = code == DAIBAN_OK && !post->duplicate;
    return code;
}

static bool
s_is_post (const pending_t *pending)
{
    return pending->err.code == DAIBAN_OK && pending->request.op == REQUEST_POST;
}

//  Applies every post in one transaction. Returns DAIBAN_OK with each
//  post's outcome set, or the storage failure that spoils the batch.
static daiban_code_t
s_apply_batch (case_cache_t *cache, pending_t *pending, size_t count, int64_t ts,
               daiban_error_t *err)
{
    store_t *store = case_cache_store (cache);
    MDB_txn *txn;
    daiban_code_t code = store_write_begin (store, &txn, err);
    if (code)
        return code;
    case_cache_begin (cache, txn);
    uint64_t seq = store_last_seq (store);
    for (size_t index = 0; index < count; index++) {
        pending_t *post = &pending [index];
        if (!s_is_post (post))
            continue;
        post->duplicate = post->published = false;
        code = s_ingest_one (cache, post, seq + 1, ts);
        if (code == DAIBAN_RETRY || code == DAIBAN_UNAVAILABLE || code == DAIBAN_INTERNAL) {
            *err = post->err;
            post->err.code = DAIBAN_OK;     //  it will be retried or failed as a batch
            store_write_abort (store);
            return code;
        }
        if (post->published)
            seq++;
    }
    if ((code = case_cache_flush (cache, err))) {
        store_write_abort (store);
        return code;
    }
    if ((code = store_write_commit (store, err)))
        return code;
    case_cache_committed (cache);
    return DAIBAN_OK;
}

void
ingest_commit (case_cache_t *cache, pending_t *pending, size_t count, int64_t ts,
               broker_counters_t *counters)
{
    store_t *store = case_cache_store (cache);
    daiban_error_t err;
    daiban_code_t code;
    //  A full map: grow and run the whole batch again (each post's checks
    //  are deterministic, so the outcome is the same but for the room).
    while ((code = s_apply_batch (cache, pending, count, ts, &err)) == DAIBAN_RETRY) {
        daiban_error_t grow_err;
        if (store_grow (store, &grow_err)) {
            err = grow_err;
            code = DAIBAN_UNAVAILABLE;
            break;
        }
        counters->map_grown++;
        log_info ("storage map grown to %zu bytes", store_map_size (store));
    }
    size_t written = 0;
    for (size_t index = 0; index < count; index++) {
        pending_t *post = &pending [index];
        if (post->request.op != REQUEST_POST || post->err.code != DAIBAN_OK)
            continue;
        if (code) {
            daiban_error_set (&post->err, DAIBAN_UNAVAILABLE, "event not written: %s", err.message);
            post->published = false;
        }
        else
        if (post->duplicate)
            counters->duplicates++;
        else
            written++;
    }
    if (code)
        log_error ("batch of %zu requests not committed: %s", count, err.message);
    else {
        counters->posts += written;
        counters->batches++;
        if (written > counters->batch_largest)
            counters->batch_largest = written;
    }
}
