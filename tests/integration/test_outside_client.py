"""An outside system's view of daiban: a client written against PROTOCOL.md
alone, with plain pyzmq and the Python msgpack implementation (not the
broker's msgpack-c), posts a full registration, reads it back through
`case` and `history`, and checks every msgpack type on the way; a REQ
socket works as well as a DEALER."""

import os
import sys
import time
import unittest

import msgpack
import zmq

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daiban_harness import Broker  # noqa: E402  (only to run the broker process)

TIMEOUT_MS = 5000


def strict_equal(a, b):
    """Equality that also compares types: 1 is not 1.0 nor True."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(strict_equal(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(strict_equal(x, y) for x, y in zip(a, b))
    return a == b


def no_bytes(value, path="reply"):
    """Every string the broker sends is a msgpack str, never bin."""
    if isinstance(value, bytes):
        raise AssertionError("%s is bin, not str: %r" % (path, value))
    if isinstance(value, dict):
        for key, item in value.items():
            no_bytes(item, "%s.%s" % (path, key))
    if isinstance(value, list):
        for index, item in enumerate(value):
            no_bytes(item, "%s[%d]" % (path, index))


class OutsideClientTest(unittest.TestCase):

    def setUp(self):
        self.broker = Broker().start()
        self.context = zmq.Context()
        self.dealer = self.context.socket(zmq.DEALER)
        self.dealer.setsockopt(zmq.LINGER, 0)
        self.dealer.connect(self.broker.ingress)

    def tearDown(self):
        self.dealer.close(0)
        self.context.term()
        try:
            self.broker.stop()
        finally:
            self.broker.cleanup()

    def ask(self, request):
        self.dealer.send_multipart([b"", msgpack.packb(request, use_bin_type=True)])
        self.assertTrue(self.dealer.poll(TIMEOUT_MS), "no reply to %r" % request.get("op"))
        frames = self.dealer.recv_multipart()
        self.assertEqual(len(frames), 2)
        self.assertEqual(frames[0], b"")
        reply = msgpack.unpackb(frames[1], raw=False)
        self.assertIsInstance(reply, dict)
        no_bytes(reply)
        return reply

    def test_registration_round_trip(self):
        at = int(time.time() * 1000) - 3600 * 1000
        body = {
            "project": "鞍山市千山区智慧物流园（一期）建设项目",
            "applicant": "鞍山千山智慧物流有限公司",
            "contact": {"name": "赵建国", "phone": "0412-5551234", "email": "zhao@example.cn"},
            "channel": "appointment",
            "county": "千山区",
            "items": [
                {"code": "S1-01", "level": "county", "county": "千山区",
                 "materials": ["企业投资项目备案信息表", "项目代码赋码信息", "企业营业执照"]},
                {"code": "S1-05", "level": "city",
                 "materials": ["用地预审与选址申请表", "项目代码或项目建议书批复", "拟选址位置图"]},
                {"code": "U-04", "level": "city",
                 "materials": ["用电报装申请表", "用电负荷清单", "用电地址权属证明"]},
            ],
            "butler": "钱管家",
            "investment_wan_yuan": 38000,
            "area_m2": 45210.75,
            "floors": -2,
            "site_id": 2 ** 40 + 3,
            "urgent": True,
            "joint_review": False,
            "tags": ["重点项目", "省市联办"],
            "remarks": "企业承诺：材料真实有效。\n第二行",
        }
        posted = {"id": "yuyue-2026-000042", "type": "case.registered", "case": "AS-2026-0042",
                  "source": "12345-hotline", "at": at, "body": body}
        reply = self.ask({"op": "post", "event": posted, "rid": "outside-1"})
        self.assertIs(reply["ok"], True, reply)
        self.assertEqual(reply["rid"], "outside-1")
        self.assertIs(type(reply["seq"]), int)
        self.assertEqual(reply["seq"], 1)
        self.assertIs(reply["duplicate"], False)

        state = self.ask({"op": "case", "case": "AS-2026-0042"})
        self.assertIs(state["ok"], True, state)
        case = state["case"]
        self.assertEqual(case["case"], "AS-2026-0042")
        self.assertEqual(case["status"], "registered")
        self.assertEqual(case["project"], body["project"])
        self.assertEqual(case["applicant"], body["applicant"])
        self.assertEqual(case["county"], "千山区")
        self.assertIs(type(case["events"]), int)
        self.assertEqual(case["events"], 1)
        self.assertEqual([item["code"] for item in case["items"]], ["S1-01", "S1-05", "U-04"])
        for item in case["items"]:
            self.assertEqual(item["status"], "waiting")
            self.assertIs(type(item["overdue"]), bool)
            self.assertIs(type(item["delivered"]), bool)
            self.assertIs(type(item["reminders"]), int)
            self.assertIs(type(item["escalation"]), int)
            self.assertIs(type(item["paused_days"]), int)
        self.assertEqual(case["items"][0]["county"], "千山区")
        self.assertIsInstance(case["alerts"], list)

        history = self.ask({"op": "history", "from": 1, "limit": 10, "case": "AS-2026-0042"})
        self.assertIs(history["ok"], True, history)
        self.assertEqual((history["next"], history["last"]), (2, 1))
        self.assertEqual(len(history["events"]), 1)
        stored = history["events"][0]
        for key in ("id", "type", "case", "source"):
            self.assertIs(type(stored[key]), str, key)
            self.assertEqual(stored[key], posted[key])
        self.assertIs(type(stored["at"]), int)
        self.assertEqual(stored["at"], at)
        self.assertIs(type(stored["seq"]), int)
        self.assertEqual(stored["seq"], 1)
        self.assertIs(type(stored["ts"]), int)
        self.assertLess(abs(stored["ts"] - time.time() * 1000), 5 * 60 * 1000,
                        "ts is not milliseconds since the epoch: %r" % stored["ts"])
        self.assertTrue(strict_equal(stored["body"], body),
                        "the body did not round-trip:\nsent %r\ngot  %r" % (body, stored["body"]))
        self.assertNotIn("cause", stored)

        stats = self.ask({"op": "stats"})
        self.assertIs(stats["ok"], True)
        for key in ("last_seq", "cases", "posts", "duplicates", "batches"):
            self.assertIs(type(stats[key]), int, key)
        self.assertEqual((stats["last_seq"], stats["cases"]), (1, 1))

    def test_req_socket(self):
        req = self.context.socket(zmq.REQ)
        req.setsockopt(zmq.LINGER, 0)
        req.connect(self.broker.ingress)
        try:
            def ask(request):
                req.send(msgpack.packb(request, use_bin_type=True))
                self.assertTrue(req.poll(TIMEOUT_MS), "REQ: no reply")
                frames = req.recv_multipart()
                self.assertEqual(len(frames), 1)
                return msgpack.unpackb(frames[0], raw=False)

            registration = {"id": "w5-1", "type": "case.registered", "case": "AS-2026-0043",
                            "source": "window-5",
                            "body": {"project": "海城市纺织产业园污水处理厂",
                                     "applicant": "海城市水务投资有限公司",
                                     "contact": {"name": "孙红", "phone": "13700000000"},
                                     "channel": "window",
                                     "items": [{"code": "S1-07", "level": "county",
                                                "materials": ["环境影响报告书"]}]}}
            reply = ask({"op": "post", "event": registration})
            self.assertIs(reply["ok"], True, reply)
            self.assertEqual(reply["seq"], 1)
            self.assertIs(ask({"op": "post", "event": registration})["duplicate"], True)
            reply = ask({"op": "nonsense", "rid": 9})
            self.assertEqual((reply["ok"], reply["error"]["code"], reply["rid"]),
                             (False, "bad_request", 9))
            state = ask({"op": "case", "case": "AS-2026-0043"})
            self.assertEqual(state["case"]["project"], "海城市纺织产业园污水处理厂")
            self.assertEqual(ask({"op": "stats"})["last_seq"], 1)
            # DEALER and REQ clients side by side see the same log.
            self.assertEqual(self.ask({"op": "history", "from": 1})["events"][0]["id"], "w5-1")
        finally:
            req.close(0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
