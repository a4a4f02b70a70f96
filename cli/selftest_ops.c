/*  selftest_ops: the `daibanctl selftest` checks of the operators' views:
    the alert fold (alert_book) against the reducer's rules, and the alert
    and dead letter lines (format_ops). selftest.c runs them. */
#include "commands.h"

#include <stdlib.h>
#include <string.h>
#include "alert_book.h"
#include "format_ops.h"

static int s_failures = 0;
static int s_checks = 0;

#define CHECK(condition) \
    do { s_checks++; if (!(condition)) { s_failures++; \
         fprintf (stderr, "selftest: %s:%d: check failed: %s\n", __FILE__, __LINE__, \
                  #condition); } } while (0)

//  Folds the event in text; the alert it touched, or NULL.
static json_t *
s_apply (alert_book_t *book, const char *text)
{
    json_t *event = json_loads (text, 0, NULL);
    json_t *alert = NULL;
    CHECK (event && alert_book_apply (book, event, &alert, NULL) == DAIBAN_OK);
    json_decref (event);
    return alert;
}

static long long
s_integer (json_t *alert, const char *key)
{
    return (long long) json_integer_value (json_object_get (alert, key));
}

static const char *
s_text (json_t *alert, const char *key)
{
    const char *text = json_string_value (json_object_get (alert, key));
    return text? text: "(none)";
}

static void
s_test_alert_book (void)
{
    alert_book_t *book = alert_book_new ();
    CHECK (book);
    if (!book)
        return;
    json_t *first = s_apply (book, "{\"type\":\"alert.raised\",\"case\":\"A\",\"ts\":1000,"
        "\"body\":{\"alert\":\"A/X/L1\",\"to\":\"专班组长\",\"level\":1,\"item\":\"X\","
        "\"summary\":\"s1\"}}");
    CHECK (first && s_integer (first, "repeat") == 0 && s_integer (first, "raised_at") == 1000);
    CHECK (first && streq (s_text (first, "case"), "A") && streq (s_text (first, "item"), "X"));
    CHECK (!s_apply (book, "{\"type\":\"worklog.added\",\"case\":\"A\",\"body\":{}}"));
    //  Raised again without an item: one more repeat, the item kept.
    json_t *again = s_apply (book, "{\"type\":\"alert.raised\",\"case\":\"A\",\"ts\":2000,"
        "\"body\":{\"alert\":\"A/X/L1\",\"to\":\"专班组长\",\"level\":1,\"summary\":\"s2\"}}");
    CHECK (again == first && s_integer (again, "repeat") == 1);
    CHECK (again && s_integer (again, "raised_at") == 2000 && streq (s_text (again, "item"), "X")
           && streq (s_text (again, "summary"), "s2"));
    //  The same id in another case is another alert.
    json_t *other = s_apply (book, "{\"type\":\"alert.raised\",\"case\":\"B\",\"ts\":3000,"
        "\"body\":{\"alert\":\"A/X/L1\",\"to\":\"市政府\",\"level\":2,\"summary\":\"s3\"}}");
    CHECK (other && other != first && json_is_null (json_object_get (other, "item")));
    json_t *acknowledged = s_apply (book, "{\"type\":\"alert.acknowledged\",\"case\":\"A\","
        "\"body\":{\"alert\":\"A/X/L1\",\"by\":\"张组长\"}}");
    CHECK (acknowledged == first && json_is_true (json_object_get (first, "acknowledged")));
    CHECK (streq (s_text (first, "acknowledged_by"), "张组长"));
    CHECK (!s_apply (book, "{\"type\":\"alert.acknowledged\",\"case\":\"A\","
        "\"body\":{\"alert\":\"nope\",\"by\":\"z\"}}"));
    json_t *alerts = alert_book_alerts (book);
    CHECK (json_array_size (alerts) == 2 && json_array_get (alerts, 0) == first);
    CHECK (!alert_book_selects (first, NULL, false) && alert_book_selects (first, NULL, true));
    CHECK (alert_book_selects (other, "市政府", false) && !alert_book_selects (other, "专班组长", true));
    alert_book_destroy (&book);
    alert_book_destroy (&book);
    CHECK (!book);
}

//  What a format_ops function writes for the JSON in text.
static char *
s_line (void (*view) (FILE *out, json_t *value), const char *text)
{
    json_t *value = json_loads (text, 0, NULL);
    char *line = NULL;
    size_t size = 0;
    FILE *out = open_memstream (&line, &size);
    if (out && value)
        view (out, value);
    if (out)
        fclose (out);
    json_decref (value);
    return line;
}

static void
s_test_lines (void)
{
    char *line = s_line (format_alert_line, "{\"alert\":\"A/X/L1\",\"case\":\"A\",\"to\":"
        "\"专班组长\",\"level\":1,\"item\":\"X\",\"repeat\":2,\"raised_at\":1795000000000,"
        "\"acknowledged\":false,\"summary\":\"line one\\nline two\"}");
    CHECK (line && streq (line, "A/X/L1                  level 1  OPEN          to 专班组长   "
                          "case A              item X      repeat 2  raised 2026-11-18 19:06:40"
                          "  line one line two\n"));
    free (line);
    line = s_line (format_deadletter, "{\"role\":\"intake\",\"seq\":12,\"case\":\"A\","
        "\"attempts\":5,\"status\":\"dead\",\"at\":1795000000000,\"message\":\"boom\"}");
    CHECK (line && streq (line, "intake      seq 12     case A              attempts 5  dead"
                          "     2026-11-18 19:06:40  boom\n"));
    free (line);
}

int
selftest_ops (int *checks)
{
    s_test_alert_book ();
    s_test_lines ();
    *checks += s_checks;
    return s_failures;
}
