/*  catalog: the approval items the service handles, the departments that
    decide them (with their chief representatives), the county-level
    offices that receive transferred items, and the agent roster. It is
    read once from the configuration (config/catalog.cfg, see
    docs/catalog.md), checked as a whole, and then only read: workers
    look items up by code, the broker packs it for the `catalog` op.
    A catalog is immutable after catalog_new, so threads may share it. */
#ifndef DAIBAN_CATALOG_H
#define DAIBAN_CATALOG_H

#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>
#include "config.h"
#include "daiban_error.h"

//  Longest item code or agent id; both are [A-Za-z0-9._-].
#define CATALOG_CODE_MAX 32

typedef enum {
    CATALOG_WORKING_DAYS,       //  "working_days": counted on the holiday calendar
    CATALOG_DAYS                //  "days": calendar days (环评法, 建筑法 ...)
} catalog_limit_unit_t;

typedef enum {
    CATALOG_STATUTORY,          //  "statutory": the limit set by law (法定时限)
    CATALOG_PROMISED            //  "promised": the local commitment (承诺时限)
} catalog_limit_kind_t;

typedef enum {
    CATALOG_CHIEF,              //  "chief": 代办长
    CATALOG_AGENT,              //  "agent": 代办员
    CATALOG_STANDBY             //  "standby": 候补代办员
} catalog_agent_kind_t;

//  One approval item (事项). All strings are UTF-8 and owned by the catalog.
typedef struct {
    const char *code;           //  stable id, e.g. "S1-07"
    const char *name;           //  e.g. "环境影响评价审批"
    const char *department;     //  a department's name, e.g. "市生态环境局"
    const char *stage;          //  "S1".."S4" or "U"
    bool city;                  //  may be decided at city level (submitted at the window)
    bool county;                //  may be decided at county level (transferred, 转办)
    int limit_days;             //  > 0, in limit_unit
    catalog_limit_unit_t limit_unit;
    catalog_limit_kind_t limit_kind;
    const char **after;         //  codes of prerequisite items (前置), all in the catalog
    size_t after_count;
    const char **materials;     //  required material names, all required
    size_t material_count;
    size_t rank;                //  longest prerequisite chain before this item in the
                                //  whole catalog: 0 for none. Sorting by rank gives an
                                //  order in which every prerequisite comes first.
} catalog_item_t;

typedef struct {
    const char *id;             //  the config key, e.g. "fgw"
    const char *name;           //  e.g. "市发改委"
    const char *contact;        //  the role reminders go to, e.g. "市发改委首席代表"
} catalog_department_t;

typedef struct {
    const char *id;             //  the config key, e.g. "haicheng"
    const char *name;           //  e.g. "海城市" (case.registered's "county")
    const char *office;         //  e.g. "海城市营商环境建设局"
} catalog_county_t;

typedef struct {
    const char *id;             //  e.g. "A01"
    const char *name;
    catalog_agent_kind_t kind;
    int capacity;               //  > 0: most open cases at once
} catalog_agent_t;

typedef struct _catalog_t catalog_t;

//  Reads the sections items, departments, counties and agents of config
//  (the -c file's when it has them, else the embedded defaults) and checks
//  them: codes and ids well formed and unique, every department known,
//  every prerequisite known and no prerequisite cycle, levels, limits and
//  agent kinds valid, exactly one chief. NULL on failure, with err naming
//  the offending item, department, county or agent.
catalog_t *catalog_new (config_t *config, daiban_error_t *err);
void catalog_destroy (catalog_t **self_p);

//  Items, in the order of the configuration.
size_t catalog_item_count (catalog_t *self);
const catalog_item_t *catalog_item_at (catalog_t *self, size_t index);
//  The item with this code, or NULL (a hash lookup).
const catalog_item_t *catalog_item (catalog_t *self, const char *code);
//  True when the item has this code in its after list.
bool catalog_item_requires (const catalog_item_t *item, const char *code);
//  True when the item may be decided at level "city" or "county".
bool catalog_item_has_level (const catalog_item_t *item, const char *level);
//  True when the material name is one of the item's materials.
bool catalog_item_needs (const catalog_item_t *item, const char *material);

size_t catalog_department_count (catalog_t *self);
const catalog_department_t *catalog_department_at (catalog_t *self, size_t index);
//  The department with this name ("市发改委"), or NULL.
const catalog_department_t *catalog_department (catalog_t *self, const char *name);
//  Its chief representative's role, or NULL for an unknown department.
const char *catalog_department_contact (catalog_t *self, const char *name);

size_t catalog_county_count (catalog_t *self);
const catalog_county_t *catalog_county_at (catalog_t *self, size_t index);
//  The county-level unit with this name ("海城市"), or NULL.
const catalog_county_t *catalog_county (catalog_t *self, const char *name);
//  Its business-environment office, or NULL for an unknown county.
const char *catalog_county_office (catalog_t *self, const char *name);

size_t catalog_agent_count (catalog_t *self);
const catalog_agent_t *catalog_agent_at (catalog_t *self, size_t index);
//  The agent with this id, or NULL.
const catalog_agent_t *catalog_agent (catalog_t *self, const char *id);
//  The chief agent (代办长); there is always exactly one.
const catalog_agent_t *catalog_chief (catalog_t *self);

//  Wire names: "working_days"/"days", "statutory"/"promised",
//  "chief"/"agent"/"standby".
const char *catalog_limit_unit_name (catalog_limit_unit_t unit);
const char *catalog_limit_kind_name (catalog_limit_kind_t kind);
const char *catalog_agent_kind_name (catalog_agent_kind_t kind);

//  Writes the catalog as THREE key/value pairs of a map the caller has
//  opened (PROTOCOL.md, the `catalog` reply): "items", "counties" and
//  "departments", each with its array. So the caller packs
//  msgpack_pack_map (packer, 3 + its own keys), its own "ok"/"rid", then
//  this. DAIBAN_OK, or DAIBAN_INTERNAL when the packer's writer failed
//  (out of memory); the map is then incomplete and must be discarded.
daiban_code_t catalog_pack (catalog_t *self, msgpack_packer *packer);

#endif
