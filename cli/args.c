/*  args: per-command option parsing (see args.h). */
#include "args.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const args_option_t *
s_find (const args_option_t *options, const char *name, size_t size)
{
    for (const args_option_t *option = options; option->name; option++)
        if (strlen (option->name) == size && memcmp (option->name, name, size) == 0)
            return option;
    return NULL;
}

static daiban_code_t
s_set (const args_option_t *option, const char *value, daiban_error_t *err)
{
    if (option->kind == ARGS_TEXT) {
        *(const char **) option->target = value;
        return DAIBAN_OK;
    }
    char *end = NULL;
    errno = 0;
    long long number = strtoll (value, &end, 10);
    if (!*value || *end || errno || number < 0)
        return daiban_error_set (err, DAIBAN_BAD_REQUEST,
                                 "%s needs a whole number >= 0, not \"%s\"", option->name, value);
    *(int64_t *) option->target = number;
    return DAIBAN_OK;
}

daiban_code_t
args_parse (int argc, char **argv, int first, const args_option_t *options,
            const char **positional, size_t positional_max, size_t *positional_count,
            daiban_error_t *err)
{
    assert (options && positional_count);
    *positional_count = 0;
    bool options_ended = false;
    for (int index = first; index < argc; index++) {
        const char *arg = argv [index];
        if (options_ended || arg [0] != '-' || arg [1] == 0) {
            if (*positional_count >= positional_max)
                return daiban_error_set (err, DAIBAN_BAD_REQUEST, "unexpected argument \"%s\"",
                                         arg);
            positional [(*positional_count)++] = arg;
            continue;
        }
        if (strcmp (arg, "--") == 0) {
            options_ended = true;
            continue;
        }
        const char *equals = strchr (arg, '=');
        size_t name_size = equals? (size_t) (equals - arg): strlen (arg);
        const args_option_t *option = s_find (options, arg, name_size);
        if (!option)
            return daiban_error_set (err, DAIBAN_BAD_REQUEST, "unknown option %.*s",
                                     (int) name_size, arg);
        if (option->kind == ARGS_FLAG) {
            if (equals)
                return daiban_error_set (err, DAIBAN_BAD_REQUEST, "%s takes no value",
                                         option->name);
            *(bool *) option->target = true;
            continue;
        }
        const char *value = equals? equals + 1: NULL;
        if (!value && index + 1 < argc)
            value = argv [++index];
        if (!value)
            return daiban_error_set (err, DAIBAN_BAD_REQUEST, "%s needs a value", option->name);
        daiban_code_t code = s_set (option, value, err);
        if (code != DAIBAN_OK)
            return code;
    }
    return DAIBAN_OK;
}
