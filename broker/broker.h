/*  broker: the daiban broker process (DESIGN.md, Processes): owns the
    LMDB store and the sockets, and runs the loop — receive what is
    waiting, one commit, replies, publish. */
#ifndef DAIBAN_BROKER_H
#define DAIBAN_BROKER_H

#include "config.h"
#include "daiban_error.h"

typedef struct _broker_t broker_t;

//  Opens the store and binds the sockets named in config; NULL with a
//  one-line reason when it cannot start.
broker_t *broker_new (config_t *config, daiban_error_t *err);
void broker_destroy (broker_t **self_p);

//  Serves until stop_fd becomes readable (main's signal handler writes to
//  it: a signal can never slip in between a check and the poll, and an
//  idle broker sleeps without a timeout); non-zero on a fatal socket error.
int broker_run (broker_t *self, int stop_fd, int reload_fd);

#endif
