/*  log: leveled logging to stderr, one line per message.
    The macros test the level before any formatting happens (as Redis's
    serverLog does), so a debug line on a hot path costs one compare. */
#ifndef DAIBAN_LOG_H
#define DAIBAN_LOG_H

typedef enum {
    LOG_LEVEL_ERROR = 0,
    LOG_LEVEL_WARNING = 1,
    LOG_LEVEL_INFO = 2,
    LOG_LEVEL_DEBUG = 3
} log_level_t;

extern int log_level;

//  Names the process in every line ("daiban-broker").
void log_set_ident (const char *ident);
//  Sets the level from its name (error, warning, info, debug; NULL or
//  anything else: info), as config's log/level and -v give it.
void log_set_level_name (const char *name);
void log_write (int level, const char *format, ...)
    __attribute__ ((format (printf, 2, 3)));

#define log_at(level, ...) \
    do { if ((level) <= log_level) log_write ((level), __VA_ARGS__); } while (0)
#define log_error(...)   log_at (LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warning(...) log_at (LOG_LEVEL_WARNING, __VA_ARGS__)
#define log_info(...)    log_at (LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...)   log_at (LOG_LEVEL_DEBUG, __VA_ARGS__)

#endif
