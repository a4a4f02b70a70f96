/*  catalog_items: reads and checks the approval items of the catalog's
    items section: code, name, department, stage, levels, limit, materials
    and the list of prerequisites, which catalog_graph.c checks once all
    items are read. */
#include "catalog_internal.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static const char *const s_stages [] = { "S1", "S2", "S3", "S4", "U", NULL };
static const char *const s_item_keys [] = {
    "name", "department", "stage", "levels", "limit_days", "limit_unit", "limit_kind",
    "after", "materials", NULL
};

daiban_code_t
catalog_item_error (daiban_error_t *err, const char *code, const char *name,
                    const char *format, ...)
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
        if (length && !(words [count++] = catalog_keep_bytes (self, text + gap, length))) {
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
            rc = catalog_item_error (err, item->code, item->name,
                                     "level \"%s\" is not city or county", words [index]);
        else
        if (*level)
            rc = catalog_item_error (err, item->code, item->name, "level %s given twice",
                                     words [index]);
        else
            *level = true;
    }
    free (words);
    if (!rc && !item->city && !item->county)
        rc = catalog_item_error (err, item->code, item->name, "no levels (city, county or both)");
    return rc;
}

static daiban_code_t
s_item_limit (catalog_item_t *item, zconfig_t *section, daiban_error_t *err)
{
    const char *days = catalog_zpl_value (section, "limit_days");
    if (!catalog_parse_positive (days, &item->limit_days))
        return catalog_item_error (err, item->code, item->name,
                                   "limit_days \"%s\" is not a positive integer", days? days: "");
    const char *unit = catalog_zpl_value (section, "limit_unit");
    int unit_index = catalog_word_index (unit, catalog_limit_unit_names);
    if (unit_index < 0)
        return catalog_item_error (err, item->code, item->name,
                                   "limit_unit \"%s\" is not working_days or days",
                                   unit? unit: "");
    item->limit_unit = (catalog_limit_unit_t) unit_index;
    const char *kind = catalog_zpl_value (section, "limit_kind");
    int kind_index = catalog_word_index (kind, catalog_limit_kind_names);
    if (kind_index < 0)
        return catalog_item_error (err, item->code, item->name,
                                   "limit_kind \"%s\" is not statutory or promised",
                                   kind? kind: "");
    item->limit_kind = (catalog_limit_kind_t) kind_index;
    return DAIBAN_OK;
}

static daiban_code_t
s_item_materials (catalog_t *self, catalog_item_t *item, zconfig_t *section,
                  daiban_error_t *err)
{
    zconfig_t *materials = zconfig_locate (section, "materials");
    size_t count = materials? catalog_zpl_count (materials): 0;
    item->materials = (const char **) calloc (count + 1, sizeof (char *));
    if (!item->materials)
        return daiban_error_set (err, DAIBAN_INTERNAL, "out of memory");
    for (zconfig_t *child = materials? zconfig_child (materials): NULL; child;
         child = zconfig_next (child)) {
        const char *value = zconfig_value (child);
        if (!streq (zconfig_name (child), "material") || !value || !*value)
            return catalog_item_error (err, item->code, item->name,
                                       "materials holds \"%s\": write material = NAME",
                                       zconfig_name (child));
        if (catalog_item_needs (item, value))
            return catalog_item_error (err, item->code, item->name, "material %s listed twice",
                                       value);
        if (!(item->materials [item->material_count++] = catalog_keep (self, value)))
            return daiban_error_set (err, DAIBAN_INTERNAL, "out of memory");
    }
    return DAIBAN_OK;
}

//  Reads one item; its prerequisites are checked once all items are read.
static daiban_code_t
s_item_load (catalog_t *self, catalog_item_t *item, zconfig_t *section, daiban_error_t *err)
{
    const char *code = zconfig_name (section);
    if (!catalog_code_valid (code))
        return catalog_item_error (err, code, NULL, "a code is 1..%d of [A-Za-z0-9._-]",
                                   CATALOG_CODE_MAX);
    if (!(item->code = catalog_keep (self, code)))
        return daiban_error_set (err, DAIBAN_INTERNAL, "out of memory");
    const char *name = catalog_zpl_value (section, "name");
    if (name && !(item->name = catalog_keep (self, name)))
        return daiban_error_set (err, DAIBAN_INTERNAL, "out of memory");
    if (!name)
        return catalog_item_error (err, code, NULL, "no name");
    const char *unknown = catalog_zpl_unknown_key (section, s_item_keys);
    if (unknown)
        return catalog_item_error (err, code, name, "unknown key \"%s\"", unknown);

    const char *department_name = catalog_zpl_value (section, "department");
    if (!department_name)
        return catalog_item_error (err, code, name, "no department");
    const catalog_department_t *department = catalog_department (self, department_name);
    if (!department)
        return catalog_item_error (err, code, name, "department %s is not in departments",
                                   department_name);
    item->department = department->name;

    const char *stage = catalog_zpl_value (section, "stage");
    if (catalog_word_index (stage, s_stages) < 0)
        return catalog_item_error (err, code, name, "stage \"%s\" is not S1, S2, S3, S4 or U",
                                   stage? stage: "");
    item->stage = catalog_keep (self, stage);
    if (!item->stage)
        return daiban_error_set (err, DAIBAN_INTERNAL, "out of memory");

    daiban_code_t rc = s_item_levels (self, item, catalog_zpl_value (section, "levels"), err);
    if (!rc)
        rc = s_item_limit (item, section, err);
    if (!rc)
        rc = s_split (self, catalog_zpl_value (section, "after"), &item->after,
                      &item->after_count, err);
    if (!rc)
        rc = s_item_materials (self, item, section, err);
    return rc;
}

daiban_code_t
catalog_items_load (catalog_t *self, zconfig_t *section, daiban_error_t *err)
{
    size_t count = section? catalog_zpl_count (section): 0;
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
            return catalog_item_error (err, item->code, item->name, "code used twice");
    }
    return catalog_graph_check (self, err);
}
