/*  args: the options of one daibanctl command, from a table. An option
    is "--name VALUE" or "--name=VALUE" (a flag takes no value); "--"
    ends the options; anything else is a positional argument. A value
    may start with "-" ("--body -" reads stdin). */
#ifndef DAIBAN_ARGS_H
#define DAIBAN_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "daiban_error.h"

typedef enum {
    ARGS_FLAG,          //  target is bool *, set to true
    ARGS_TEXT,          //  target is const char **, points into argv
    ARGS_INTEGER        //  target is int64_t *, a decimal integer >= 0
} args_kind_t;

typedef struct {
    const char *name;   //  "--type"
    args_kind_t kind;
    void *target;
} args_option_t;

//  Parses argv [first..argc) against options (ended by a NULL name).
//  Positional arguments go to positional [0..positional_max); their
//  number to *positional_count. Errors (DAIBAN_BAD_REQUEST): an unknown
//  option, a missing or non-integer value, too many positional arguments.
daiban_code_t args_parse (int argc, char **argv, int first, const args_option_t *options,
                          const char **positional, size_t positional_max,
                          size_t *positional_count, daiban_error_t *err);

#endif
