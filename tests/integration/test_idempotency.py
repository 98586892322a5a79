"""Idempotency-Key on writes, end to end against the real binary: a retried POST runs once and
gets the first response back; a reused key, a busy key and a malformed key are refused; keys
belong to the user who sent them; requests without the header behave as before."""

import json
import unittest

from harness import DaemonTest, make_user

SUBJECTS = "/v1/admin/subjects"


class IdempotencyTest(DaemonTest):
    def setUp(self):
        super().setUp()
        self.admin = make_user(self.data, "alice", "admin")
        self.agent = make_user(self.data, "sam", "support_agent")
        self.auditor = make_user(self.data, "audrey", "auditor")
        self.daemon = self.start_daemon()

    def post(self, body, token, key=None, request_id=None):
        headers = {}
        if key is not None:
            headers["Idempotency-Key"] = key
        if request_id is not None:
            headers["X-Request-Id"] = request_id
        return self.daemon.request("POST", SUBJECTS, body, headers=headers, token=token)

    def audit_actions(self, action):
        status, _, raw = self.daemon.request("GET", "/v1/admin/audit?limit=1000&action=" + action,
                                             token=self.auditor)
        self.assertEqual(status, 200, raw)
        return json.loads(raw)["entries"]

    def lookup(self, email):
        status, _, raw = self.daemon.request("GET", SUBJECTS + "?email=" + email, token=self.admin)
        self.assertEqual(status, 200, raw)
        return [s["id"] for s in json.loads(raw)["subjects"]]

    def test_a_retry_is_answered_from_the_first_response(self):
        body = {"identities": {"email": "ada@example.com"}, "attributes": {"name": "Ada"}}
        key = "8e03978e-40d5-43e8-bc93-6894a57f9324"
        status, headers, first = self.post(body, self.agent, key, request_id="req-first")
        self.assertEqual(status, 201, first)
        self.assertNotIn("idempotent-replayed", headers)

        status, headers, again = self.post(body, self.agent, key, request_id="req-retry")
        self.assertEqual(status, 201, again)
        self.assertEqual(again, first)  # byte for byte
        self.assertEqual(headers.get("idempotent-replayed"), "true")
        self.assertEqual(headers.get("content-type"), "application/json")
        self.assertEqual(headers.get("x-request-id"), "req-retry")

        self.assertEqual(self.lookup("ada@example.com"), [json.loads(first)["id"]])
        created = self.audit_actions("subject.create")
        self.assertEqual(len(created), 1, created)
        self.assertEqual(created[0]["request_id"], "req-first")

        # The stored response survives a restart of the daemon.
        self.daemon.stop()
        self.daemon = self.start_daemon()
        status, headers, after_restart = self.post(body, self.agent, key)
        self.assertEqual((status, after_restart), (201, first))
        self.assertEqual(headers.get("idempotent-replayed"), "true")
        self.assertEqual(len(self.audit_actions("subject.create")), 1)

    def test_the_same_key_for_another_body_is_refused(self):
        status, _, raw = self.post({"identities": {"email": "one@example.com"}}, self.agent, "k-1")
        self.assertEqual(status, 201, raw)
        problem = self.assertProblem(
            self.post({"identities": {"email": "two@example.com"}}, self.agent, "k-1"),
            422, "idempotency_key_reused")
        self.assertNotIn("two@example.com", json.dumps(problem))
        self.assertEqual(self.lookup("two@example.com"), [])
        self.assertEqual(len(self.audit_actions("subject.create")), 1)

    def test_keys_belong_to_the_user_who_sent_them(self):
        status, _, by_sam = self.post({"identities": {"email": "sam-made@example.com"}}, self.agent,
                                      "shared-key")
        self.assertEqual(status, 201, by_sam)
        # Alice's use of the same key is a request of her own: it runs, with her body.
        status, headers, by_alice = self.post({"identities": {"email": "alice-made@example.com"}},
                                              self.admin, "shared-key")
        self.assertEqual(status, 201, by_alice)
        self.assertNotIn("idempotent-replayed", headers)
        self.assertNotEqual(json.loads(by_alice)["id"], json.loads(by_sam)["id"])
        self.assertEqual(len(self.audit_actions("subject.create")), 2)

    def test_without_the_header_nothing_changes(self):
        body = {"identities": {"email": "plain@example.com"}}
        status, headers, raw = self.post(body, self.agent)
        self.assertEqual(status, 201, raw)
        self.assertNotIn("idempotent-replayed", headers)
        self.assertProblem(self.post(body, self.agent), 409, "identity_exists")
        self.assertEqual(len(self.audit_actions("subject.create")), 1)

    def test_client_errors_are_replayed_and_malformed_keys_refused(self):
        body = {"identities": {"email": "taken@example.com"}}
        self.assertEqual(self.post(body, self.agent)[0], 201)
        status, headers, refused = self.post(body, self.agent, "k-dup", request_id="req-dup")
        self.assertEqual(status, 409, refused)
        self.assertNotIn("idempotent-replayed", headers)
        # The retry gets the stored refusal (with the first request's id in it), not a new run.
        status, headers, again = self.post(body, self.agent, "k-dup", request_id="req-dup-2")
        self.assertEqual((status, again), (409, refused))
        self.assertEqual(headers.get("idempotent-replayed"), "true")
        self.assertEqual(json.loads(again)["request_id"], "req-dup")

        for key in ("x" * 256, "caf\u00e9", ""):
            self.assertProblem(self.post({"identities": {"email": "bad-key@example.com"}},
                                         self.agent, key), 400, "invalid_idempotency_key")
        self.assertEqual(self.lookup("bad-key@example.com"), [])
        self.assertEqual(self.post({"identities": {"email": "ok-key@example.com"}}, self.agent,
                                   "x" * 255)[0], 201)


if __name__ == "__main__":
    unittest.main()
