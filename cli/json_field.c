/*  json_field: field reads with fallbacks (see json_field.h). */
#include "json_field.h"

const char *
json_field_text (json_t *object, const char *key, const char *fallback)
{
    const char *text = json_string_value (json_object_get (object, key));
    return text? text: fallback;
}

int64_t
json_field_int (json_t *object, const char *key)
{
    return (int64_t) json_integer_value (json_object_get (object, key));
}
