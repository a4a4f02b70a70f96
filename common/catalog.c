/*  catalog: the catalog's lifecycle, its lookups and the wire names of
    its enums (see catalog.h and docs/catalog.md). Reading and checking the
    configuration is in catalog_load.c, catalog_items.c and
    catalog_graph.c, the `catalog` reply in catalog_pack.c; the struct they
    share is in catalog_internal.h. */
#include "catalog_internal.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

const char *const catalog_limit_unit_names [] = { "working_days", "days", NULL };
const char *const catalog_limit_kind_names [] = { "statutory", "promised", NULL };
const char *const catalog_agent_kind_names [] = { "chief", "agent", "standby", NULL };

//  ---------------------------------------------------------------------
//  Lifecycle

catalog_t *
catalog_new (config_t *config, daiban_error_t *err)
{
    assert (config);
    catalog_t *self = (catalog_t *) calloc (1, sizeof (catalog_t));
    if (!self) {
        daiban_error_set (err, DAIBAN_INTERNAL, "out of memory");
        return NULL;
    }
    self->item_index = zhashx_new ();
    self->department_index = zhashx_new ();
    self->county_index = zhashx_new ();
    self->agent_index = zhashx_new ();
    self->strings = zlistx_new ();
    daiban_code_t rc = DAIBAN_OK;
    if (!self->item_index || !self->department_index || !self->county_index
    ||  !self->agent_index || !self->strings)
        rc = daiban_error_set (err, DAIBAN_INTERNAL, "out of memory");
    else
        zlistx_set_destructor (self->strings, (czmq_destructor *) zstr_free);
    if (!rc)
        rc = catalog_load (self, config, err);
    if (rc)
        catalog_destroy (&self);
    return self;
}

void
catalog_destroy (catalog_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    catalog_t *self = *self_p;
    for (size_t index = 0; self->items && index < self->item_count; index++) {
        free ((void *) self->items [index].after);
        free ((void *) self->items [index].materials);
    }
    free (self->items);
    free (self->departments);
    free (self->counties);
    free (self->agents);
    zhashx_destroy (&self->item_index);
    zhashx_destroy (&self->department_index);
    zhashx_destroy (&self->county_index);
    zhashx_destroy (&self->agent_index);
    zlistx_destroy (&self->strings);
    free (self);
    *self_p = NULL;
}

//  ---------------------------------------------------------------------
//  The strings the catalog holds

const char *
catalog_keep_bytes (catalog_t *self, const char *text, size_t length)
{
    char *copy = (char *) malloc (length + 1);
    if (!copy)
        return NULL;
    memcpy (copy, text, length);
    copy [length] = 0;
    if (!zlistx_add_end (self->strings, copy)) {
        free (copy);
        return NULL;
    }
    return copy;
}

const char *
catalog_keep (catalog_t *self, const char *text)
{
    return catalog_keep_bytes (self, text, strlen (text));
}

//  ---------------------------------------------------------------------
//  Lookups

size_t
catalog_item_count (catalog_t *self)
{
    return self->item_count;
}

const catalog_item_t *
catalog_item_at (catalog_t *self, size_t index)
{
    return index < self->item_count? &self->items [index]: NULL;
}

const catalog_item_t *
catalog_item (catalog_t *self, const char *code)
{
    return code? (const catalog_item_t *) zhashx_lookup (self->item_index, code): NULL;
}

bool
catalog_item_requires (const catalog_item_t *item, const char *code)
{
    for (size_t index = 0; index < item->after_count; index++)
        if (streq (item->after [index], code))
            return true;
    return false;
}

bool
catalog_item_has_level (const catalog_item_t *item, const char *level)
{
    return (streq (level, "city") && item->city) || (streq (level, "county") && item->county);
}

bool
catalog_item_needs (const catalog_item_t *item, const char *material)
{
    for (size_t index = 0; index < item->material_count; index++)
        if (streq (item->materials [index], material))
            return true;
    return false;
}

size_t
catalog_department_count (catalog_t *self)
{
    return self->department_count;
}

const catalog_department_t *
catalog_department_at (catalog_t *self, size_t index)
{
    return index < self->department_count? &self->departments [index]: NULL;
}

const catalog_department_t *
catalog_department (catalog_t *self, const char *name)
{
    return name? (const catalog_department_t *) zhashx_lookup (self->department_index, name):
                 NULL;
}

const char *
catalog_department_contact (catalog_t *self, const char *name)
{
    const catalog_department_t *department = catalog_department (self, name);
    return department? department->contact: NULL;
}

size_t
catalog_county_count (catalog_t *self)
{
    return self->county_count;
}

const catalog_county_t *
catalog_county_at (catalog_t *self, size_t index)
{
    return index < self->county_count? &self->counties [index]: NULL;
}

const catalog_county_t *
catalog_county (catalog_t *self, const char *name)
{
    return name? (const catalog_county_t *) zhashx_lookup (self->county_index, name): NULL;
}

const char *
catalog_county_office (catalog_t *self, const char *name)
{
    const catalog_county_t *county = catalog_county (self, name);
    return county? county->office: NULL;
}

size_t
catalog_agent_count (catalog_t *self)
{
    return self->agent_count;
}

const catalog_agent_t *
catalog_agent_at (catalog_t *self, size_t index)
{
    return index < self->agent_count? &self->agents [index]: NULL;
}

const catalog_agent_t *
catalog_agent (catalog_t *self, const char *id)
{
    return id? (const catalog_agent_t *) zhashx_lookup (self->agent_index, id): NULL;
}

const catalog_agent_t *
catalog_chief (catalog_t *self)
{
    return self->chief;
}

const char *
catalog_limit_unit_name (catalog_limit_unit_t unit)
{
    assert (unit == CATALOG_WORKING_DAYS || unit == CATALOG_DAYS);
    return catalog_limit_unit_names [unit];
}

const char *
catalog_limit_kind_name (catalog_limit_kind_t kind)
{
    assert (kind == CATALOG_STATUTORY || kind == CATALOG_PROMISED);
    return catalog_limit_kind_names [kind];
}

const char *
catalog_agent_kind_name (catalog_agent_kind_t kind)
{
    assert (kind == CATALOG_CHIEF || kind == CATALOG_AGENT || kind == CATALOG_STANDBY);
    return catalog_agent_kind_names [kind];
}
