/*  log: leveled logging to stderr (see log.h). */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

int log_level = LOG_LEVEL_INFO;
static const char *s_ident = "daiban";

void
log_set_ident (const char *ident)
{
    s_ident = ident;
}

void
log_set_level_name (const char *name)
{
    static const char *names [] = { "error", "warning", "info", "debug" };
    log_level = LOG_LEVEL_INFO;
    for (int level = LOG_LEVEL_ERROR; name && level <= LOG_LEVEL_DEBUG; level++)
        if (strcmp (name, names [level]) == 0)
            log_level = level;
}

void
log_write (int level, const char *format, ...)
{
    static const char *names [] = { "E", "W", "I", "D" };
    struct timeval now;
    gettimeofday (&now, NULL);
    struct tm local;
    localtime_r (&now.tv_sec, &local);
    char stamp [32];
    strftime (stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", &local);

    //  One fprintf per line so that lines of concurrent processes
    //  sharing a terminal do not interleave mid-line.
    char message [1024];
    va_list args;
    va_start (args, format);
    vsnprintf (message, sizeof message, format, args);
    va_end (args);
    fprintf (stderr, "%s.%03d %s %s: %s\n", stamp, (int) (now.tv_usec / 1000),
             names [level < 0? 0: level > 3? 3: level], s_ident, message);
}
