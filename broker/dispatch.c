/*  dispatch: the roles, their queues and their durable progress: loading
    them at start and topping the queues up from the log (see dispatch.h).
    The outcomes of leases are committed by settle.c. */
#include "dispatch_internal.h"

#include <stdlib.h>
#include <string.h>
#include "case_state.h"
#include "envelope.h"
#include "log.h"
#include "reducer.h"

static void
s_role_free (void **item)
{
    role_destroy ((role_t **) item);
}

static void
s_free (void **item)
{
    free (*item);
    *item = NULL;
}
//  The type and case of a stored event, read from its bytes.
static bool
s_event_type_case (const void *data, size_t size, char *type, size_t type_size, char *case_id)
{
    msgpack_zone zone;
    msgpack_zone_init (&zone, 1024);
    msgpack_object root;
    bool ok = wire_unpack (data, size, &zone, &root, NULL) == DAIBAN_OK
           && wire_str_copy (wire_map_get (&root, "type"), type, type_size)
           && wire_str_copy (wire_map_get (&root, "case"), case_id, ENVELOPE_CASE_MAX + 1);
    msgpack_zone_destroy (&zone);
    return ok;
}

static bool
s_acked (dispatch_t *self, MDB_txn *txn, role_t *role, uint64_t seq)
{
    unsigned char key [ROLE_NAME_MAX + 9];
    MDB_val entry = { store_scoped_key (key, role->name, seq), key }, value;
    return mdb_get (txn, store_dbi (self->store, STORE_DB_ACKS), &entry, &value) == 0;
}

//  Tops up a role's queue from the log, from where it last looked.
void
dispatch_fill (dispatch_t *self, role_t *role)
{
    //  Only what is durable: a worker acts on what it is given.
    uint64_t last = store_durable_seq (self->store);
    if (role->scanned >= last || role->jobs >= DISPATCH_WINDOW / 2)
        return;
    MDB_txn *txn;
    daiban_error_t err;
    if (store_read_begin (self->store, &txn, &err))
        return;
    while (role->scanned < last && role->jobs < DISPATCH_WINDOW) {
        uint64_t seq = role->scanned + 1;
        MDB_val event;
        char type [48], case_id [ENVELOPE_CASE_MAX + 1];
        if (store_event_get (self->store, txn, seq, &event, &err) == DAIBAN_OK
        &&  s_event_type_case (event.mv_data, event.mv_size, type, sizeof type, case_id)
        &&  role_wants (role, type, strlen (type)) && !s_acked (self, txn, role, seq)
        &&  !role_enqueue (role, seq, case_id, false))
            break;
        role->scanned = seq;
    }
    store_read_end (self->store, &txn);
}

void
dispatch_feed (dispatch_t *self, size_t count)
{
    for (role_t *role = (role_t *) zhashx_first (self->roles); role;
         role = (role_t *) zhashx_next (self->roles)) {
        for (size_t index = 0; index < count; index++) {
            const outbox_entry_t *entry = outbox_at (self->outbox, index);
            if (role->scanned != entry->seq - 1 || role->jobs >= DISPATCH_WINDOW)
                break;      //  behind: s_fill reads it from the log
            if (role_wants (role, entry->type, strlen (entry->type))
            &&  !role_enqueue (role, entry->seq, entry->case_id, false))
                break;
            role->scanned = entry->seq;
        }
        dispatch_fill (self, role);
    }
}

//  Decodes a role record {types, watermark} into a new role.
static role_t *
s_role_load (const MDB_val *name, const MDB_val *record)
{
    char role_name [ROLE_NAME_MAX + 1];
    if (name->mv_size == 0 || name->mv_size > ROLE_NAME_MAX)
        return NULL;
    memcpy (role_name, name->mv_data, name->mv_size);
    role_name [name->mv_size] = 0;
    msgpack_zone zone;
    msgpack_zone_init (&zone, 1024);
    msgpack_object root;
    role_t *role = NULL;
    if (wire_unpack (record->mv_data, record->mv_size, &zone, &root, NULL) == DAIBAN_OK) {
        const msgpack_object *types = wire_map_get (&root, "types");
        int64_t watermark = 0;
        wire_get_int (wire_map_get (&root, "watermark"), &watermark);
        role = role_new (role_name);
        for (uint32_t index = 0; role && types && types->type == MSGPACK_OBJECT_ARRAY
                                  && index < types->via.array.size; index++) {
            char *type = wire_str_dup (&types->via.array.ptr [index]);
            if (type)
                zlistx_add_end (role->types, type);
        }
        if (role)
            role->scanned = role->persisted = (uint64_t) watermark;
    }
    msgpack_zone_destroy (&zone);
    return role;
}

//  Dead letters an operator asked to retry before a restart go back in.
static void
s_load_retries (dispatch_t *self, MDB_txn *txn)
{
    MDB_cursor *cursor;
    if (mdb_cursor_open (txn, store_dbi (self->store, STORE_DB_DEADLETTERS), &cursor))
        return;
    MDB_val key, value;
    int rc = mdb_cursor_get (cursor, &key, &value, MDB_FIRST);
    for (; rc == 0; rc = mdb_cursor_get (cursor, &key, &value, MDB_NEXT)) {
        msgpack_zone zone;
        msgpack_zone_init (&zone, 512);
        msgpack_object root;
        char role_name [ROLE_NAME_MAX + 1], case_id [ENVELOPE_CASE_MAX + 1];
        int64_t seq;
        if (wire_unpack (value.mv_data, value.mv_size, &zone, &root, NULL) == DAIBAN_OK
        &&  wire_str_eq (wire_map_get (&root, "status"), "retrying")
        &&  wire_str_copy (wire_map_get (&root, "role"), role_name, sizeof role_name)
        &&  wire_str_copy (wire_map_get (&root, "case"), case_id, sizeof case_id)
        &&  wire_get_int (wire_map_get (&root, "seq"), &seq)) {
            role_t *role = (role_t *) zhashx_lookup (self->roles, role_name);
            if (role && !role_find (role, (uint64_t) seq))
                role_enqueue (role, (uint64_t) seq, case_id, true);
        }
        msgpack_zone_destroy (&zone);
    }
    mdb_cursor_close (cursor);
}

static daiban_code_t
s_load_roles (dispatch_t *self, daiban_error_t *err)
{
    MDB_txn *txn;
    if (store_read_begin (self->store, &txn, err))
        return err->code;
    MDB_cursor *cursor;
    if (mdb_cursor_open (txn, store_dbi (self->store, STORE_DB_ROLES), &cursor) == 0) {
        MDB_val key, value;
        int rc = mdb_cursor_get (cursor, &key, &value, MDB_FIRST);
        for (; rc == 0; rc = mdb_cursor_get (cursor, &key, &value, MDB_NEXT)) {
            role_t *role = s_role_load (&key, &value);
            if (role)
                zhashx_insert (self->roles, role->name, role);
        }
        mdb_cursor_close (cursor);
    }
    s_load_retries (self, txn);
    store_read_end (self->store, &txn);
    for (role_t *role = (role_t *) zhashx_first (self->roles); role;
         role = (role_t *) zhashx_next (self->roles)) {
        dispatch_fill (self, role);
        log_info ("role %s: acknowledged up to %llu, %zu events queued", role->name,
                  (unsigned long long) role->persisted, role->jobs);
    }
    return DAIBAN_OK;
}

static daiban_code_t
s_read_settings (dispatch_t *self, config_t *config, daiban_error_t *err)
{
    if (config_get_int (config, "workers/heartbeat_ms", &self->heartbeat_ms, err)
    ||  config_get_int (config, "workers/liveness", &self->liveness, err)
    ||  config_get_int (config, "workers/lease_ms", &self->lease_ms, err)
    ||  config_get_int (config, "workers/max_attempts", &self->max_attempts, err))
        return err->code;
    if (self->heartbeat_ms < 10 || self->liveness < 1 || self->lease_ms < 10 || self->max_attempts < 1)
        return daiban_error_set (err, DAIBAN_BAD_REQUEST,
                                 "config workers: heartbeat_ms, lease_ms >= 10; liveness, max_attempts >= 1");
    return DAIBAN_OK;
}

dispatch_t *
dispatch_new (store_t *store, void *socket, outbox_t *outbox, catalog_t *catalog,
              config_t *config, daiban_error_t *err)
{
    dispatch_t *self = (dispatch_t *) calloc (1, sizeof (dispatch_t));
    if (!self) {
        daiban_error_set (err, DAIBAN_UNAVAILABLE, "out of memory");
        return NULL;
    }
    self->store = store;
    self->socket = socket;
    self->outbox = outbox;
    self->catalog = catalog;
    //  Lease ids start from the clock so that a done addressed to a
    //  lease of an earlier broker run never matches one of this run.
    self->next_lease = (uint64_t) zclock_time () * 1000;
    self->retry_at = INT64_MAX;
    wire_buffer_init (&self->message);
    wire_buffer_init (&self->event);
    self->roles = zhashx_new ();
    self->workers = zhashx_new ();
    self->leases = zhashx_new ();
    self->completions = zlistx_new ();
    self->cases = case_cache_new (store);
    if (!self->roles || !self->workers || !self->leases || !self->completions || !self->cases) {
        daiban_error_set (err, DAIBAN_UNAVAILABLE, "out of memory");
        dispatch_destroy (&self);
        return NULL;
    }
    zhashx_set_destructor (self->roles, s_role_free);
    zhashx_set_destructor (self->workers, s_free);
    zhashx_set_destructor (self->leases, s_free);
    if (s_read_settings (self, config, err) || s_load_roles (self, err))
        dispatch_destroy (&self);
    return self;
}

void
dispatch_destroy (dispatch_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    dispatch_t *self = *self_p;
    if (self->completions) {
        completion_t *completion = (completion_t *) zlistx_first (self->completions);
        for (; completion; completion = (completion_t *) zlistx_next (self->completions))
            dispatch_completion_destroy (&completion);
        zlistx_destroy (&self->completions);
    }
    case_cache_destroy (&self->cases);
    zhashx_destroy (&self->leases);
    zhashx_destroy (&self->workers);
    zhashx_destroy (&self->roles);
    wire_buffer_release (&self->message);
    wire_buffer_release (&self->event);
    free (self);
    *self_p = NULL;
}

