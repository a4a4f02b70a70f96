/*  worker_context: configuration, catalog and calendar of a worker (see
    worker_context.h). */
#include "worker_context.h"

#include <stdlib.h>

worker_context_t *
worker_context_new (config_t *config, daiban_error_t *err)
{
    worker_context_t *self = (worker_context_t *) calloc (1, sizeof (worker_context_t));
    if (!self) {
        daiban_error_set (err, DAIBAN_INTERNAL, "out of memory");
        return NULL;
    }
    self->config = config;
    self->catalog = catalog_new (config, err);
    if (self->catalog)
        self->calendar = calendar_new (config, err);
    if (!self->calendar)
        worker_context_destroy (&self);
    return self;
}

void
worker_context_destroy (worker_context_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    worker_context_t *self = *self_p;
    catalog_destroy (&self->catalog);
    calendar_destroy (&self->calendar);
    free (self);
    *self_p = NULL;
}

const char *
worker_context_text (const worker_context_t *self, const char *path, const char *fallback)
{
    const char *value = self->config? config_get (self->config, path): NULL;
    return value && *value? value: fallback;
}

daiban_code_t
worker_context_int (const worker_context_t *self, const char *path, int64_t fallback,
                    int64_t *value, daiban_error_t *err)
{
    if (!worker_context_text (self, path, NULL)) {
        *value = fallback;
        return DAIBAN_OK;
    }
    return config_get_int (self->config, path, value, err);
}
