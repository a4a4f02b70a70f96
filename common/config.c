/*  config: defaults embedded from config/, a file, and flags (see config.h). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct _config_t {
    zconfig_t *overrides;       //  command-line flags
    zconfig_t *file;            //  -c FILE, or NULL
    zconfig_t *defaults [4];    //  the embedded top-level files, NULL-terminated
};

//  The embedded files that hold settings; calendar/ years are read by
//  the calendar module itself.
static const char *s_default_files [] = { "daiban.cfg", "catalog.cfg", "policy.cfg", NULL };

const char *
config_embedded (const char *name)
{
    for (const config_file_t *file = config_embedded_files; file->name; file++)
        if (streq (file->name, name))
            return file->text;
    return NULL;
}

config_t *
config_new (const char *path, daiban_error_t *err)
{
    config_t *self = (config_t *) calloc (1, sizeof (config_t));
    if (!self) {
        daiban_error_set (err, DAIBAN_INTERNAL, "out of memory");
        return NULL;
    }
    self->overrides = zconfig_new ("root", NULL);
    size_t count = 0;
    for (int index = 0; s_default_files [index]; index++) {
        const char *text = config_embedded (s_default_files [index]);
        if (!text)
            continue;
        zconfig_t *tree = zconfig_str_load (text);
        if (!tree) {
            daiban_error_set (err, DAIBAN_INTERNAL, "embedded config/%s does not parse",
                              s_default_files [index]);
            config_destroy (&self);
            return NULL;
        }
        self->defaults [count++] = tree;
    }
    if (path) {
        if (!zsys_file_exists (path)) {
            daiban_error_set (err, DAIBAN_BAD_REQUEST, "config file %s: %s", path,
                              strerror (ENOENT));
            config_destroy (&self);
            return NULL;
        }
        self->file = zconfig_load (path);
        if (!self->file) {
            daiban_error_set (err, DAIBAN_BAD_REQUEST,
                              "config file %s: not valid ZPL (see config/daiban.cfg)", path);
            config_destroy (&self);
            return NULL;
        }
    }
    if (!self->overrides) {
        daiban_error_set (err, DAIBAN_INTERNAL, "out of memory");
        config_destroy (&self);
    }
    return self;
}

void
config_destroy (config_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    config_t *self = *self_p;
    zconfig_destroy (&self->overrides);
    zconfig_destroy (&self->file);
    for (size_t index = 0; index < sizeof self->defaults / sizeof self->defaults [0]; index++)
        zconfig_destroy (&self->defaults [index]);
    free (self);
    *self_p = NULL;
}

config_t *
config_from_args (int argc, char **argv, const config_flag_t *flags, int *rest,
                  daiban_error_t *err)
{
    const char *path = NULL;
    bool verbose = false;
    int index = 1;
    zconfig_t *pending = zconfig_new ("root", NULL);
    if (!pending) {
        daiban_error_set (err, DAIBAN_INTERNAL, "out of memory");
        return NULL;
    }
    for (; index < argc && argv [index][0] == '-'; index++) {
        const char *arg = argv [index];
        if (streq (arg, "-v") || streq (arg, "--verbose")) {
            verbose = true;
            continue;
        }
        const char *target = NULL;
        if (streq (arg, "-c") || streq (arg, "--config"))
            target = "";
        for (const config_flag_t *flag = flags; !target && flag && flag->flag; flag++)
            if (streq (arg, flag->flag))
                target = flag->path;
        if (!target) {
            daiban_error_set (err, DAIBAN_BAD_REQUEST, "unknown option %s", arg);
            zconfig_destroy (&pending);
            return NULL;
        }
        if (index + 1 >= argc) {
            daiban_error_set (err, DAIBAN_BAD_REQUEST, "option %s needs a value", arg);
            zconfig_destroy (&pending);
            return NULL;
        }
        if (*target)
            zconfig_put (pending, target, argv [++index]);
        else
            path = argv [++index];
    }
    if (rest)
        *rest = index;
    config_t *self = config_new (path, err);
    if (self) {
        zconfig_destroy (&self->overrides);
        self->overrides = pending;
        if (verbose)
            zconfig_put (self->overrides, "log/level", "debug");
    }
    else
        zconfig_destroy (&pending);
    return self;
}

//  The item at path in tree, or NULL: zconfig_locate, but only for a
//  value that was really set (zconfig creates empty parents on put).
static const char *
s_lookup (zconfig_t *tree, const char *path)
{
    if (!tree)
        return NULL;
    zconfig_t *item = zconfig_locate (tree, path);
    return item? zconfig_value (item): NULL;
}

const char *
config_get (config_t *self, const char *path)
{
    const char *value = s_lookup (self->overrides, path);
    if (!value)
        value = s_lookup (self->file, path);
    for (size_t index = 0; !value && self->defaults [index]; index++)
        value = s_lookup (self->defaults [index], path);
    return value;
}

daiban_code_t
config_get_int (config_t *self, const char *path, int64_t *value, daiban_error_t *err)
{
    const char *text = config_get (self, path);
    if (!text || !*text)
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "config %s: missing", path);
    char *end = NULL;
    errno = 0;
    long long number = strtoll (text, &end, 10);
    if (errno || *end)
        return daiban_error_set (err, DAIBAN_BAD_REQUEST,
                                 "config %s: \"%s\" is not an integer", path, text);
    *value = number;
    return DAIBAN_OK;
}

void
config_set (config_t *self, const char *path, const char *value)
{
    zconfig_put (self->overrides, path, value);
}

zconfig_t *
config_section (config_t *self, const char *path)
{
    zconfig_t *section = self->file? zconfig_locate (self->file, path): NULL;
    for (size_t index = 0; !section && self->defaults [index]; index++)
        section = zconfig_locate (self->defaults [index], path);
    return section;
}
