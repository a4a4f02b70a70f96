"""Integration test of the broker's dispatch with the real intake and
transfer workers: one case of five items (two chains, a parallel item, a
county item) from registration through returns, acceptance, parallel
release, approvals, deliveries to exactly one case.closed; and two intake
processes sharing a burst of registrations. Real processes, real sockets;
every wait polls the broker (case, history, stats) with a deadline."""

import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daiban_harness import Broker, new_case_id  # noqa: E402
from worker_harness import (COUNTY, COUNTY_OFFICE, MATERIALS, TEST_CONFIG,  # noqa: E402
                            CountingRelay, Fleet, approved, case_events, case_state,
                            check_log_integrity, complete_registration, delivered,
                            events_of_type, item_of, materials_supplied, registration,
                            transfer_accepted, wait_until)

DATE = re.compile(r"^20\d\d-\d\d-\d\d$")


def wait_idle(client, fleet, roles=("intake", "transfer")):
    """Until every role has nothing queued or in flight and has seen the
    whole log: nothing more will be emitted unless something is posted."""
    def idle():
        stats = client.stats()
        for role in roles:
            state = stats["roles"].get(role)
            if not state or state["queued"] or state["in_flight"] \
                    or state["watermark"] < stats["last_seq"]:
                return None
        return stats
    return wait_until(idle, what="roles idle", diagnostics=fleet.diagnostics)


def register_burst(test, count):
    """Once two intake workers are known: count registrations that intake
    accepts as they stand, pipelined; their case ids."""
    wait_until(lambda: test.client.stats()["roles"].get("intake", {}).get("workers") == 2,
               what="two intake workers known", diagnostics=test.fleet.diagnostics)
    cases = [new_case_id() for _ in range(count)]
    replies = test.client.pipeline([{"op": "post", "event": complete_registration(case_id)}
                                    for case_id in cases])
    test.assertTrue(all(reply.get("ok") is True for reply in replies), replies)
    return cases


class CaseLifecycleTest(unittest.TestCase):
    def setUp(self):
        self.broker = Broker(config_text=TEST_CONFIG)
        self.fleet = Fleet(self.broker)
        self.addCleanup(self.fleet.cleanup)
        self.broker.start()
        self.client = self.broker.client()
        self.addCleanup(self.client.close)

    def wait(self, probe, what):
        return wait_until(probe, what=what, diagnostics=self.fleet.diagnostics)

    def wait_event(self, case_id, type_, count=1, **body):
        """The case's events of type_ whose body has the given fields, once
        there are count of them."""
        def found():
            events = [ev for ev in events_of_type(case_events(self.client, case_id), type_)
                      if all(ev["body"].get(key) == value for key, value in body.items())]
            return events if len(events) >= count else None
        return self.wait(found, "%d x %s %r of %s" % (count, type_, body, case_id))

    def item_status(self, case_id, code):
        return item_of(case_state(self.client, case_id), code)["status"]

    def test_case_from_registration_to_closed(self):
        self.fleet.worker("intake")
        self.fleet.worker("transfer")
        case_id = new_case_id()
        # S1-01 -> S1-05 and S1-06 -> S2-01 are chains (S1-06's own
        # prerequisites S1-02/S1-03 are not requested, so taken as done);
        # S1-07 is a county item in parallel. Three items lack a material.
        items = [("S1-01", "city", MATERIALS["S1-01"]),
                 ("S1-05", "city", MATERIALS["S1-05"][:2]),
                 ("S1-06", "city", MATERIALS["S1-06"][:2]),
                 ("S2-01", "city", MATERIALS["S2-01"][:2]),
                 ("S1-07", "county", MATERIALS["S1-07"])]
        registered_seq = self.client.post_ok(registration(case_id, items))

        # one return listing every gap at once
        returned = self.wait_event(case_id, "case.returned")[0]
        self.assertEqual(returned["source"], "intake")
        self.assertEqual(returned["cause"], registered_seq)
        self.assertEqual(returned["body"]["missing"], [
            {"item": "S1-05", "materials": [MATERIALS["S1-05"][2]]},
            {"item": "S1-06", "materials": [MATERIALS["S1-06"][2]]},
            {"item": "S2-01", "materials": [MATERIALS["S2-01"][2]]}])
        self.assertEqual(returned["body"]["unknown_items"], [])
        self.assertEqual(case_state(self.client, case_id)["status"], "returned")

        # a partial supply: returned again with only what is still missing
        partial_seq = self.client.post_ok(materials_supplied(
            case_id, [("S1-05", MATERIALS["S1-05"][2]), ("S1-06", MATERIALS["S1-06"][2])]))
        second = self.wait_event(case_id, "case.returned", count=2)[1]
        self.assertEqual(second["cause"], partial_seq)
        self.assertEqual(second["body"]["missing"],
                         [{"item": "S2-01", "materials": [MATERIALS["S2-01"][2]]}])
        supplied_seq = self.client.post_ok(materials_supplied(
            case_id, [("S2-01", MATERIALS["S2-01"][2])]))

        accepted = self.wait_event(case_id, "case.accepted")[0]
        self.assertEqual((accepted["source"], accepted["cause"]), ("intake", supplied_seq))
        body = accepted["body"]
        self.assertEqual(body["agent"], "DB01")      # every agent free: the lowest id
        self.assertRegex(body["expected_done"], DATE)
        plan = {item["code"]: item for item in body["items"]}
        self.assertEqual(set(plan), set(MATERIALS))
        self.assertEqual(plan["S1-05"]["after"], ["S1-01"])
        self.assertEqual(plan["S2-01"]["after"], ["S1-06"])
        for code in ("S1-01", "S1-06", "S1-07"):
            self.assertEqual(plan[code]["after"], [], code)
        self.assertEqual((plan["S1-07"]["level"], plan["S1-07"]["county"]), ("county", COUNTY))
        # expected_done is the latest planned date (the critical path)
        self.assertEqual(body["expected_done"],
                         max(item["planned_done"] for item in body["items"]))

        # every item without a pending prerequisite is released at once
        submitted = self.wait_event(case_id, "item.submitted", count=2)
        transferred = self.wait_event(case_id, "item.transferred")
        self.assertEqual(sorted(ev["body"]["item"] for ev in submitted), ["S1-01", "S1-06"])
        self.assertEqual(transferred[0]["body"],
                         {"item": "S1-07", "county": COUNTY, "office": COUNTY_OFFICE})
        accepted_seq = accepted["seq"]
        for ev in submitted + transferred:
            self.assertEqual((ev["source"], ev["cause"]), ("transfer", accepted_seq), ev)
        state = case_state(self.client, case_id)
        self.assertEqual(state["status"], "in_progress")
        self.assertEqual((state["agent"], state["expected_done"]), ("DB01", body["expected_done"]))
        self.assertEqual(item_of(state, "S1-05")["status"], "waiting")
        self.assertEqual(item_of(state, "S2-01")["status"], "waiting")
        self.assertEqual(item_of(state, "S1-07")["status"], "transferred")
        self.assertEqual(self.client.stats()["timers_pending"], 1)   # the handover timer

        # the county office confirms: the handover timer is cancelled
        self.client.post_ok(transfer_accepted(case_id, "S1-07"))
        self.wait(lambda: self.client.stats()["timers_pending"] == 0, "handover timer cancelled")
        self.assertTrue(item_of(case_state(self.client, case_id), "S1-07")["transfer_accepted"])

        # approving S1-07 and S1-06 releases S2-01 only, and only then
        self.client.post_ok(approved(case_id, "S1-07"))
        wait_idle(self.client, self.fleet)
        self.assertEqual(self.item_status(case_id, "S2-01"), "waiting")
        s1_06_seq = self.client.post_ok(approved(case_id, "S1-06"))
        released = self.wait_event(case_id, "item.submitted", item="S2-01")[0]
        self.assertEqual(released["cause"], s1_06_seq)
        wait_idle(self.client, self.fleet)
        self.assertEqual(self.item_status(case_id, "S1-05"), "waiting")
        self.assertEqual(len(events_of_type(case_events(self.client, case_id),
                                            "item.submitted")), 3)

        s1_01_seq = self.client.post_ok(approved(case_id, "S1-01"))
        released = self.wait_event(case_id, "item.submitted", item="S1-05")[0]
        self.assertEqual(released["cause"], s1_01_seq)
        self.assertEqual(released["body"]["department"], "市自然资源局")

        for code in ("S1-05", "S2-01"):
            self.client.post_ok(approved(case_id, code))
        # delivering all but the last leaves the case open
        last = "S2-01"
        for code in ("S1-01", "S1-05", "S1-06", "S1-07"):
            self.client.post_ok(delivered(case_id, code))
        wait_idle(self.client, self.fleet)
        self.assertEqual(events_of_type(case_events(self.client, case_id), "case.closed"), [])
        self.assertEqual(case_state(self.client, case_id)["status"], "in_progress")

        last_seq = self.client.post_ok(delivered(case_id, last))
        closed = self.wait_event(case_id, "case.closed")[0]
        self.assertEqual((closed["source"], closed["cause"]), ("transfer", last_seq))
        wait_idle(self.client, self.fleet)
        events = case_events(self.client, case_id)
        self.assertEqual(len(events_of_type(events, "case.closed")), 1)
        self.assertEqual(len(events_of_type(events, "case.accepted")), 1)
        self.assertEqual(len(events_of_type(events, "case.returned")), 2)
        released_items = [ev["body"]["item"] for ev in events
                          if ev["type"] in ("item.submitted", "item.transferred")]
        self.assertEqual(sorted(released_items), sorted(MATERIALS))   # each released once
        state = case_state(self.client, case_id)
        self.assertEqual(state["status"], "closed")
        self.assertTrue(all(item["delivered"] for item in state["items"]))
        self.assertEqual(self.client.stats()["timers_pending"], 0)

        emitted = check_log_integrity(self, self.client.all_history(1))
        self.assertEqual(len(emitted), 2 + 1 + 5 + 1)
        self.fleet.stop_workers()       # each exits 0 on SIGTERM


class SharedLoadTest(unittest.TestCase):
    """Two intake processes, credit 1 each, and a burst of 40 registrations.
    To know which process did the work, each intake connects through a
    CountingRelay (worker_harness) that counts the dispatches passing to
    it: the broker keeps no per-worker counters and the workers do not log
    dispatches, so the relay is the one place that sees it for sure."""

    COUNT = 40

    def setUp(self):
        self.broker = Broker(config_text=TEST_CONFIG)
        self.fleet = Fleet(self.broker)
        self.addCleanup(self.fleet.cleanup)
        self.broker.start()
        self.client = self.broker.client()
        self.addCleanup(self.client.close)

    def test_two_intakes_share_a_burst(self):
        relays = [CountingRelay(self.broker.workers).start() for _ in range(2)]
        for relay in relays:
            self.addCleanup(relay.stop)
            self.fleet.worker("intake", endpoint=relay.endpoint)
        self.fleet.worker("transfer")
        cases = register_burst(self, self.COUNT)

        def all_accepted():
            events = self.client.all_history(1, prefix="case.accepted")
            return events if len(events) >= self.COUNT else None
        accepted = wait_until(all_accepted, what="%d cases accepted" % self.COUNT,
                              diagnostics=self.fleet.diagnostics)
        wait_idle(self.client, self.fleet)
        accepted = self.client.all_history(1, prefix="case.accepted")
        self.assertEqual(sorted(ev["case"] for ev in accepted), sorted(cases))   # once each
        self.assertEqual(self.client.all_history(1, prefix="case.returned"), [])
        submitted = self.client.all_history(1, prefix="item.submitted")
        self.assertEqual(sorted(ev["case"] for ev in submitted), sorted(cases))

        counts = [relay.dispatched for relay in relays]
        self.assertTrue(all(count > 0 for count in counts),
                        "one intake did all the work: dispatches per process %r" % counts)
        self.assertGreaterEqual(sum(counts), self.COUNT)
        self.assertEqual(relays[0].cases | relays[1].cases, set(cases))
        self.assertEqual([relay.answered for relay in relays], counts)
        stats = self.client.stats()
        self.assertEqual(stats["failed"] + stats["expired"], 0)
        check_log_integrity(self, self.client.all_history(1))
        self.fleet.stop_workers()


#   A team whose capacity just fits the burst: four agents of 9 and one
#   stand-by of 4 take 40 cases exactly, so that the last acceptances are
#   made at full load, where two intakes deciding from the same counts
#   would give one agent a case too many.
CAPACITY = {"A1": 9, "A2": 9, "A3": 9, "A4": 9, "S1": 4}
TEAM_CONFIG = TEST_CONFIG + """\
    credit = 4
agents
    C0
        name = 李明
        kind = chief
        capacity = 5
""" + "".join("""\
    %s
        name = 代办员%s
        kind = %s
        capacity = %d
""" % (agent, agent, "standby" if agent.startswith("S") else "agent", capacity)
              for agent, capacity in CAPACITY.items())


class CapacityTest(unittest.TestCase):
    """Agents' capacity holds under parallel intake (the broker refuses an
    acceptance for an agent at capacity and the event goes to intake again
    with the loads as they are now)."""

    COUNT = 40

    def setUp(self):
        self.broker = Broker(config_text=TEAM_CONFIG)
        self.fleet = Fleet(self.broker, config_text=TEAM_CONFIG)
        self.addCleanup(self.fleet.cleanup)
        self.broker.start()
        self.client = self.broker.client()
        self.addCleanup(self.client.close)

    def test_two_intakes_racing_never_exceed_capacity(self):
        for _ in range(2):
            self.fleet.worker("intake")
        cases = register_burst(self, self.COUNT)
        wait_until(lambda: len(self.client.all_history(1, prefix="case.accepted")) >= self.COUNT,
                   what="%d cases accepted" % self.COUNT, diagnostics=self.fleet.diagnostics)
        wait_idle(self.client, self.fleet, roles=("intake",))
        accepted = self.client.all_history(1, prefix="case.accepted")
        self.assertEqual(sorted(ev["case"] for ev in accepted), sorted(cases))   # once each
        load = {}
        for ev in accepted:
            load[ev["body"]["agent"]] = load.get(ev["body"]["agent"], 0) + 1
        self.assertEqual(load, CAPACITY, "cases per agent against capacity %r" % CAPACITY)
        stats = self.client.stats()
        self.assertEqual(stats["failed"] + stats["dead_lettered"], 0)
        self.fleet.stop_workers()

    def test_an_acceptance_over_capacity_goes_to_intake_again(self):
        from worker_harness import FakeWorker
        intake = FakeWorker(self.broker.workers, role="intake")
        self.addCleanup(intake.close)
        cases = [new_case_id() for _ in range(CAPACITY["S1"] + 1)]
        for case_id in cases:
            self.client.post_ok(complete_registration(case_id))

        def accept(case_id, agent):
            item = {"code": "S1-01", "name": "企业投资项目备案", "department": "市发改委",
                    "level": "city", "limit_days": 1, "after": []}
            return {"type": "case.accepted", "case": case_id,
                    "body": {"agent": agent, "items": [item], "expected_done": "2026-04-01"}}
        #   S1 holds 4: the first four go to it, the fifth is refused.
        for number, case_id in enumerate(cases):
            dispatch = intake.recv_dispatch()
            self.assertEqual(dispatch["event"]["case"], case_id)
            self.assertEqual(dispatch["agents"].get("S1", 0), number)
            intake.done(dispatch["lease"], emit=[accept(case_id, "S1")])
        again = intake.recv_dispatch()
        self.assertEqual((again["event"]["case"], again["event"]["seq"]),
                         (cases[-1], dispatch["event"]["seq"]))
        self.assertEqual(again["agents"].get("S1"), CAPACITY["S1"])
        self.assertEqual(case_state(self.client, cases[-1])["status"], "registered")
        intake.done(again["lease"], emit=[accept(cases[-1], "A1")])
        wait_until(lambda: case_state(self.client, cases[-1])["agent"] == "A1",
                   what="the case accepted for A1")
        stats = self.client.stats()
        self.assertEqual((stats["redecided"], stats["failed"]), (1, 0))
        self.assertIn("S1 (代办员S1) is at capacity: 4 open cases of 4", self.broker.log_text())


if __name__ == "__main__":
    unittest.main(verbosity=2)
