/*  case_cache: case states decoded once per transaction (see case_cache.h). */
#include "case_cache.h"

#include <czmq.h>
#include <stdlib.h>
#include "wire.h"

typedef struct {
    case_state_t *state;
    bool changed;
} entry_t;

//  States kept past this many are dropped at the next batch.
#define CASE_CACHE_KEEP 1024

struct _case_cache_t {
    store_t *store;
    MDB_txn *txn;
    uint64_t changes;           //  store_changes after our last commit
    zhashx_t *entries;          //  case id → entry_t
    wire_buffer_t buffer;
};

static void
s_entry_free (void **item)
{
    entry_t *entry = (entry_t *) *item;
    if (entry) {
        case_state_destroy (&entry->state);
        free (entry);
    }
    *item = NULL;
}

case_cache_t *
case_cache_new (store_t *store)
{
    case_cache_t *self = (case_cache_t *) calloc (1, sizeof (case_cache_t));
    if (!self)
        return NULL;
    self->store = store;
    self->entries = zhashx_new ();
    if (!self->entries) {
        free (self);
        return NULL;
    }
    zhashx_set_destructor (self->entries, s_entry_free);
    wire_buffer_init (&self->buffer);
    self->changes = UINT64_MAX;     //  nothing kept yet
    return self;
}

void
case_cache_destroy (case_cache_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    case_cache_t *self = *self_p;
    zhashx_destroy (&self->entries);
    wire_buffer_release (&self->buffer);
    free (self);
    *self_p = NULL;
}

void
case_cache_begin (case_cache_t *self, MDB_txn *txn)
{
    if (store_changes (self->store) != self->changes
    ||  zhashx_size (self->entries) > CASE_CACHE_KEEP)
        zhashx_purge (self->entries);
    self->txn = txn;
}

void
case_cache_committed (case_cache_t *self)
{
    self->changes = store_changes (self->store);
}

store_t *
case_cache_store (case_cache_t *self)
{
    return self->store;
}

MDB_txn *
case_cache_txn (case_cache_t *self)
{
    return self->txn;
}

//  Takes state into the cache; NULL (state freed) when out of memory.
static entry_t *
s_insert (case_cache_t *self, case_state_t *state)
{
    entry_t *entry = (entry_t *) calloc (1, sizeof (entry_t));
    if (!entry || zhashx_insert (self->entries, state->case_id, entry)) {
        free (entry);
        case_state_destroy (&state);
        return NULL;
    }
    entry->state = state;
    return entry;
}

daiban_code_t
case_cache_get (case_cache_t *self, const char *case_id, case_state_t **state,
                daiban_error_t *err)
{
    entry_t *entry = (entry_t *) zhashx_lookup (self->entries, case_id);
    *state = entry? entry->state: NULL;
    if (entry)
        return DAIBAN_OK;
    MDB_val stored;
    daiban_code_t code = store_case_get (self->store, self->txn, case_id, &stored, err);
    if (code == DAIBAN_NOT_FOUND) {
        daiban_error_clear (err);       //  not an error here: a case being registered
        return DAIBAN_OK;
    }
    if (code)
        return code;
    case_state_t *decoded = case_state_decode (stored.mv_data, stored.mv_size, err);
    if (!decoded)
        return err->code;
    if (!(entry = s_insert (self, decoded)))
        return daiban_error_set (err, DAIBAN_UNAVAILABLE, "out of memory");
    *state = entry->state;
    return DAIBAN_OK;
}

daiban_code_t
case_cache_changed (case_cache_t *self, case_state_t *state, daiban_error_t *err)
{
    entry_t *entry = (entry_t *) zhashx_lookup (self->entries, state->case_id);
    if (!entry && !(entry = s_insert (self, state)))
        return daiban_error_set (err, DAIBAN_UNAVAILABLE, "out of memory");
    entry->changed = true;
    return DAIBAN_OK;
}

daiban_code_t
case_cache_flush (case_cache_t *self, daiban_error_t *err)
{
    for (entry_t *entry = (entry_t *) zhashx_first (self->entries); entry;
         entry = (entry_t *) zhashx_next (self->entries)) {
        if (!entry->changed)
            continue;
        wire_buffer_clear (&self->buffer);
        case_state_pack (entry->state, &self->buffer.packer);
        daiban_code_t code = self->buffer.failed
            ? daiban_error_set (err, DAIBAN_UNAVAILABLE, "out of memory")
            : store_case_put (self->store, self->txn, entry->state->case_id,
                              self->buffer.buffer.data, self->buffer.buffer.size, err);
        if (code)
            return code;
        entry->changed = false;
    }
    return DAIBAN_OK;
}
