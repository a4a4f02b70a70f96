"""Integration test of the broker's ingress (PROTOCOL.md, "Ingress"): every
op and every error code, the check order of "Rules", dedupe, rid, history
paging, ordering of pipelined posts, and the test clock, against the real
daiban-broker over a real DEALER socket."""

import copy
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daiban_harness import (Broker, error_code, event, new_case_id, new_event_id, pack,  # noqa: E402
                            post_request, progress, sample_registration,
                            worklog)

MIB = 1024 * 1024


class BrokerCase(unittest.TestCase):
    """Assertion helpers shared by the classes below."""

    def assertOk(self, reply, what=""):
        self.assertIs(reply.get("ok"), True, "%s refused: %r" % (what, reply))

    def assertError(self, reply, code, names=None, what=""):
        self.assertEqual(error_code(reply), code, "%s: expected %s, got %r" % (what, code, reply))
        if names is not None:
            self.assertIn(names, reply["error"]["message"],
                          "%s: the message should name %r: %r" % (what, names, reply))

    def last_seq(self, client):
        return client.stats()["last_seq"]


class FreshBrokerTest(BrokerCase):
    """Tests that count seqs from 1: one new broker each."""

    def setUp(self):
        self.broker = Broker().start()
        self.client = self.broker.client()

    def tearDown(self):
        self.client.close()
        try:
            self.broker.stop()
        finally:
            self.broker.cleanup()

    def test_registration_seq_1_then_duplicates(self):
        registration = sample_registration()
        reply = self.client.post(registration)
        self.assertOk(reply)
        self.assertEqual(reply["seq"], 1)
        self.assertIs(reply["duplicate"], False)
        self.assertIsInstance(reply["seq"], int)
        stats_before = self.client.stats()
        history_before = self.client.all_history()
        self.assertEqual(len(history_before), 1)

        again = self.client.post(registration)
        self.assertOk(again)
        self.assertEqual(again["seq"], 1)
        self.assertIs(again["duplicate"], True)
        # Same (source, id) with another body, even another case: still the
        # duplicate of the first commit ("whatever its body").
        changed = dict(registration, body={"project": "另一个项目"}, case=new_case_id())
        again = self.client.post(changed)
        self.assertOk(again)
        self.assertEqual((again["seq"], again["duplicate"]), (1, True))

        stats_after = self.client.stats()
        self.assertEqual(stats_after["last_seq"], 1)
        self.assertEqual(stats_after["duplicates"], stats_before["duplicates"] + 2)
        self.assertEqual(stats_after["cases"], stats_before["cases"])
        self.assertEqual(self.client.all_history(), history_before)

        # The same id from another source is another event.
        log_a = worklog(registration["case"], source="agent-li", event_id="log-0001")
        log_b = worklog(registration["case"], source="agent-wang", event_id="log-0001")
        first = self.client.post(log_a)
        second = self.client.post(log_b)
        self.assertOk(first)
        self.assertOk(second)
        self.assertEqual((first["seq"], first["duplicate"]), (2, False))
        self.assertEqual((second["seq"], second["duplicate"]), (3, False))
        history = self.client.all_history()
        self.assertEqual([(e["seq"], e["source"], e["id"]) for e in history[1:]],
                         [(2, "agent-li", "log-0001"), (3, "agent-wang", "log-0001")])

    def test_history_paging(self):
        case_a, case_b = new_case_id(), new_case_id()
        posted = [sample_registration(case_a), sample_registration(case_b)]
        for index in range(23):
            if index % 3 == 2:
                posted.append(progress(case_b, note="进展 %d" % index))
            else:
                posted.append(worklog(case_a, note="日志 %d" % index))
        for number, ev in enumerate(posted, 1):
            self.assertEqual(self.client.post_ok(ev), number)

        full = self.client.history(1)
        self.assertOk(full)
        self.assertEqual([e["seq"] for e in full["events"]], list(range(1, 26)))
        self.assertEqual((full["next"], full["last"]), (26, 25))
        for sent, stored in zip(posted, full["events"]):
            for key in ("id", "type", "case", "source", "body"):
                self.assertEqual(stored[key], sent[key], key)
            self.assertIsInstance(stored["ts"], int)

        pages = [(1, [1, 10], 11), (11, [11, 20], 21), (21, [21, 25], 26)]
        for start, (low, high), next_seq in pages:
            page = self.client.history(start, 10)
            self.assertEqual([e["seq"] for e in page["events"]], list(range(low, high + 1)))
            self.assertEqual((page["next"], page["last"]), (next_seq, 25))
        past = self.client.history(26, 10)
        self.assertEqual((past["events"], past["last"]), ([], 25))
        self.assertGreaterEqual(past["next"], 26)
        far = self.client.history(1000, 10)
        self.assertEqual((far["events"], far["last"]), ([], 25))

        for filters in ({"case": case_a}, {"case": case_b}, {"prefix": "item."},
                        {"prefix": "worklog."}, {"prefix": "case."},
                        {"case": case_b, "prefix": "item."}):
            expected = [e for e in full["events"]
                        if e["case"] == filters.get("case", e["case"])
                        and e["type"].startswith(filters.get("prefix", ""))]
            self.assertTrue(expected)
            for limit in (1, 3, 1000):
                pages = []
                start = 1
                while start <= 25:
                    page = self.client.history(start, limit, **filters)
                    self.assertLessEqual(len(page["events"]), limit)
                    self.assertGreater(page["next"], start, "next must move on: %r" % filters)
                    self.assertEqual(page["last"], 25)
                    pages.extend(page["events"])
                    start = page["next"]
                self.assertEqual(pages, expected, "filters %r, limit %d" % (filters, limit))

        # A filtered query that finds nothing still moves on.
        empty = self.client.history(3, 5, prefix="meeting.")
        self.assertEqual(empty["events"], [])
        self.assertGreater(empty["next"], 3)
        self.assertLessEqual(empty["next"], 26)
        self.assertEqual(empty["last"], 25)

        for bad in ({"from": "1"}, {"from": 1, "limit": "ten"}, {"from": 1, "case": 7},
                    {"from": 1, "prefix": ["item."]}):
            self.assertError(self.client.request(dict(bad, op="history")), "bad_request",
                             what=repr(bad))

    def test_history_limit_capped_at_10000(self):
        case = new_case_id()
        requests = [post_request(sample_registration(case))]
        requests += [post_request(worklog(case, note="n%d" % index)) for index in range(10049)]
        replies = self.client.pipeline(requests, window=200, timeout=30)
        self.assertEqual([r.get("seq") for r in replies], list(range(1, 10051)))
        page = self.client.history(1, 20000)
        self.assertOk(page)
        self.assertEqual(len(page["events"]), 10000)
        self.assertEqual(page["events"][-1]["seq"], 10000)
        self.assertEqual((page["next"], page["last"]), (10001, 10050))
        rest = self.client.history(10001, 20000)
        self.assertEqual([e["seq"] for e in rest["events"]], list(range(10001, 10051)))
        default = self.client.history(1)
        self.assertEqual(len(default["events"]), 1000)
        self.assertEqual(default["next"], 1001)

    def test_pipelined_posts_commit_in_send_order(self):
        cases = [new_case_id(), new_case_id()]
        setup = [sample_registration(case) for case in cases]
        for ev in setup:
            self.client.post_ok(ev)
        requests = [post_request(worklog(cases[index % 2], note="第%d条" % index))
                    for index in range(200)]
        for request in requests:
            self.client.send(dict(request, rid=request["event"]["id"]))
        replies = [self.client.recv() for _ in requests]
        by_id = {reply.get("rid"): reply for reply in replies}
        seqs = []
        for request in requests:
            reply = by_id[request["event"]["id"]]
            self.assertOk(reply)
            seqs.append(reply["seq"])
        self.assertEqual(seqs, list(range(3, 203)), "seqs must follow the send order")
        history = self.client.all_history(3)
        self.assertEqual([e["id"] for e in history], [r["event"]["id"] for r in requests])

    def test_bad_request_in_pipelined_batch_fails_alone(self):
        case = new_case_id()
        self.client.post_ok(sample_registration(case))
        requests = [post_request(worklog(case, note="批量 %d" % index)) for index in range(11)]
        del requests[4]["event"]["body"]
        requests[7]["event"]["type"] = "case.nonsense"
        requests[9]["event"]["case"] = new_case_id()       # never registered
        replies = self.client.pipeline(requests, window=len(requests))
        self.assertError(replies[4], "bad_request")
        self.assertError(replies[7], "unknown_type")
        self.assertError(replies[9], "not_found")
        good = [index for index in range(11) if index not in (4, 7, 9)]
        for index in good:
            self.assertOk(replies[index], "request %d" % index)
        self.assertEqual([replies[index]["seq"] for index in good], list(range(2, 10)))
        history = self.client.all_history(2)
        self.assertEqual([e["id"] for e in history],
                         [requests[index]["event"]["id"] for index in good])

    def test_cases_status_filter_and_limit(self):
        case_ids = [new_case_id() for _ in range(3)]
        for case in case_ids:
            self.client.post_ok(sample_registration(case))
        reply = self.client.request({"op": "cases"})
        self.assertOk(reply)
        summaries = {summary["case"]: summary for summary in reply["cases"]}
        self.assertEqual(sorted(summaries), sorted(case_ids))
        for summary in summaries.values():
            for key in ("case", "status", "project", "applicant", "agent", "expected_done",
                        "items_open", "overdue"):
                self.assertIn(key, summary)
            self.assertEqual(summary["status"], "registered")
            self.assertEqual(summary["project"], "鞍山市铁西区新能源装备产业园一期工程")
            self.assertEqual(summary["applicant"], "鞍山鑫达新能源装备有限公司")
            self.assertEqual(summary["items_open"], 3)
            self.assertIs(summary["overdue"], False)

        registered = self.client.request({"op": "cases", "status": "registered"})
        self.assertEqual(sorted(s["case"] for s in registered["cases"]), sorted(case_ids))
        for status in ("closed", "accepted", "returned", "in_progress"):
            other = self.client.request({"op": "cases", "status": status})
            self.assertOk(other)
            self.assertEqual(other["cases"], [], status)
        overdue = self.client.request({"op": "cases", "overdue": True})
        self.assertOk(overdue)
        self.assertEqual(overdue["cases"], [])
        limited = self.client.request({"op": "cases", "status": "registered", "limit": 2})
        self.assertOk(limited)
        self.assertEqual(len(limited["cases"]), 2)
        self.assertTrue(set(s["case"] for s in limited["cases"]) <= set(case_ids))
        self.assertError(self.client.request({"op": "cases", "limit": "two"}), "bad_request")
        self.assertError(self.client.request({"op": "cases", "status": 3}), "bad_request")

    def test_cases_pages(self):
        """`after` and `next` (an extension): pages in case id order, each
        case once, next nil once every case was examined."""
        case_ids = sorted("PAGE-%03d" % number for number in range(25))
        replies = self.client.pipeline([post_request(sample_registration(case))
                                        for case in reversed(case_ids)])
        for reply in replies:
            self.assertOk(reply)
        seen, after, pages = [], None, 0
        while True:
            request = {"op": "cases", "limit": 10}
            if after is not None:
                request["after"] = after
            reply = self.client.request(request)
            self.assertOk(reply)
            pages += 1
            seen += [summary["case"] for summary in reply["cases"]]
            after = reply["next"]
            if after is None:
                break
            self.assertEqual(after, seen[-1])
        self.assertEqual(seen, case_ids)
        self.assertEqual(pages, 3)
        # After an id that is no case: the cases after it.
        reply = self.client.request({"op": "cases", "after": "PAGE-0105", "limit": 100})
        self.assertEqual([s["case"] for s in reply["cases"]], case_ids[11:])
        self.assertIsNone(reply["next"])
        # Filters page the same way: the limit counts the matches.
        reply = self.client.request({"op": "cases", "status": "registered", "limit": 24})
        self.assertEqual(len(reply["cases"]), 24)
        self.assertEqual(reply["next"], case_ids[-2])
        last = self.client.request({"op": "cases", "status": "registered",
                                    "after": reply["next"]})
        self.assertEqual([s["case"] for s in last["cases"]], case_ids[-1:])
        self.assertIsNone(last["next"])
        # A page that ends with the last case says so: next is nil.
        whole = self.client.request({"op": "cases", "limit": 25})
        self.assertEqual(len(whole["cases"]), 25)
        self.assertIsNone(whole["next"])
        for bad in (3, "x" * 65, "a\u0000b"):
            self.assertError(self.client.request({"op": "cases", "after": bad}), "bad_request")


class IngressTest(BrokerCase):
    """Error codes, rules and ops on one broker shared by the tests."""

    @classmethod
    def setUpClass(cls):
        cls.broker = Broker().start()

    @classmethod
    def tearDownClass(cls):
        try:
            cls.broker.stop()
        finally:
            cls.broker.cleanup()

    def setUp(self):
        self.client = self.broker.client()
        self.case = new_case_id()
        self.registration = sample_registration(self.case)
        self.registration_seq = self.client.post_ok(self.registration)

    def tearDown(self):
        self.client.close()

    def assertNothingWritten(self, before):
        self.assertEqual(self.last_seq(self.client), before, "a refused request wrote events")

    def test_not_msgpack_or_not_a_map(self):
        before = self.last_seq(self.client)
        for raw in (b"\xc1", b"not msgpack at all", b"\x92\x01", b"\xa5ab",
                    pack([1, 2]), pack("post"), pack(7), pack(None), pack(True), pack(b"\x80"),
                    pack({"op": "stats"}) + b"\xc0", pack({"op": "stats"}) + pack({"op": "stats"})):
            self.assertError(self.client.request_raw(raw), "bad_request", what=repr(raw))
        self.assertNothingWritten(before)

    def test_missing_or_unknown_op(self):
        for request in ({}, {"event": self.registration}, {"op": 1}, {"op": None},
                        {"op": "delete"}, {"op": ""}, {"op": "POST", "event": worklog(self.case)},
                        {"op": b"post", "event": worklog(self.case)}):
            self.assertError(self.client.request(request), "bad_request", what=repr(request))

    def test_post_envelope_errors(self):
        before = self.last_seq(self.client)
        good = worklog(self.case)
        bad_events = []
        for field in ("id", "type", "case", "source", "body"):
            ev = dict(good, id=new_event_id())
            del ev[field]
            bad_events.append(("missing " + field, ev))
        ill_typed = {
            "id": [7, None, "", "x" * 201, "章" * 67, b"bytes-id", ["a"]],
            "source": [3, None, "", "s" * 201, "源" * 67, b"bytes-source"],
            "type": [1, None, ["worklog.added"], b"worklog.added"],
            "case": [12, None, "", "A" * 65, "a/b", "AS 2026", "案件-1", "AS-2026:1",
                     "AS-é", b"AS-2026-0001"],
            "body": [[1, 2], None, "note", 5],
            "at": ["2026-01-01", 1.5, True],
        }
        for field, values in ill_typed.items():
            for value in values:
                ev = dict(good, id=new_event_id())
                ev[field] = value
                bad_events.append(("%s=%r" % (field, value), ev))
        for what, ev in bad_events:
            self.assertError(self.client.post(ev), "bad_request", what=what)
        for request in ({"op": "post"}, {"op": "post", "event": None},
                        {"op": "post", "event": [good]}, {"op": "post", "event": "text"}):
            self.assertError(self.client.request(request), "bad_request", what=repr(request))
        self.assertNothingWritten(before)

    def test_envelope_limits_accepted_at_the_boundary(self):
        for ev in (worklog(self.case, event_id="i" * 200),
                   worklog(self.case, event_id="章" * 66 + "ab"),
                   worklog(self.case, source="s" * 200),
                   worklog(self.case, source="源" * 66 + "ab"),
                   dict(worklog(self.case), at=1795000000000),
                   dict(worklog(self.case), at=-1)):
            self.assertOk(self.client.post(ev), repr(ev)[:80])
        long_case = "A-" + "9" * 60 + "._"
        self.assertEqual(len(long_case), 64)
        self.assertOk(self.client.post(sample_registration(long_case)))
        self.assertError(self.client.post(worklog("a.B_c-1")), "not_found")

    def test_unknown_type(self):
        before = self.last_seq(self.client)
        for type_ in ("case.deleted", "worklog", "Worklog.added", "item.approved.x"):
            ev = event(type_, self.case, {"agent": "李明", "note": "x"})
            self.assertError(self.client.post(ev), "unknown_type", what=type_)
        # Checked before the case: an unknown type on an unknown case.
        ev = event("case.deleted", new_case_id(), {})
        self.assertError(self.client.post(ev), "unknown_type")
        self.assertNothingWritten(before)

    def test_invalid_body_names_the_field(self):
        before = self.last_seq(self.client)
        fresh = new_case_id()
        registration = sample_registration(fresh)
        body = registration["body"]

        def registration_with(**changes):
            changed = dict(body, **changes)
            return dict(registration, id=new_event_id(), body=changed)

        without_project = dict(body)
        del without_project["project"]
        without_items_level = [dict(item) for item in body["items"]]
        without_items_level[1].pop("level")
        cases = [
            ("project", dict(registration, id=new_event_id(), body=without_project)),
            ("project", registration_with(project=42)),
            ("channel", registration_with(channel="fax")),
            ("channel", registration_with(channel=None)),
            ("phone", registration_with(contact={"name": "王丽"})),
            ("contact", registration_with(contact="王丽 13904120000")),
            ("items", registration_with(items={"code": "S1-05"})),
            ("level", registration_with(items=without_items_level)),
            ("level", registration_with(items=[dict(body["items"][0], level="province")])),
            ("materials", registration_with(items=[dict(body["items"][0], materials="图纸")])),
            ("note", event("worklog.added", self.case, {"agent": "李明"})),
            ("reason", event("item.suspended", self.case,
                             {"item": "S1-05", "reason": "vacation"})),
            ("kind", event("item.approved", self.case,
                           {"item": "S1-05", "result": {"number": "鞍自然资预〔2026〕12号",
                                                        "kind": "permit", "electronic": True}})),
            ("electronic", event("item.approved", self.case,
                                 {"item": "S1-05", "result": {"number": "12", "kind": "license",
                                                              "electronic": "yes"}})),
            ("result", event("item.approved", self.case, {"item": "S1-05"})),
            ("method", event("result.delivered", self.case,
                             {"item": "S1-05", "method": "pigeon"})),
            ("kind", event("problem.reported", self.case,
                           {"kind": "urgent", "description": "土地权属争议"})),
            ("decisions", event("meeting.minutes", self.case,
                                {"meeting": "M-1", "summary": "联席会议", "decisions": "同意"})),
            ("item", event("item.progress", self.case, {"note": "审查中"})),
        ]
        for field, ev in cases:
            self.assertError(self.client.post(ev), "invalid_body", names=field,
                             what="%s: %r" % (field, ev["body"]))
        self.assertNothingWritten(before)
        self.assertError(self.client.case(fresh), "not_found")

    def test_dedupe_comes_before_body_and_body_before_case(self):
        ev = worklog(self.case)
        seq = self.client.post_ok(ev)
        before = self.last_seq(self.client)
        for body in ({}, {"agent": 1}, {"note": None}):
            reply = self.client.post(dict(ev, body=body))
            self.assertOk(reply, "repeat with body %r" % body)
            self.assertEqual((reply["seq"], reply["duplicate"]), (seq, True))
        # Envelope comes before dedupe: a repeat with a broken envelope is refused.
        self.assertError(self.client.post(dict(ev, body=[1])), "bad_request")
        self.assertError(self.client.post(dict(ev, case="a/b")), "bad_request")
        # A bad body is invalid_body even on an unknown case.
        nowhere = new_case_id()
        reply = self.client.post(event("item.progress", nowhere, {"item": "S1-05"}))
        self.assertError(reply, "invalid_body", names="note")
        reply = self.client.post(event("case.materials_supplied", nowhere, {}))
        self.assertError(reply, "invalid_body", names="materials")
        self.assertNothingWritten(before)

    def test_refused_id_stays_free(self):
        # A refused post leaves its (source, id) free: posted again, corrected,
        # in the same pipelined batch or later, it commits, and only once.
        case = new_case_id()
        registered = self.client.post_ok(sample_registration(case))
        good = worklog(case, note="更正后")
        bad = copy.deepcopy(good)
        del bad["body"]["note"]
        unknown_case = dict(copy.deepcopy(good), case=new_case_id())
        replies = self.client.pipeline([post_request(bad), post_request(unknown_case),
                                        post_request(good), post_request(good)], window=4)
        self.assertError(replies[0], "invalid_body")
        self.assertError(replies[1], "not_found")
        self.assertOk(replies[2])
        self.assertEqual((replies[2]["seq"], replies[2]["duplicate"]), (registered + 1, False))
        self.assertEqual((replies[3]["seq"], replies[3]["duplicate"]), (registered + 1, True))
        later = worklog(case, note="第二条")
        self.assertError(self.client.post(dict(copy.deepcopy(later), case=new_case_id())),
                         "not_found")
        again = self.client.post(later)
        self.assertOk(again)
        self.assertEqual((again["seq"], again["duplicate"]), (registered + 2, False))
        self.assertEqual([e["id"] for e in self.client.all_history(registered + 1)],
                         [good["id"], later["id"]])

    def test_conflict(self):
        before = self.last_seq(self.client)
        again = sample_registration(self.case)
        self.assertError(self.client.post(again), "conflict", what="registered twice")
        approval = {"item": "S9-99", "result": {"number": "X-1", "kind": "license",
                                                "electronic": True}}
        self.assertError(self.client.post(event("item.approved", self.case, approval)),
                         "conflict", what="approve an item the case does not have")
        self.assertNothingWritten(before)

        withdrawal = event("item.withdrawn", self.case, {"item": "S1-07", "reason": "企业调整方案"},
                           source="window-3")
        self.assertOk(self.client.post(withdrawal))
        after_withdrawal = self.last_seq(self.client)
        approval = dict(approval, item="S1-07")
        self.assertError(self.client.post(event("item.approved", self.case, approval)),
                         "conflict", what="approve a withdrawn item")
        self.assertError(self.client.post(event("item.withdrawn", self.case,
                                                {"item": "S1-07", "reason": "again"})),
                         "conflict", what="withdraw a withdrawn item")
        self.assertNothingWritten(after_withdrawal)
        state = self.client.case(self.case)["case"]
        statuses = {item["code"]: item["status"] for item in state["items"]}
        self.assertEqual(statuses, {"S1-01": "waiting", "S1-05": "waiting", "S1-07": "withdrawn"})

    def test_not_found(self):
        before = self.last_seq(self.client)
        nowhere = new_case_id()
        for ev in (worklog(nowhere), progress(nowhere),
                   event("item.withdrawn", nowhere, {"item": "S1-05", "reason": "撤回"}),
                   event("alert.acknowledged", nowhere, {"alert": "A-1", "by": "张组长"})):
            self.assertError(self.client.post(ev), "not_found", what=ev["type"])
        self.assertNothingWritten(before)
        self.assertError(self.client.case(nowhere), "not_found")
        self.assertError(self.client.request({"op": "case"}), "bad_request")
        self.assertError(self.client.request({"op": "case", "case": 5}), "bad_request")
        self.assertError(self.client.request({"op": "case", "case": "a/b"}), "bad_request")

    def test_case_state_after_registration(self):
        reply = self.client.case(self.case)
        self.assertOk(reply)
        state = reply["case"]
        self.assertEqual(state["case"], self.case)
        self.assertEqual(state["status"], "registered")
        self.assertEqual(state["project"], self.registration["body"]["project"])
        self.assertEqual(state["applicant"], self.registration["body"]["applicant"])
        self.assertEqual(state["county"], "铁西区")
        self.assertEqual([item["code"] for item in state["items"]], ["S1-01", "S1-05", "S1-07"])
        self.assertEqual([item["level"] for item in state["items"]], ["county", "city", "city"])
        self.assertEqual([item["materials"] for item in state["items"]],
                         [item["materials"] for item in self.registration["body"]["items"]])
        for item in state["items"]:
            self.assertEqual(item["status"], "waiting")
            self.assertIs(item["overdue"], False)
            self.assertIs(item["delivered"], False)
            self.assertEqual(item["reminders"], 0)
            self.assertEqual(item["escalation"], 0)
        self.assertEqual(state["alerts"], [])
        self.assertEqual(state["events"], 1)
        self.client.post_ok(worklog(self.case))
        self.client.post_ok(progress(self.case))
        self.assertEqual(self.client.case(self.case)["case"]["events"], 3)

    def test_too_large(self):
        before = self.last_seq(self.client)

        def post_of_size(size):
            request = post_request(worklog(self.case, note=""))
            overhead = len(pack(request)) - 1       # less the empty note's 1-byte header
            note_size = size - overhead - 5         # a str32 header: 5 bytes
            request["event"]["body"]["note"] = "x" * note_size
            data = pack(request)
            self.assertEqual(len(data), size)
            return data

        self.assertError(self.client.request_raw(post_of_size(MIB + 1)), "too_large")
        self.assertError(self.client.request_raw(post_of_size(2 * MIB)), "too_large")
        self.assertNothingWritten(before)
        reply = self.client.request_raw(post_of_size(MIB))
        self.assertOk(reply, "a request of exactly 1 MiB")
        self.assertEqual(reply["seq"], before + 1)

    def test_unauthorized(self):
        before = self.last_seq(self.client)
        emitted = [
            event("case.accepted", self.case,
                  {"agent": "李明", "expected_done": "2026-06-30",
                   "items": [{"code": "S1-05", "name": "用地预审", "department": "市自然资源局",
                              "level": "city", "county": "", "limit_days": 20, "after": []}]},
                  source="intake"),
            event("timer.fired", self.case, {"id": "t-1", "kind": "warn", "data": {}},
                  source="broker"),
            event("deadline.overdue", self.case,
                  {"item": "S1-05", "due": "2026-03-02", "days_over": 1}, source="deadline"),
            event("case.closed", self.case, {}, source="transfer"),
            event("alert.raised", self.case,
                  {"alert": "A-1", "to": "leader", "level": 1, "summary": "逾期"},
                  source="escalation"),
        ]
        for ev in emitted:
            self.assertError(self.client.post(ev), "unauthorized", what=ev["type"])
        self.assertNothingWritten(before)

    def test_rid_echoed(self):
        for rid in (42, "abc-1", {"n": 1, "tag": "批次"}, [1, "two"], -7, 2 ** 40):
            self.assertEqual(self.client.request({"op": "stats", "rid": rid})["rid"], rid)
            reply = self.client.request({"op": "nonsense", "rid": rid})
            self.assertError(reply, "bad_request")
            self.assertEqual(reply["rid"], rid)
            reply = self.client.post(worklog(self.case), rid=rid)
            self.assertOk(reply)
            self.assertEqual(reply["rid"], rid)
            reply = self.client.post(worklog(new_case_id()), rid=rid)
            self.assertError(reply, "not_found")
            self.assertEqual(reply["rid"], rid)
            reply = self.client.request({"op": "post", "event": {"id": 1}, "rid": rid})
            self.assertEqual(reply["rid"], rid)
            reply = self.client.request({"op": "case", "case": self.case, "rid": rid})
            self.assertEqual(reply["rid"], rid)
        self.assertNotIn("rid", self.client.request({"op": "stats"}))
        self.assertNotIn("rid", self.client.post(worklog(self.case)))

    def test_clock_refused_without_test_clock(self):
        for request in ({"op": "clock", "advance_ms": 1000}, {"op": "clock", "set": 1795000000000},
                        {"op": "clock"}):
            self.assertError(self.client.request(request), "bad_request", what=repr(request))

    def test_stats_counters_move(self):
        before = self.client.stats()
        for key in ("last_seq", "cases", "posts", "duplicates", "batches"):
            self.assertIsInstance(before[key], int, key)
        self.assertIsInstance(before["errors"], dict)
        fresh = sample_registration()
        log = worklog(self.case)
        self.client.post_ok(fresh)
        self.client.post_ok(log)
        self.assertIs(self.client.post(log)["duplicate"], True)
        self.assertError(self.client.request({"op": "bogus"}), "bad_request")
        self.assertError(self.client.post(worklog(new_case_id())), "not_found")
        after = self.client.stats()
        self.assertEqual(after["last_seq"], before["last_seq"] + 2)
        self.assertEqual(after["cases"], before["cases"] + 1)
        self.assertEqual(after["duplicates"], before["duplicates"] + 1)
        self.assertIn(after["posts"] - before["posts"], (2, 3, 4))
        self.assertGreaterEqual(after["batches"], before["batches"] + 2)
        errors_before, errors_after = before["errors"], after["errors"]
        self.assertEqual(errors_after.get("bad_request", 0), errors_before.get("bad_request", 0) + 1)
        self.assertEqual(errors_after.get("not_found", 0), errors_before.get("not_found", 0) + 1)

    def test_catalog(self):
        reply = self.client.request({"op": "catalog"})
        self.assertOk(reply)
        for key in ("items", "counties", "departments"):
            self.assertIsInstance(reply[key], list, key)
        for item in reply["items"]:
            self.assertIsInstance(item["code"], str)
            self.assertIsInstance(item["name"], str)
            self.assertIsInstance(item["department"], str)
            self.assertIsInstance(item["limit_days"], int)
            self.assertIn(item["limit_unit"], ("working_days", "days"))
            self.assertIn(item["limit_kind"], ("statutory", "promised"))
            self.assertTrue(set(item["levels"]) <= {"city", "county"}, item)
            self.assertIsInstance(item["after"], list)
            self.assertIsInstance(item["materials"], list)
        for county in reply["counties"]:
            self.assertIsInstance(county["name"], str)
            self.assertIsInstance(county["office"], str)
        for department in reply["departments"]:
            self.assertIsInstance(department["name"], str)
            self.assertIn("contact", department)


class ClockTest(BrokerCase):
    START = 1795000000000

    def setUp(self):
        self.broker = Broker(test_clock=self.START).start()
        self.client = self.broker.client()

    def tearDown(self):
        self.client.close()
        try:
            self.broker.stop()
        finally:
            self.broker.cleanup()

    def clock(self, **fields):
        return self.client.request(dict(fields, op="clock"))

    def test_set_advance_never_backwards(self):
        reply = self.clock(advance_ms=0)
        self.assertOk(reply)
        self.assertEqual(reply["now"], self.START)
        self.assertEqual(self.clock(set=self.START + 60000)["now"], self.START + 60000)
        self.assertEqual(self.clock(advance_ms=1500)["now"], self.START + 61500)
        self.assertError(self.clock(set=self.START), "bad_request", what="set backwards")
        self.assertError(self.clock(advance_ms=-1), "bad_request", what="advance backwards")
        self.assertError(self.clock(), "bad_request", what="neither set nor advance_ms")
        self.assertError(self.clock(advance_ms="10"), "bad_request")
        self.assertError(self.clock(set=1.5e12), "bad_request")
        self.assertEqual(self.clock(set=self.START + 61500)["now"], self.START + 61500)
        self.assertEqual(self.clock(advance_ms=0)["now"], self.START + 61500)

        registration = sample_registration()
        seq = self.client.post_ok(registration)
        stored = self.client.history(seq, 1)["events"][0]
        self.assertEqual(stored["ts"], self.START + 61500, "ts comes from the broker clock")
        self.clock(advance_ms=86400000)
        seq = self.client.post_ok(worklog(registration["case"]))
        self.assertEqual(self.client.history(seq, 1)["events"][0]["ts"],
                         self.START + 61500 + 86400000)


if __name__ == "__main__":
    unittest.main(verbosity=2)
