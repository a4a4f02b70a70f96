/*  catalog: items, departments, counties and agents from the configuration,
    checked once as a whole (see catalog.h and docs/catalog.md). */
#include "catalog.h"

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

struct _catalog_t {
    catalog_item_t *items;
    size_t item_count;
    catalog_department_t *departments;
    size_t department_count;
    catalog_county_t *counties;
    size_t county_count;
    catalog_agent_t *agents;
    size_t agent_count;
    const catalog_agent_t *chief;
    //  Lookups by code, department name, county name and agent id. The
    //  values point into the arrays above and are not owned.
    zhashx_t *item_index;
    zhashx_t *department_index;
    zhashx_t *county_index;
    zhashx_t *agent_index;
    //  Every string the catalog holds, freed together with it.
    zlistx_t *strings;
};

//  Wire names of the enums, in the order of their values (catalog.h).
static const char *s_stages [] = { "S1", "S2", "S3", "S4", "U", NULL };
static const char *s_limit_units [] = { "working_days", "days", NULL };
static const char *s_limit_kinds [] = { "statutory", "promised", NULL };
static const char *s_agent_kinds [] = { "chief", "agent", "standby", NULL };
static const char *s_item_keys [] = { "name", "department", "stage", "levels", "limit_days",
                                      "limit_unit", "limit_kind", "after", "materials", NULL };

//  ---------------------------------------------------------------------
//  Small helpers for reading ZPL

//  The position of word in a NULL-terminated list, or -1 (also for NULL).
static int
s_index_of (const char *word, const char **list)
{
    for (int index = 0; word && list [index]; index++)
        if (streq (word, list [index]))
            return index;
    return -1;
}

//  Codes and ids go on the wire and into LMDB keys: keep them plain.
static bool
s_code_valid (const char *code)
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

static size_t
s_child_count (zconfig_t *section)
{
    size_t count = 0;
    for (zconfig_t *child = zconfig_child (section); child; child = zconfig_next (child))
        count++;
    return count;
}

//  The value of the section's child key, or NULL when absent or empty.
static const char *
s_value (zconfig_t *section, const char *key)
{
    for (zconfig_t *child = zconfig_child (section); child; child = zconfig_next (child))
        if (streq (zconfig_name (child), key)) {
            const char *value = zconfig_value (child);
            return value && *value? value: NULL;
        }
    return NULL;
}

//  The first child whose name is not in keys, or NULL.
static const char *
s_unknown_key (zconfig_t *section, const char **keys)
{
    for (zconfig_t *child = zconfig_child (section); child; child = zconfig_next (child))
        if (s_index_of (zconfig_name (child), keys) < 0)
            return zconfig_name (child);
    return NULL;
}

static bool
s_parse_positive (const char *text, int *value)
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

//  A copy of length bytes of text that lives as long as the catalog;
//  NULL when out of memory.
static const char *
s_keep_bytes (catalog_t *self, const char *text, size_t length)
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

static const char *
s_keep (catalog_t *self, const char *text)
{
    return s_keep_bytes (self, text, strlen (text));
}

//  Fills err with "catalog item CODE (NAME): detail".
static daiban_code_t
s_item_error (daiban_error_t *err, const char *code, const char *name, const char *format, ...)
{
    char detail [200];
    va_list args;
    va_start (args, format);
    vsnprintf (detail, sizeof detail, format, args);
    va_end (args);
    if (name)
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "catalog item %s (%s): %s",
                                 code, name, detail);
    return daiban_error_set (err, DAIBAN_BAD_REQUEST, "catalog item %s: %s", code, detail);
}

//  Splits a list of words separated by spaces, tabs or commas into kept
//  copies. An absent or empty list gives count 0.
static daiban_code_t
s_split (catalog_t *self, const char *text, const char ***words_p, size_t *count_p,
         daiban_error_t *err)
{
    *words_p = NULL;
    *count_p = 0;
    if (!text)
        return DAIBAN_OK;
    //  n bytes hold at most (n + 1) / 2 words, one separator between each.
    const char **words = (const char **) calloc (strlen (text) / 2 + 1, sizeof (char *));
    if (!words)
        return daiban_error_set (err, DAIBAN_INTERNAL, "out of memory");
    size_t count = 0;
    while (*text) {
        size_t gap = strspn (text, " \t,");
        size_t length = strcspn (text + gap, " \t,");
        if (length && !(words [count++] = s_keep_bytes (self, text + gap, length))) {
            free (words);
            return daiban_error_set (err, DAIBAN_INTERNAL, "out of memory");
        }
        text += gap + length;
    }
    *words_p = words;
    *count_p = count;
    return DAIBAN_OK;
}

//  ---------------------------------------------------------------------
//  Items

static daiban_code_t
s_item_levels (catalog_t *self, catalog_item_t *item, const char *text, daiban_error_t *err)
{
    const char **words;
    size_t count;
    if (s_split (self, text, &words, &count, err))
        return err? err->code: DAIBAN_INTERNAL;
    daiban_code_t rc = DAIBAN_OK;
    for (size_t index = 0; index < count && !rc; index++) {
        bool *level = streq (words [index], "city")? &item->city:
                      streq (words [index], "county")? &item->county: NULL;
        if (!level)
            rc = s_item_error (err, item->code, item->name,
                               "level \"%s\" is not city or county", words [index]);
        else
        if (*level)
            rc = s_item_error (err, item->code, item->name, "level %s given twice",
                               words [index]);
        else
            *level = true;
    }
    free (words);
    if (!rc && !item->city && !item->county)
        rc = s_item_error (err, item->code, item->name, "no levels (city, county or both)");
    return rc;
}

static daiban_code_t
s_item_limit (catalog_item_t *item, zconfig_t *section, daiban_error_t *err)
{
    const char *days = s_value (section, "limit_days");
    if (!s_parse_positive (days, &item->limit_days))
        return s_item_error (err, item->code, item->name,
                             "limit_days \"%s\" is not a positive integer", days? days: "");
    const char *unit = s_value (section, "limit_unit");
    if (s_index_of (unit, s_limit_units) < 0)
        return s_item_error (err, item->code, item->name,
                             "limit_unit \"%s\" is not working_days or days", unit? unit: "");
    item->limit_unit = (catalog_limit_unit_t) s_index_of (unit, s_limit_units);
    const char *kind = s_value (section, "limit_kind");
    if (s_index_of (kind, s_limit_kinds) < 0)
        return s_item_error (err, item->code, item->name,
                             "limit_kind \"%s\" is not statutory or promised", kind? kind: "");
    item->limit_kind = (catalog_limit_kind_t) s_index_of (kind, s_limit_kinds);
    return DAIBAN_OK;
}

static daiban_code_t
s_item_materials (catalog_t *self, catalog_item_t *item, zconfig_t *section,
                  daiban_error_t *err)
{
    zconfig_t *materials = zconfig_locate (section, "materials");
    size_t count = materials? s_child_count (materials): 0;
    item->materials = (const char **) calloc (count + 1, sizeof (char *));
    if (!item->materials)
        return daiban_error_set (err, DAIBAN_INTERNAL, "out of memory");
    for (zconfig_t *child = materials? zconfig_child (materials): NULL; child;
         child = zconfig_next (child)) {
        const char *value = zconfig_value (child);
        if (!streq (zconfig_name (child), "material") || !value || !*value)
            return s_item_error (err, item->code, item->name,
                                 "materials holds \"%s\": write material = NAME",
                                 zconfig_name (child));
        if (catalog_item_needs (item, value))
            return s_item_error (err, item->code, item->name, "material %s listed twice", value);
        if (!(item->materials [item->material_count++] = s_keep (self, value)))
            return daiban_error_set (err, DAIBAN_INTERNAL, "out of memory");
    }
    return DAIBAN_OK;
}

//  Reads one item; its prerequisites are checked once all items are read.
static daiban_code_t
s_item_load (catalog_t *self, catalog_item_t *item, zconfig_t *section, daiban_error_t *err)
{
    const char *code = zconfig_name (section);
    if (!s_code_valid (code))
        return s_item_error (err, code, NULL, "a code is 1..%d of [A-Za-z0-9._-]",
                             CATALOG_CODE_MAX);
    if (!(item->code = s_keep (self, code)))
        return daiban_error_set (err, DAIBAN_INTERNAL, "out of memory");
    const char *name = s_value (section, "name");
    if (name && !(item->name = s_keep (self, name)))
        return daiban_error_set (err, DAIBAN_INTERNAL, "out of memory");
    if (!name)
        return s_item_error (err, code, NULL, "no name");
    const char *unknown = s_unknown_key (section, s_item_keys);
    if (unknown)
        return s_item_error (err, code, name, "unknown key \"%s\"", unknown);

    const char *department_name = s_value (section, "department");
    if (!department_name)
        return s_item_error (err, code, name, "no department");
    const catalog_department_t *department = catalog_department (self, department_name);
    if (!department)
        return s_item_error (err, code, name, "department %s is not in departments",
                             department_name);
    item->department = department->name;

    const char *stage = s_value (section, "stage");
    if (s_index_of (stage, s_stages) < 0)
        return s_item_error (err, code, name, "stage \"%s\" is not S1, S2, S3, S4 or U",
                             stage? stage: "");
    item->stage = s_keep (self, stage);
    if (!item->stage)
        return daiban_error_set (err, DAIBAN_INTERNAL, "out of memory");

    daiban_code_t rc = s_item_levels (self, item, s_value (section, "levels"), err);
    if (!rc)
        rc = s_item_limit (item, section, err);
    if (!rc)
        rc = s_split (self, s_value (section, "after"), &item->after, &item->after_count, err);
    if (!rc)
        rc = s_item_materials (self, item, section, err);
    return rc;
}

//  Every prerequisite is a known item, listed once, not the item itself.
static daiban_code_t
s_item_check_after (catalog_t *self, catalog_item_t *item, daiban_error_t *err)
{
    for (size_t index = 0; index < item->after_count; index++) {
        const char *code = item->after [index];
        if (!catalog_item (self, code))
            return s_item_error (err, item->code, item->name,
                                 "prerequisite %s is not in the catalog", code);
        for (size_t other = 0; other < index; other++)
            if (streq (item->after [other], code))
                return s_item_error (err, item->code, item->name,
                                     "prerequisite %s listed twice", code);
    }
    return DAIBAN_OK;
}

//  Depth-first search over the prerequisites: an item met again while it
//  is still on the path closes a cycle, which the message spells out.
//  Finished items get their rank on the way back.
typedef struct {
    catalog_t *catalog;
    char *state;                //  0 not seen, 1 on the path, 2 done
    size_t *path;
    size_t depth;
} s_search_t;

//  Names every item of the cycle that closes at other, "A 甲 -> B 乙 -> A";
//  a step that does not fit the message whole becomes "...", so a long
//  cycle never cuts a UTF-8 name in half.
static daiban_code_t
s_cycle_error (s_search_t *search, size_t other, daiban_error_t *err)
{
    catalog_t *self = search->catalog;
    char cycle [200] = "";
    size_t start = 0;
    while (search->path [start] != other)
        start++;
    for (size_t step = start; step < search->depth; step++) {
        const catalog_item_t *item = &self->items [search->path [step]];
        size_t used = strlen (cycle);
        size_t needed = strlen (item->code) + strlen (item->name) + 5;
        if (used + needed + 4 >= sizeof cycle) {
            strcat (cycle, "... ");
            break;
        }
        snprintf (cycle + used, sizeof cycle - used, "%s %s -> ", item->code, item->name);
    }
    return daiban_error_set (err, DAIBAN_BAD_REQUEST,
                             "catalog items form a prerequisite cycle: %s%s",
                             cycle, self->items [other].code);
}

static daiban_code_t
s_search_cycle (s_search_t *search, size_t index, daiban_error_t *err)
{
    catalog_t *self = search->catalog;
    catalog_item_t *item = &self->items [index];
    search->state [index] = 1;
    search->path [search->depth++] = index;
    for (size_t next = 0; next < item->after_count; next++) {
        size_t other = (size_t) (catalog_item (self, item->after [next]) - self->items);
        if (search->state [other] == 1)
            return s_cycle_error (search, other, err);
        if (search->state [other] == 0 && s_search_cycle (search, other, err))
            return err? err->code: DAIBAN_BAD_REQUEST;
        if (item->rank < self->items [other].rank + 1)
            item->rank = self->items [other].rank + 1;
    }
    search->depth--;
    search->state [index] = 2;
    return DAIBAN_OK;
}

static daiban_code_t
s_items_check_graph (catalog_t *self, daiban_error_t *err)
{
    for (size_t index = 0; index < self->item_count; index++)
        if (s_item_check_after (self, &self->items [index], err))
            return err? err->code: DAIBAN_BAD_REQUEST;
    s_search_t search = { self, calloc (self->item_count, 1),
                          calloc (self->item_count, sizeof (size_t)), 0 };
    daiban_code_t rc = DAIBAN_OK;
    if (!search.state || !search.path)
        rc = daiban_error_set (err, DAIBAN_INTERNAL, "out of memory");
    for (size_t index = 0; index < self->item_count && !rc; index++)
        if (search.state [index] == 0)
            rc = s_search_cycle (&search, index, err);
    free (search.state);
    free (search.path);
    return rc;
}

static daiban_code_t
s_items_load (catalog_t *self, zconfig_t *section, daiban_error_t *err)
{
    size_t count = section? s_child_count (section): 0;
    if (count == 0)
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "catalog: no items");
    self->items = (catalog_item_t *) calloc (count, sizeof (catalog_item_t));
    if (!self->items)
        return daiban_error_set (err, DAIBAN_INTERNAL, "out of memory");
    for (zconfig_t *child = zconfig_child (section); child; child = zconfig_next (child)) {
        catalog_item_t *item = &self->items [self->item_count++];
        if (s_item_load (self, item, child, err))
            return err? err->code: DAIBAN_BAD_REQUEST;
        if (zhashx_insert (self->item_index, item->code, item))
            return s_item_error (err, item->code, item->name, "code used twice");
    }
    return s_items_check_graph (self, err);
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
    const char *unknown = s_unknown_key (entry, keys);
    const char *name = s_value (entry, "name");
    const char *extra = s_value (entry, extra_key);
    if (!s_code_valid (id))
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
    *id_p = s_keep (self, id);
    *name_p = s_keep (self, name);
    *extra_p = s_keep (self, extra);
    if (!*id_p || !*name_p || !*extra_p)
        return daiban_error_set (err, DAIBAN_INTERNAL, "out of memory");
    return DAIBAN_OK;
}

static daiban_code_t
s_departments_load (catalog_t *self, zconfig_t *section, daiban_error_t *err)
{
    size_t count = section? s_child_count (section): 0;
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
    size_t count = section? s_child_count (section): 0;
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
    const char *unknown = s_unknown_key (entry, keys);
    const char *kind = s_value (entry, "kind");
    if (!s_code_valid (id))
        return daiban_error_set (err, DAIBAN_BAD_REQUEST,
                                 "catalog agent %s: an id is 1..%d of [A-Za-z0-9._-]",
                                 id, CATALOG_CODE_MAX);
    if (unknown)
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "catalog agent %s: unknown key \"%s\"",
                                 id, unknown);
    if (!s_value (entry, "name"))
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "catalog agent %s: no name", id);
    if (s_index_of (kind, s_agent_kinds) < 0)
        return daiban_error_set (err, DAIBAN_BAD_REQUEST,
                                 "catalog agent %s: kind \"%s\" is not chief, agent or standby",
                                 id, kind? kind: "");
    agent->kind = (catalog_agent_kind_t) s_index_of (kind, s_agent_kinds);
    if (!s_parse_positive (s_value (entry, "capacity"), &agent->capacity))
        return daiban_error_set (err, DAIBAN_BAD_REQUEST,
                                 "catalog agent %s: capacity is not a positive integer", id);
    agent->id = s_keep (self, id);
    agent->name = s_keep (self, s_value (entry, "name"));
    if (!agent->id || !agent->name)
        return daiban_error_set (err, DAIBAN_INTERNAL, "out of memory");
    if (zhashx_insert (self->agent_index, id, agent))
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "catalog agent %s: id used twice", id);
    return DAIBAN_OK;
}

static daiban_code_t
s_agents_load (catalog_t *self, zconfig_t *section, daiban_error_t *err)
{
    size_t count = section? s_child_count (section): 0;
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
    //  Departments first: items name them.
    if (!rc)
        rc = s_departments_load (self, config_section (config, "departments"), err);
    if (!rc)
        rc = s_counties_load (self, config_section (config, "counties"), err);
    if (!rc)
        rc = s_items_load (self, config_section (config, "items"), err);
    if (!rc)
        rc = s_agents_load (self, config_section (config, "agents"), err);
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
    return s_limit_units [unit];
}

const char *
catalog_limit_kind_name (catalog_limit_kind_t kind)
{
    assert (kind == CATALOG_STATUTORY || kind == CATALOG_PROMISED);
    return s_limit_kinds [kind];
}

const char *
catalog_agent_kind_name (catalog_agent_kind_t kind)
{
    assert (kind == CATALOG_CHIEF || kind == CATALOG_AGENT || kind == CATALOG_STANDBY);
    return s_agent_kinds [kind];
}

//  ---------------------------------------------------------------------
//  The `catalog` reply. Each s_pack_ returns msgpack's 0 or -1, so that
//  the first failure of the writer stops the whole reply.

static int
s_pack_string (msgpack_packer *packer, const char *text)
{
    size_t length = strlen (text);
    return msgpack_pack_str (packer, length) || msgpack_pack_str_body (packer, text, length);
}

static int
s_pack_strings (msgpack_packer *packer, const char **texts, size_t count)
{
    int rc = msgpack_pack_array (packer, count);
    for (size_t index = 0; index < count && !rc; index++)
        rc = s_pack_string (packer, texts [index]);
    return rc;
}

static int
s_pack_item (msgpack_packer *packer, const catalog_item_t *item)
{
    const char *levels [2];
    size_t level_count = 0;
    if (item->city)
        levels [level_count++] = "city";
    if (item->county)
        levels [level_count++] = "county";
    return msgpack_pack_map (packer, 10)
        || s_pack_string (packer, "code") || s_pack_string (packer, item->code)
        || s_pack_string (packer, "name") || s_pack_string (packer, item->name)
        || s_pack_string (packer, "department") || s_pack_string (packer, item->department)
        || s_pack_string (packer, "stage") || s_pack_string (packer, item->stage)
        || s_pack_string (packer, "levels") || s_pack_strings (packer, levels, level_count)
        || s_pack_string (packer, "limit_days") || msgpack_pack_int (packer, item->limit_days)
        || s_pack_string (packer, "limit_unit")
        || s_pack_string (packer, catalog_limit_unit_name (item->limit_unit))
        || s_pack_string (packer, "limit_kind")
        || s_pack_string (packer, catalog_limit_kind_name (item->limit_kind))
        || s_pack_string (packer, "after")
        || s_pack_strings (packer, item->after, item->after_count)
        || s_pack_string (packer, "materials")
        || s_pack_strings (packer, item->materials, item->material_count);
}

//  Departments and counties go out as a list of two-key maps.
static int
s_pack_pair (msgpack_packer *packer, const char *key, const char *value,
             const char *extra_key, const char *extra)
{
    return msgpack_pack_map (packer, 2)
        || s_pack_string (packer, key) || s_pack_string (packer, value)
        || s_pack_string (packer, extra_key) || s_pack_string (packer, extra);
}

daiban_code_t
catalog_pack (catalog_t *self, msgpack_packer *packer)
{
    assert (self);
    assert (packer);
    int rc = s_pack_string (packer, "items") || msgpack_pack_array (packer, self->item_count);
    for (size_t index = 0; index < self->item_count && !rc; index++)
        rc = s_pack_item (packer, &self->items [index]);
    rc = rc || s_pack_string (packer, "counties")
            || msgpack_pack_array (packer, self->county_count);
    for (size_t index = 0; index < self->county_count && !rc; index++)
        rc = s_pack_pair (packer, "name", self->counties [index].name,
                          "office", self->counties [index].office);
    rc = rc || s_pack_string (packer, "departments")
            || msgpack_pack_array (packer, self->department_count);
    for (size_t index = 0; index < self->department_count && !rc; index++)
        rc = s_pack_pair (packer, "name", self->departments [index].name,
                          "contact", self->departments [index].contact);
    return rc? DAIBAN_INTERNAL: DAIBAN_OK;
}
