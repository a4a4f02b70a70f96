/*  board: the web board's files (gateway/board/), embedded at build time
    by embed_board.cmake and served at / (index.html) and /NAME. */
#ifndef DAIBAN_BOARD_H
#define DAIBAN_BOARD_H

#include <stddef.h>

typedef struct {
    const char *path;           //  "/board.js"
    const char *content_type;
    const unsigned char *data;
    size_t size;
} board_file_t;

//  Generated; ends with a NULL path.
extern const board_file_t board_files [];

#endif
