/*  report_pdf: what goes where in the report's PDF (see report_pdf.h);
    the layout is pdf_doc's, the charts report_charts'. */
#include "report_pdf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "format.h"
#include "json_field.h"
#include "pdf_doc.h"
#include "report_charts.h"

#define ROWS_MAX 64                 //  rows of a chart; the tables hold them all

typedef struct {
    json_t *report, *current, *previous;
    int64_t made_at;
} s_report_t;

static void
s_cover (pdf_doc_t *doc, void *closure)
{
    s_report_t *report = (s_report_t *) closure;
    char line [256], made [32];
    pdf_doc_space (doc, 150);
    pdf_doc_text (doc, "项目建设手续帮办代办领办", 20, true, true);
    pdf_doc_space (doc, 10);
    pdf_doc_text (doc, "工作进展定期报送", 28, true, true);
    pdf_doc_space (doc, 50);
    snprintf (line, sizeof line, "报送期间：%s 至 %s", json_field_text (report->report, "from", ""),
              json_field_text (report->report, "to", ""));
    pdf_doc_text (doc, line, 13, false, true);
    pdf_doc_space (doc, 8);
    snprintf (line, sizeof line, "对比上期：%s 至 %s",
              json_field_text (report->report, "previous_from", ""),
              json_field_text (report->report, "previous_to", ""));
    pdf_doc_text (doc, line, 13, false, true);
    pdf_doc_space (doc, 8);
    format_time_cst (report->made_at, made, sizeof made);
    snprintf (line, sizeof line, "报送专班 · 生成时间 %s", made);
    pdf_doc_text (doc, line, 11, false, true);
}

static void
s_int_cell (char *buffer, size_t size, json_t *object, const char *key)
{
    json_t *value = json_object_get (object, key);
    if (json_is_integer (value))
        snprintf (buffer, size, "%lld", (long long) json_integer_value (value));
    else
        snprintf (buffer, size, "—");
}

static void
s_rate_cell (char *buffer, size_t size, json_t *object)
{
    json_t *rate = json_object_get (object, "on_time_rate");
    if (json_is_number (rate))
        snprintf (buffer, size, "%.1f%%", 100 * json_number_value (rate));
    else
        snprintf (buffer, size, "—");
}

static void
s_cases (pdf_doc_t *doc, s_report_t *report)
{
    static const char *const keys [][2] = { { "registered", "登记" }, { "accepted", "受理" },
        { "returned", "一次性告知退回" }, { "closed", "办结销号" }, { "open_at_end", "期末在办" } };
    static const double widths [] = { 2, 1, 1, 1 };
    static const char *const header [] = { "指标", "本期", "上期", "增减" };
    pdf_doc_heading (doc, 1, "一、案件情况");
    pdf_doc_table_begin (doc, 4, widths, header);
    json_t *now = json_object_get (report->current, "cases");
    json_t *before = json_object_get (report->previous, "cases");
    for (size_t index = 0; index < sizeof keys / sizeof keys [0]; index++) {
        char a [24], b [24], change [24];
        int64_t x = json_field_int (now, keys [index][0]), y = json_field_int (before, keys [index][0]);
        snprintf (a, sizeof a, "%lld", (long long) x);
        snprintf (b, sizeof b, "%lld", (long long) y);
        snprintf (change, sizeof change, "%+lld", (long long) (x - y));
        const char *cells [] = { keys [index][1], a, b, change };
        pdf_doc_table_row (doc, cells);
    }
    pdf_doc_table_end (doc);
}

//  A table and a chart of the on-time rates of one grouping.
static void
s_groups (pdf_doc_t *doc, s_report_t *report, const char *key, const char *title,
          const char *what)
{
    static const double widths [] = { 2, 1, 1, 1, 1, 1 };
    const char *header [] = { what, "办结", "按时", "超时", "按时率", "上期按时率" };
    json_t *now = json_object_get (json_object_get (report->current, "items"), key);
    json_t *before = json_object_get (json_object_get (report->previous, "items"), key);
    pdf_doc_heading (doc, 2, title);
    pdf_doc_table_begin (doc, 6, widths, header);
    const char *labels [ROWS_MAX];
    double values [ROWS_MAX], previous [ROWS_MAX];
    size_t count = 0;
    const char *name;
    json_t *group;
    json_object_foreach (now, name, group) {
        char decided [24], on_time [24], late [24], rate [24], earlier [24];
        s_int_cell (decided, sizeof decided, group, "decided");
        s_int_cell (on_time, sizeof on_time, group, "on_time");
        s_int_cell (late, sizeof late, group, "late");
        s_rate_cell (rate, sizeof rate, group);
        s_rate_cell (earlier, sizeof earlier, json_object_get (before, name));
        const char *cells [] = { name, decided, on_time, late, rate, earlier };
        pdf_doc_table_row (doc, cells);
        if (count < ROWS_MAX) {
            labels [count] = name;
            values [count] = 100 * json_number_value (json_object_get (group, "on_time_rate"));
            previous [count++] = 100 * json_number_value (json_object_get (
                json_object_get (before, name), "on_time_rate"));
        }
    }
    pdf_doc_table_end (doc);
    if (!count)
        return;
    char chart_title [128];
    snprintf (chart_title, sizeof chart_title, "%s按时办结率", what);
    report_chart_t chart = { chart_title, labels, count, values, previous, NULL, "本期",
                             "上期", NULL, 100, "%.0f%%" };
    report_chart_bars (doc, &chart);
}

static void
s_items (pdf_doc_t *doc, s_report_t *report)
{
    json_t *items = json_object_get (report->current, "items");
    char line [256], rate [24], earlier [24];
    s_rate_cell (rate, sizeof rate, items);
    s_rate_cell (earlier, sizeof earlier, json_object_get (report->previous, "items"));
    pdf_doc_heading (doc, 1, "二、事项办理");
    snprintf (line, sizeof line, "本期办结事项 %lld 项，其中按时 %lld 项、超时 %lld 项，按时办结率 %s"
              "（上期 %s）。", (long long) json_field_int (items, "decided"),
              (long long) json_field_int (items, "on_time"),
              (long long) json_field_int (items, "late"), rate, earlier);
    pdf_doc_paragraph (doc, line);
    s_groups (doc, report, "by_department", "按部门", "部门");
    s_groups (doc, report, "by_county", "按县区", "县区");
}

static void
s_working_days (pdf_doc_t *doc, s_report_t *report)
{
    static const double widths [] = { 2.6, 0.8, 0.8, 0.8, 0.8 };
    static const char *const header [] = { "事项", "时限", "办结", "用时中位", "最长" };
    pdf_doc_heading (doc, 1, "三、办理用时（工作日）");
    pdf_doc_table_begin (doc, 5, widths, header);
    const char *labels [ROWS_MAX];
    char names [ROWS_MAX][200];
    double median [ROWS_MAX], worst [ROWS_MAX], limits [ROWS_MAX];
    size_t count = 0;
    const char *code;
    json_t *entry;
    json_object_foreach (json_object_get (report->current, "working_days"), code, entry) {
        char name [200], limit [24], decided [24], middle [24], longest [24];
        snprintf (name, sizeof name, "%s %s", code, json_field_text (entry, "name", ""));
        s_int_cell (limit, sizeof limit, entry, "limit_days");
        s_int_cell (decided, sizeof decided, entry, "decided");
        s_int_cell (middle, sizeof middle, entry, "median");
        s_int_cell (longest, sizeof longest, entry, "worst");
        const char *cells [] = { name, limit, decided, middle, longest };
        pdf_doc_table_row (doc, cells);
        if (count < ROWS_MAX) {
            snprintf (names [count], sizeof names [count], "%s", code);
            labels [count] = names [count];
            median [count] = (double) json_field_int (entry, "median");
            worst [count] = (double) json_field_int (entry, "worst");
            limits [count++] = (double) json_field_int (entry, "limit_days");
        }
    }
    pdf_doc_table_end (doc);
    if (!count) {
        pdf_doc_paragraph (doc, "本期无办结事项。");
        return;
    }
    report_chart_t chart = { "办理用时与法定时限", labels, count, median, worst, limits,
                             "中位用时", "最长用时", "时限", 0, "%.0f" };
    report_chart_bars (doc, &chart);
}

static void
s_overdue (pdf_doc_t *doc, s_report_t *report)
{
    static const double widths [] = { 2.2, 0.8, 1.6, 0.8, 1.3, 0.8, 0.8 };
    static const char *const header [] = { "案件", "事项", "部门", "代办员", "到期",
                                           "超期(工作日)", "督办级别" };
    json_t *overdue = json_object_get (report->current, "overdue");
    pdf_doc_heading (doc, 1, "四、期末超期事项");
    if (!json_array_size (overdue)) {
        pdf_doc_paragraph (doc, "期末无超期事项。");
        return;
    }
    pdf_doc_table_begin (doc, 7, widths, header);
    size_t index;
    json_t *entry;
    json_array_foreach (overdue, index, entry) {
        char days [24], level [24];
        s_int_cell (days, sizeof days, entry, "days_over");
        s_int_cell (level, sizeof level, entry, "escalation");
        const char *cells [] = { json_field_text (entry, "case", ""),
            json_field_text (entry, "item", ""), json_field_text (entry, "department", ""),
            json_field_text (entry, "agent", ""), json_field_text (entry, "due", ""), days, level };
        pdf_doc_table_row (doc, cells);
    }
    pdf_doc_table_end (doc);
}

static void
s_supervision (pdf_doc_t *doc, s_report_t *report)
{
    static const double widths [] = { 2, 1, 1 };
    static const char *const header [] = { "部门", "本期催办", "上期催办" };
    pdf_doc_heading (doc, 1, "五、催办与督办");
    pdf_doc_heading (doc, 2, "催办（按部门）");
    pdf_doc_table_begin (doc, 3, widths, header);
    json_t *before = json_object_get (report->previous, "reminders");
    const char *name;
    json_t *count;
    json_object_foreach (json_object_get (report->current, "reminders"), name, count) {
        char now [24], earlier [24];
        snprintf (now, sizeof now, "%lld", (long long) json_integer_value (count));
        snprintf (earlier, sizeof earlier, "%lld", (long long) json_field_int (before, name));
        const char *cells [] = { name, now, earlier };
        pdf_doc_table_row (doc, cells);
    }
    pdf_doc_table_end (doc);
    static const double level_widths [] = { 1.4, 1, 1, 1, 1.2, 1.2 };
    static const char *const level_header [] = { "级别", "升级次数", "已确认", "未确认",
                                                 "确认用时中位(分钟)", "最长(分钟)" };
    pdf_doc_heading (doc, 2, "督办升级（按级别）");
    pdf_doc_table_begin (doc, 6, level_widths, level_header);
    json_t *entry;
    json_object_foreach (json_object_get (report->current, "escalations"), name, entry) {
        char level [64], raised [24], acknowledged [24], open [24], middle [24], longest [24];
        snprintf (level, sizeof level, "%s 级（%s）", name,
                  strcmp (name, "2") >= 0? "市政府": "专班组长约谈");
        s_int_cell (raised, sizeof raised, entry, "raised");
        s_int_cell (acknowledged, sizeof acknowledged, entry, "acknowledged");
        s_int_cell (open, sizeof open, entry, "unacknowledged");
        s_int_cell (middle, sizeof middle, entry, "ack_minutes_median");
        s_int_cell (longest, sizeof longest, entry, "ack_minutes_worst");
        const char *cells [] = { level, raised, acknowledged, open, middle, longest };
        pdf_doc_table_row (doc, cells);
    }
    pdf_doc_table_end (doc);
}

static void
s_agents (pdf_doc_t *doc, s_report_t *report)
{
    static const double widths [] = { 2, 1, 1 };
    static const char *const header [] = { "代办员", "在办案件", "上限" };
    pdf_doc_heading (doc, 1, "六、代办员负荷");
    pdf_doc_table_begin (doc, 3, widths, header);
    const char *labels [ROWS_MAX];
    char names [ROWS_MAX][200];
    double open [ROWS_MAX], capacity [ROWS_MAX];
    size_t count = 0, index;
    json_t *agent;
    json_array_foreach (json_object_get (report->current, "agents"), index, agent) {
        char name [200], now [24], limit [24];
        snprintf (name, sizeof name, "%s（%s）", json_field_text (agent, "name", ""),
                  json_field_text (agent, "agent", ""));
        s_int_cell (now, sizeof now, agent, "open");
        s_int_cell (limit, sizeof limit, agent, "capacity");
        const char *cells [] = { name, now, limit };
        pdf_doc_table_row (doc, cells);
        if (count < ROWS_MAX) {
            snprintf (names [count], sizeof names [count], "%s", name);
            labels [count] = names [count];
            open [count] = (double) json_field_int (agent, "open");
            capacity [count++] = (double) json_field_int (agent, "capacity");
        }
    }
    pdf_doc_table_end (doc);
    if (count) {
        report_chart_t chart = { "代办员在办案件与上限", labels, count, open, NULL, capacity,
                                 "在办案件", NULL, "上限", 0, "%.0f" };
        report_chart_bars (doc, &chart);
    }
}

static void
s_body (pdf_doc_t *doc, void *closure)
{
    s_report_t *report = (s_report_t *) closure;
    s_cases (doc, report);
    s_items (doc, report);
    s_working_days (doc, report);
    s_overdue (doc, report);
    s_supervision (doc, report);
    s_agents (doc, report);
}

daiban_code_t
report_pdf_write (json_t *report, int64_t made_at, const char *path, daiban_error_t *err)
{
    s_report_t closure = { report, json_object_get (report, "current"),
                           json_object_get (report, "previous"), made_at };
    char title [128];
    snprintf (title, sizeof title, "定期报送 %s 至 %s", json_field_text (report, "from", ""),
              json_field_text (report, "to", ""));
    return pdf_doc_render (path, title, s_cover, s_body, &closure, err);
}
