/*  report_charts: the report's bar charts, drawn with cairo into a block
    of a pdf_doc: horizontal bars (one row per label, so long Chinese
    names fit), one or two series side by side (this period and the one
    before), an axis with ticks, values at the ends of the bars, and an
    optional mark per row (the statutory limit). No chart library: bars,
    axes and labels only. */
#ifndef DAIBAN_REPORT_CHARTS_H
#define DAIBAN_REPORT_CHARTS_H

#include <stddef.h>
#include "pdf_doc.h"

typedef struct {
    const char *title;
    const char *const *labels;
    size_t count;
    const double *values;           //  the first series (this period)
    const double *previous;         //  the second series, or NULL
    const double *marks;            //  a mark per row (a limit), or NULL; < 0: none
    const char *legend, *previous_legend, *mark_legend;
    double max;                     //  the axis' end; 0: from the data
    const char *format;             //  of the values and ticks, e.g. "%.0f%%"
} report_chart_t;

//  Draws the chart as the next block of doc.
void report_chart_bars (pdf_doc_t *doc, const report_chart_t *chart);

#endif
