"""Hot backup (docs/storage.md): the `backup` op copies the store while
clients keep posting; the copy holds exactly the events up to the seq the
reply names, byte for byte as the original has them, and a broker started
on it serves them and takes new posts. Bad names and an existing target are
refused; `daibanctl backup --wait` follows a copy to the end."""
import os
import subprocess
import threading
import time
import unittest

from daiban_harness import (Broker, error_code, executable, new_case_id, sample_registration,
                            worklog)

DONE_TIMEOUT = 60.0


def wait_backup(client, path):
    """Polls stats until the backup at path is no longer running."""
    deadline = time.monotonic() + DONE_TIMEOUT
    while True:
        backup = client.stats()["backup"]
        if backup.get("path") == path and backup["status"] != "running":
            return backup
        if time.monotonic() > deadline:
            raise AssertionError("backup %s still running: %r" % (path, backup))
        time.sleep(0.05)


class Poster(threading.Thread):
    """Posts worklogs to one case until stopped, counting the replies."""

    def __init__(self, broker, case):
        super().__init__(daemon=True)
        self.broker, self.case = broker, case
        self.stop = threading.Event()
        self.acknowledged = 0
        self.failure = None

    def run(self):
        with self.broker.client() as client:
            while not self.stop.is_set():
                reply = client.post(worklog(self.case, note="备份期间继续办理"))
                if reply.get("ok") is not True:
                    self.failure = reply
                    return
                self.acknowledged += 1


class BackupTest(unittest.TestCase):
    def setUp(self):
        self.backups = None
        self.broker = Broker(config_text="")
        self.backups = os.path.join(self.broker.tmp, "backups")
        with open(self.broker.config_path, "w", encoding="utf-8") as handle:
            handle.write("broker\n    backup_dir = %s\n" % self.backups)
        self.copy = None

    def tearDown(self):
        for broker in (self.broker, self.copy):
            if broker:
                if broker.alive():
                    broker.kill()
                broker.cleanup()

    def test_copy_under_load_is_exact_and_serves(self):
        self.broker.start()
        case = new_case_id()
        with self.broker.client() as client:
            client.post_ok(sample_registration(case))
            for number in range(300):
                client.post_ok(worklog(case, note="备份前的记录 %d" % number))
            poster = Poster(self.broker, case)
            poster.start()
            time.sleep(0.2)
            reply = client.request({"op": "backup", "name": "nightly-1", "rid": 7})
            self.assertIs(reply.get("ok"), True, reply)
            self.assertEqual(reply["rid"], 7)
            self.assertEqual(reply["status"], "running")
            path, last_seq = reply["path"], reply["last_seq"]
            self.assertEqual(path, os.path.join(self.backups, "nightly-1"))
            self.assertGreaterEqual(last_seq, 301)
            backup = wait_backup(client, path)
            time.sleep(0.2)
            poster.stop.set()
            poster.join(10)
            self.assertIsNone(poster.failure)
            self.assertGreater(poster.acknowledged, 0, "nothing was posted during the backup")
            self.assertEqual(backup["status"], "done", backup)
            self.assertEqual(backup["last_seq"], last_seq)
            original = client.all_history()
            self.assertGreater(len(original), last_seq, "no post landed after the backup")
        self.broker.stop()

        self.copy = Broker(data_dir=path)
        self.copy.start()
        with self.copy.client() as client:
            copied = client.all_history()
            self.assertEqual(copied, original[:last_seq])
            self.assertEqual(client.stats()["last_seq"], last_seq)
            seq = client.post_ok(worklog(case, note="从备份恢复后继续办理"))
            self.assertEqual(seq, last_seq + 1)

    def test_refusals(self):
        self.broker.start()
        with self.broker.client() as client:
            client.post_ok(sample_registration())
            for name in ("../escape", ".hidden", "a/b", "", "x" * 65, 42):
                reply = client.request({"op": "backup", "name": name})
                self.assertEqual(error_code(reply), "bad_request", (name, reply))
                self.assertIn("name", reply["error"]["message"])
            self.assertFalse(os.path.exists(os.path.join(self.broker.tmp, "escape")))
            first = client.request({"op": "backup", "name": "once"})
            self.assertIs(first.get("ok"), True, first)
            wait_backup(client, first["path"])
            again = client.request({"op": "backup", "name": "once"})
            self.assertEqual(error_code(again), "conflict", again)
            self.assertIn("exists", again["error"]["message"])
            # Without a name, one is made up: two in a row do not collide.
            # stats shows the last backup only: wait for the last one made
            # (the first may be done before the second is asked for).
            made = [client.request({"op": "backup"}) for _ in range(2)]
            for reply in made:
                if reply.get("ok") is not True:
                    self.assertEqual(error_code(reply), "conflict", reply)
            self.assertIs(made[0].get("ok"), True, made[0])
            if made[1].get("ok") is True:
                self.assertNotEqual(made[0]["path"], made[1]["path"])
            wait_backup(client, [reply for reply in made if reply.get("ok")][-1]["path"])

    def test_daibanctl_backup_wait(self):
        self.broker.start()
        with self.broker.client() as client:
            seq = client.post_ok(sample_registration())
        done = subprocess.run([executable("daibanctl"), "--ingress", self.broker.ingress,
                               "backup", "by-ctl", "--wait"],
                              capture_output=True, timeout=60)
        out = done.stdout.decode("utf-8")
        self.assertEqual(done.returncode, 0, done.stderr.decode("utf-8"))
        path = os.path.join(self.backups, "by-ctl")
        self.assertIn("every event up to seq %d" % seq, out)
        self.assertIn("backup %s done" % path, out)
        self.assertTrue(os.path.getsize(os.path.join(path, "data.mdb")) > 0)


if __name__ == "__main__":
    unittest.main()
