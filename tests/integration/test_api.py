"""The staff API end to end against the real binary: authentication and roles, the subject
registry, the audit trail and its verification, and the system endpoints."""

import json
import sqlite3
import os
import pwd
import unittest

from harness import DaemonTest, cli, make_user, send


class StaffApiTest(DaemonTest):
    def setUp(self):
        super().setUp()
        self.admin = make_user(self.data, "alice", "admin")
        self.agent = make_user(self.data, "sam", "support_agent")
        self.auditor = make_user(self.data, "audrey", "auditor")
        self.marketing = make_user(self.data, "mia", "marketing")
        self.daemon = self.start_daemon()

    def test_subjects_roles_and_audit(self):
        d = self.daemon
        body = {"identities": {"email": "Ada@Example.com", "phone": "+44 20 7946 0000"},
                "attributes": {"name": "Ada Lovelace", "company": "Analytical Engines"}}

        # 401 without or with a bad token, 403 with a valid token lacking the role.
        p = self.assertProblem(d.request("POST", "/v1/admin/subjects", body), 401, "unauthenticated")
        self.assertNotIn("Ada", json.dumps(p))
        status, headers, _ = d.request("POST", "/v1/admin/subjects", body)
        self.assertEqual(headers.get("www-authenticate", "").split()[0], "Bearer")
        self.assertProblem(d.request("POST", "/v1/admin/subjects", body, token=self.admin + "x"),
                           401, "unauthenticated")
        self.assertProblem(d.request("POST", "/v1/admin/subjects", body, token=self.marketing), 403,
                           "forbidden")
        self.assertProblem(d.request("POST", "/v1/admin/subjects", body, token=self.auditor), 403,
                           "forbidden")

        status, headers, raw = d.request("POST", "/v1/admin/subjects", body, token=self.agent,
                                         headers={"X-Request-Id": "req-create-1"})
        self.assertEqual(status, 201, raw)
        self.assertEqual(headers["x-request-id"], "req-create-1")
        created = json.loads(raw)
        sid = created["id"]
        self.assertTrue(sid.startswith("sub_"))
        self.assertEqual(created["identities"], [{"kind": "email", "value": "ada@example.com"},
                                                 {"kind": "phone", "value": "+442079460000"}])

        status, _, raw = d.request("GET", "/v1/admin/subjects/" + sid, token=self.admin)
        self.assertEqual(status, 200, raw)
        got = json.loads(raw)
        self.assertEqual(got["id"], sid)
        self.assertEqual({a["name"]: a["value"] for a in got["attributes"]},
                         {"name": "Ada Lovelace", "company": "Analytical Engines"})
        self.assertEqual(got["attributes"][0]["provenance"]["source"], "staff:sam")

        status, _, raw = d.request("GET", "/v1/admin/subjects?identity=email:ADA@example.com",
                                   token=self.agent)
        self.assertEqual(status, 200, raw)
        self.assertEqual([s["id"] for s in json.loads(raw)["subjects"]], [sid])
        status, _, raw = d.request("GET", "/v1/admin/subjects?email=nobody@example.com",
                                   token=self.agent)
        self.assertEqual((status, json.loads(raw)), (200, {"subjects": []}))
        self.assertProblem(d.request("GET", "/v1/admin/subjects", token=self.agent), 400,
                           "missing_identity")
        self.assertProblem(d.request("GET", "/v1/admin/subjects/sub_DOESNOTEXIST", token=self.admin),
                           404, "subject_not_found")
        # marketing reads only what the marketing purposes process: the identities, not values
        # entered by staff outside a collection point (whose category the policy cannot tell).
        status, _, raw = d.request("GET", "/v1/admin/subjects/" + sid, token=self.marketing)
        self.assertEqual(status, 200, raw)
        self.assertEqual(json.loads(raw)["attributes"], [])
        self.assertEqual([i["kind"] for i in json.loads(raw)["identities"]], ["email", "phone"])
        self.assertProblem(d.request("POST", "/v1/admin/subjects",
                                     {"identities": {"email": "ada@EXAMPLE.com"}}, token=self.agent),
                           409, "identity_exists")
        self.assertProblem(d.request("POST", "/v1/admin/subjects",
                                     {"identities": {"email": "nope"}}, token=self.agent),
                           400, "invalid_identity")
        self.assertProblem(d.request("POST", "/v1/admin/subjects",
                                     {"identities": {"email": "x@y.z"}, "extra": 1}, token=self.agent),
                           400, "unknown_member")

        # The audit trail: the staff actions in order, readable by auditor and admin only.
        self.assertProblem(d.request("GET", "/v1/admin/audit", token=self.agent), 403, "forbidden")
        status, _, raw = d.request("GET", "/v1/admin/audit?limit=1000", token=self.auditor)
        self.assertEqual(status, 200, raw)
        entries = json.loads(raw)["entries"]
        actions = [(e["action"], e["actor"]) for e in entries]
        self.assertEqual(actions[:8], [("user.create", "cli:" + pwd.getpwuid(os.geteuid()).pw_name),
                                       ("token.create", actions[1][1])] * 4)
        # The daemon records the policy version it starts with, then the staff calls follow.
        self.assertEqual(actions[8], ("policy.apply", "system"))
        self.assertEqual(actions[9:], [("subject.create", "sam"), ("subject.read", "alice"),
                                       ("subject.lookup", "sam"), ("subject.lookup", "sam"),
                                       ("subject.read", "mia")])
        self.assertEqual(entries[9]["object"], "subject:" + sid)
        self.assertEqual(entries[9]["request_id"], "req-create-1")
        self.assertEqual(entries[9]["role"], "support_agent")
        self.assertEqual([e["seq"] for e in entries], list(range(1, len(entries) + 1)))
        for prev, cur in zip(entries, entries[1:]):
            self.assertEqual(cur["prev_hash"], prev["hash"])
        self.assertNotIn("ada@example.com", raw.decode())
        self.assertNotIn("Lovelace", raw.decode())

        # Reading the trail is itself recorded.
        status, _, raw = d.request("GET", "/v1/admin/audit?action=audit.read", token=self.admin)
        reads = json.loads(raw)["entries"]
        self.assertEqual([(e["actor"], e["role"], e["detail"]) for e in reads],
                         [("audrey", "auditor", {"entries": len(entries)})])

        # Filters and cursor pagination.
        status, _, raw = d.request("GET", "/v1/admin/audit?actor=sam&limit=2", token=self.admin)
        page = json.loads(raw)
        self.assertEqual([e["action"] for e in page["entries"]], ["subject.create", "subject.lookup"])
        self.assertIsNotNone(page["next_cursor"])
        status, _, raw = d.request("GET", "/v1/admin/audit?actor=sam&limit=2&cursor=" +
                                   page["next_cursor"], token=self.admin)
        page2 = json.loads(raw)
        self.assertEqual([e["action"] for e in page2["entries"]], ["subject.lookup"])
        self.assertIsNone(page2["next_cursor"])
        status, _, raw = d.request("GET", "/v1/admin/audit?action=subject.read&object=subject:" + sid,
                                   token=self.admin)
        self.assertEqual([e["actor"] for e in json.loads(raw)["entries"]], ["alice", "mia"])
        status, _, raw = d.request("GET", "/v1/admin/audit?since=2999-01-01T00:00:00Z",
                                   token=self.admin)
        self.assertEqual(json.loads(raw)["entries"], [])
        self.assertProblem(d.request("GET", "/v1/admin/audit?since=yesterday", token=self.admin),
                           400, "invalid_timestamp")
        self.assertProblem(d.request("GET", "/v1/admin/audit?limit=0", token=self.admin), 400,
                           "invalid_limit")

        # The chain verifies over HTTP too (auditor and admin; the check is recorded).
        self.assertProblem(d.request("GET", "/v1/admin/audit/verify", token=self.agent), 403,
                           "forbidden")
        status, _, raw = d.request("GET", "/v1/admin/audit/verify", token=self.auditor)
        self.assertEqual(status, 200, raw)
        report = json.loads(raw)
        self.assertEqual(report["intact"], True)
        self.assertGreaterEqual(report["checked"], len(entries))
        status, _, raw = d.request("GET", "/v1/admin/audit?action=audit.verified", token=self.admin)
        self.assertEqual([(e["actor"], e["detail"]) for e in json.loads(raw)["entries"]],
                         [("audrey", {"checked": report["checked"], "intact": True})])

        # Tokens die with revocation and with their user.
        tokens = cli("token", "list", "--user", "sam", data_dir=self.data).stdout
        sam_token_id = self.agent.split(".")[0]
        self.assertIn(sam_token_id, tokens)
        self.assertNotIn(self.agent.split(".")[1], tokens)
        cli("token", "revoke", sam_token_id, data_dir=self.data)
        self.assertProblem(d.request("GET", "/v1/admin/subjects/" + sid, token=self.agent), 401,
                           "unauthenticated")
        cli("user", "disable", "mia", data_dir=self.data)
        self.assertProblem(d.request("GET", "/v1/admin/audit", token=self.marketing), 401,
                           "unauthenticated")

        # The chain verifies, then breaks at the entry whose stored row is altered.
        d.stop()
        verify = cli("audit", "verify", data_dir=self.data)
        self.assertRegex(verify.stdout, r"audit chain intact: \d+ entries")
        db = sqlite3.connect(os.path.join(self.data, "privacyd.db"))
        row = db.execute("SELECT seq, action FROM audit WHERE action = 'subject.read'").fetchone()
        flipped = row[1][:-1] + chr(ord(row[1][-1]) ^ 1)
        db.execute("UPDATE audit SET action = ? WHERE seq = ?", (flipped, row[0]))
        db.commit()
        db.close()
        broken = cli("audit", "verify", data_dir=self.data, check=False)
        self.assertEqual(broken.returncode, 1, broken.stdout + broken.stderr)
        self.assertIn(f"BROKEN at entry {row[0]}:", broken.stdout)
        d = self.start_daemon()
        status, _, raw = d.request("GET", "/v1/admin/audit/verify", token=self.admin)
        self.assertEqual(status, 200, raw)
        report = json.loads(raw)
        self.assertEqual((report["intact"], report["first_broken_seq"], report["checked"]),
                         (False, row[0], row[0] - 1))
        self.assertIn("altered", report["reason"])

    def test_system_endpoints(self):
        d = self.daemon
        status, headers, raw = d.request("GET", "/healthz")
        self.assertEqual((status, json.loads(raw)), (200, {"status": "ok"}))
        self.assertEqual(headers["content-type"], "application/json")
        self.assertEqual(headers["cache-control"], "no-store")
        self.assertRegex(headers["x-request-id"], r"^req_[0-9A-Z]{26}$")
        status, _, raw = d.request("GET", "/readyz")
        self.assertEqual((status, json.loads(raw)), (200, {"status": "ready"}))
        status, _, raw = d.request("GET", "/openapi.json")
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(raw)["openapi"], "3.1.0")
        d.request("GET", "/v1/admin/audit", token=self.auditor)
        status, headers, raw = d.request("GET", "/metrics")
        self.assertEqual(status, 200)
        self.assertTrue(headers["content-type"].startswith("text/plain"))
        text = raw.decode()
        self.assertRegex(text, r'privacyd_http_requests_total\{[^}]*route="/healthz"[^}]*status="200"[^}]*\} 1')
        self.assertRegex(text, r'privacyd_http_requests_total\{[^}]*route="/v1/admin/audit"[^}]*\} 1')
        self.assertIn("privacyd_http_request_duration_seconds_bucket", text)
        self.assertRegex(text, r"privacyd_store_commits_total [1-9]")
        self.assertIn("privacyd_store_commit_seconds_bucket", text)

    def test_keep_alive(self):
        conn = self.daemon.connection()
        for _ in range(3):
            status, headers, _ = send(conn, "GET", "/v1/admin/audit?limit=1", token=self.admin)
            self.assertEqual(status, 200)
        conn.close()


if __name__ == "__main__":
    unittest.main()
