/*  worker_context: what every decision may read besides the dispatch: the
    configuration, the item catalog and the holiday calendar. A worker
    builds it once at start; a bad catalog or calendar stops the process
    there, before it ever connects, rather than failing every dispatch.
    Read-only after worker_context_new. */
#ifndef DAIBAN_WORKER_CONTEXT_H
#define DAIBAN_WORKER_CONTEXT_H

#include <stdint.h>
#include "calendar.h"
#include "catalog.h"
#include "config.h"
#include "daiban_error.h"

typedef struct {
    config_t *config;           //  borrowed: the caller keeps it alive
    catalog_t *catalog;         //  owned
    calendar_t *calendar;       //  owned
} worker_context_t;

//  Loads the catalog and calendar that config names (its defaults when it
//  names none). NULL with err naming the problem.
worker_context_t *worker_context_new (config_t *config, daiban_error_t *err);
void worker_context_destroy (worker_context_t **self_p);

//  A config value, or fallback when the key is unset or empty.
const char *worker_context_text (const worker_context_t *self, const char *path,
                                 const char *fallback);

//  A config integer, fallback when unset; an error naming the key when the
//  value is not a whole number.
daiban_code_t worker_context_int (const worker_context_t *self, const char *path,
                                  int64_t fallback, int64_t *value, daiban_error_t *err);

#endif
