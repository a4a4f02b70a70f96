/*  catalog_load: reads the catalog's sections of the configuration and
    checks each entry: departments, counties and agents here, items in
    catalog_items.c; the small ZPL helpers here serve both. */
#include "catalog_internal.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

//  ---------------------------------------------------------------------
//  Small helpers for reading ZPL

int
catalog_word_index (const char *word, const char *const *list)
{
    for (int index = 0; word && list [index]; index++)
        if (streq (word, list [index]))
            return index;
    return -1;
}

//  Codes and ids go on the wire and into LMDB keys: keep them plain.
bool
catalog_code_valid (const char *code)
{
    size_t length = strlen (code);
    if (length == 0 || length > CATALOG_CODE_MAX)
        return false;
    for (const char *next = code; *next; next++)
        if (!(  (*next >= 'A' && *next <= 'Z') || (*next >= 'a' && *next <= 'z')
             || (*next >= '0' && *next <= '9') || strchr ("._-", *next)))
            return false;
    return true;
}

size_t
catalog_zpl_count (zconfig_t *section)
{
    size_t count = 0;
    for (zconfig_t *child = zconfig_child (section); child; child = zconfig_next (child))
        count++;
    return count;
}

const char *
catalog_zpl_value (zconfig_t *section, const char *key)
{
    for (zconfig_t *child = zconfig_child (section); child; child = zconfig_next (child))
        if (streq (zconfig_name (child), key)) {
            const char *value = zconfig_value (child);
            return value && *value? value: NULL;
        }
    return NULL;
}

const char *
catalog_zpl_unknown_key (zconfig_t *section, const char *const *keys)
{
    for (zconfig_t *child = zconfig_child (section); child; child = zconfig_next (child))
        if (catalog_word_index (zconfig_name (child), keys) < 0)
            return zconfig_name (child);
    return NULL;
}

bool
catalog_parse_positive (const char *text, int *value)
{
    if (!text)
        return false;
    char *end = NULL;
    errno = 0;
    long number = strtol (text, &end, 10);
    if (errno || *end || end == text || number <= 0 || number > INT_MAX)
        return false;
    *value = (int) number;
    return true;
}

//  ---------------------------------------------------------------------
//  Departments, counties, agents

//  Reads one entry "id / name = ... / extra_key = ..." of departments or
//  counties into the three strings, refusing an id used twice.
static daiban_code_t
s_entry_load (catalog_t *self, zconfig_t *entry, const char *what, const char *extra_key,
              zhashx_t *ids, const char **id_p, const char **name_p, const char **extra_p,
              daiban_error_t *err)
{
    const char *id = zconfig_name (entry);
    const char *keys [] = { "name", extra_key, NULL };
    const char *unknown = catalog_zpl_unknown_key (entry, keys);
    const char *name = catalog_zpl_value (entry, "name");
    const char *extra = catalog_zpl_value (entry, extra_key);
    if (!catalog_code_valid (id))
        return daiban_error_set (err, DAIBAN_BAD_REQUEST,
                                 "catalog %s %s: an id is 1..%d of [A-Za-z0-9._-]",
                                 what, id, CATALOG_CODE_MAX);
    if (unknown)
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "catalog %s %s: unknown key \"%s\"",
                                 what, id, unknown);
    if (!name || !extra)
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "catalog %s %s: no %s",
                                 what, id, name? extra_key: "name");
    if (zhashx_insert (ids, id, (void *) id))
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "catalog %s %s: id used twice",
                                 what, id);
    *id_p = catalog_keep (self, id);
    *name_p = catalog_keep (self, name);
    *extra_p = catalog_keep (self, extra);
    if (!*id_p || !*name_p || !*extra_p)
        return daiban_error_set (err, DAIBAN_INTERNAL, "out of memory");
    return DAIBAN_OK;
}

static daiban_code_t
s_departments_load (catalog_t *self, zconfig_t *section, daiban_error_t *err)
{
    size_t count = section? catalog_zpl_count (section): 0;
    if (count == 0)
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "catalog: no departments");
    self->departments = (catalog_department_t *) calloc (count, sizeof (catalog_department_t));
    zhashx_t *ids = zhashx_new ();
    daiban_code_t rc = self->departments && ids? DAIBAN_OK:
                       daiban_error_set (err, DAIBAN_INTERNAL, "out of memory");
    for (zconfig_t *entry = zconfig_child (section); entry && !rc; entry = zconfig_next (entry)) {
        catalog_department_t *department = &self->departments [self->department_count++];
        rc = s_entry_load (self, entry, "department", "contact", ids, &department->id,
                           &department->name, &department->contact, err);
        if (!rc && zhashx_insert (self->department_index, department->name, department))
            rc = daiban_error_set (err, DAIBAN_BAD_REQUEST,
                                   "catalog department %s: name %s used twice",
                                   department->id, department->name);
    }
    zhashx_destroy (&ids);
    return rc;
}

static daiban_code_t
s_counties_load (catalog_t *self, zconfig_t *section, daiban_error_t *err)
{
    size_t count = section? catalog_zpl_count (section): 0;
    if (count == 0)
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "catalog: no counties");
    self->counties = (catalog_county_t *) calloc (count, sizeof (catalog_county_t));
    zhashx_t *ids = zhashx_new ();
    daiban_code_t rc = self->counties && ids? DAIBAN_OK:
                       daiban_error_set (err, DAIBAN_INTERNAL, "out of memory");
    for (zconfig_t *entry = zconfig_child (section); entry && !rc; entry = zconfig_next (entry)) {
        catalog_county_t *county = &self->counties [self->county_count++];
        rc = s_entry_load (self, entry, "county", "office", ids, &county->id,
                           &county->name, &county->office, err);
        if (!rc && zhashx_insert (self->county_index, county->name, county))
            rc = daiban_error_set (err, DAIBAN_BAD_REQUEST,
                                   "catalog county %s: name %s used twice",
                                   county->id, county->name);
    }
    zhashx_destroy (&ids);
    return rc;
}

static daiban_code_t
s_agent_load (catalog_t *self, catalog_agent_t *agent, zconfig_t *entry, daiban_error_t *err)
{
    const char *id = zconfig_name (entry);
    const char *keys [] = { "name", "kind", "capacity", NULL };
    const char *unknown = catalog_zpl_unknown_key (entry, keys);
    const char *kind = catalog_zpl_value (entry, "kind");
    if (!catalog_code_valid (id))
        return daiban_error_set (err, DAIBAN_BAD_REQUEST,
                                 "catalog agent %s: an id is 1..%d of [A-Za-z0-9._-]",
                                 id, CATALOG_CODE_MAX);
    if (unknown)
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "catalog agent %s: unknown key \"%s\"",
                                 id, unknown);
    if (!catalog_zpl_value (entry, "name"))
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "catalog agent %s: no name", id);
    if (catalog_word_index (kind, catalog_agent_kind_names) < 0)
        return daiban_error_set (err, DAIBAN_BAD_REQUEST,
                                 "catalog agent %s: kind \"%s\" is not chief, agent or standby",
                                 id, kind? kind: "");
    agent->kind = (catalog_agent_kind_t) catalog_word_index (kind, catalog_agent_kind_names);
    if (!catalog_parse_positive (catalog_zpl_value (entry, "capacity"), &agent->capacity))
        return daiban_error_set (err, DAIBAN_BAD_REQUEST,
                                 "catalog agent %s: capacity is not a positive integer", id);
    agent->id = catalog_keep (self, id);
    agent->name = catalog_keep (self, catalog_zpl_value (entry, "name"));
    if (!agent->id || !agent->name)
        return daiban_error_set (err, DAIBAN_INTERNAL, "out of memory");
    if (zhashx_insert (self->agent_index, id, agent))
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "catalog agent %s: id used twice", id);
    return DAIBAN_OK;
}

static daiban_code_t
s_agents_load (catalog_t *self, zconfig_t *section, daiban_error_t *err)
{
    size_t count = section? catalog_zpl_count (section): 0;
    if (count == 0)
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "catalog: no agents");
    self->agents = (catalog_agent_t *) calloc (count, sizeof (catalog_agent_t));
    if (!self->agents)
        return daiban_error_set (err, DAIBAN_INTERNAL, "out of memory");
    size_t chiefs = 0, agents = 0;
    for (zconfig_t *entry = zconfig_child (section); entry; entry = zconfig_next (entry)) {
        catalog_agent_t *agent = &self->agents [self->agent_count++];
        if (s_agent_load (self, agent, entry, err))
            return err? err->code: DAIBAN_BAD_REQUEST;
        if (agent->kind == CATALOG_CHIEF) {
            self->chief = agent;
            chiefs++;
        }
        agents += agent->kind == CATALOG_AGENT;
    }
    if (chiefs != 1)
        return daiban_error_set (err, DAIBAN_BAD_REQUEST,
                                 "catalog agents: %zu chiefs (代办长), need exactly one", chiefs);
    if (agents == 0)
        return daiban_error_set (err, DAIBAN_BAD_REQUEST,
                                 "catalog agents: no agent of kind agent (代办员)");
    return DAIBAN_OK;
}

//  ---------------------------------------------------------------------
//  The sections, in order

daiban_code_t
catalog_load (catalog_t *self, config_t *config, daiban_error_t *err)
{
    //  Departments first: items name them.
    daiban_code_t rc = s_departments_load (self, config_section (config, "departments"), err);
    if (!rc)
        rc = s_counties_load (self, config_section (config, "counties"), err);
    if (!rc)
        rc = catalog_items_load (self, config_section (config, "items"), err);
    if (!rc)
        rc = s_agents_load (self, config_section (config, "agents"), err);
    return rc;
}
