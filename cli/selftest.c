/*  selftest: `daibanctl selftest` checks the client's own modules (JSON <->
    msgpack, option parsing, text formatting; selftest_ops.c the alert fold
    and the operators' lines) with no broker, as czmq's
    selftests do; the integration test runs it. Each check names its line
    when it fails, and the exit code is 1 when any failed. */
#include "commands.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "args.h"
#include "calendar.h"
#include "date.h"
#include "encoding.h"
#include "format.h"
#include "format_state.h"
#include "json_msgpack.h"

static int s_failures = 0;
static int s_checks = 0;

#define CHECK(condition) \
    do { s_checks++; if (!(condition)) { s_failures++; \
         fprintf (stderr, "selftest: %s:%d: check failed: %s\n", __FILE__, __LINE__, \
                  #condition); } } while (0)

//  JSON text -> msgpack -> JSON text.
static char *
s_round_trip (const char *text)
{
    json_t *value = json_loads (text, JSON_DECODE_ANY, NULL);
    char *data = NULL, *result = NULL;
    size_t size = 0;
    if (value && json_msgpack_encode (value, &data, &size, NULL) == DAIBAN_OK) {
        json_t *back = json_msgpack_decode (data, size, JSON_MSGPACK_BIN_BASE64, NULL);
        result = back? json_dumps (back, JSON_COMPACT | JSON_ENCODE_ANY): NULL;
        json_decref (back);
    }
    free (data);
    json_decref (value);
    return result;
}

static void
s_test_round_trip (void)
{
    static const char *texts [] = {
        "{\"a\":1,\"b\":-2,\"c\":true,\"d\":false,\"e\":null,\"f\":[1,\"x\",{}]}",
        "{\"project\":\"鞍山某新材料产业园项目\",\"items\":[{\"code\":\"X\"}]}",
        "9223372036854775807", "-9223372036854775808", "0.5", "\"\"", "[]", NULL
    };
    for (int index = 0; texts [index]; index++) {
        char *back = s_round_trip (texts [index]);
        CHECK (back && streq (back, texts [index]));
        free (back);
    }
}

static void
s_test_types (void)
{
    //  1 is a msgpack integer (0x01), 1.0 a float64 (0xcb ...), true 0xc3.
    json_t *value = json_loads ("[1, 1.0, true, \"é\"]", 0, NULL);
    char *data = NULL;
    size_t size = 0;
    CHECK (json_msgpack_encode (value, &data, &size, NULL) == DAIBAN_OK);
    CHECK (size == 1 + 1 + 9 + 1 + 3);
    CHECK (data && (unsigned char) data [1] == 0x01 && (unsigned char) data [2] == 0xcb
           && (unsigned char) data [11] == 0xc3 && (unsigned char) data [12] == 0xa2);
    free (data);
    json_decref (value);
}

static void
s_test_decode (void)
{
    daiban_error_t err;
    //  Trailing bytes, truncation, bin, ext, non-string keys, bad UTF-8.
    CHECK (!json_msgpack_decode ("\x01\x02", 2, JSON_MSGPACK_BIN_BASE64, &err));
    CHECK (err.code == DAIBAN_BAD_REQUEST && strstr (err.message, "trailing"));
    CHECK (!json_msgpack_decode ("\x92\x01", 2, JSON_MSGPACK_BIN_BASE64, &err));
    json_t *bin = json_msgpack_decode ("\xc4\x03" "abc", 5, JSON_MSGPACK_BIN_BASE64, &err);
    CHECK (bin && streq (json_string_value (bin), "YWJj"));
    json_decref (bin);
    bin = json_msgpack_decode ("\xc4\x02\x00\xff", 4, JSON_MSGPACK_BIN_HEX, &err);
    CHECK (bin && streq (json_string_value (bin), "00ff"));
    json_decref (bin);
    json_t *ext = json_msgpack_decode ("\xd4\x05\x41", 3, JSON_MSGPACK_BIN_BASE64, &err);
    CHECK (ext && json_integer_value (json_object_get (ext, "ext")) == 5
           && streq (json_string_value (json_object_get (ext, "data")), "QQ=="));
    json_decref (ext);
    json_t *map = json_msgpack_decode ("\x81\x07\xa1x", 4, JSON_MSGPACK_BIN_BASE64, &err);
    CHECK (map && streq (json_string_value (json_object_get (map, "7")), "x"));
    json_decref (map);
    json_t *text = json_msgpack_decode ("\xa3" "a\xff" "b", 4, JSON_MSGPACK_BIN_BASE64, &err);
    CHECK (text && streq (json_string_value (text), "a\xEF\xBF\xBD" "b"));
    json_decref (text);
    json_t *big = json_msgpack_decode ("\xcf\xff\xff\xff\xff\xff\xff\xff\xff", 9,
                                       JSON_MSGPACK_BIN_BASE64, &err);
    CHECK (big && json_is_real (big));
    json_decref (big);
    json_t *nan = json_msgpack_decode ("\xcb\x7f\xf8\x00\x00\x00\x00\x00\x00", 9,
                                       JSON_MSGPACK_BIN_BASE64, &err);
    CHECK (nan && json_is_null (nan));
    json_decref (nan);
}

static void
s_test_encoding (void)
{
    static const struct { const char *in, *out; } base64 [] = {
        { "", "" }, { "a", "YQ==" }, { "ab", "YWI=" }, { "abc", "YWJj" }, { "abcd", "YWJjZA==" }
    };
    for (size_t index = 0; index < sizeof base64 / sizeof base64 [0]; index++) {
        char *text = encoding_base64 (base64 [index].in, strlen (base64 [index].in));
        CHECK (text && streq (text, base64 [index].out));
        free (text);
    }
    //  Overlong "/", a surrogate, a code point past U+10FFFF, a cut
    //  sequence: each bad byte becomes one U+FFFD; good text stays.
    static const struct { const char *in, *out; } utf8 [] = {
        { "\xC0\xAF", "\uFFFD\uFFFD" }, { "\xED\xA0\x80", "\uFFFD\uFFFD\uFFFD" },
        { "\xF4\x90\x80\x80", "\uFFFD\uFFFD\uFFFD\uFFFD" }, { "x\xE6\xB5", "x\uFFFD\uFFFD" },
        { "海城市 \xF0\x9F\x98\x80", "海城市 \xF0\x9F\x98\x80" }
    };
    for (size_t index = 0; index < sizeof utf8 / sizeof utf8 [0]; index++) {
        size_t size = 0;
        char *text = encoding_utf8_clean (utf8 [index].in, strlen (utf8 [index].in), &size);
        CHECK (text && streq (text, utf8 [index].out) && size == strlen (utf8 [index].out));
        free (text);
    }
}

static void
s_test_depth (void)
{
    //  300 nested arrays: over the limit both ways.
    char text [700];
    memset (text, '[', 300);
    memset (text + 300, ']', 300);
    text [600] = 0;
    json_t *deep = json_loads (text, 0, NULL);
    CHECK (deep);
    char *data = NULL;
    size_t size = 0;
    daiban_error_t err;
    CHECK (json_msgpack_encode (deep, &data, &size, &err) == DAIBAN_BAD_REQUEST);
    json_decref (deep);
    //  Ten nested arrays, read with a limit of five.
    msgpack_object inner = { .type = MSGPACK_OBJECT_NIL };
    msgpack_object levels [10];
    for (int index = 9; index >= 0; index--) {
        levels [index].type = MSGPACK_OBJECT_ARRAY;
        levels [index].via.array.size = 1;
        levels [index].via.array.ptr = index == 9? &inner: &levels [index + 1];
    }
    CHECK (!json_msgpack_to_json (&levels [0], JSON_MSGPACK_BIN_BASE64, 5, &err));
    CHECK (err.code == DAIBAN_BAD_REQUEST);
    json_t *fine = json_msgpack_to_json (&levels [0], JSON_MSGPACK_BIN_BASE64, 11, &err);
    CHECK (fine);
    json_decref (fine);
}

static void
s_test_args (void)
{
    const char *type = NULL, *body = NULL, *positional [2];
    int64_t at = -1;
    bool json = false;
    args_option_t options [] = {
        { "--type", ARGS_TEXT, &type }, { "--at", ARGS_INTEGER, &at },
        { "--body", ARGS_TEXT, &body }, { "--json", ARGS_FLAG, &json }, { NULL, 0, NULL }
    };
    char *argv [] = { "post", "--type=item.progress", "ID", "--at", "17", "--body", "-",
                      "--json", "--", "--x", NULL };
    size_t count = 0;
    daiban_error_t err;
    CHECK (args_parse (10, argv, 1, options, positional, 2, &count, &err) == DAIBAN_OK);
    CHECK (type && streq (type, "item.progress") && at == 17 && body && streq (body, "-"));
    CHECK (json && count == 2 && streq (positional [0], "ID") && streq (positional [1], "--x"));
    char *bad [] = { "post", "--at", "1x", NULL };
    CHECK (args_parse (3, bad, 1, options, positional, 2, &count, &err) == DAIBAN_BAD_REQUEST);
    char *unknown [] = { "post", "--nope", NULL };
    CHECK (args_parse (2, unknown, 1, options, positional, 2, &count, &err)
           == DAIBAN_BAD_REQUEST);
    char *missing [] = { "post", "--type", NULL };
    CHECK (args_parse (2, missing, 1, options, positional, 2, &count, &err)
           == DAIBAN_BAD_REQUEST);
}

//  What format_event writes for the event in text.
static char *
s_event_line (const char *text)
{
    json_t *event = json_loads (text, 0, NULL);
    char *line = NULL;
    size_t size = 0;
    FILE *out = open_memstream (&line, &size);
    if (out && event)
        format_event (out, event);
    if (out)
        fclose (out);
    json_decref (event);
    return line;
}

static void
s_test_format (void)
{
    char stamp [32];
    //  1795000000000 ms is 2026-11-18 11:06:40 UTC, 19:06:40 in CST.
    CHECK (streq (format_time_cst (1795000000000LL, stamp, sizeof stamp), "2026-11-18 19:06:40"));
    CHECK (streq (format_time_cst (0, stamp, sizeof stamp), "1970-01-01 08:00:00"));
    CHECK (format_width ("ab海城市") == 8);
    char *cut = format_truncate ("海城市海城市", 4);
    CHECK (cut && streq (cut, "海城市…"));
    free (cut);
    cut = format_truncate ("a\nb", 10);
    CHECK (cut && streq (cut, "a b"));
    free (cut);
    char *line = s_event_line ("{\"seq\":12,\"ts\":1795000000000,\"type\":\"case.registered\","
        "\"case\":\"AS-2026-0001\",\"source\":\"window-3\",\"body\":{\"project\":\"鞍山项目\","
        "\"items\":[{\"code\":\"X\"},{\"code\":\"Y\"}],\"contact\":{\"name\":\"王经理\"}}}");
    CHECK (line && strstr (line, "    12  2026-11-18 19:06:40  case.registered"));
    CHECK (line && strstr (line, "AS-2026-0001  window-3"));
    CHECK (line && strstr (line, "project=鞍山项目 items=X,Y contact={\"name\":\"王经理\"}\n"));
    free (line);
    line = s_event_line ("{\"seq\":3,\"type\":\"deadline.overdue\",\"case\":\"C\","
                         "\"body\":{\"item\":\"X\",\"days_over\":1},\"cause\":2}");
    CHECK (line && strstr (line, "item=X days_over=1  (cause #2)\n"));
    free (line);
}

static void
s_test_days_left (void)
{
    calendar_t *calendar = calendar_new (NULL, NULL);
    CHECK (calendar);
    if (!calendar)
        return;
    char text [64];
    //  Monday 2026-11-16 noon CST; due Friday 2026-11-20: 4 working days left.
    int64_t monday = date_at_ms (date_from_civil (2026, 11, 16), 12, 0);
    CHECK (streq (format_days_left ("2026-11-20", calendar, monday, text, sizeof text),
                  "4 working days left"));
    CHECK (streq (format_days_left ("2026-11-16", calendar, monday, text, sizeof text),
                  "due today"));
    //  Due the Friday before: Monday is the first working day over.
    CHECK (streq (format_days_left ("2026-11-13", calendar, monday, text, sizeof text),
                  "1 working day over"));
    CHECK (streq (format_days_left ("bad", calendar, monday, text, sizeof text), ""));
    calendar_destroy (&calendar);
}

int
cmd_selftest (cli_t *cli, int argc, char **argv)
{
    (void) cli;
    bool verbose = argc > 1 && streq (argv [1], "-v");
    s_test_round_trip ();
    s_test_types ();
    s_test_decode ();
    s_test_encoding ();
    s_test_depth ();
    s_test_args ();
    s_test_format ();
    s_test_days_left ();
    s_failures += selftest_ops (&s_checks);
    if (verbose || s_failures)
        fprintf (stderr, "selftest: %d checks, %d failed\n", s_checks, s_failures);
    printf ("selftest: %s\n", s_failures? "FAILED": "OK");
    return s_failures? CLI_EXIT_BROKER_ERROR: CLI_EXIT_OK;
}
