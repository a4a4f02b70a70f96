/*  dossier: the case file (一事一档) that `daibanctl dossier` writes: a
    folder with 档案.pdf, the attachments in a folder per kind,
    events.json and manifest.json (docs/archive.md). Everything in it
    comes from the protocol (case, history, blob_get). */
#ifndef DAIBAN_DOSSIER_H
#define DAIBAN_DOSSIER_H

#include <jansson.h>
#include <stdint.h>
#include "calendar.h"
#include "daiban_error.h"

#define DOSSIER_PDF "档案.pdf"
#define DOSSIER_EVENTS "events.json"
#define DOSSIER_MANIFEST "manifest.json"
#define DOSSIER_ATTACHMENTS "附件"

typedef struct {
    const char *case_id;
    json_t *state;                  //  the `case` reply's state
    json_t *events;                 //  every event of the case, in seq order
    json_t *attachments;            //  [{kind, name, size, sha256, media_type, item,
                                    //    meeting, path, ts, who}], one per file
    calendar_t *calendar;           //  working days used; NULL: not shown
    int64_t made_at;                //  ms
} dossier_t;

//  dossier_pdf.c: writes 档案.pdf of the dossier at path.
daiban_code_t dossier_pdf_write (const dossier_t *dossier, const char *path,
                                 daiban_error_t *err);

#endif
