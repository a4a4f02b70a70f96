/* The web board of daiban (线上专区): logs in with a token, reads the
   gateway's JSON API and stays live through its event stream (SSE):
   every committed event makes the open view read its data again. Plain
   JavaScript, no library: the machines have no internet. */
"use strict";

const TYPE_NAMES = {
  "case.registered": "案件登记", "case.returned": "退回补正（一次性告知）",
  "case.materials_supplied": "补正材料", "case.accepted": "受理并分派代办员",
  "case.closed": "办结销号", "item.submitted": "报送部门", "item.transferred": "转交区县",
  "item.transfer_accepted": "区县确认接收", "item.deadline_set": "设定办理时限",
  "item.suspended": "暂停计时", "item.resumed": "恢复计时", "item.progress": "部门反馈进度",
  "item.approved": "审批通过", "item.rejected": "审批未通过", "item.withdrawn": "撤回事项",
  "result.delivered": "送达结果", "deadline.warning": "临期预警", "deadline.overdue": "超期",
  "reminder.sent": "催办提醒", "escalation.raised": "升级督办", "meeting.convened": "召开协调会",
  "meeting.minutes": "会议纪要", "alert.raised": "督办预警", "alert.acknowledged": "预警已签收",
  "worklog.added": "工作日志", "problem.reported": "问题上报", "timer.fired": "定时触发",
  "dispatch.dead_lettered": "处理失败转人工"
};
const CASE_STATUS = { registered: "已登记", returned: "已退回补正", accepted: "已受理",
  in_progress: "办理中", closed: "已办结" };
const ITEM_STATUS = { waiting: "待放行", submitted: "已报送", transferred: "已转区县",
  in_review: "审查中", suspended: "已暂停", approved: "已批准", rejected: "未批准",
  withdrawn: "已撤回" };
const ROLE_NAMES = { system: "对接系统", department: "审批部门", operator: "代办员/窗口",
  supervisor: "专班督办", admin: "管理员" };
const DAY_MS = 86400000;
const REMINDER_WINDOW = 20000;          //  events of the log searched for reminders

const board = { token: sessionStorage.getItem("daiban-token") || "", me: null, view: "overview",
  caseId: null, source: null, timer: null };

const $ = (id) => document.getElementById(id);

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key === "class") node.className = value;
    else if (key.startsWith("data-")) node.setAttribute(key, value);
    else node[key] = value;
  }
  for (const child of children)
    node.append(child instanceof Node ? child : document.createTextNode(child ?? ""));
  return node;
}

async function api(path, options = {}) {
  const headers = { "Accept": "application/json" };
  if (board.token) headers["Authorization"] = "Bearer " + board.token;
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, { method: options.method || "GET", headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body) });
  const body = await response.json();
  if (!response.ok) {
    const error = new Error(body.error ? body.error.message : response.statusText);
    error.status = response.status;
    throw error;
  }
  return body;
}

function say(text) { $("message").textContent = text || ""; }

function cst(ms) {
  if (!ms) return "";
  return new Date(ms).toLocaleString("zh-CN", { timeZone: "Asia/Shanghai", hour12: false,
    year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" });
}

function dueEnd(date) { return Date.parse(date + "T23:59:59+08:00"); }

/* Login and who is logged in. */

function showLogin(message) {
  $("login").hidden = false;
  $("app").hidden = true;
  $("who").hidden = true;
  $("login-error").textContent = message;
}

async function login(token) {
  board.token = token;
  if (!token) {
    //  healthz needs no token: it says whether the gateway asks for one.
    const health = await (await fetch("/healthz")).json();
    if (health.tokens) return showLogin("");
  }
  try {
    board.me = await api("/v1/whoami");
  } catch (error) {
    board.me = null;
    if (error.status !== 401) throw error;
    sessionStorage.removeItem("daiban-token");
    return showLogin("令牌无效：" + error.message);
  }
  sessionStorage.setItem("daiban-token", token);
  $("who-name").textContent = board.me.name;
  $("who-role").textContent = ROLE_NAMES[board.me.role] || board.me.role;
  $("logout").hidden = !board.me.tokens;
  $("who").hidden = false;
  $("login").hidden = true;
  $("app").hidden = false;
  follow();
  await refresh();
}

function logout() {
  sessionStorage.removeItem("daiban-token");
  if (board.source) board.source.close();
  board.token = "";
  login("");
}

/* Live: the event stream makes the open view read its data again. */

function follow() {
  if (board.source) board.source.close();
  const query = board.token ? "?access_token=" + encodeURIComponent(board.token) : "";
  board.source = new EventSource("/v1/stream" + query);
  board.source.onopen = () => { $("live").className = "live on"; };
  board.source.onerror = () => { $("live").className = "live off"; };
  board.source.onmessage = () => {
    clearTimeout(board.timer);
    board.timer = setTimeout(() => refresh().catch((error) => say(error.message)), 150);
  };
}

async function refresh() {
  if (board.view === "overview") await loadOverview();
  else if (board.view === "alerts") await loadAlerts();
  else if (board.view === "detail" && board.caseId) await loadDetail(board.caseId);
}

function show(view) {
  board.view = view;
  for (const button of document.querySelectorAll("nav button"))
    button.classList.toggle("active", button.dataset.view === view);
  for (const section of document.querySelectorAll(".view")) section.hidden = section.id !== view;
  refresh().catch((error) => say(error.message));
}

/* 案件总览 */

function urgency(summary) {
  if (summary.overdue || summary.days_over > 0) return "overdue";
  if (summary.days_left !== undefined && summary.days_left !== null && summary.days_left <= 2)
    return "warning";
  return "ontime";
}

function fillSelect(select, values) {
  const chosen = select.value;
  const known = new Set([...select.options].map((option) => option.value));
  for (const value of [...values].sort())
    if (value && !known.has(value)) select.append(el("option", { value }, value));
  select.value = chosen;
}

function caseRow(summary) {
  const left = summary.days_over > 0 ? "超期 " + summary.days_over + " 个工作日"
    : summary.days_left !== undefined && summary.days_left !== null ? summary.days_left + " 个工作日" : "—";
  const level = summary.escalation ? el("span", { class: "level level-" + summary.escalation },
    summary.escalation + " 级") : "—";
  const row = el("tr", { class: "case-row " + urgency(summary), "data-case": summary.case },
    el("td", {}, summary.case), el("td", {}, summary.project), el("td", {}, summary.applicant),
    el("td", {}, summary.county || "—"), el("td", {}, summary.agent || "待分派"),
    el("td", {}, summary.items_done + "/" + summary.items_total),
    el("td", {}, summary.next_due || "—"), el("td", { class: "days" }, left),
    el("td", {}, level), el("td", {}, CASE_STATUS[summary.status] || summary.status));
  row.addEventListener("click", () => { board.caseId = summary.case; show("detail"); });
  return row;
}

async function loadOverview() {
  const { cases } = await api("/v1/cases?limit=1000");
  const month = new Date().toISOString().slice(0, 7);
  const open = cases.filter((c) => c.status !== "closed");
  $("count-open").textContent = open.length;
  $("count-overdue").textContent = open.filter((c) => c.overdue).length;
  $("count-escalated").textContent = open.filter((c) => c.escalation > 0).length;
  $("count-closed").textContent = cases.filter((c) => c.status === "closed" && c.closed_at
    && new Date(c.closed_at).toISOString().slice(0, 7) === month).length;
  fillSelect($("filter-county"), new Set(cases.map((c) => c.county)));
  fillSelect($("filter-agent"), new Set(cases.map((c) => c.agent)));
  const county = $("filter-county").value, agent = $("filter-agent").value;
  const status = $("filter-status").value;
  const shown = cases.filter((c) => (status ? c.status === status : c.status !== "closed")
    && (!county || c.county === county) && (!agent || c.agent === agent));
  $("cases").tBodies[0].replaceChildren(...shown.map(caseRow));
  $("cases-empty").hidden = shown.length > 0;
}

/* 预警与督办 */

function alertRow(alert, mayAck) {
  const button = mayAck ? el("button", { type: "button", class: "ack" }, "签收") : "";
  if (button) button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      await api("/v1/alerts/" + encodeURIComponent(alert.alert) + "/ack",
                { method: "POST", body: { case: alert.case } });
      await loadAlerts();
    } catch (error) { say("签收失败：" + error.message); button.disabled = false; }
  });
  return el("tr", { "data-alert": alert.alert }, el("td", {}, alert.alert),
    el("td", {}, alert.case), el("td", {}, alert.item || "—"),
    el("td", {}, el("span", { class: "level level-" + alert.level }, alert.level + " 级")),
    el("td", {}, alert.to), el("td", {}, alert.summary || ""),
    el("td", {}, cst(alert.raised_at) + (alert.repeat ? "（第 " + (alert.repeat + 1) + " 次）" : "")),
    el("td", {}, button));
}

async function loadAlerts() {
  const mayAck = board.me && (board.me.role === "supervisor" || board.me.role === "admin");
  const { alerts } = await api("/v1/alerts");
  $("alert-list").tBodies[0].replaceChildren(...alerts.map((a) => alertRow(a, mayAck)));
  $("alerts-empty").hidden = alerts.length > 0;
  //  The reminders of the newest part of the log (healthz says how long
  //  it is), newest first.
  const health = await (await fetch("/healthz")).json();
  const from = Math.max(1, (health.last_seq || 0) - REMINDER_WINDOW);
  const { events } = await api("/v1/events?types=reminder.sent&limit=1000&from=" + from);
  $("reminders").replaceChildren(...events.reverse().slice(0, 100).map((e) => el("li", {},
    el("span", { class: "muted" }, cst(e.ts) + " "), e.case + " · 事项 " + e.body.item
    + " · 提醒 " + e.body.to + (e.body.contact ? "（" + e.body.contact + "）" : "")
    + " · 第 " + e.body.count + " 次")));
}

/* 案件详情 */

function ganttRow(item, start, span, now) {
  const released = item.released_at, due = item.due ? dueEnd(item.due) : null;
  const end = item.decided_at || now;
  const track = el("div", { class: "gantt-track" });
  const place = (from, to, kind, title) => {
    if (!from || !to || to <= from) return;
    track.append(el("div", { class: "bar " + kind, title,
      style: "" }, ""));
    const bar = track.lastChild;
    bar.style.left = (100 * (from - start) / span) + "%";
    bar.style.width = Math.max(0.5, 100 * (to - from) / span) + "%";
  };
  place(released, due, "plan", "计划：" + cst(released) + " → " + (item.due || ""));
  place(released, due && end > due ? due : end, "actual", "实际：" + cst(released) + " → " + cst(end));
  if (due && end > due) place(due, end, "late", "超期");
  const notes = [ITEM_STATUS[item.status] || item.status];
  if (item.due) notes.push("到期 " + item.due);
  if (item.paused_days) notes.push("暂停 " + item.paused_days + " 个工作日");
  if (item.days_left !== undefined) notes.push("剩余 " + item.days_left + " 个工作日");
  if (item.days_over) notes.push("超期 " + item.days_over + " 个工作日");
  if (item.after && item.after.length) notes.push("前置：" + item.after.join("、"));
  if (item.escalation) notes.push("督办 " + item.escalation + " 级");
  return el("div", { class: "gantt-row", "data-item": item.code },
    el("div", { class: "gantt-label" }, item.code + " " + (item.name || ""),
      el("small", {}, (item.department || "") + " · " + notes.join(" · "))), track);
}

function describe(event) {
  const body = event.body || {};
  const parts = [body.item, body.note, body.summary, body.reason, body.agent_name || body.agent,
    body.due && "到期 " + body.due, body.days_over && "超期 " + body.days_over + " 日",
    body.result && body.result.number].filter(Boolean);
  return parts.join(" · ");
}

async function loadDetail(caseId) {
  const [state, { events }] = await Promise.all([api("/v1/cases/" + encodeURIComponent(caseId)),
    api("/v1/cases/" + encodeURIComponent(caseId) + "/events")]);
  $("detail-empty").hidden = true;
  $("detail-body").hidden = false;
  $("detail-title").textContent = state.case + " " + (state.project || "");
  const facts = [["申请单位", state.applicant], ["区县", state.county], ["代办员", state.agent],
    ["状态", CASE_STATUS[state.status] || state.status], ["预计办结", state.expected_done],
    ["督办级别", state.escalation ? state.escalation + " 级" : "无"]];
  $("detail-facts").replaceChildren(...facts.flatMap(([k, v]) => [el("dt", {}, k),
    el("dd", {}, v || "—")]));
  const now = Date.now(), items = state.items || [];
  const times = items.flatMap((i) => [i.released_at, i.due && dueEnd(i.due), i.decided_at])
    .filter(Boolean);
  const start = Math.min(now, ...times) - DAY_MS, span = Math.max(now, ...times) + DAY_MS - start;
  $("gantt").replaceChildren(...items.map((item) => ganttRow(item, start, span, now)));
  $("timeline").replaceChildren(...events.map((e) => el("li", { "data-seq": e.seq },
    el("span", { class: "time" }, cst(e.ts)), el("b", {}, TYPE_NAMES[e.type] || e.type),
    " " + describe(e) + " ", el("span", { class: "muted" }, "（" + e.source
      + (e.by && e.by !== e.source ? "，经办 " + e.by : "") + "）"))));
}

/* Start. */

document.addEventListener("DOMContentLoaded", () => {
  $("login-form").addEventListener("submit", (event) => {
    event.preventDefault();
    login($("token").value.trim()).catch((error) => say(error.message));
  });
  $("logout").addEventListener("click", logout);
  for (const button of document.querySelectorAll("nav button"))
    button.addEventListener("click", () => show(button.dataset.view));
  for (const id of ["filter-county", "filter-agent", "filter-status"])
    $(id).addEventListener("change", () => loadOverview().catch((error) => say(error.message)));
  login(board.token).catch((error) => say(error.message));
});
