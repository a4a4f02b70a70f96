/*  unit_files: helpers the store and log tests share — a temporary
    directory made and removed around a test, and a forked child that
    ends with _exit (a crash, or a limit set for it alone) and reports the
    step that failed by its exit status. Header-only (static inline);
    include it after <cmocka.h>, with _XOPEN_SOURCE 700 defined. */
#ifndef DAIBAN_UNIT_FILES_H
#define DAIBAN_UNIT_FILES_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static inline int
unit_remove_entry (const char *path, const struct stat *info, int flag, struct FTW *walk)
{
    (void) info;
    (void) flag;
    (void) walk;
    return remove (path);
}

//  A new directory /tmp/PREFIX_XXXXXX (caller removes it).
static inline char *
unit_temp_dir (const char *prefix)
{
    char *dir = (char *) malloc (strlen (prefix) + 16);
    assert_non_null (dir);
    sprintf (dir, "/tmp/%s_XXXXXX", prefix);
    assert_non_null (mkdtemp (dir));
    return dir;
}

static inline void
unit_remove_dir (char **dir_p)
{
    if (!*dir_p)
        return;
    assert_int_equal (nftw (*dir_p, unit_remove_entry, 16, FTW_DEPTH | FTW_PHYS), 0);
    free (*dir_p);
    *dir_p = NULL;
}

//  A child's check: it reports the step that failed by its exit status.
#define UNIT_CHILD_CHECK(condition, step, what) do { \
    if (!(condition)) { \
        fprintf (stderr, "child step %d: %s\n", (step), (what)); \
        return (step); \
    } \
} while (0)

typedef int (unit_child_fn) (void);

//  Runs child in a forked process that ends with _exit (no destructors,
//  no cmocka) and fails the test with the step it reports.
static inline void
unit_run_child (unit_child_fn *child)
{
    fflush (NULL);
    pid_t pid = fork ();
    assert_true (pid >= 0);
    if (pid == 0)
        _exit (child ());
    int status;
    assert_int_equal (waitpid (pid, &status, 0), pid);
    assert_true (WIFEXITED (status));
    if (WEXITSTATUS (status))
        fail_msg ("the child failed at step %d", WEXITSTATUS (status));
}

#endif
