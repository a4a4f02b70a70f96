/*  case_state: the state of one case (one project): its items, alerts and
    counters, as the broker keeps it in LMDB and returns it from the `case`
    op, and as workers receive it with each dispatch. This module holds the
    structure and its msgpack form; reducer.c applies events to it. */
#ifndef DAIBAN_CASE_STATE_H
#define DAIBAN_CASE_STATE_H

#include <msgpack.h>
#include <stdbool.h>
#include <stdint.h>
#include "daiban_error.h"

typedef enum {
    CASE_REGISTERED, CASE_RETURNED, CASE_ACCEPTED, CASE_IN_PROGRESS, CASE_CLOSED
} case_status_t;

typedef enum {
    ITEM_WAITING, ITEM_SUBMITTED, ITEM_TRANSFERRED, ITEM_IN_REVIEW, ITEM_SUSPENDED,
    ITEM_APPROVED, ITEM_REJECTED, ITEM_WITHDRAWN
} item_status_t;

typedef struct {
    char **values;
    size_t count;
} text_list_t;

typedef struct {
    char *code, *name, *department, *level, *county, *office, *window;
    item_status_t status;
    item_status_t resume_status;    //  the status a suspension returns to
    text_list_t materials;          //  materials the enterprise has handed in
    text_list_t after;              //  prerequisites, from the plan
    int64_t limit_days;
    char *due, *warn;               //  dates, set by the deadline role
    bool provisional;               //  due computed past the known calendar
    int64_t paused_days;
    bool warned, overdue;
    int64_t days_over;
    int64_t reminders, reminders_since_progress;
    int64_t escalation;             //  0 none, 1 group leader, 2 city government
    bool transfer_accepted, delivered;
    int64_t released_at, suspended_at, progress_at, decided_at;   //  commit ts, ms
    char *suspend_reason, *result_number, *result_kind, *decision_reason;
    char *blocked_by;               //  a rejected or withdrawn prerequisite
} case_item_t;

typedef struct {
    char *alert, *to, *item, *summary, *acknowledged_by;
    int64_t level, repeat, raised_at;
    bool acknowledged;
} case_alert_t;

typedef struct {
    char *case_id;
    case_status_t status;
    char *project, *applicant, *county, *contact_name, *contact_phone, *channel;
    char *agent, *expected_done;
    case_item_t *items;
    size_t item_count;
    case_alert_t *alerts;
    size_t alert_count;
    int64_t events, last_seq, registered_at, updated_at, closed_at;
    int64_t worklogs, problems, meetings, minutes, missing, attachments;
    int64_t escalation;             //  the highest level raised on the case
} case_state_t;

case_state_t *case_state_new (const char *case_id);
void case_state_destroy (case_state_t **self_p);

//  Decodes the stored/wire form; NULL with an error when it is not one.
case_state_t *case_state_decode (const void *data, size_t size, daiban_error_t *err);
void case_state_pack (const case_state_t *self, msgpack_packer *packer);
//  The summary of the `cases` op.
void case_state_pack_summary (const case_state_t *self, msgpack_packer *packer);

case_item_t *case_state_item (case_state_t *self, const char *code, size_t size);
case_alert_t *case_state_alert (case_state_t *self, const char *alert, size_t size);
//  Appends a zeroed item or alert; NULL when out of memory.
case_item_t *case_state_add_item (case_state_t *self);
case_alert_t *case_state_add_alert (case_state_t *self);

bool case_state_item_closed (const case_item_t *item);     //  approved/rejected/withdrawn
size_t case_state_items_open (const case_state_t *self);
bool case_state_overdue (const case_state_t *self);

const char *case_status_name (case_status_t status);
const char *item_status_name (item_status_t status);

//  Replaces *field with a copy of (text, size); false when out of memory.
bool case_text_set (char **field, const char *text, size_t size);
//  Adds a copy of (text, size) unless already present.
bool text_list_add (text_list_t *list, const char *text, size_t size);
bool text_list_contains (const text_list_t *list, const char *text, size_t size);

#endif
