"""Master key file permissions, and key rotation that survives being killed part-way."""

import json
import os
import stat
import subprocess
import unittest

from harness import BIN, DaemonTest, Daemon, cli, make_user, send


class KeysTest(DaemonTest):
    def create_subjects(self, daemon, token, n):
        conn = daemon.connection()
        made = {}
        for i in range(n):
            email = f"person{i}@example.com"
            status, _, raw = send(conn, "POST", "/v1/admin/subjects",
                                  {"identities": {"email": email}, "attributes": {"name": f"P {i}"}},
                                  token=token)
            self.assertEqual(status, 201, raw)
            made[json.loads(raw)["id"]] = email
        conn.close()
        return made

    def assert_all_readable(self, token, made):
        daemon = self.start_daemon()
        conn = daemon.connection()
        for sid, email in made.items():
            status, _, raw = send(conn, "GET", "/v1/admin/subjects/" + sid, token=token)
            self.assertEqual(status, 200, raw)
            self.assertEqual(json.loads(raw)["identities"][0]["value"], email)
        # And found by blind index, which rotation must not change.
        status, _, raw = send(conn, "GET", "/v1/admin/subjects?email=person0@example.com", token=token)
        self.assertEqual(len(json.loads(raw)["subjects"]), 1)
        conn.close()
        daemon.stop()

    def test_master_key_created_0600_and_refused_when_readable_by_others(self):
        daemon = self.start_daemon()
        daemon.stop()
        key = os.path.join(self.data, "master.key")
        self.assertEqual(stat.S_IMODE(os.stat(key).st_mode), 0o600)
        for name in ("privacyd.db", "privacyd.lock"):
            self.assertEqual(stat.S_IMODE(os.stat(os.path.join(self.data, name)).st_mode), 0o600, name)
        self.assertEqual(stat.S_IMODE(os.stat(self.data).st_mode), 0o700)
        os.chmod(key, 0o644)
        proc = subprocess.run([BIN, "serve", "--listen", "127.0.0.1:0", "--data", self.data],
                              capture_output=True, text=True, timeout=30)
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("chmod 600 " + key, proc.stderr)
        self.assertIn("master_key_permissions", proc.stderr)

    def test_rotation_killed_part_way_leaves_every_subject_readable(self):
        token = make_user(self.data, "alice", "admin")
        daemon = self.start_daemon()
        made = self.create_subjects(daemon, token, 120)
        # Rotation refuses to run beside a live server.
        busy = cli("keys", "rotate", data_dir=self.data, check=False)
        self.assertEqual(busy.returncode, 2)
        self.assertIn("data_dir_locked", busy.stderr)
        daemon.stop()
        old_key = open(os.path.join(self.data, "master.key")).read()

        proc = subprocess.Popen([BIN, "keys", "rotate", "--batch", "3", "--data", self.data],
                                stdout=subprocess.PIPE, text=True)
        first = proc.stdout.readline()
        self.assertTrue(first.startswith("rewrapped 3 "), first)
        proc.kill()
        proc.wait()
        self.assertTrue(os.path.exists(os.path.join(self.data, "master.key.next")),
                        "the rotation finished before it could be interrupted")
        self.assert_all_readable(token, made)

        done = cli("keys", "rotate", data_dir=self.data)
        self.assertIn("master key rotated", done.stdout)
        self.assertFalse(os.path.exists(os.path.join(self.data, "master.key.next")))
        self.assertNotEqual(open(os.path.join(self.data, "master.key")).read(), old_key)
        self.assert_all_readable(token, made)


if __name__ == "__main__":
    unittest.main()
