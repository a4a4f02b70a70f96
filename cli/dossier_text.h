/*  dossier_text: the Chinese words of the case file (一事一档): the name
    of each event type, a one-line account of each event for the 工作日志,
    and who did it (the envelope's `by`, docs/protocol.md, or its
    `source`). Pure functions of the event. */
#ifndef DAIBAN_DOSSIER_TEXT_H
#define DAIBAN_DOSSIER_TEXT_H

#include <jansson.h>

//  "工作日志" for "worklog.added"; the type itself when unknown.
const char *dossier_type_name (const char *type);

//  A malloc'd one-line account of the event ("S1-05 批复，文号 …").
char *dossier_event_line (json_t *event);

//  Who did it, into buffer: the envelope's `by` (the principal the broker
//  saw), with the event's source beside it when that says more ("local
//  （window-3）"); the source alone when there is no `by`. A worklog
//  names its agent first.
const char *dossier_who (json_t *event, char *buffer, size_t size);

//  Chinese words for enumerated values: suspension reasons, delivery
//  methods, channels, levels; the value itself when unknown.
const char *dossier_word (const char *value);

#endif
