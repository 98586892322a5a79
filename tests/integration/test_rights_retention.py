"""Closed requests are deleted once the policy's rights.records_retention (three years in the
example policy) has passed since they closed: the daemon's clock is moved past it
(PRIVACYD_TEST_CLOCK_OFFSET_FILE), the daily sweep job deletes them, the SQLite file no longer
holds their rows, the audit trail says so per request, and an open request of the same age
stays."""

import base64
import json
import os
import sqlite3
import subprocess
import time

from harness import BIN, cli
from test_rights import DAY, RightsBase


class RetentionTest(RightsBase):

    def setUp(self):
        super().setUp()
        # Staff tokens that outlive the years the clock is moved by (the default is 90 days).
        for name, attr in (("sam", "agent"), ("olga", "officer")):
            out = cli("token", "create", "--user", name, "--ttl-days", "0", data_dir=self.data)
            setattr(self, attr, out.stdout.strip().splitlines()[-1])

    def db_count(self, sql, *args):
        db = sqlite3.connect(os.path.join(self.data, "privacyd.db"))
        try:
            return db.execute(sql, args).fetchone()[0]
        finally:
            db.close()

    def transition(self, request_id, action, token=None, reason=None):
        body = {"action": action}
        if reason:
            body["reason"] = reason
        status, _, raw = self.post(f"/v1/admin/requests/{request_id}/transition", body,
                                   token=token or self.agent)
        self.assertEqual(status, 200, raw)
        return json.loads(raw)

    def test_closed_requests_go_after_the_retention_and_open_ones_stay(self):
        # Completed: an objection by letter, with a telephone number.
        status, _, raw = self.post("/v1/admin/requests", {
            "rights": ["objection"], "email": "ada@qzx.example", "country": "DE",
            "channel": "post", "identity_verified": True,
            "identities": {"phone": "+49 30 901820"}}, token=self.agent)
        self.assertEqual(status, 201, raw)
        completed = json.loads(raw)
        self.transition(completed["id"], "start")
        self.assertEqual(self.transition(completed["id"], "complete")["state"], "completed")
        # Refused: an agent's request with its authorisation document.
        status, _, raw = self.post("/v1/admin/requests", {
            "rights": ["restriction"], "email": "bea@qzx.example", "channel": "email",
            "identity_verified": True, "agent": True,
            "authorisation_document": base64.b64encode(b"%PDF Vollmacht").decode()},
            token=self.agent)
        self.assertEqual(status, 201, raw)
        refused = json.loads(raw)
        self.transition(refused["id"], "refuse", self.officer, "not the person's agent")
        # Withdrawn by the person, from the portal: codes were mailed for it.
        withdrawn, verified = self.submit_verified("cem@qzx.example", ("access",))
        status, _, raw = self.daemon.request("POST", f"/v1/requests/{withdrawn['id']}/withdraw",
                                             token=verified["token"])
        self.assertEqual(status, 200, raw)
        # Open, as old as the others.
        still_open, open_verified = self.submit_verified("dan@qzx.example", ("erasure",))
        closed = [completed["id"], refused["id"], withdrawn["id"]]
        for rid in closed + [still_open["id"]]:
            self.assertEqual(self.db_count("SELECT count(*) FROM requests WHERE id = ?", rid), 1)

        # Just short of three years the daily sweep runs and deletes nothing; past them, at its
        # next run, it deletes the closed requests.
        self.move_clock(3 * 365 * DAY - 2 * DAY)
        self.wait_for_sweeps(2)  # the one at start, and the next day's
        self.assertEqual(self.db_count("SELECT count(*) FROM requests"), 4)
        self.move_clock(3 * 366 * DAY)
        self.wait_for_sweeps(3)
        self.assertEqual(self.db_count("SELECT count(*) FROM requests"), 1)

        # The file holds none of their rows.
        for rid in closed:
            for table, column in (("requests", "id"), ("request_events", "request_id"),
                                  ("request_identities", "request_id"),
                                  ("request_packages", "request_id")):
                self.assertEqual(
                    self.db_count(f"SELECT count(*) FROM {table} WHERE {column} = ?", rid), 0,
                    (table, rid))
        self.assertEqual(self.db_count("SELECT count(*) FROM requests WHERE id = ?",
                                       still_open["id"]), 1)
        self.assertEqual(self.db_count("SELECT count(*) FROM verification_codes WHERE "
                                       "created_at < (SELECT min(created_at) FROM requests)"), 0)
        with open(os.path.join(self.data, "privacyd.db"), "rb") as f:
            self.assertNotIn(b"Vollmacht", f.read())
        # Audited per request, without personal data; the rest of the trail is kept.
        deleted = {}
        db = sqlite3.connect(os.path.join(self.data, "privacyd.db"))
        try:
            for obj, detail in db.execute("SELECT object, detail FROM audit WHERE action = "
                                          "'request.deleted' ORDER BY seq"):
                deleted[obj] = json.loads(detail)
            intakes = db.execute("SELECT count(*) FROM audit WHERE action = 'request.intake'"
                                 ).fetchone()[0]
        finally:
            db.close()
        self.assertEqual(sorted(deleted), sorted(f"request:{rid}" for rid in closed))
        self.assertEqual(deleted[f"request:{refused['id']}"]["state"], "refused")
        self.assertEqual(deleted[f"request:{refused['id']}"]["reason"], "records_retention")
        self.assertNotIn("qzx", json.dumps(deleted))
        self.assertEqual(intakes, 4)
        proc = self.cli_audit_verify()
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)

        # A deleted request is answered like one that never existed.
        for rid in closed:
            self.assertProblem(self.daemon.request("GET", f"/v1/admin/requests/{rid}",
                                                   token=self.agent), 404, "request_not_found")
            self.assertProblem(self.daemon.request("GET", f"/v1/admin/requests/{rid}/evidence",
                                                   token=self.officer), 404, "request_not_found")
        self.assertProblem(self.status_of(withdrawn["id"], verified["token"]), 404,
                           "request_not_found")
        status, _, raw = self.status_of(still_open["id"], open_verified["token"])
        self.assertEqual(status, 200, raw)
        status, _, raw = self.daemon.request("GET", "/metrics")
        self.assertIn("privacyd_requests_deleted_after_retention_total 3\n", raw.decode())

    def wait_for_sweeps(self, n):
        """Waits until `n` runs of the retention sweep are done."""
        sql = ("SELECT count(*) FROM jobs WHERE kind = 'requests.retention_sweep' "
               "AND state = 'done'")
        deadline = time.monotonic() + 30
        while self.db_count(sql) < n and time.monotonic() < deadline:
            time.sleep(0.1)
        self.assertGreaterEqual(self.db_count(sql), n)

    def cli_audit_verify(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith("PRIVACYD_")}
        return subprocess.run([BIN, "audit", "verify", "--data", self.data],
                              capture_output=True, text=True, env=env, timeout=120)


if __name__ == "__main__":
    import unittest
    unittest.main()
