/*  pdf_doc: layout with cairo + pango (see pdf_doc.h). The first pass
    writes into a stream that discards everything: pango measures the same
    there, so headings land on the same pages in the second pass. */
#include "pdf_doc.h"

#include <cairo-pdf.h>
#include <fontconfig/fontconfig.h>
#include <pango/pangocairo.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAGE_WIDTH 595.28           //  A4 in points
#define PAGE_HEIGHT 841.89
#define MARGIN 56.0
#define BODY_SIZE 10.0
#define CELL_PAD 3.0
#define TABLE_SIZE 8.0
#define TOC_LINE 18.0
#define TOC_MAX 400                 //  headings listed

typedef struct {
    char *text;
    int level;
    int page;
} s_entry_t;

struct _pdf_doc_t {
    cairo_surface_t *surface;
    cairo_t *cr;
    const char *title;
    bool final;                     //  the second pass
    int page;                       //  1-based
    int toc_pages, total_pages;
    double y;                       //  next line's top
    bool page_used;
    s_entry_t toc [TOC_MAX];
    size_t toc_count, heading_index;
    size_t columns;                 //  the table being laid out
    double widths [16];
    const char *const *header;
};

static pthread_mutex_t s_render_lock = PTHREAD_MUTEX_INITIALIZER;

static cairo_status_t
s_discard (void *closure, const unsigned char *data, unsigned int length)
{
    (void) closure;
    (void) data;
    (void) length;
    return CAIRO_STATUS_SUCCESS;
}

static PangoLayout *
s_layout (pdf_doc_t *self, const char *text, double size, bool bold, double width)
{
    PangoLayout *layout = pango_cairo_create_layout (self->cr);
    PangoFontDescription *font = pango_font_description_from_string (PDF_DOC_FONT);
    pango_font_description_set_absolute_size (font, size * PANGO_SCALE);
    if (bold)
        pango_font_description_set_weight (font, PANGO_WEIGHT_BOLD);
    pango_layout_set_font_description (layout, font);
    pango_font_description_free (font);
    if (width > 0) {
        pango_layout_set_width (layout, (int) (width * PANGO_SCALE));
        pango_layout_set_wrap (layout, PANGO_WRAP_WORD_CHAR);
    }
    pango_layout_set_text (layout, text? text: "", -1);
    return layout;
}

static double
s_height (PangoLayout *layout)
{
    int width, height;
    pango_layout_get_size (layout, &width, &height);
    return (double) height / PANGO_SCALE;
}

static void
s_show (pdf_doc_t *self, PangoLayout *layout, double x, double y)
{
    cairo_move_to (self->cr, x, y);
    pango_cairo_show_layout (self->cr, layout);
}

//  Page furniture: the title on top, "第 N 页 / 共 M 页" at the bottom.
static void
s_finish_page (pdf_doc_t *self)
{
    if (self->page > 1) {
        char footer [64];
        snprintf (footer, sizeof footer, "第 %d 页 / 共 %d 页", self->page,
                  self->total_pages);
        cairo_set_source_rgb (self->cr, 0.35, 0.35, 0.35);
        PangoLayout *layout = s_layout (self, footer, 8, false, PAGE_WIDTH - 2 * MARGIN);
        pango_layout_set_alignment (layout, PANGO_ALIGN_CENTER);
        s_show (self, layout, MARGIN, PAGE_HEIGHT - MARGIN + 16);
        g_object_unref (layout);
        layout = s_layout (self, self->title, 8, false, PAGE_WIDTH - 2 * MARGIN);
        pango_layout_set_alignment (layout, PANGO_ALIGN_RIGHT);
        s_show (self, layout, MARGIN, MARGIN - 28);
        g_object_unref (layout);
        cairo_set_source_rgb (self->cr, 0, 0, 0);
    }
    cairo_show_page (self->cr);
    self->page++;
    self->y = MARGIN;
    self->page_used = false;
}

void
pdf_doc_new_page (pdf_doc_t *self)
{
    if (self->page_used)
        s_finish_page (self);
}

//  Room for height more points on this page, or a new page.
static void
s_need (pdf_doc_t *self, double height)
{
    if (self->page_used && self->y + height > PAGE_HEIGHT - MARGIN)
        s_finish_page (self);
    self->page_used = true;
}

void
pdf_doc_text (pdf_doc_t *self, const char *text, double size, bool bold, bool centred)
{
    PangoLayout *layout = s_layout (self, text, size, bold, PAGE_WIDTH - 2 * MARGIN);
    if (centred)
        pango_layout_set_alignment (layout, PANGO_ALIGN_CENTER);
    //  A paragraph taller than a page goes line by line.
    PangoLayoutIter *iter = pango_layout_get_iter (layout);
    do {
        PangoRectangle logical;
        pango_layout_iter_get_line_extents (iter, NULL, &logical);
        double line_height = (double) logical.height / PANGO_SCALE;
        s_need (self, line_height);
        PangoLayoutLine *line = pango_layout_iter_get_line_readonly (iter);
        int baseline = pango_layout_iter_get_baseline (iter);
        cairo_move_to (self->cr, MARGIN + (double) logical.x / PANGO_SCALE,
                       self->y + (double) (baseline - logical.y) / PANGO_SCALE);
        pango_cairo_show_layout_line (self->cr, line);
        self->y += line_height;
    } while (pango_layout_iter_next_line (iter));
    pango_layout_iter_free (iter);
    g_object_unref (layout);
}

void
pdf_doc_paragraph (pdf_doc_t *self, const char *text)
{
    pdf_doc_text (self, text, BODY_SIZE, false, false);
    self->y += 4;
}

void
pdf_doc_space (pdf_doc_t *self, double points)
{
    self->y += points;
}

void
pdf_doc_heading (pdf_doc_t *self, int level, const char *text)
{
    double size = level == 1? 15: 12;
    s_need (self, size * 4);            //  no heading alone at a page's foot
    self->y += level == 1? 8: 4;
    size_t index = self->heading_index++;
    char name [32];
    snprintf (name, sizeof name, "dest='h%zu'", index);
    if (!self->final && self->toc_count < TOC_MAX) {
        self->toc [self->toc_count].text = strdup (text);
        self->toc [self->toc_count].level = level;
        self->toc [self->toc_count++].page = self->page;
    }
    if (self->final && index < self->toc_count) {
        char attributes [48];
        snprintf (attributes, sizeof attributes, "name='h%zu'", index);
        cairo_tag_begin (self->cr, CAIRO_TAG_DEST, attributes);
        cairo_pdf_surface_add_outline (self->surface, CAIRO_PDF_OUTLINE_ROOT, text, name, 0);
    }
    pdf_doc_text (self, text, size, true, false);
    if (self->final && index < self->toc_count)
        cairo_tag_end (self->cr, CAIRO_TAG_DEST);
    self->y += 6;
}

static double
s_row_height (pdf_doc_t *self, const char *const *cells, bool bold, PangoLayout **layouts)
{
    double total = 0, height = 0;
    for (size_t column = 0; column < self->columns; column++)
        total += self->widths [column];
    for (size_t column = 0; column < self->columns; column++) {
        double width = (PAGE_WIDTH - 2 * MARGIN) * self->widths [column] / total;
        layouts [column] = s_layout (self, cells [column], TABLE_SIZE, bold, width - 2 * CELL_PAD);
        //  A cell longer than a page is cut: the table stays readable.
        pango_layout_set_height (layouts [column],
                                 (int) ((PAGE_HEIGHT - 4 * MARGIN) * PANGO_SCALE));
        pango_layout_set_ellipsize (layouts [column], PANGO_ELLIPSIZE_END);
        double cell = s_height (layouts [column]) + 2 * CELL_PAD;
        if (cell > height)
            height = cell;
    }
    return height;
}

static void
s_row (pdf_doc_t *self, const char *const *cells, bool header)
{
    PangoLayout *layouts [16];
    double height = s_row_height (self, cells, header, layouts);
    bool fresh = !self->page_used || self->y + height > PAGE_HEIGHT - MARGIN;
    s_need (self, height);
    if (fresh && !header && self->header) {
        for (size_t column = 0; column < self->columns; column++)
            g_object_unref (layouts [column]);
        s_row (self, self->header, true);
        s_row (self, cells, false);
        return;
    }
    double total = 0, x = MARGIN;
    for (size_t column = 0; column < self->columns; column++)
        total += self->widths [column];
    for (size_t column = 0; column < self->columns; column++) {
        double width = (PAGE_WIDTH - 2 * MARGIN) * self->widths [column] / total;
        if (header) {
            cairo_set_source_rgb (self->cr, 0.9, 0.92, 0.95);
            cairo_rectangle (self->cr, x, self->y, width, height);
            cairo_fill (self->cr);
            cairo_set_source_rgb (self->cr, 0, 0, 0);
        }
        cairo_set_line_width (self->cr, 0.4);
        cairo_rectangle (self->cr, x, self->y, width, height);
        cairo_stroke (self->cr);
        s_show (self, layouts [column], x + CELL_PAD, self->y + CELL_PAD);
        g_object_unref (layouts [column]);
        x += width;
    }
    self->y += height;
}

void
pdf_doc_table_begin (pdf_doc_t *self, size_t columns, const double *widths,
                     const char *const *header)
{
    self->columns = columns > 16? 16: columns;
    memcpy (self->widths, widths, self->columns * sizeof (double));
    self->header = header;
    if (header)
        s_row (self, header, true);
}

void
pdf_doc_table_row (pdf_doc_t *self, const char *const *cells)
{
    s_row (self, cells, false);
}

void
pdf_doc_table_end (pdf_doc_t *self)
{
    self->header = NULL;
    self->y += 8;
}

cairo_t *
pdf_doc_figure (pdf_doc_t *self, double height, double *width)
{
    s_need (self, height);
    cairo_save (self->cr);
    cairo_translate (self->cr, MARGIN, self->y);
    *width = PAGE_WIDTH - 2 * MARGIN;
    return self->cr;
}

void
pdf_doc_figure_end (pdf_doc_t *self, double height)
{
    cairo_restore (self->cr);
    self->y += height + 6;
}

void
pdf_doc_label (pdf_doc_t *self, double x, double y, const char *text, double size, int align)
{
    PangoLayout *layout = s_layout (self, text, size, false, -1);
    int width, height;
    pango_layout_get_size (layout, &width, &height);
    double left = align < 0? x: align == 0? x - (double) width / PANGO_SCALE / 2
                                         : x - (double) width / PANGO_SCALE;
    s_show (self, layout, left, y);
    g_object_unref (layout);
}

static int
s_toc_pages (size_t entries)
{
    size_t per_page = (size_t) ((PAGE_HEIGHT - 2 * MARGIN - 60) / TOC_LINE);
    return entries? (int) ((entries + per_page - 1) / per_page): 0;
}

static void
s_toc (pdf_doc_t *self)
{
    pdf_doc_text (self, "目  录", 16, true, true);
    self->y += 12;
    for (size_t index = 0; index < self->toc_count; index++) {
        s_entry_t *entry = &self->toc [index];
        if (self->y + TOC_LINE > PAGE_HEIGHT - MARGIN)
            s_finish_page (self);
        self->page_used = true;
        char link [48], number [16];
        snprintf (link, sizeof link, "dest='h%zu'", index);
        snprintf (number, sizeof number, "%d", entry->page + self->toc_pages);
        cairo_tag_begin (self->cr, CAIRO_TAG_LINK, link);
        double indent = entry->level == 1? 0: 18;
        PangoLayout *layout = s_layout (self, entry->text, 10.5, entry->level == 1,
                                        PAGE_WIDTH - 2 * MARGIN - indent - 40);
        pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_END);
        s_show (self, layout, MARGIN + indent, self->y);
        g_object_unref (layout);
        pdf_doc_label (self, PAGE_WIDTH - MARGIN, self->y, number, 10.5, 1);
        cairo_tag_end (self->cr, CAIRO_TAG_LINK);
        self->y += TOC_LINE;
    }
}

//  One pass over the whole document; pass 1 (final false) into nothing.
static daiban_code_t
s_pass (pdf_doc_t *self, const char *path, pdf_doc_fn *cover, pdf_doc_fn *body,
        void *closure, daiban_error_t *err)
{
    self->surface = self->final? cairo_pdf_surface_create (path, PAGE_WIDTH, PAGE_HEIGHT)
                               : cairo_pdf_surface_create_for_stream (s_discard, NULL,
                                                                      PAGE_WIDTH, PAGE_HEIGHT);
    self->cr = cairo_create (self->surface);
    if (self->final)
        cairo_pdf_surface_set_metadata (self->surface, CAIRO_PDF_METADATA_TITLE, self->title);
    self->page = 1;
    self->y = MARGIN;
    self->page_used = false;
    self->heading_index = 0;
    cover (self, closure);
    s_finish_page (self);
    if (self->final && self->toc_count) {
        s_toc (self);
        s_finish_page (self);
    }
    body (self, closure);
    if (self->page_used || self->page == 1)
        s_finish_page (self);
    cairo_destroy (self->cr);
    cairo_surface_finish (self->surface);
    cairo_status_t status = cairo_surface_status (self->surface);
    cairo_surface_destroy (self->surface);
    if (status != CAIRO_STATUS_SUCCESS)
        return daiban_error_set (err, DAIBAN_UNAVAILABLE, "%s: %s", path,
                                 cairo_status_to_string (status));
    return DAIBAN_OK;
}

daiban_code_t
pdf_doc_render (const char *path, const char *title, pdf_doc_fn *cover, pdf_doc_fn *body,
                void *closure, daiban_error_t *err)
{
    pdf_doc_t *self = (pdf_doc_t *) calloc (1, sizeof (pdf_doc_t));
    if (!self)
        return daiban_error_set (err, DAIBAN_UNAVAILABLE, "out of memory");
    //  The caches released below are the process's: the gateway renders
    //  in many threads, one document at a time.
    pthread_mutex_lock (&s_render_lock);
    self->title = title;
    daiban_code_t code = s_pass (self, path, cover, body, closure, err);
    if (!code) {
        self->toc_pages = s_toc_pages (self->toc_count);
        self->total_pages = self->page - 1 + self->toc_pages;
        self->final = true;
        code = s_pass (self, path, cover, body, closure, err);
    }
    for (size_t index = 0; index < self->toc_count; index++)
        free (self->toc [index].text);
    free (self);
    //  pango, cairo and fontconfig keep their font caches for the life of
    //  the process; daibanctl renders once, so they go now (and a leak
    //  checker sees only what is really lost).
    pango_cairo_font_map_set_default (NULL);
    cairo_debug_reset_static_data ();
    FcFini ();
    pthread_mutex_unlock (&s_render_lock);
    return code;
}
