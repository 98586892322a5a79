"""Enforcement decisions with the real binary: POST /v1/policy/decide for staff (answers with the
deciding clause, 400 with a did-you-mean for unknown names) and `privacyd policy explain` exit
codes."""

import json
import os
import subprocess
import unittest

from harness import BIN, SOURCE_DIR, DaemonTest, make_user

EXAMPLE = os.path.join(SOURCE_DIR, "examples", "policy.yaml")


def explain(*args):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRIVACYD_")}
    return subprocess.run([BIN, "policy", "explain"] + list(args), capture_output=True, text=True,
                          env=env, timeout=60)


class DecideApiTest(DaemonTest):
    def setUp(self):
        super().setUp()
        self.marketing = make_user(self.data, "mia", "marketing")
        self.daemon = self.start_daemon()

    def decide(self, body, token=None):
        return self.daemon.request("POST", "/v1/policy/decide", body,
                                   token=self.marketing if token is None else token)

    def test_staff_get_answers_with_the_deciding_clause(self):
        use = {"question": "use", "category": "user.contact.email", "purpose": "marketing_email",
               "country": "DE", "consent": "none"}
        self.assertProblem(self.daemon.request("POST", "/v1/policy/decide", use), 401,
                           "unauthenticated")

        status, _, raw = self.decide(use)
        self.assertEqual(status, 200, raw)
        self.assertEqual(json.loads(raw), {
            "allowed": False, "reason": "consent_required",
            "clause": "purposes.marketing_email.legal_basis.gdpr",
            "description": "the legal basis is consent, and the person has not granted it",
            "policy_version": "2024-08"})

        status, _, raw = self.decide({"question": "disclose", "recipient": "google",
                                      "purpose": "site_operation",
                                      "categories": ["user.device.cookie_id"], "origin": "DE"})
        self.assertEqual(status, 200, raw)
        answer = json.loads(raw)
        self.assertEqual((answer["allowed"], answer["reason"], answer["clause"]),
                         (True, "dpf", "recipients.google.safeguards"))

        status, _, raw = self.decide({"question": "retention", "category": "user.contact.email",
                                      "purpose": "respond_to_inquiries"})
        self.assertEqual(status, 200, raw)
        answer = json.loads(raw)
        self.assertEqual(answer["clause"], "purposes.respond_to_inquiries.retention")
        self.assertEqual(answer["retention"], {"keep": {"years": 2}, "from": "last_interaction"})

    def test_unknown_names_and_bad_questions_are_400(self):
        p = self.assertProblem(self.decide({"question": "collect", "point": "contcat",
                                            "field": "message"}), 400, "unknown_point")
        self.assertEqual(p["detail"], "no collection point is called 'contcat'; did you mean 'contact'?")
        p = self.assertProblem(self.decide({"question": "use", "category": "user.contact.emial",
                                            "purpose": "marketing_email", "regime": "gdpr"}),
                               400, "unknown_category")
        self.assertIn("did you mean 'user.contact.email'?", p["detail"])
        self.assertProblem(self.decide({"question": "guess"}), 400, "invalid_question")
        self.assertProblem(self.decide({"question": "collect", "point": "contact", "field": "x",
                                        "extra": 1}), 400, "unknown_member")
        self.assertProblem(self.decide({"question": "use", "category": "user.name",
                                        "purpose": "trial", "regime": "gdpr",
                                        "consent": "maybe"}), 400, "invalid_consent_state")


class ExplainCliTest(unittest.TestCase):
    def test_exit_codes_and_output(self):
        allowed = explain("collect", "contact", "message", "--policy", EXAMPLE)
        self.assertEqual(allowed.returncode, 0, allowed.stderr)
        self.assertEqual(allowed.stdout.splitlines()[0], "allowed")
        self.assertIn("clause: collection_points.contact.fields.message", allowed.stdout)

        refused = explain("use", "user.contact.email", "marketing_email", "--regime", "gdpr")
        self.assertEqual(refused.returncode, 1, refused.stderr)
        self.assertEqual(refused.stdout.splitlines(), [
            "refused",
            "reason: consent_required (the legal basis is consent, and the person has not granted it)",
            "clause: purposes.marketing_email.legal_basis.gdpr"])

        granted = explain("use", "user.contact.email", "marketing_email", "--country", "DE",
                          "--consent", "granted")
        self.assertEqual(granted.returncode, 0, granted.stderr)

        scc = explain("disclose", "marketing_partners", "marketing_email", "user.contact.email",
                      "--origin", "DE", "--destination", "IN")
        self.assertEqual(scc.returncode, 0, scc.stderr)
        self.assertIn("reason: scc", scc.stdout)

        retention = explain("retention", "user.contact.email", "respond_to_inquiries")
        self.assertEqual(retention.returncode, 0, retention.stderr)
        self.assertIn("retention: 2 years from last_interaction", retention.stdout)

        unknown = explain("collect", "contcat", "message")
        self.assertEqual(unknown.returncode, 2)
        self.assertIn("did you mean 'contact'?", unknown.stderr)
        no_regime = explain("use", "user.name", "trial")
        self.assertEqual(no_regime.returncode, 2)
        usage = explain("disclose", "google", "site_operation", "user.device.cookie_id")
        self.assertEqual(usage.returncode, 2)  # --origin is required


if __name__ == "__main__":
    unittest.main()
