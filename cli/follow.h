/*  follow: delivers committed events in seq order, each once and none
    missing, from a position in the log on: `history` to catch up, then
    the stream, whose gaps are filled from `history` (PROTOCOL.md,
    Stream). `watch` prints what it delivers; `alerts --follow` folds it.
    The order of operations makes the promise hold:
      1. follow_new subscribes to the stream first, so nothing committed
         from then on can fall between the catch-up and the stream;
      2. the catch-up reads `history` from the position until its next
         passes its last;
      3. the stream is read keeping the position, the first seq not yet
         examined: an event below it was delivered already and is
         skipped; an event above it means a gap (dropped, or filtered out
         by the prefix subscription), filled from `history`.
    The subscription reaches the broker some time after the connect (a
    ZeroMQ "slow joiner"), and the stream may drop the newest event with
    nothing after it to reveal the gap: so when the stream stays silent
    for FOLLOW_IDLE_MS, one `history` page from the position checks for
    what it missed. That poll also notices a broker that went away. */
#ifndef DAIBAN_FOLLOW_H
#define DAIBAN_FOLLOW_H

#include "cli.h"
#include "history.h"

#define FOLLOW_IDLE_MS 1000

//  follow_next's answer when the process was interrupted.
#define FOLLOW_INTERRUPTED (-2)

typedef struct _follow_t follow_t;

//  Subscribes to the stream for query->prefix ("" when NULL). The
//  position starts at query->from (at least 1). Only events of the
//  prefix and case of query are ever delivered. NULL (err set) when the
//  stream endpoint is not valid. query's strings must outlive follow.
follow_t *follow_new (cli_t *cli, const history_query_t *query, daiban_error_t *err);
void follow_destroy (follow_t **self_p);

//  The first seq not yet examined.
int64_t follow_position (follow_t *self);

//  Moves the position just past the newest event of the log ("only new
//  events"). An exit code (cli.h).
int follow_start_at_end (follow_t *self);

//  Hands fn every matching event from the position until up to date.
//  An exit code, or HISTORY_STOP when fn stopped.
int follow_catch_up (follow_t *self, history_fn_t *fn, void *closure);

//  Catches up, then follows the stream until fn returns HISTORY_STOP (or
//  an exit code) or the process is interrupted (Ctrl-C, SIGTERM: then
//  CLI_EXIT_OK). Returns HISTORY_STOP when fn stopped.
int follow_run (follow_t *self, history_fn_t *fn, void *closure);

//  One turn of follow_run, for a caller with a loop of its own (the
//  gateway's event streams): waits at most timeout_ms for the stream and
//  hands fn what it brings, or, when it stayed silent, what history holds
//  from the position. An exit code, HISTORY_STOP when fn stopped, or
//  FOLLOW_INTERRUPTED. Call follow_catch_up first.
int follow_next (follow_t *self, history_fn_t *fn, void *closure, int timeout_ms);

#endif
