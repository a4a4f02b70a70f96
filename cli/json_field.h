/*  json_field: typed reads of an object's fields with a fallback, for the
    replies and events daibanctl folds into documents (jansson). */
#ifndef DAIBAN_JSON_FIELD_H
#define DAIBAN_JSON_FIELD_H

#include <jansson.h>
#include <stdint.h>

//  The string field key of object, or fallback (object may be NULL).
const char *json_field_text (json_t *object, const char *key, const char *fallback);

//  The integer field key of object, or 0.
int64_t json_field_int (json_t *object, const char *key);

#endif
