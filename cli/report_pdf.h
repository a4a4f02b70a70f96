/*  report_pdf: the periodic report (定期报送) as a PDF, from the figures
    of report_figures_result: tables of this period beside the previous
    one, and bar charts of the on-time rates, the working days used
    against the limit and the agents' load (docs/archive.md). */
#ifndef DAIBAN_REPORT_PDF_H
#define DAIBAN_REPORT_PDF_H

#include <jansson.h>
#include <stdint.h>
#include "daiban_error.h"

daiban_code_t report_pdf_write (json_t *report, int64_t made_at, const char *path,
                                daiban_error_t *err);

#endif
