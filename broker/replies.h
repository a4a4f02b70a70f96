/*  replies: ingress replies waiting for the commit they report to be
    durable (store_durable). They go out in the order they were made, so
    a client's replies keep the order of its requests. */
#ifndef DAIBAN_REPLIES_H
#define DAIBAN_REPLIES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct _replies_t replies_t;

replies_t *replies_new (void);
void replies_destroy (replies_t **self_p);

//  Holds a copy of a reply to identity until commit `after` is durable;
//  false when out of memory.
bool replies_hold (replies_t *self, const void *identity, size_t identity_size,
                   const void *reply, size_t reply_size, uint64_t after);
//  Sends, without ever blocking, every held reply whose commit is at or
//  below durable, and forgets it.
void replies_release (replies_t *self, void *socket, uint64_t durable);
size_t replies_held (replies_t *self);

#endif
