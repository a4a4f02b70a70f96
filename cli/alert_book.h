/*  alert_book: the alerts of the log, folded from its alert.raised and
    alert.acknowledged events in seq order, the way the broker's reducer
    folds them into each case's state (common/reducer.c): an alert is
    known by its case and id; raising it again counts one more repeat
    and takes the new to, level, item, summary and time; acknowledging
    marks it, with who. The log holds only the events the reducer
    accepted, so the fold of the log is the alerts of the states.

    Each alert is a JSON object shaped like an alert of the case state
    (alert, to, level, acknowledged; daiban's item, summary, repeat,
    raised_at, acknowledged_by) plus its "case". `alerts` reads them from
    the log rather than from every case: cmd_alerts.c says why. */
#ifndef DAIBAN_ALERT_BOOK_H
#define DAIBAN_ALERT_BOOK_H

#include <jansson.h>
#include <stdbool.h>
#include "daiban_error.h"

typedef struct _alert_book_t alert_book_t;

//  An empty book; NULL when out of memory.
alert_book_t *alert_book_new (void);
void alert_book_destroy (alert_book_t **self_p);

//  Folds one event. *alert is the alert it raised or acknowledged (owned
//  by the book), or NULL for any other event, for an acknowledgement of
//  an alert the book does not hold, and for a raise without an alert id
//  or case. DAIBAN_INTERNAL when out of memory.
daiban_code_t alert_book_apply (alert_book_t *self, json_t *event, json_t **alert,
                                daiban_error_t *err);

//  The alerts, in the order they were first raised (owned by the book).
json_t *alert_book_alerts (alert_book_t *self);

//  True when alert passes the filters of `alerts`: its "to" is role
//  (unless NULL), and it is open (unacknowledged) unless all is true.
bool alert_book_selects (json_t *alert, const char *role, bool all);

#endif
