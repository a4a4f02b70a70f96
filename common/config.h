/*  config: the configuration of every daiban process, in ZPL (czmq's
    zconfig). The defaults are the files of config/, embedded in the
    binary at build time, so each process runs with no file at all.
    A file given with -c overrides them value by value; a section the
    file defines as a whole (the catalog, say) replaces the default's.
    Command-line flags override both. */
#ifndef DAIBAN_CONFIG_H
#define DAIBAN_CONFIG_H

#include <czmq.h>
#include <stdbool.h>
#include <stdint.h>
#include "daiban_error.h"

//  One embedded file: path under config/, text (NUL-terminated), size.
typedef struct {
    const char *name;
    const char *text;
    size_t size;
} config_file_t;

//  Generated from config/ by cmake/embed_config.cmake; ends with a NULL name.
extern const config_file_t config_embedded_files [];

//  The text of an embedded file ("daiban.cfg", "calendar/2026.cfg"), or NULL.
const char *config_embedded (const char *name);

//  A command-line flag that sets a config path: {"--ingress", "broker/ingress"}.
typedef struct {
    const char *flag;
    const char *path;
} config_flag_t;

typedef struct _config_t config_t;

//  Loads the defaults and, when path is not NULL, the file at path.
config_t *config_new (const char *path, daiban_error_t *err);
void config_destroy (config_t **self_p);

//  Parses "-c FILE"/"--config FILE", "-v" (sets log/level = debug) and
//  the given flags (each takes a value). Stops at the first argument that
//  is not a flag and stores its index in *rest (argc when none): that is
//  where a command's own arguments begin. Unknown flags are an error.
config_t *config_from_args (int argc, char **argv, const config_flag_t *flags,
                            int *rest, daiban_error_t *err);

//  The value at path ("broker/ingress"): the override, else the file's,
//  else the default's; NULL when none has it.
const char *config_get (config_t *self, const char *path);

//  The value at path as an integer; an error naming the path when it is
//  missing or not a number.
daiban_code_t config_get_int (config_t *self, const char *path, int64_t *value,
                              daiban_error_t *err);

//  Overrides one value (a command-line flag).
void config_set (config_t *self, const char *path, const char *value);

//  The section at path: the file's when the file has it, else the
//  default's; NULL when neither has it. Owned by the config.
zconfig_t *config_section (config_t *self, const char *path);

#endif
