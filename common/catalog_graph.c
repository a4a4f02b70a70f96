/*  catalog_graph: the prerequisite graph of the items (前置), checked
    once all items are read: every prerequisite a known item listed once,
    no cycle, and each item's rank (the longest chain before it). */
#include "catalog_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  Every prerequisite is a known item, listed once; an item after itself
//  is a cycle of one, which the search below reports.
static daiban_code_t
s_item_check_after (catalog_t *self, catalog_item_t *item, daiban_error_t *err)
{
    for (size_t index = 0; index < item->after_count; index++) {
        const char *code = item->after [index];
        if (!catalog_item (self, code))
            return catalog_item_error (err, item->code, item->name,
                                       "prerequisite %s is not in the catalog", code);
        for (size_t other = 0; other < index; other++)
            if (streq (item->after [other], code))
                return catalog_item_error (err, item->code, item->name,
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

daiban_code_t
catalog_graph_check (catalog_t *self, daiban_error_t *err)
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
