/*  role: a worker role's subscriptions, queue and workers (see role.h). */
#include "role.h"

#include <stdlib.h>
#include <string.h>

static int s_compare_jobs (const void *first, const void *second);

role_t *
role_new (const char *name)
{
    role_t *self = (role_t *) calloc (1, sizeof (role_t));
    if (!self)
        return NULL;
    snprintf (self->name, sizeof self->name, "%s", name);
    self->types = zlistx_new ();
    self->queue = zlistx_new ();
    self->workers = zlistx_new ();
    if (!self->types || !self->queue || !self->workers) {
        role_destroy (&self);
        return NULL;
    }
    zlistx_set_destructor (self->types, (zlistx_destructor_fn *) zstr_free);
    zlistx_set_comparator (self->queue, s_compare_jobs);
    return self;
}

void
role_destroy (role_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    role_t *self = *self_p;
    if (self->queue) {
        job_t *job = (job_t *) zlistx_first (self->queue);
        for (; job; job = (job_t *) zlistx_next (self->queue))
            free (job);
    }
    zlistx_destroy (&self->queue);
    zlistx_destroy (&self->types);
    zlistx_destroy (&self->workers);
    free (self);
    *self_p = NULL;
}

bool
role_set_types (role_t *self, const char *const *types, size_t count)
{
    zlistx_purge (self->types);
    for (size_t index = 0; index < count; index++) {
        char *copy = strdup (types [index]);
        if (!copy || !zlistx_add_end (self->types, copy)) {
            free (copy);
            return false;
        }
    }
    return true;
}

bool
role_wants (role_t *self, const char *type, size_t size)
{
    const char *wanted = (const char *) zlistx_first (self->types);
    for (; wanted; wanted = (const char *) zlistx_next (self->types))
        if (strlen (wanted) == size && memcmp (wanted, type, size) == 0)
            return true;
    return false;
}

static int
s_compare_jobs (const void *first, const void *second)
{
    uint64_t a = ((const job_t *) first)->seq, b = ((const job_t *) second)->seq;
    return a < b? -1: a > b? 1: 0;
}

job_t *
role_enqueue (role_t *self, uint64_t seq, const char *case_id, bool retry)
{
    job_t *job = (job_t *) calloc (1, sizeof (job_t));
    if (!job)
        return NULL;
    job->seq = seq;
    job->retry = retry;
    snprintf (job->case_id, sizeof job->case_id, "%s", case_id);
    //  Sorted insert, searching from the end: new events come last, only
    //  retries and restarts land earlier.
    job->handle = zlistx_insert (self->queue, job, false);
    if (!job->handle) {
        free (job);
        return NULL;
    }
    self->jobs++;
    return job;
}

job_t *
role_find (role_t *self, uint64_t seq)
{
    job_t *job = (job_t *) zlistx_first (self->queue);
    while (job && job->seq != seq)
        job = (job_t *) zlistx_next (self->queue);
    return job;
}

void
role_remove (role_t *self, job_t *job)
{
    zlistx_delete (self->queue, job->handle);
    self->jobs--;
    free (job);
}

uint64_t
role_watermark (role_t *self)
{
    job_t *job = (job_t *) zlistx_first (self->queue);
    for (; job; job = (job_t *) zlistx_next (self->queue))
        if (!job->retry)
            return job->seq - 1;
    return self->scanned;
}

worker_t *
role_pick_worker (role_t *self)
{
    worker_t *best = NULL;
    worker_t *worker = (worker_t *) zlistx_first (self->workers);
    for (; worker; worker = (worker_t *) zlistx_next (self->workers)) {
        if (worker->in_flight >= worker->credit)
            continue;
        //  Least loaded relative to credit: in_flight / credit, compared
        //  by cross-multiplying to stay in integers.
        if (!best
        ||  (int64_t) worker->in_flight * best->credit < (int64_t) best->in_flight * worker->credit
        ||  ((int64_t) worker->in_flight * best->credit == (int64_t) best->in_flight * worker->credit
             && worker->used < best->used))
            best = worker;
    }
    return best;
}

void
role_each_ready (role_t *self, int64_t now, role_take_fn *take, void *argument)
{
    //  Cases seen earlier in this pass hold back their later jobs.
    zhashx_t *held = zhashx_new ();
    if (!held)
        return;
    job_t *job = (job_t *) zlistx_first (self->queue);
    for (; job; job = (job_t *) zlistx_next (self->queue)) {
        bool ready = !job->lease && job->not_before <= now && !zhashx_lookup (held, job->case_id);
        zhashx_insert (held, job->case_id, job);
        if (ready && !take (self, job, argument))
            break;
    }
    zhashx_destroy (&held);
}
