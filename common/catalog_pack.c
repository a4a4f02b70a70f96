/*  catalog_pack: the catalog as the `catalog` reply's items, counties and
    departments (PROTOCOL.md). Each s_pack_ returns msgpack's 0 or -1, so
    that the first failure of the writer stops the whole reply. */
#include "catalog_internal.h"

#include <assert.h>
#include <string.h>

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
