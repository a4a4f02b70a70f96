/*  query: the read-only ops of ingress (see query.h). */
#include "query.h"
#include "backup.h"
#include "blobs.h"

#include <string.h>
#include "case_state.h"
#include "catalog.h"
#include "dispatch.h"
#include "envelope.h"
#include "guard.h"
#include "wire.h"

#define HISTORY_DEFAULT_LIMIT 1000
#define HISTORY_MAX_LIMIT 10000     //  PROTOCOL.md
#define HISTORY_MAX_EXAMINED 100000 //  a filtered scan stops here; next moves on
#define CASES_DEFAULT_LIMIT 1000
#define CASES_MAX_LIMIT 10000

//  An optional non-negative integer field; false (with err) when ill-typed.
static bool
s_optional_count (const request_t *request, const char *key, int64_t fallback,
                  int64_t *value, daiban_error_t *err)
{
    const msgpack_object *field = wire_map_get (&request->root, key);
    *value = fallback;
    if (!field || field->type == MSGPACK_OBJECT_NIL)
        return true;
    if (!wire_get_int (field, value) || *value < 0) {
        daiban_error_set (err, DAIBAN_BAD_REQUEST, "%s: must be a non-negative integer", key);
        return false;
    }
    return true;
}

//  An optional case id field into buffer ("" when absent).
static bool
s_optional_case (const request_t *request, bool required, char *buffer, daiban_error_t *err)
{
    const msgpack_object *field = wire_map_get (&request->root, "case");
    buffer [0] = 0;
    if ((!field || field->type == MSGPACK_OBJECT_NIL) && !required)
        return true;
    if (!field) {
        daiban_error_set (err, DAIBAN_BAD_REQUEST, "case: required");
        return false;
    }
    if (!wire_is_str (field) || !envelope_case_id_valid (field->via.str.ptr, field->via.str.size)) {
        daiban_error_set (err, DAIBAN_BAD_REQUEST,
                          "case: must be 1..64 bytes of A-Z a-z 0-9 . _ -");
        return false;
    }
    memcpy (buffer, field->via.str.ptr, field->via.str.size);
    buffer [field->via.str.size] = 0;
    return true;
}

static void
s_case (query_context_t *context, const request_t *request, wire_buffer_t *reply,
        daiban_error_t *err)
{
    char case_id [ENVELOPE_CASE_MAX + 1];
    MDB_val state;
    if (!s_optional_case (request, true, case_id, err)
    ||  store_case_get (context->store, context->txn, case_id, &state, err))
        return;
    //  The stored state is already the wire form: copy it in as is.
    request_pack_ok (&reply->packer, request->rid, 1);
    wire_pack_key (&reply->packer, "case");
    if (msgpack_sbuffer_write (&reply->buffer, state.mv_data, state.mv_size))
        reply->failed = true;
}

typedef struct {
    int status;                     //  -1: any
    bool overdue_only;
    int64_t limit, found;
    char after [ENVELOPE_CASE_MAX + 1];     //  the page starts after this case
    char last [ENVELOPE_CASE_MAX + 1];      //  the last case listed
    bool more;                      //  stopped by the limit: a next page may follow
    wire_buffer_t list;
    daiban_error_t *err;
} cases_walk_t;

static bool
s_cases_visit (const MDB_val *key, const MDB_val *stored, void *argument)
{
    cases_walk_t *walk = (cases_walk_t *) argument;
    if (walk->found >= walk->limit) {
        walk->more = true;
        return false;
    }
    case_state_t *state = case_state_decode (stored->mv_data, stored->mv_size, walk->err);
    if (!state)
        return false;
    if ((walk->status < 0 || (int) state->status == walk->status)
    &&  (!walk->overdue_only || case_state_overdue (state))) {
        case_state_pack_summary (state, &walk->list.packer);
        walk->found++;
        size_t size = key->mv_size < ENVELOPE_CASE_MAX? key->mv_size: ENVELOPE_CASE_MAX;
        memcpy (walk->last, key->mv_data, size);
        walk->last [size] = 0;
    }
    case_state_destroy (&state);
    return true;
}

static bool
s_cases_filter (const request_t *request, cases_walk_t *walk, daiban_error_t *err)
{
    const msgpack_object *status = wire_map_get (&request->root, "status");
    const msgpack_object *overdue = wire_map_get (&request->root, "overdue");
    walk->status = -1;
    if (status && status->type != MSGPACK_OBJECT_NIL) {
        for (int index = CASE_REGISTERED; index <= CASE_CLOSED && walk->status < 0; index++)
            if (wire_str_eq (status, case_status_name ((case_status_t) index)))
                walk->status = index;
        if (walk->status < 0) {
            daiban_error_set (err, DAIBAN_BAD_REQUEST,
                              "status: must be registered, returned, accepted, in_progress or closed");
            return false;
        }
    }
    if (overdue && overdue->type != MSGPACK_OBJECT_NIL) {
        if (overdue->type != MSGPACK_OBJECT_BOOLEAN) {
            daiban_error_set (err, DAIBAN_BAD_REQUEST, "overdue: must be true or false");
            return false;
        }
        walk->overdue_only = overdue->via.boolean;
    }
    if (!s_optional_count (request, "limit", CASES_DEFAULT_LIMIT, &walk->limit, err))
        return false;
    const msgpack_object *after = wire_map_get (&request->root, "after");
    if (after && after->type != MSGPACK_OBJECT_NIL
    &&  (!wire_str_copy (after, walk->after, sizeof walk->after)
      || memchr (after->via.str.ptr, 0, after->via.str.size))) {
        daiban_error_set (err, DAIBAN_BAD_REQUEST, "after: must be a case id (the next of the "
                          "previous page)");
        return false;
    }
    if (walk->limit > CASES_MAX_LIMIT)
        walk->limit = CASES_MAX_LIMIT;
    return true;
}

static void
s_cases (query_context_t *context, const request_t *request, wire_buffer_t *reply,
         daiban_error_t *err)
{
    cases_walk_t walk = { 0 };
    walk.err = err;
    if (!s_cases_filter (request, &walk, err))
        return;
    wire_buffer_init (&walk.list);
    if (store_cases_each (context->store, context->txn, walk.after, s_cases_visit, &walk,
                          err) == DAIBAN_OK
    &&  err->code == DAIBAN_OK) {
        request_pack_ok (&reply->packer, request->rid, 2);
        wire_pack_key (&reply->packer, "cases");
        msgpack_pack_array (&reply->packer, walk.found);
        if (walk.list.failed
        ||  msgpack_sbuffer_write (&reply->buffer, walk.list.buffer.data, walk.list.buffer.size))
            reply->failed = true;
        //  Where the next page starts, or nil: every case was examined.
        wire_pack_key (&reply->packer, "next");
        if (walk.more)
            wire_pack_str (&reply->packer, walk.found? walk.last: walk.after);
        else
            msgpack_pack_nil (&reply->packer);
    }
    wire_buffer_release (&walk.list);
}

typedef struct {
    const msgpack_object *prefix;
    int64_t limit, found, examined;
    uint64_t next;
    bool stopped;                   //  by a limit, before the end of the log
    size_t max_bytes;
    wire_buffer_t list;
} history_walk_t;

//  True when the stored event's type starts with the prefix. The type is
//  read from the event itself: stored events are our own msgpack.
static bool
s_type_matches (const MDB_val *event, const msgpack_object *prefix)
{
    msgpack_zone zone;
    msgpack_zone_init (&zone, 1024);
    msgpack_object root;
    bool matches = false;
    if (wire_unpack (event->mv_data, event->mv_size, &zone, &root, NULL) == DAIBAN_OK) {
        const msgpack_object *type = wire_map_get (&root, "type");
        matches = wire_is_str (type) && type->via.str.size >= prefix->via.str.size
               && memcmp (type->via.str.ptr, prefix->via.str.ptr, prefix->via.str.size) == 0;
    }
    msgpack_zone_destroy (&zone);
    return matches;
}

static bool
s_history_visit (uint64_t seq, const MDB_val *event, void *argument)
{
    history_walk_t *walk = (history_walk_t *) argument;
    if (walk->found >= walk->limit || walk->examined >= HISTORY_MAX_EXAMINED
    ||  (walk->found > 0 && walk->list.buffer.size + event->mv_size > walk->max_bytes)) {
        walk->stopped = true;
        return false;
    }
    walk->examined++;
    walk->next = seq + 1;
    if (walk->prefix && !s_type_matches (event, walk->prefix))
        return true;
    if (msgpack_sbuffer_write (&walk->list.buffer, event->mv_data, event->mv_size))
        walk->list.failed = true;
    walk->found++;
    return true;
}

static void
s_history (query_context_t *context, const request_t *request, wire_buffer_t *reply,
           daiban_error_t *err)
{
    history_walk_t walk = { 0 };
    char case_id [ENVELOPE_CASE_MAX + 1];
    int64_t from;
    walk.prefix = wire_map_get (&request->root, "prefix");
    if (walk.prefix && walk.prefix->type == MSGPACK_OBJECT_NIL)
        walk.prefix = NULL;
    if (walk.prefix && !wire_is_str (walk.prefix)) {
        daiban_error_set (err, DAIBAN_BAD_REQUEST, "prefix: must be a string");
        return;
    }
    if (!s_optional_count (request, "from", 1, &from, err)
    ||  !s_optional_count (request, "limit", HISTORY_DEFAULT_LIMIT, &walk.limit, err)
    ||  !s_optional_case (request, false, case_id, err))
        return;
    if (walk.limit > HISTORY_MAX_LIMIT)
        walk.limit = HISTORY_MAX_LIMIT;
    uint64_t last = store_last_seq (context->store);
    walk.max_bytes = context->history_max_bytes;
    walk.next = (uint64_t) from;
    wire_buffer_init (&walk.list);
    if (store_events_each (context->store, context->txn, (uint64_t) from,
                           *case_id? case_id: NULL, s_history_visit, &walk, err) == DAIBAN_OK) {
        //  Reaching the end of the log (or of the case) examined all up to last.
        if (!walk.stopped && walk.next < last + 1)
            walk.next = last + 1;
        request_pack_ok (&reply->packer, request->rid, 3);
        wire_pack_key (&reply->packer, "events");
        msgpack_pack_array (&reply->packer, walk.found);
        if (walk.list.failed
        ||  msgpack_sbuffer_write (&reply->buffer, walk.list.buffer.data, walk.list.buffer.size))
            reply->failed = true;
        wire_pack_key (&reply->packer, "next");
        msgpack_pack_uint64 (&reply->packer, walk.next);
        wire_pack_key (&reply->packer, "last");
        msgpack_pack_uint64 (&reply->packer, last);
    }
    wire_buffer_release (&walk.list);
}

static void
s_pack_counter (msgpack_packer *packer, const char *key, uint64_t value)
{
    wire_pack_key (packer, key);
    msgpack_pack_uint64 (packer, value);
}

static void
s_stats (query_context_t *context, const request_t *request, wire_buffer_t *reply)
{
    const broker_counters_t *counters = context->counters;
    msgpack_packer *packer = &reply->packer;
    request_pack_ok (packer, request->rid, 19 + dispatch_stats_count ());
    s_pack_counter (packer, "last_seq", store_last_seq (context->store));
    s_pack_counter (packer, "cases", store_case_count (context->store, context->txn));
    s_pack_counter (packer, "posts", counters->posts);
    s_pack_counter (packer, "duplicates", counters->duplicates);
    s_pack_counter (packer, "rejected", counters->rejected);
    s_pack_counter (packer, "batches", counters->batches);
    s_pack_counter (packer, "batch_largest", counters->batch_largest);
    s_pack_counter (packer, "published", counters->published);
    s_pack_counter (packer, "map_size", store_map_size (context->store));
    s_pack_counter (packer, "map_grown", counters->map_grown);
    s_pack_counter (packer, "log_bytes", store_log_bytes (context->store));
    s_pack_counter (packer, "checkpoints", store_checkpoints (context->store));
    backup_pack_stats (context->store, packer);
    s_pack_counter (packer, "auth_refused", guard_refused (context->guard));
    s_pack_counter (packer, "keys", guard_key_count (context->guard));
    wire_pack_key (packer, "commit_latency");
    latency_pack (&counters->commit_latency, packer);
    s_pack_counter (packer, "uptime_ms", (uint64_t) (context->now - context->started));
    wire_pack_key (packer, "now");
    msgpack_pack_int64 (packer, context->now);
    wire_pack_key (packer, "errors");
    int kinds = 0;
    for (int code = DAIBAN_BAD_REQUEST; code <= DAIBAN_INTERNAL; code++)
        kinds += counters->errors [code] > 0;
    msgpack_pack_map (packer, kinds);
    for (int code = DAIBAN_BAD_REQUEST; code <= DAIBAN_INTERNAL; code++)
        if (counters->errors [code])
            s_pack_counter (packer, daiban_error_code_name ((daiban_code_t) code),
                            counters->errors [code]);
    dispatch_pack_stats (context->dispatch, packer);
}

static void
s_catalog (query_context_t *context, const request_t *request, wire_buffer_t *reply,
           daiban_error_t *err)
{
    request_pack_ok (&reply->packer, request->rid, 3);
    if (catalog_pack (context->catalog, &reply->packer))
        daiban_error_set (err, DAIBAN_UNAVAILABLE, "out of memory building the catalog");
}

//  An optional (or required) role name into buffer ("" when absent).
static bool
s_role_field (const request_t *request, bool required, char *buffer, size_t size,
              daiban_error_t *err)
{
    const msgpack_object *role = wire_map_get (&request->root, "role");
    buffer [0] = 0;
    if ((!role || role->type == MSGPACK_OBJECT_NIL) && !required)
        return true;
    if (!wire_str_copy (role, buffer, size) || !*buffer || memchr (role->via.str.ptr, 0, role->via.str.size)) {
        daiban_error_set (err, DAIBAN_BAD_REQUEST, "role: must be a role name");
        return false;
    }
    return true;
}

static void
s_deadletters (query_context_t *context, const request_t *request, wire_buffer_t *reply,
               daiban_error_t *err)
{
    char role [40];
    if (!s_role_field (request, false, role, sizeof role, err))
        return;
    request_pack_ok (&reply->packer, request->rid, 1);
    wire_pack_key (&reply->packer, "deadletters");
    dispatch_pack_deadletters (context->dispatch, *role? role: NULL, &reply->packer, err);
}

static void
s_retry (query_context_t *context, const request_t *request, wire_buffer_t *reply,
         daiban_error_t *err)
{
    char role [40];
    int64_t seq;
    if (!s_role_field (request, true, role, sizeof role, err))
        return;
    if (!wire_get_int (wire_map_get (&request->root, "seq"), &seq) || seq < 1) {
        daiban_error_set (err, DAIBAN_BAD_REQUEST, "seq: must be the seq of the dead letter");
        return;
    }
    if (dispatch_retry (context->dispatch, role, (uint64_t) seq, err) == DAIBAN_OK)
        request_pack_ok (&reply->packer, request->rid, 0);
}

//  The manual test clock: set or advance, never backwards.
static void
s_clock (query_context_t *context, const request_t *request, wire_buffer_t *reply,
         daiban_error_t *err)
{
    if (!context->test_clock) {
        daiban_error_set (err, DAIBAN_BAD_REQUEST,
                          "clock: the broker runs on the system clock (start it with --test-clock MS)");
        return;
    }
    const msgpack_object *set = wire_map_get (&request->root, "set");
    const msgpack_object *advance = wire_map_get (&request->root, "advance_ms");
    int64_t value, now = *context->test_now;
    if (set && wire_get_int (set, &value))
        now = value;
    else
    if (advance && wire_get_int (advance, &value))
        now += value;
    else {
        daiban_error_set (err, DAIBAN_BAD_REQUEST, "clock: needs set (ms) or advance_ms (integer)");
        return;
    }
    if (now < *context->test_now) {
        daiban_error_set (err, DAIBAN_BAD_REQUEST, "clock: time never moves backwards (now %lld)",
                          (long long) *context->test_now);
        return;
    }
    *context->test_now = context->now = now;
    request_pack_ok (&reply->packer, request->rid, 1);
    wire_pack_key (&reply->packer, "now");
    msgpack_pack_int64 (&reply->packer, now);
}

static void
s_whoami (query_context_t *context, const request_t *request, wire_buffer_t *reply)
{
    request_pack_ok (&reply->packer, request->rid, 3);
    wire_pack_key (&reply->packer, "name");
    wire_pack_strn (&reply->packer, context->principal.name, context->principal.name_size);
    wire_pack_key (&reply->packer, "role");
    wire_pack_str (&reply->packer, access_role_name (context->principal.role));
    wire_pack_key (&reply->packer, "curve");
    if (guard_curve (context->guard))
        msgpack_pack_true (&reply->packer);
    else
        msgpack_pack_false (&reply->packer);
}

static void
s_reload (query_context_t *context, const request_t *request, wire_buffer_t *reply,
          daiban_error_t *err)
{
    bool revoked;
    if (guard_reload (context->guard, &revoked, err))
        return;
    context->keys_revoked |= revoked;
    request_pack_ok (&reply->packer, request->rid, 1);
    wire_pack_key (&reply->packer, "keys");
    msgpack_pack_uint64 (&reply->packer, guard_key_count (context->guard));
}

void
query_answer (query_context_t *context, const request_t *request, wire_buffer_t *reply)
{
    daiban_error_t err = { DAIBAN_OK, "" };
    wire_buffer_clear (reply);
    switch (request->op) {
        case REQUEST_CASE: s_case (context, request, reply, &err); break;
        case REQUEST_CASES: s_cases (context, request, reply, &err); break;
        case REQUEST_HISTORY: s_history (context, request, reply, &err); break;
        case REQUEST_STATS: s_stats (context, request, reply); break;
        case REQUEST_CATALOG: s_catalog (context, request, reply, &err); break;
        case REQUEST_DEADLETTERS: s_deadletters (context, request, reply, &err); break;
        case REQUEST_RETRY: s_retry (context, request, reply, &err); break;
        case REQUEST_CLOCK: s_clock (context, request, reply, &err); break;
        case REQUEST_BACKUP: backup_answer (context, request, reply, &err); break;
        case REQUEST_BLOB_PUT: blobs_put (context, request, reply, &err); break;
        case REQUEST_BLOB_GET: blobs_get (context, request, reply, &err); break;
        case REQUEST_WHOAMI: s_whoami (context, request, reply); break;
        case REQUEST_RELOAD: s_reload (context, request, reply, &err); break;
        default: daiban_error_set (&err, DAIBAN_INTERNAL, "not a read op"); break;
    }
    if (err.code == DAIBAN_OK && reply->failed)
        daiban_error_set (&err, DAIBAN_UNAVAILABLE, "out of memory building the reply");
    if (err.code) {
        wire_buffer_clear (reply);
        request_pack_error (&reply->packer, request->rid, &err);
    }
}
