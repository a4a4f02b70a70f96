/*  catalog_internal: the catalog's representation and the helpers shared
    by its sources: catalog.c (lifecycle, lookups, wire names, the kept
    strings), catalog_load.c (reading ZPL; departments, counties, agents),
    catalog_items.c (items), catalog_graph.c (prerequisites, cycles, ranks)
    and catalog_pack.c (the `catalog` reply). Not a public API. */
#ifndef DAIBAN_CATALOG_INTERNAL_H
#define DAIBAN_CATALOG_INTERNAL_H

#include <czmq.h>
#include "catalog.h"

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

//  catalog.c: wire names of the enums, in the order of their values
//  (catalog.h), NULL-terminated; the configuration uses the same words.
extern const char *const catalog_limit_unit_names [];
extern const char *const catalog_limit_kind_names [];
extern const char *const catalog_agent_kind_names [];

//  catalog.c: a copy of length bytes of text (or of all of text) that
//  lives as long as the catalog; NULL when out of memory.
const char *catalog_keep_bytes (catalog_t *self, const char *text, size_t length);
const char *catalog_keep (catalog_t *self, const char *text);

//  catalog_load.c: reads the sections departments, counties, items and
//  agents of config into self, whose indexes and string list exist.
daiban_code_t catalog_load (catalog_t *self, config_t *config, daiban_error_t *err);

//  catalog_load.c: small helpers for reading ZPL.
//  The position of word in a NULL-terminated list, or -1 (also for NULL).
int catalog_word_index (const char *word, const char *const *list);
//  True when code is 1..CATALOG_CODE_MAX of [A-Za-z0-9._-].
bool catalog_code_valid (const char *code);
//  How many children the section has.
size_t catalog_zpl_count (zconfig_t *section);
//  The value of the section's child key, or NULL when absent or empty.
const char *catalog_zpl_value (zconfig_t *section, const char *key);
//  The first child whose name is not in keys (NULL-terminated), or NULL.
const char *catalog_zpl_unknown_key (zconfig_t *section, const char *const *keys);
//  True, with value set, when text is a decimal integer in 1..INT_MAX.
bool catalog_parse_positive (const char *text, int *value);

//  catalog_items.c: reads the items section (departments must be read
//  already), then checks the prerequisite graph.
daiban_code_t catalog_items_load (catalog_t *self, zconfig_t *section, daiban_error_t *err);
//  Fills err with "catalog item CODE (NAME): detail", or "catalog item
//  CODE: detail" when name is NULL, and returns DAIBAN_BAD_REQUEST.
daiban_code_t catalog_item_error (daiban_error_t *err, const char *code, const char *name,
                                  const char *format, ...)
    __attribute__ ((format (printf, 4, 5)));

//  catalog_graph.c: once every item is read and indexed, checks that each
//  prerequisite is a known item listed once and that no prerequisites form
//  a cycle, and sets every item's rank.
daiban_code_t catalog_graph_check (catalog_t *self, daiban_error_t *err);

#endif
