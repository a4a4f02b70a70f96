/*  test_catalog: the embedded catalog loads and is consistent; bad
    catalogs are refused with a message naming the culprit; the packed
    `catalog` reply decodes back to the same items. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "catalog.h"

//  Loads a catalog from ZPL text written to a temporary file, as an
//  operator's -c file would be. Sections the text lacks keep the defaults.
static catalog_t *
s_load_text (const char *text, daiban_error_t *err)
{
    char path [] = "/tmp/test_catalog_XXXXXX";
    int fd = mkstemp (path);
    assert_true (fd >= 0);
    size_t length = strlen (text);
    assert_int_equal (write (fd, text, length), (ssize_t) length);
    close (fd);
    config_t *config = config_new (path, err);
    unlink (path);
    assert_non_null (config);
    catalog_t *catalog = catalog_new (config, err);
    config_destroy (&config);
    return catalog;
}

//  A well-formed item, so each bad case differs from it in one field.
#define ITEM(code, name, department, levels, after) \
    "    " code "\n" \
    "        name = " name "\n" \
    "        department = " department "\n" \
    "        stage = S1\n" \
    "        levels = \"" levels "\"\n" \
    "        limit_days = 5\n" \
    "        limit_unit = working_days\n" \
    "        limit_kind = promised\n" \
    "        after = \"" after "\"\n" \
    "        materials\n" \
    "            material = 申请表\n"

//  Asserts that text is refused and that the message holds each of the
//  given words (NULL-terminated).
static void
s_assert_refused (const char *text, ...)
{
    daiban_error_t err = { DAIBAN_OK, "" };
    catalog_t *catalog = s_load_text (text, &err);
    assert_null (catalog);
    assert_int_equal (err.code, DAIBAN_BAD_REQUEST);
    va_list args;
    va_start (args, text);
    for (const char *word = va_arg (args, const char *); word; word = va_arg (args, const char *))
        if (!strstr (err.message, word))
            fail_msg ("message \"%s\" does not name %s", err.message, word);
    va_end (args);
}

static void
test_default_loads (void **state)
{
    (void) state;
    daiban_error_t err = { DAIBAN_OK, "" };
    config_t *config = config_new (NULL, &err);
    assert_non_null (config);
    catalog_t *catalog = catalog_new (config, &err);
    if (!catalog)
        fail_msg ("default catalog refused: %s", err.message);
    assert_true (catalog_item_count (catalog) >= 25);
    assert_int_equal (catalog_department_count (catalog), 20);
    assert_true (catalog_county_count (catalog) >= 9);

    for (size_t index = 0; index < catalog_item_count (catalog); index++) {
        const catalog_item_t *item = catalog_item_at (catalog, index);
        assert_ptr_equal (catalog_item (catalog, item->code), item);
        const catalog_department_t *department = catalog_department (catalog, item->department);
        assert_non_null (department);
        assert_non_null (strstr (department->contact, "首席代表"));
        assert_true (item->limit_days > 0);
        assert_true (item->material_count >= 2 && item->material_count <= 5);
        //  Every prerequisite is known and comes strictly earlier by rank.
        for (size_t other = 0; other < item->after_count; other++) {
            const catalog_item_t *before = catalog_item (catalog, item->after [other]);
            assert_non_null (before);
            assert_true (before->rank < item->rank);
        }
    }
    assert_null (catalog_item_at (catalog, catalog_item_count (catalog)));
    catalog_destroy (&catalog);
    assert_null (catalog);
    catalog_destroy (&catalog);
    config_destroy (&config);
}

static void
test_lookups (void **state)
{
    (void) state;
    daiban_error_t err = { DAIBAN_OK, "" };
    config_t *config = config_new (NULL, &err);
    catalog_t *catalog = catalog_new (config, &err);
    assert_non_null (catalog);

    const catalog_item_t *item = catalog_item (catalog, "S1-07");
    assert_non_null (item);
    assert_string_equal (item->name, "环境影响评价审批");
    assert_string_equal (item->department, "市生态环境局");
    assert_int_equal (item->limit_days, 60);
    assert_int_equal (item->limit_unit, CATALOG_DAYS);
    assert_int_equal (item->limit_kind, CATALOG_STATUTORY);
    assert_string_equal (catalog_limit_unit_name (item->limit_unit), "days");

    item = catalog_item (catalog, "S3-03");
    assert_non_null (item);
    assert_string_equal (item->name, "建筑工程施工许可证核发");
    assert_true (catalog_item_requires (item, "S3-01"));
    assert_true (catalog_item_requires (item, "S3-02"));
    assert_false (catalog_item_requires (item, "S1-01"));
    assert_true (catalog_item_has_level (item, "city"));
    assert_true (catalog_item_has_level (item, "county"));
    assert_true (catalog_item_needs (item, "施工合同"));
    assert_false (catalog_item_needs (item, "营业执照"));

    item = catalog_item (catalog, "U-04");
    assert_non_null (item);
    assert_true (catalog_item_has_level (item, "city"));
    assert_false (catalog_item_has_level (item, "county"));
    assert_string_equal (catalog_department_contact (catalog, item->department),
                         "国网鞍山供电公司首席代表");
    assert_int_equal (catalog_item (catalog, "S4-06")->after_count, 5);
    assert_null (catalog_item (catalog, "S9-99"));
    assert_null (catalog_item (catalog, NULL));

    assert_string_equal (catalog_department_contact (catalog, "市发改委"), "市发改委首席代表");
    assert_null (catalog_department_contact (catalog, "市不存在局"));
    assert_string_equal (catalog_county_office (catalog, "海城市"), "海城市营商环境建设局");
    assert_string_equal (catalog_county_office (catalog, "岫岩满族自治县"),
                         "岫岩满族自治县营商环境建设局");
    assert_non_null (catalog_county (catalog, "鞍山高新技术产业开发区"));
    assert_null (catalog_county_office (catalog, "沈阳市"));

    size_t kinds [3] = { 0, 0, 0 };
    for (size_t index = 0; index < catalog_agent_count (catalog); index++) {
        const catalog_agent_t *agent = catalog_agent_at (catalog, index);
        assert_ptr_equal (catalog_agent (catalog, agent->id), agent);
        assert_true (agent->capacity > 0);
        kinds [agent->kind]++;
    }
    assert_int_equal (kinds [CATALOG_CHIEF], 1);
    assert_true (kinds [CATALOG_AGENT] >= 5);
    assert_true (kinds [CATALOG_STANDBY] >= 2);
    assert_int_equal (catalog_chief (catalog)->kind, CATALOG_CHIEF);
    assert_string_equal (catalog_agent_kind_name (catalog_chief (catalog)->kind), "chief");
    assert_null (catalog_agent (catalog, "nobody"));
    catalog_destroy (&catalog);
    config_destroy (&config);
}

//  A file's items section replaces the default items; departments,
//  counties and agents stay the defaults.
static void
test_file_replaces_items (void **state)
{
    (void) state;
    daiban_error_t err = { DAIBAN_OK, "" };
    catalog_t *catalog = s_load_text ("items\n"
                                      ITEM ("A-1", "甲事项", "市发改委", "city", "")
                                      ITEM ("A-2", "乙事项", "市水利局", "county", "A-1")
                                      ITEM ("A-3", "丙事项", "市水利局", "city county",
                                            " A-2,A-1 "),
                                      &err);
    if (!catalog)
        fail_msg ("refused: %s", err.message);
    assert_int_equal (catalog_item_count (catalog), 3);
    assert_null (catalog_item (catalog, "S1-01"));
    assert_int_equal (catalog_item (catalog, "A-2")->rank, 1);
    const catalog_item_t *item = catalog_item (catalog, "A-3");
    assert_int_equal (item->rank, 2);
    assert_int_equal (item->after_count, 2);
    assert_string_equal (item->after [0], "A-2");
    assert_string_equal (item->after [1], "A-1");
    assert_true (item->city && item->county);
    assert_int_equal (item->material_count, 1);
    assert_string_equal (item->materials [0], "申请表");
    assert_int_equal (catalog_department_count (catalog), 20);
    catalog_destroy (&catalog);
}

static void
test_bad_items (void **state)
{
    (void) state;
    s_assert_refused ("items\n"
                      ITEM ("A-1", "甲事项", "市发改委", "city", "")
                      ITEM ("B-7", "乙事项", "市发改委", "city", "A-1 NO-SUCH"),
                      "B-7", "乙事项", "NO-SUCH", NULL);
    s_assert_refused ("items\n"
                      ITEM ("C-0", "起点", "市发改委", "city", "")
                      ITEM ("C-1", "甲事项", "市发改委", "city", "C-0 C-3")
                      ITEM ("C-2", "乙事项", "市发改委", "city", "C-1")
                      ITEM ("C-3", "丙事项", "市发改委", "city", "C-2"),
                      "C-1", "C-2", "C-3", "甲事项", "乙事项", "丙事项", "cycle", NULL);
    //  A long cycle: the message stays whole and ends in "...".
    char text [8192] = "items\n";
    for (int index = 0; index < 12; index++) {
        char code [8], after [8], item [512];
        snprintf (code, sizeof code, "L-%02d", index);
        snprintf (after, sizeof after, "L-%02d", (index + 1) % 12);
        snprintf (item, sizeof item, ITEM ("%s", "名称很长很长的审批事项%d", "市发改委", "city", "%s"),
                  code, index, after);
        strcat (text, item);
    }
    s_assert_refused (text, "cycle: L-00 名称很长很长的审批事项0 -> L-01", "...", NULL);
    s_assert_refused ("items\n"
                      ITEM ("S-1", "自环", "市发改委", "city", "S-1"),
                      "S-1", "自环", "cycle", NULL);
    s_assert_refused ("items\n"
                      "    D-1\n        name = 无部门\n        stage = S1\n"
                      "        levels = city\n        limit_days = 3\n"
                      "        limit_unit = days\n        limit_kind = statutory\n",
                      "D-1", "无部门", "no department", NULL);
    s_assert_refused ("items\n" ITEM ("E-1", "错部门", "市不存在局", "city", ""),
                      "E-1", "错部门", "市不存在局", NULL);
    s_assert_refused ("items\n"
                      ITEM ("F-1", "甲事项", "市发改委", "city", "")
                      ITEM ("F-1", "乙事项", "市发改委", "city", ""),
                      "F-1", "twice", NULL);
    s_assert_refused ("items\n" ITEM ("G-1", "错级别", "市发改委", "province", ""),
                      "G-1", "错级别", "province", NULL);
    s_assert_refused ("items\n" ITEM ("G-2", "无级别", "市发改委", "", ""),
                      "G-2", "no levels", NULL);
    s_assert_refused ("items\n" ITEM ("a$b", "错代码", "市发改委", "city", ""), "a$b", NULL);
}

//  One field of the well-formed item replaced by a bad value.
static void
test_bad_fields (void **state)
{
    (void) state;
    const char *cases [][3] = {
        { "limit_days = 5", "limit_days = 0", "limit_days" },
        { "limit_days = 5", "limit_days = -2", "limit_days" },
        { "limit_days = 5", "limit_days = 5x", "limit_days" },
        { "limit_unit = working_days", "limit_unit = hours", "hours" },
        { "limit_kind = promised", "limit_kind = soon", "soon" },
        { "stage = S1", "stage = S9", "S9" },
        { "stage = S1", "stage = S1\n        deadline = 3", "deadline" },
        { "material = 申请表", "material = 申请表\n            material = 申请表", "申请表" },
        { "after = \"\"", "after = \"H-1 H-1\"", "twice" },
    };
    for (size_t index = 0; index < sizeof cases / sizeof cases [0]; index++) {
        char text [1024] = "items\n";
        const char *good = ITEM ("H-1", "好事项", "市发改委", "city", "") ITEM ("H-2", "坏事项", "市发改委", "city", "");
        //  Break only the second item.
        const char *second = strstr (good, "    H-2");
        const char *at = strstr (second, cases [index][0]);
        assert_non_null (at);
        strncat (text, good, (size_t) (at - good));
        strcat (text, cases [index][1]);
        strcat (text, at + strlen (cases [index][0]));
        s_assert_refused (text, "H-2", "坏事项", cases [index][2], NULL);
    }
}

static void
test_bad_sections (void **state)
{
    (void) state;
    s_assert_refused ("departments\n    fgw\n        name = 市发改委\n",
                      "fgw", "contact", NULL);
    s_assert_refused ("departments\n    fgw\n        name = 市发改委\n        contact = 甲\n"
                      "    fgw2\n        name = 市发改委\n        contact = 乙\n",
                      "fgw2", "市发改委", "twice", NULL);
    s_assert_refused ("counties\n    hc\n        name = 海城市\n", "hc", "office", NULL);
    s_assert_refused ("agents\n"
                      "    A1\n        name = 甲\n        kind = chief\n        capacity = 3\n"
                      "    A2\n        name = 乙\n        kind = chief\n        capacity = 3\n",
                      "chief", NULL);
    s_assert_refused ("agents\n"
                      "    A1\n        name = 甲\n        kind = chief\n        capacity = 3\n"
                      "    A2\n        name = 乙\n        kind = boss\n        capacity = 3\n",
                      "A2", "boss", NULL);
    s_assert_refused ("agents\n"
                      "    A1\n        name = 甲\n        kind = chief\n        capacity = 3\n"
                      "    A2\n        name = 乙\n        kind = agent\n        capacity = 0\n",
                      "A2", "capacity", NULL);
    s_assert_refused ("agents\n"
                      "    A1\n        name = 甲\n        kind = chief\n        capacity = 3\n"
                      "    A1\n        name = 乙\n        kind = agent\n        capacity = 3\n",
                      "A1", "twice", NULL);
}

//  The string at obj, as a NUL-terminated copy in buffer.
static const char *
s_string (msgpack_object obj, char *buffer, size_t size)
{
    assert_int_equal (obj.type, MSGPACK_OBJECT_STR);
    assert_true (obj.via.str.size < size);
    memcpy (buffer, obj.via.str.ptr, obj.via.str.size);
    buffer [obj.via.str.size] = 0;
    return buffer;
}

//  The value of key in map obj; fails when absent.
static msgpack_object
s_field (msgpack_object obj, const char *key)
{
    assert_int_equal (obj.type, MSGPACK_OBJECT_MAP);
    for (uint32_t index = 0; index < obj.via.map.size; index++) {
        msgpack_object_kv *pair = &obj.via.map.ptr [index];
        char name [64];
        if (streq (s_string (pair->key, name, sizeof name), key))
            return pair->val;
    }
    fail_msg ("no key %s", key);
    return obj;
}

static void
s_assert_strings (msgpack_object array, const char **texts, size_t count)
{
    char buffer [256];
    assert_int_equal (array.type, MSGPACK_OBJECT_ARRAY);
    assert_int_equal (array.via.array.size, count);
    for (size_t index = 0; index < count; index++)
        assert_string_equal (s_string (array.via.array.ptr [index], buffer, sizeof buffer),
                             texts [index]);
}

static void
test_pack_round_trip (void **state)
{
    (void) state;
    daiban_error_t err = { DAIBAN_OK, "" };
    config_t *config = config_new (NULL, &err);
    catalog_t *catalog = catalog_new (config, &err);
    assert_non_null (catalog);

    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    msgpack_packer packer;
    msgpack_packer_init (&packer, &buffer, msgpack_sbuffer_write);
    assert_int_equal (msgpack_pack_map (&packer, 4), 0);
    assert_int_equal (msgpack_pack_str (&packer, 2), 0);
    assert_int_equal (msgpack_pack_str_body (&packer, "ok", 2), 0);
    assert_int_equal (msgpack_pack_true (&packer), 0);
    assert_int_equal (catalog_pack (catalog, &packer), DAIBAN_OK);

    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    size_t offset = 0;
    assert_int_equal (msgpack_unpack_next (&unpacked, buffer.data, buffer.size, &offset),
                      MSGPACK_UNPACK_SUCCESS);
    assert_int_equal (offset, buffer.size);     //  exactly one value: the map is complete
    msgpack_object reply = unpacked.data;
    assert_int_equal (reply.via.map.size, 4);
    assert_true (s_field (reply, "ok").via.boolean);

    msgpack_object items = s_field (reply, "items");
    assert_int_equal (items.type, MSGPACK_OBJECT_ARRAY);
    assert_int_equal (items.via.array.size, catalog_item_count (catalog));
    char text [256];
    for (uint32_t index = 0; index < items.via.array.size; index++) {
        msgpack_object packed = items.via.array.ptr [index];
        const catalog_item_t *item = catalog_item_at (catalog, index);
        assert_int_equal (packed.via.map.size, 10);
        assert_string_equal (s_string (s_field (packed, "code"), text, sizeof text), item->code);
        assert_string_equal (s_string (s_field (packed, "name"), text, sizeof text), item->name);
        assert_string_equal (s_string (s_field (packed, "department"), text, sizeof text),
                             item->department);
        assert_string_equal (s_string (s_field (packed, "stage"), text, sizeof text),
                             item->stage);
        assert_int_equal (s_field (packed, "limit_days").via.u64, item->limit_days);
        assert_string_equal (s_string (s_field (packed, "limit_unit"), text, sizeof text),
                             catalog_limit_unit_name (item->limit_unit));
        assert_string_equal (s_string (s_field (packed, "limit_kind"), text, sizeof text),
                             catalog_limit_kind_name (item->limit_kind));
        s_assert_strings (s_field (packed, "after"), item->after, item->after_count);
        s_assert_strings (s_field (packed, "materials"), item->materials, item->material_count);
        const char *levels [2];
        size_t level_count = 0;
        if (item->city)
            levels [level_count++] = "city";
        if (item->county)
            levels [level_count++] = "county";
        s_assert_strings (s_field (packed, "levels"), levels, level_count);
    }
    msgpack_object environment = s_field (items.via.array.ptr [6], "limit_unit");
    assert_string_equal (s_string (environment, text, sizeof text), "days");

    msgpack_object counties = s_field (reply, "counties");
    assert_int_equal (counties.via.array.size, catalog_county_count (catalog));
    assert_string_equal (s_string (s_field (counties.via.array.ptr [0], "name"), text,
                                   sizeof text), "海城市");
    assert_string_equal (s_string (s_field (counties.via.array.ptr [0], "office"), text,
                                   sizeof text), "海城市营商环境建设局");
    msgpack_object departments = s_field (reply, "departments");
    assert_int_equal (departments.via.array.size, 20);
    for (uint32_t index = 0; index < departments.via.array.size; index++) {
        msgpack_object department = departments.via.array.ptr [index];
        char name [128];
        s_string (s_field (department, "name"), name, sizeof name);
        assert_string_equal (s_string (s_field (department, "contact"), text, sizeof text),
                             catalog_department_contact (catalog, name));
    }
    msgpack_unpacked_destroy (&unpacked);
    msgpack_sbuffer_destroy (&buffer);
    catalog_destroy (&catalog);
    config_destroy (&config);
}

//  A writer that runs out of room after limit bytes.
typedef struct {
    size_t used;
    size_t limit;
} s_writer_t;

static int
s_write_limited (void *data, const char *buffer, size_t length)
{
    (void) buffer;
    s_writer_t *writer = (s_writer_t *) data;
    if (writer->used + length > writer->limit)
        return -1;
    writer->used += length;
    return 0;
}

static void
test_pack_failure (void **state)
{
    (void) state;
    daiban_error_t err = { DAIBAN_OK, "" };
    config_t *config = config_new (NULL, &err);
    catalog_t *catalog = catalog_new (config, &err);
    assert_non_null (catalog);
    //  Find the full size, then fail at a few points inside it.
    s_writer_t writer = { 0, SIZE_MAX };
    msgpack_packer packer;
    msgpack_packer_init (&packer, &writer, s_write_limited);
    assert_int_equal (catalog_pack (catalog, &packer), DAIBAN_OK);
    size_t size = writer.used;
    assert_true (size > 1000);
    size_t limits [] = { 0, 10, size / 2, size - 1 };
    for (size_t index = 0; index < sizeof limits / sizeof limits [0]; index++) {
        writer = (s_writer_t) { 0, limits [index] };
        assert_int_equal (catalog_pack (catalog, &packer), DAIBAN_INTERNAL);
    }
    catalog_destroy (&catalog);
    config_destroy (&config);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_default_loads),
        cmocka_unit_test (test_lookups),
        cmocka_unit_test (test_file_replaces_items),
        cmocka_unit_test (test_bad_items),
        cmocka_unit_test (test_bad_fields),
        cmocka_unit_test (test_bad_sections),
        cmocka_unit_test (test_pack_round_trip),
        cmocka_unit_test (test_pack_failure),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
