/*  pdf_doc: a small typesetter for daibanctl's PDFs (the dossier, the
    report) with cairo's PDF surface and pango (Noto Sans CJK): a cover
    page, a table of contents with page numbers (and PDF bookmarks and
    links), headings, paragraphs, tables whose header repeats on each
    page, and blocks for figures drawn with cairo. The document is laid
    out twice: once to learn on which page each heading falls, once for
    real; so the content is given as functions that can run twice. */
#ifndef DAIBAN_PDF_DOC_H
#define DAIBAN_PDF_DOC_H

#include <cairo.h>
#include <stdbool.h>
#include <stddef.h>
#include "daiban_error.h"

#define PDF_DOC_FONT "Noto Sans CJK SC"     //  Debian fonts-noto-cjk

typedef struct _pdf_doc_t pdf_doc_t;
typedef void (pdf_doc_fn) (pdf_doc_t *doc, void *closure);

//  Writes the PDF at path: cover() on page 1, the table of contents, then
//  body(). title is the document's title (PDF metadata, page headers).
daiban_code_t pdf_doc_render (const char *path, const char *title, pdf_doc_fn *cover,
                              pdf_doc_fn *body, void *closure, daiban_error_t *err);

//  A heading (level 1 or 2), listed in the table of contents.
void pdf_doc_heading (pdf_doc_t *self, int level, const char *text);
//  Wrapped text at size points; bold; centred.
void pdf_doc_text (pdf_doc_t *self, const char *text, double size, bool bold, bool centred);
void pdf_doc_paragraph (pdf_doc_t *self, const char *text);
void pdf_doc_space (pdf_doc_t *self, double points);
//  Starts a new page unless the current one is still empty.
void pdf_doc_new_page (pdf_doc_t *self);

//  A table of columns with relative widths; header may be NULL.
void pdf_doc_table_begin (pdf_doc_t *self, size_t columns, const double *widths,
                          const char *const *header);
void pdf_doc_table_row (pdf_doc_t *self, const char *const *cells);
void pdf_doc_table_end (pdf_doc_t *self);

//  A block height points high for a figure, on a new page if it does not
//  fit: returns the context with (0, 0) at the block's top left and the
//  block's width in *width; pdf_doc_figure_end restores it.
cairo_t *pdf_doc_figure (pdf_doc_t *self, double height, double *width);
void pdf_doc_figure_end (pdf_doc_t *self, double height);

//  Draws one line of text in a figure: x is its left edge, its centre or
//  its right edge for align -1, 0, 1; y its top.
void pdf_doc_label (pdf_doc_t *self, double x, double y, const char *text, double size,
                    int align);

#endif
