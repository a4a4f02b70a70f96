/*  calendar: working days from the yearly holiday files (see calendar.h,
    docs/calendar.md for the file format).

    The files are turned once into a table with one byte per day, from
    January 1 of the year before the first file to December 31 of the year
    after the last (a notice may list the end of the previous year: the
    2023 notice has 2022-12-31 off). Every question is then an index into
    that table, and a day outside it follows the week and is provisional. */
#include "calendar.h"
#include "log.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define S_WORKING 1             //  a working day
#define S_KNOWN 2               //  its year has a file, or a file lists it
#define S_LISTED 4              //  a file lists it (entry holds which)

//  A year file is a couple of kilobytes; this only guards against a
//  wrong path in calendar/dir.
#define S_FILE_SIZE_MAX 65536

typedef struct {
    int year;                   //  the notice year, the file's "year"
    char *name;                 //  "calendar/2026.cfg", or its path on disk
    zconfig_t *tree;
} calendar_file_t;

//  Where a listed day comes from; only read to name things.
typedef struct {
    const char *holiday;        //  owned by the file's tree
    const char *file;           //  owned by the file
} calendar_entry_t;

struct _calendar_t {
    calendar_file_t *files;
    size_t file_count;
    date_t first;               //  the table's first day
    date_t last;                //  its last day (first - 1 when empty)
    uint8_t *days;              //  S_ flags, one per day of the table
    calendar_entry_t *entries;  //  one per day of the table
};

static void
s_file_clear (calendar_file_t *file)
{
    free (file->name);
    zconfig_destroy (&file->tree);
}

void
calendar_destroy (calendar_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    calendar_t *self = *self_p;
    for (size_t index = 0; index < self->file_count; index++)
        s_file_clear (&self->files [index]);
    free (self->files);
    free (self->days);
    free (self->entries);
    free (self);
    *self_p = NULL;
}

//  zconfig only logs the line of a syntax error: find it again as the
//  first line at which a prefix of the text stops parsing.
static size_t
s_syntax_error_line (const char *text)
{
    char *copy = strdup (text);
    size_t line = 1;
    for (char *end = copy; copy && *end; line++) {
        end = strchr (end, '\n');
        end = end? end + 1: copy + strlen (copy);
        char saved = *end;
        *end = 0;
        zconfig_t *tree = zconfig_str_load (copy);
        *end = saved;
        if (!tree)
            break;
        zconfig_destroy (&tree);
    }
    free (copy);
    return line;
}

//  The year of a parsed file, checked against the file's own name.
static daiban_code_t
s_file_year (const char *name, zconfig_t *tree, int *year, daiban_error_t *err)
{
    const char *text = zconfig_get (tree, "year", NULL);
    char *end = NULL;
    long value = text? strtol (text, &end, 10): 0;
    if (!text || *end || value < 1000 || value > 9998)
        return daiban_error_set (err, DAIBAN_BAD_REQUEST,
                                 "%s: \"year = YYYY\" missing or not a year", name);
    const char *base = strrchr (name, '/');
    base = base? base + 1: name;
    char expected [16];
    snprintf (expected, sizeof expected, "%ld.cfg", value);
    if (strcmp (base, expected))
        return daiban_error_set (err, DAIBAN_BAD_REQUEST,
                                 "%s: holds year %ld, so must be named %s", name, value, expected);
    *year = (int) value;
    return DAIBAN_OK;
}

//  Parses one file and keeps it, in place of a file of the same year.
static daiban_code_t
s_add_file (calendar_t *self, const char *name, const char *text, daiban_error_t *err)
{
    zconfig_t *tree = zconfig_str_load (text);
    if (!tree)
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "%s: line %zu: not valid ZPL",
                                 name, s_syntax_error_line (text));
    int year = 0;
    daiban_code_t code = s_file_year (name, tree, &year, err);
    if (code) {
        zconfig_destroy (&tree);
        return code;
    }
    calendar_file_t *file = NULL;
    for (size_t index = 0; index < self->file_count && !file; index++)
        if (self->files [index].year == year)
            file = &self->files [index];
    if (file) {
        log_info ("calendar: %s replaces %s", name, file->name);
        s_file_clear (file);
    }
    else {
        calendar_file_t *files = (calendar_file_t *) realloc (
            self->files, (self->file_count + 1) * sizeof (calendar_file_t));
        if (!files) {
            zconfig_destroy (&tree);
            return daiban_error_set (err, DAIBAN_INTERNAL, "out of memory");
        }
        self->files = files;
        file = &self->files [self->file_count++];
    }
    *file = (calendar_file_t) { year, strdup (name), tree };
    if (!file->name)
        return daiban_error_set (err, DAIBAN_INTERNAL, "out of memory");
    return DAIBAN_OK;
}

static char *
s_read_file (const char *path, daiban_error_t *err)
{
    FILE *handle = fopen (path, "rb");
    if (!handle) {
        daiban_error_set (err, DAIBAN_BAD_REQUEST, "calendar file %s: %s", path, strerror (errno));
        return NULL;
    }
    char *text = (char *) malloc (S_FILE_SIZE_MAX + 1);
    size_t size = text? fread (text, 1, S_FILE_SIZE_MAX + 1, handle): 0;
    bool failed = !text || ferror (handle) || size > S_FILE_SIZE_MAX;
    fclose (handle);
    if (failed) {
        daiban_error_set (err, DAIBAN_BAD_REQUEST, "calendar file %s: %s", path,
                          !text? "out of memory": size > S_FILE_SIZE_MAX? "too large": "read error");
        free (text);
        return NULL;
    }
    text [size] = 0;
    return text;
}

static daiban_code_t
s_add_directory (calendar_t *self, const char *directory, daiban_error_t *err)
{
    DIR *handle = opendir (directory);
    if (!handle)
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "calendar/dir %s: %s",
                                 directory, strerror (errno));
    daiban_code_t code = DAIBAN_OK;
    struct dirent *entry;
    while (!code && (entry = readdir (handle))) {
        size_t length = strlen (entry->d_name);
        if (entry->d_name [0] == '.' || length < 5 || strcmp (entry->d_name + length - 4, ".cfg"))
            continue;
        char path [4096];
        snprintf (path, sizeof path, "%s/%s", directory, entry->d_name);
        char *text = s_read_file (path, err);
        code = text? s_add_file (self, path, text, err): DAIBAN_BAD_REQUEST;
        free (text);
    }
    closedir (handle);
    return code;
}

static daiban_code_t
s_no_children (calendar_file_t *file, zconfig_t *item, daiban_error_t *err)
{
    if (zconfig_child (item))
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "%s: %s: unexpected lines indented under it",
                                 file->name, zconfig_name (item));
    return DAIBAN_OK;
}

//  Applies one "YYYY-MM-DD = off|work" line of a holiday to the table.
static daiban_code_t
s_apply_date (calendar_t *self, calendar_file_t *file, const char *holiday,
              zconfig_t *item, daiban_error_t *err)
{
    date_t date;
    daiban_error_t parse_error;
    const char *text = zconfig_name (item);
    const char *kind = zconfig_value (item)? zconfig_value (item): "";
    if (date_parse (text, &date, &parse_error))
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "%s: holiday %s: %s",
                                 file->name, holiday, parse_error.message);
    bool working = streq (kind, "work");
    if (!working && !streq (kind, "off"))
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "%s: %s = \"%.20s\": expected off or work",
                                 file->name, text, kind);
    if (abs (date_year (date) - file->year) > 1)
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "%s: %s is not within a year of %d",
                                 file->name, text, file->year);
    if (working && !date_is_weekend (date))
        return daiban_error_set (err, DAIBAN_BAD_REQUEST,
                                 "%s: %s = work: a make-up working day is a Saturday or Sunday",
                                 file->name, text);
    size_t index = (size_t) (date - self->first);
    if (self->days [index] & S_LISTED) {
        const char *other = self->entries [index].file;
        if (other == file->name)
            return daiban_error_set (err, DAIBAN_BAD_REQUEST, "%s: %s is listed twice",
                                     file->name, text);
        if ((self->days [index] & S_WORKING) != (working? S_WORKING: 0))
            return daiban_error_set (err, DAIBAN_BAD_REQUEST, "%s and %s disagree on %s",
                                     other, file->name, text);
    }
    self->days [index] = S_LISTED | S_KNOWN | (working? S_WORKING: 0);
    self->entries [index] = (calendar_entry_t) { holiday, file->name };
    return s_no_children (file, item, err);
}

static daiban_code_t
s_apply_file (calendar_t *self, calendar_file_t *file, daiban_error_t *err)
{
    daiban_code_t code = DAIBAN_OK;
    for (zconfig_t *item = zconfig_child (file->tree); item && !code; item = zconfig_next (item)) {
        const char *name = zconfig_name (item);
        if (streq (name, "year") || streq (name, "notice")) {
            code = s_no_children (file, item, err);
            continue;
        }
        const char *holiday = zconfig_value (item);
        if (!streq (name, "holiday"))
            code = daiban_error_set (err, DAIBAN_BAD_REQUEST,
                                     "%s: unknown key \"%s\" (expected year, notice, holiday)",
                                     file->name, name);
        else
        if (!holiday || !*holiday)
            code = daiban_error_set (err, DAIBAN_BAD_REQUEST, "%s: a holiday without a name",
                                     file->name);
        for (zconfig_t *date = zconfig_child (item); date && !code; date = zconfig_next (date))
            code = s_apply_date (self, file, holiday, date, err);
    }
    return code;
}

//  Fills the table: the week, the known years, then every listed date.
static daiban_code_t
s_build_table (calendar_t *self, daiban_error_t *err)
{
    self->first = 0;
    self->last = -1;
    if (self->file_count == 0)
        return DAIBAN_OK;
    int first_year = calendar_first_known_year (self);
    int last_year = calendar_last_known_year (self);
    self->first = date_from_civil (first_year - 1, 1, 1);
    self->last = date_from_civil (last_year + 1, 12, 31);
    size_t count = (size_t) (self->last - self->first + 1);
    self->days = (uint8_t *) calloc (count, sizeof (uint8_t));
    self->entries = (calendar_entry_t *) calloc (count, sizeof (calendar_entry_t));
    if (!self->days || !self->entries)
        return daiban_error_set (err, DAIBAN_INTERNAL, "out of memory");
    for (date_t date = self->first; date <= self->last; date++)
        self->days [date - self->first] = date_is_weekend (date)? 0: S_WORKING;
    for (size_t index = 0; index < self->file_count; index++) {
        date_t from = date_from_civil (self->files [index].year, 1, 1);
        date_t to = date_from_civil (self->files [index].year, 12, 31);
        for (date_t date = from; date <= to; date++)
            self->days [date - self->first] |= S_KNOWN;
    }
    daiban_code_t code = DAIBAN_OK;
    for (size_t index = 0; index < self->file_count && !code; index++)
        code = s_apply_file (self, &self->files [index], err);
    return code;
}

calendar_t *
calendar_new (config_t *config, daiban_error_t *err)
{
    calendar_t *self = (calendar_t *) calloc (1, sizeof (calendar_t));
    if (!self) {
        daiban_error_set (err, DAIBAN_INTERNAL, "out of memory");
        return NULL;
    }
    daiban_code_t code = DAIBAN_OK;
    for (const config_file_t *file = config_embedded_files; file->name && !code; file++) {
        size_t length = strlen (file->name);
        if (!strncmp (file->name, "calendar/", 9) && length > 13
        &&  streq (file->name + length - 4, ".cfg"))
            code = s_add_file (self, file->name, file->text, err);
    }
    const char *directory = config? config_get (config, "calendar/dir"): NULL;
    if (!code && directory && *directory)
        code = s_add_directory (self, directory, err);
    if (!code)
        code = s_build_table (self, err);
    if (code) {
        calendar_destroy (&self);
        return NULL;
    }
    log_info ("calendar: years %d..%d known, from %zu files", calendar_first_known_year (self),
              calendar_last_known_year (self), self->file_count);
    return self;
}

int
calendar_first_known_year (calendar_t *self)
{
    int year = 0;
    for (size_t index = 0; index < self->file_count; index++)
        if (!year || self->files [index].year < year)
            year = self->files [index].year;
    return year;
}

int
calendar_last_known_year (calendar_t *self)
{
    int year = 0;
    for (size_t index = 0; index < self->file_count; index++)
        if (self->files [index].year > year)
            year = self->files [index].year;
    return year;
}

//  The one lookup every question goes through; sets *unknown for a day
//  that no file covers (it then follows the week).
static inline bool
s_working (calendar_t *self, date_t date, bool *unknown)
{
    if (date >= self->first && date <= self->last) {
        uint8_t flags = self->days [date - self->first];
        if (!(flags & S_KNOWN))
            *unknown = true;
        return flags & S_WORKING;
    }
    *unknown = true;
    return !date_is_weekend (date);
}

bool
calendar_is_working_day (calendar_t *self, date_t date, bool *provisional)
{
    bool unknown = false;
    bool working = s_working (self, date, &unknown);
    if (provisional)
        *provisional = unknown;
    return working;
}

const char *
calendar_holiday_name (calendar_t *self, date_t date)
{
    if (date < self->first || date > self->last
    || !(self->days [date - self->first] & S_LISTED))
        return NULL;
    return self->entries [date - self->first].holiday;
}

//  Steps from date by step (+1 or -1) until days working days are passed.
static daiban_code_t
s_count (calendar_t *self, date_t date, int days, int step, date_t *result,
         bool *provisional, daiban_error_t *err)
{
    if (days < 0 || days > CALENDAR_DAYS_MAX)
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "%d days: expected 0 to %d",
                                 days, CALENDAR_DAYS_MAX);
    bool unknown = false;
    while (days > 0) {
        if (date + step < DATE_MIN || date + step > DATE_MAX)
            return daiban_error_set (err, DAIBAN_BAD_REQUEST, "date out of range (%s to %s)",
                                     "0001-01-01", "9999-12-31");
        date += step;
        if (s_working (self, date, &unknown))
            days--;
    }
    *result = date;
    if (provisional)
        *provisional = unknown;
    return DAIBAN_OK;
}

daiban_code_t
calendar_add_working_days (calendar_t *self, date_t date, int days, date_t *result,
                           bool *provisional, daiban_error_t *err)
{
    return s_count (self, date, days, 1, result, provisional, err);
}

daiban_code_t
calendar_subtract_working_days (calendar_t *self, date_t date, int days, date_t *result,
                                bool *provisional, daiban_error_t *err)
{
    return s_count (self, date, days, -1, result, provisional, err);
}

date_t
calendar_next_working_day (calendar_t *self, date_t date, bool *provisional)
{
    date_t next = date;
    if (s_count (self, date, 1, 1, &next, provisional, NULL) != DAIBAN_OK && provisional)
        *provisional = true;        //  past DATE_MAX: nothing is known there
    return next;
}

daiban_code_t
calendar_add_days (calendar_t *self, date_t date, int days, date_t *result,
                   bool *provisional, daiban_error_t *err)
{
    if (days < 0 || days > CALENDAR_DAYS_MAX)
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "%d days: expected 0 to %d",
                                 days, CALENDAR_DAYS_MAX);
    if (date + days > DATE_MAX)
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "date out of range (%s to %s)",
                                 "0001-01-01", "9999-12-31");
    date_t target = date + days;
    bool unknown = false;
    if (s_working (self, target, &unknown)) {
        *result = target;
        if (provisional)
            *provisional = unknown;
        return DAIBAN_OK;
    }
    daiban_code_t code = s_count (self, target, 1, 1, result, provisional, err);
    if (!code && provisional)
        *provisional = *provisional || unknown;
    return code;
}

int
calendar_working_days_between (calendar_t *self, date_t from, date_t to, bool *provisional)
{
    bool unknown = false;
    int count = 0;
    for (date_t date = from + 1; date <= to; date++)
        count += s_working (self, date, &unknown);
    if (provisional)
        *provisional = unknown;
    return count;
}
