/*  report_charts: horizontal bar charts with cairo (see report_charts.h). */
#include "report_charts.h"

#include <math.h>
#include <stdio.h>

#define ROW 22.0                    //  points per label
#define LABEL_WIDTH 120.0
#define TITLE_HEIGHT 20.0
#define AXIS_HEIGHT 16.0
#define LEGEND_HEIGHT 16.0
#define TICKS 5

static double
s_max (const report_chart_t *chart)
{
    if (chart->max > 0)
        return chart->max;
    double max = 0;
    for (size_t index = 0; index < chart->count; index++) {
        if (chart->values [index] > max)
            max = chart->values [index];
        if (chart->previous && chart->previous [index] > max)
            max = chart->previous [index];
        if (chart->marks && chart->marks [index] > max)
            max = chart->marks [index];
    }
    //  A round end for the axis: 1, 2 or 5 times a power of ten.
    double step = pow (10, floor (log10 (max > 0? max: 1)));
    double end = step;
    while (end < max)
        end += step;
    return end > 0? end: 1;
}

static void
s_bar (cairo_t *cr, double x, double y, double width, double height, double grey)
{
    cairo_set_source_rgb (cr, grey < 0? 0.16: grey, grey < 0? 0.38: grey, grey < 0? 0.71: grey);
    cairo_rectangle (cr, x, y, width, height);
    cairo_fill (cr);
}

static void
s_axis (pdf_doc_t *doc, cairo_t *cr, const report_chart_t *chart, double left, double plot,
        double top, double bottom, double max)
{
    cairo_set_line_width (cr, 0.5);
    for (int tick = 0; tick <= TICKS; tick++) {
        double x = left + plot * tick / TICKS;
        cairo_set_source_rgb (cr, 0.85, 0.85, 0.85);
        cairo_move_to (cr, x, top);
        cairo_line_to (cr, x, bottom);
        cairo_stroke (cr);
        char text [32];
        snprintf (text, sizeof text, chart->format, max * tick / TICKS);
        cairo_set_source_rgb (cr, 0.2, 0.2, 0.2);
        pdf_doc_label (doc, x, bottom + 2, text, 7, 0);
    }
    cairo_set_source_rgb (cr, 0, 0, 0);
    cairo_move_to (cr, left, top);
    cairo_line_to (cr, left, bottom);
    cairo_line_to (cr, left + plot, bottom);
    cairo_stroke (cr);
}

static void
s_legend (pdf_doc_t *doc, cairo_t *cr, const report_chart_t *chart, double y)
{
    double x = LABEL_WIDTH;
    s_bar (cr, x, y + 3, 10, 8, -1);
    cairo_set_source_rgb (cr, 0, 0, 0);
    pdf_doc_label (doc, x + 14, y, chart->legend, 8, -1);
    x += 110;
    if (chart->previous) {
        s_bar (cr, x, y + 3, 10, 8, 0.7);
        cairo_set_source_rgb (cr, 0, 0, 0);
        pdf_doc_label (doc, x + 14, y, chart->previous_legend, 8, -1);
        x += 110;
    }
    if (chart->marks) {
        cairo_set_source_rgb (cr, 0.8, 0.1, 0.1);
        cairo_set_line_width (cr, 1.5);
        cairo_move_to (cr, x + 5, y + 1);
        cairo_line_to (cr, x + 5, y + 12);
        cairo_stroke (cr);
        cairo_set_source_rgb (cr, 0, 0, 0);
        pdf_doc_label (doc, x + 14, y, chart->mark_legend, 8, -1);
    }
}

void
report_chart_bars (pdf_doc_t *doc, const report_chart_t *chart)
{
    double rows = chart->count? (double) chart->count: 1;
    double height = TITLE_HEIGHT + LEGEND_HEIGHT + rows * ROW + AXIS_HEIGHT;
    double width;
    cairo_t *cr = pdf_doc_figure (doc, height, &width);
    pdf_doc_label (doc, width / 2, 0, chart->title, 10, 0);
    s_legend (doc, cr, chart, TITLE_HEIGHT - 2);
    double top = TITLE_HEIGHT + LEGEND_HEIGHT, bottom = top + rows * ROW;
    double left = LABEL_WIDTH, plot = width - LABEL_WIDTH - 40, max = s_max (chart);
    s_axis (doc, cr, chart, left, plot, top, bottom, max);
    double bar = chart->previous? (ROW - 6) / 2: ROW - 8;
    for (size_t index = 0; index < chart->count; index++) {
        double y = top + ROW * (double) index + 3;
        cairo_set_source_rgb (cr, 0, 0, 0);
        pdf_doc_label (doc, left - 4, y + 1, chart->labels [index], 8, 1);
        double series [2] = { chart->values [index], chart->previous? chart->previous [index]: 0 };
        for (int which = 0; which < (chart->previous? 2: 1); which++) {
            double length = plot * (series [which] > max? max: series [which]) / max;
            s_bar (cr, left, y + bar * which, length, bar - 1, which? 0.7: -1);
            char text [32];
            snprintf (text, sizeof text, chart->format, series [which]);
            cairo_set_source_rgb (cr, 0, 0, 0);
            pdf_doc_label (doc, left + length + 3, y + bar * which - 1, text, 6.5, -1);
        }
        if (chart->marks && chart->marks [index] >= 0) {
            double x = left + plot * (chart->marks [index] > max? max: chart->marks [index]) / max;
            cairo_set_source_rgb (cr, 0.8, 0.1, 0.1);
            cairo_set_line_width (cr, 1.5);
            cairo_move_to (cr, x, y - 2);
            cairo_line_to (cr, x, y + ROW - 4);
            cairo_stroke (cr);
        }
    }
    pdf_doc_figure_end (doc, height);
}
