/*  history: reads the broker's log with `history` requests, page after
    page, and hands each event to a callback. Used by `history` (print),
    `export` (collect one case's file) and `watch` (catch up and fill
    the gaps of the stream). */
#ifndef DAIBAN_HISTORY_H
#define DAIBAN_HISTORY_H

#include <jansson.h>
#include <stdint.h>
#include "cli.h"

//  Events per request: well under the broker's 10,000 maximum, so that
//  one reply stays small and the first lines show quickly.
#define HISTORY_PAGE 1000

//  A callback's way to say "enough" without an error.
#define HISTORY_STOP (-1)

typedef struct {
    int64_t from;               //  first seq to read (>= 1)
    int64_t limit;              //  most events to deliver; < 0 for no limit
    const char *case_id;        //  only this case's events, or NULL
    const char *prefix;         //  only types with this prefix, or NULL
} history_query_t;

//  Called with each event in seq order; returns CLI_EXIT_OK to go on,
//  HISTORY_STOP to stop, or an exit code to fail with.
typedef int (history_fn_t) (json_t *event, void *closure);

//  Reads from query->from until the end of the log (a reply whose next
//  is past its last) or query->limit events. *next is where a later read
//  continues: past the last event delivered when the callback stopped,
//  else the broker's next; *last the newest seq of the log. Returns an
//  exit code (cli.h); HISTORY_STOP is CLI_EXIT_OK.
int history_run (cli_t *cli, const history_query_t *query, history_fn_t *fn, void *closure,
                 int64_t *next, int64_t *last);

//  One request only: at most limit events from from. Same results as
//  history_run; *delivered counts the events handed to fn.
int history_page (cli_t *cli, const history_query_t *query, history_fn_t *fn,
                  void *closure, int64_t *next, int64_t *last, int64_t *delivered);

#endif
