/*  http_request: one HTTP request's state while it arrives (see http_request.h). */
#include "http_request.h"

#include <czmq.h>
#include <string.h>

request_t *
request_new (gateway_t *gateway, struct MHD_Connection *connection, const char *method,
             const char *url)
{
    request_t *self = (request_t *) calloc (1, sizeof (request_t));
    if (!self)
        return NULL;
    self->gateway = gateway;
    self->connection = connection;
    self->method = method;
    self->path = strdup (url);
    self->body = (char *) malloc (1);
    if (!self->path || !self->body) {
        request_destroy (&self);
        return NULL;
    }
    self->body [0] = 0;
    self->started = zclock_usecs ();
    size_t length = strlen (url), suffix = strlen (":batch");
    self->limit = length >= suffix && streq (url + length - suffix, ":batch")
                ? GATEWAY_BATCH_BODY_MAX: GATEWAY_BODY_MAX;
    self->route = "unmatched";
    return self;
}

void
request_destroy (request_t **self_p)
{
    if (!*self_p)
        return;
    request_t *self = *self_p;
    if (self->stream_release)
        self->stream_release (self->stream);
    free (self->path);
    free (self->body);
    free (self);
    *self_p = NULL;
}

void
request_append (request_t *self, const char *data, size_t size)
{
    if (self->too_large || self->size + size > self->limit) {
        self->too_large = true;
        return;
    }
    //  Doubling, so a body in many pieces costs linear time.
    size_t capacity = 64;
    while (capacity < self->size + size + 1)
        capacity *= 2;
    char *grown = (char *) realloc (self->body, capacity);
    if (!grown) {
        self->too_large = true;
        return;
    }
    self->body = grown;
    memcpy (self->body + self->size, data, size);
    self->size += size;
    self->body [self->size] = 0;
}

const char *
request_arg (request_t *self, const char *name)
{
    return MHD_lookup_connection_value (self->connection, MHD_GET_ARGUMENT_KIND, name);
}

bool
request_segment (request_t *self, int index, char *buffer, size_t size)
{
    const char *at = self->path;
    for (int skipped = -1; skipped < index; skipped++) {
        if (*at != '/')
            return false;
        at++;
        if (skipped + 1 < index)
            at += strcspn (at, "/");
    }
    size_t length = strcspn (at, "/");
    if (length == 0 || length >= size)
        return false;
    memcpy (buffer, at, length);
    buffer [length] = 0;
    return true;
}

const char *
request_header (request_t *self, const char *name)
{
    return MHD_lookup_connection_value (self->connection, MHD_HEADER_KIND, name);
}
