/*  board: serves the embedded files of the web board (see board.h). */
#include "board.h"

#include <czmq.h>
#include "handlers.h"

enum MHD_Result
handle_board (request_t *request)
{
    const char *path = streq (request->path, "/")? "/index.html": request->path;
    for (const board_file_t *file = board_files; file->path; file++)
        if (streq (file->path, path))
            return reply_text (request, 200, file->content_type, (const char *) file->data,
                               file->size);
    return reply_error (request, 404, "not_found", "no page %s", request->path);
}
