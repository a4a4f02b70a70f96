"""The disk fills up under the broker: posts are refused with
`unavailable`, nothing half-written reaches the log, and after room is made
(here: the broker restarted without the limit) every acknowledged event is
there with its seq and posting resumes.

"Disk full" is made with RLIMIT_FSIZE: past the limit every write of the
broker's files fails (EFBIG, SIGXFSZ ignored), which is what LMDB sees when
the disk has no room left."""
import os
import resource
import signal
import unittest

from daiban_harness import (Broker, error_code, sample_registration, worklog, post_request)

LIMIT = 3 * 1024 * 1024


def limit_file_size():
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (LIMIT, LIMIT))


class DiskFullTest(unittest.TestCase):
    def setUp(self):
        # A small initial map: the file must grow (and fail) well before it
        # is full, so the refusal is the disk's, not the map's.
        self.broker = Broker(config_text="broker\n    map_size = 1048576\n")
        self.broker.preexec = limit_file_size
        self.broker.start()

    def tearDown(self):
        self.broker.preexec = None
        if self.broker.alive():
            self.broker.kill()
        self.broker.cleanup()

    def test_refused_when_full_and_nothing_lost(self):
        client = self.broker.client()
        registration = sample_registration()
        case = registration["case"]
        self.assertTrue(client.post(registration)["ok"])
        acknowledged, refused = {}, []
        for number in range(40000):
            ev = worklog(case, note="代办员记录：第 %d 次跟进，材料齐全，等待部门审查。" % number * 3)
            reply = client.post(ev)
            if reply.get("ok"):
                acknowledged[ev["id"]] = reply["seq"]
            else:
                self.assertEqual(error_code(reply), "unavailable", reply)
                self.assertIn("not written", reply["error"]["message"])
                refused.append(ev["id"])
                if len(refused) >= 20:
                    break
        self.assertGreater(len(acknowledged), 100, "the limit was hit too early to mean anything")
        self.assertEqual(len(refused), 20, "the disk never filled up (limit %d bytes)" % LIMIT)
        # The broker keeps answering reads while writes are refused.
        self.assertTrue(client.stats()["ok"])
        client.close()
        data_size = os.path.getsize(os.path.join(self.broker.data_dir, "data.mdb"))
        self.assertLessEqual(data_size, LIMIT)

        self.broker.stop(expect_code=None)
        self.broker.preexec = None
        self.broker.start()
        client = self.broker.client()
        events = client.all_history()
        seqs = [event["seq"] for event in events]
        self.assertEqual(seqs, list(range(1, len(seqs) + 1)), "seqs have gaps")
        by_id = {event["id"]: event["seq"] for event in events}
        for event_id, seq in acknowledged.items():
            self.assertEqual(by_id.get(event_id), seq, "acknowledged event %s lost" % event_id)
        for event_id in refused:
            self.assertNotIn(event_id, by_id, "refused event %s was written" % event_id)
        # Room again: posting resumes after the last seq.
        reply = client.post(worklog(case))
        self.assertTrue(reply["ok"], reply)
        self.assertEqual(reply["seq"], len(seqs) + 1)
        client.close()


if __name__ == "__main__":
    unittest.main()
