/*  route_match: path patterns of the route table (see route_match.h). */
#include "route_match.h"

#include <string.h>

//  "**": the capture spans segments (alert ids hold "/", which the
//  server has unescaped from %2F by now), up to the rest of the pattern.
static bool
s_match_span (const char *rest, const char *path, char *capture, size_t size)
{
    size_t length = strlen (path), tail = strlen (rest);
    if (length <= tail || strcmp (path + length - tail, rest) != 0 || length - tail >= size)
        return false;
    memcpy (capture, path, length - tail);
    capture [length - tail] = 0;
    return true;
}

bool
route_match (const char *pattern, const char *path, char *capture, size_t size)
{
    while (*pattern) {
        if (pattern [0] == '*' && pattern [1] == '*')
            return s_match_span (pattern + 2, path, capture, size);
        if (*pattern == '*') {
            size_t length = strcspn (path, "/");
            if (length == 0 || length >= size)
                return false;
            memcpy (capture, path, length);
            capture [length] = 0;
            path += length;
            pattern++;
        }
        else
        if (*pattern++ != *path++)
            return false;
    }
    return *path == 0;
}

