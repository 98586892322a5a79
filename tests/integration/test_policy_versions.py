"""Statement versions end to end: versions recorded with their changes, the Atom feed, applying a
new policy over HTTP (refusals keep the policy in force), and the durable change-notice job for a
material change."""

import json
import os
import sqlite3
import subprocess
import unittest
import xml.etree.ElementTree as ET

from harness import BIN, SOURCE_DIR, DaemonTest, make_user

ATOM = "{http://www.w3.org/2005/Atom}"


class PolicyVersionsTest(DaemonTest):
    def setUp(self):
        super().setUp()
        with open(os.path.join(SOURCE_DIR, "examples", "policy.yaml")) as f:
            self.example = f.read()
        self.path = os.path.join(self.tmp, "policy.yaml")
        with open(self.path, "w") as f:
            f.write(self.example)
        self.admin = make_user(self.data, "alice", "privacy_officer")
        self.agent = make_user(self.data, "sam", "support_agent")
        self.daemon = self.start_daemon(extra_args=["--policy", self.path],
                                        extra_env={"PRIVACYD_PUBLIC_URL": "https://privacy.example.com/"})

    def post_policy(self, text, token=None, content_type="application/yaml"):
        return self.daemon.request("POST", "/v1/admin/policy", body=text.encode(),
                                   headers={"Content-Type": content_type}, token=token or self.admin)

    def versions(self):
        status, _, raw = self.daemon.request("GET", "/statement/versions")
        self.assertEqual(status, 200)
        return json.loads(raw)["versions"]

    def test_versions_feed_and_applying_a_material_change(self):
        first = self.versions()
        self.assertEqual([(v["version"], v["effective_date"], v["material"], v["changes"]) for v in first],
                         [("2024-08", "2024-08-01", False, [])])

        material = self.example.replace('version: "2024-08"', 'version: "2025-01"') \
                               .replace("    countries: [US]\n", "    countries: [US, IN]\n")
        self.assertProblem(self.post_policy(material, token=self.agent), 403, "forbidden")
        self.assertProblem(self.post_policy(material, content_type="application/json"), 415,
                           "unsupported_media_type")

        broken = material.replace("minimum_age: 18", "minimum_age: old")
        problem = self.assertProblem(self.post_policy(broken), 422, "policy_invalid")
        line = broken.splitlines().index("minimum_age: old") + 1
        self.assertIn({"line": line, "column": 14, "key": "minimum_age",
                       "message": "must be a whole number from 0 to 21"}, problem["errors"])
        self.assertEqual(len(self.versions()), 1, "a refused policy must not be recorded")

        sneaky = self.example.replace("191 Spring Street", "200 Spring Street")
        self.assertProblem(self.post_policy(sneaky), 409, "policy_version_unchanged")

        status, _, raw = self.post_policy(material)
        self.assertEqual(status, 200, raw)
        applied = json.loads(raw)
        self.assertEqual((applied["version"], applied["material"], applied["newly_stored"]),
                         ("2025-01", True, True))
        self.assertIn({"clause": "recipients.google.countries", "kind": "added", "before": "",
                       "after": "IN", "material": True, "why": "new destination country"},
                      applied["changes"])

        listed = self.versions()
        self.assertEqual([v["version"] for v in listed], ["2025-01", "2024-08"])

        status, headers, raw = self.daemon.request("GET", "/statement/feed.atom")
        self.assertEqual(status, 200)
        self.assertTrue(headers["content-type"].startswith("application/atom+xml"))
        feed = ET.fromstring(raw)
        self.assertEqual(feed.find(f"{ATOM}id").text, "https://privacy.example.com/statement")
        entries = feed.findall(f"{ATOM}entry")
        self.assertEqual(len(entries), 2)
        self.assertEqual(entries[0].find(f"{ATOM}title").text, "Privacy Statement 2025-01 (material changes)")
        self.assertEqual(entries[0].find(f"{ATOM}link").get("href"),
                         "https://privacy.example.com/statement?version=2025-01")
        self.assertIn("recipients.google.countries: added (new destination country)",
                      entries[0].find(f"{ATOM}summary").text)
        self.assertEqual(entries[1].find(f"{ATOM}title").text, "Privacy Statement 2024-08")

        # The statement in force carries the notice; the earlier version is still published.
        status, _, raw = self.daemon.request("GET", "/statement.md?lang=de")
        self.assertEqual(status, 200)
        self.assertIn("**Wichtig: Diese Version ändert unsere Praxis.** Gegenüber Version 2024-08:",
                      raw.decode())
        self.assertIn("- Daten gehen in ein neues Land (IN)", raw.decode())
        status, headers, raw = self.daemon.request("GET", "/statement?version=2024-08&lang=en")
        self.assertEqual((status, headers["content-language"]), (200, "en"))
        self.assertIn("version 2024-08", raw.decode())
        self.assertNotIn("changes our practices", raw.decode())
        self.assertProblem(self.daemon.request("GET", "/statement?version=1999-01"), 404,
                           "statement_version_not_found")

        # The same comparison from the command line.
        new_path = os.path.join(self.tmp, "new.yaml")
        with open(new_path, "w") as f:
            f.write(material)
        diff = subprocess.run([BIN, "statement", "diff", self.path, new_path], capture_output=True,
                              text=True, timeout=60)
        self.assertEqual(diff.returncode, 0, diff.stderr)
        self.assertEqual(diff.stdout.splitlines(), [
            "material: recipients.google.countries: added IN (new destination country)",
            "editorial: statement.version: 2024-08 -> 2025-01",
            "2 changes, 1 material"])

        # The change notice is a durable job, queued once for the version, with the audit entry.
        self.daemon.stop()
        db = sqlite3.connect(os.path.join(self.data, "privacyd.db"))
        jobs = db.execute("SELECT kind, payload, dedupe_key FROM jobs "
                          "WHERE kind != 'requests.retention_sweep'").fetchall()
        audit = db.execute("SELECT actor, object FROM audit WHERE action = 'policy.apply' ORDER BY seq").fetchall()
        db.close()
        self.assertEqual(jobs, [("statement.change_notice",
                                 '{"topics":["trust_center_update"],"version":"2025-01"}',
                                 "statement-notice:2025-01")])
        self.assertEqual(audit, [("system", "policy:2024-08"), ("alice", "policy:2025-01")])


    def test_the_policy_in_force_and_a_dry_run_of_a_new_one(self):
        auditor = make_user(self.data, "audrey", "auditor")
        status, _, raw = self.daemon.request("GET", "/v1/admin/policy", token=auditor)
        self.assertEqual(status, 200, raw)
        current = json.loads(raw)
        self.assertEqual((current["version"], current["effective_date"], current["source"]),
                         ("2024-08", "2024-08-01", self.example))
        self.assertEqual(current["report"]["errors"], [])
        self.assertIsInstance(current["report"]["warnings"], list)
        self.assertProblem(self.daemon.request("GET", "/v1/admin/policy", token=self.agent), 403,
                           "forbidden")

        # A dry run: the report and what would change, and nothing is applied.
        material = self.example.replace('version: "2024-08"', 'version: "2025-01"') \
                               .replace("    countries: [US]\n", "    countries: [US, IN]\n")
        status, _, raw = self.daemon.request("POST", "/v1/admin/policy/validate",
                                             body=material.encode(),
                                             headers={"Content-Type": "application/yaml"},
                                             token=self.admin)
        self.assertEqual(status, 200, raw)
        check = json.loads(raw)
        self.assertEqual((check["valid"], check["version"], check["material"], check["errors"]),
                         (True, "2025-01", True, []))
        self.assertEqual(check["changes"], [
            {"clause": "recipients.google.countries", "kind": "added", "before": "", "after": "IN",
             "material": True, "why": "new destination country"},
            {"clause": "statement.version", "kind": "changed", "before": "2024-08",
             "after": "2025-01", "material": False, "why": ""}])
        self.assertEqual([v["version"] for v in self.versions()], ["2024-08"])

        broken = material.replace("minimum_age: 18", "minimum_age: old")
        status, _, raw = self.daemon.request("POST", "/v1/admin/policy/validate",
                                             body=broken.encode(),
                                             headers={"Content-Type": "application/yaml"},
                                             token=self.admin)
        self.assertEqual(status, 200, raw)
        check = json.loads(raw)
        line = broken.splitlines().index("minimum_age: old") + 1
        self.assertEqual((check["valid"], check["changes"], check["material"]), (False, [], False))
        self.assertNotIn("version", check)
        self.assertIn({"line": line, "column": 14, "key": "minimum_age",
                       "message": "must be a whole number from 0 to 21"}, check["errors"])
        self.assertProblem(self.daemon.request("POST", "/v1/admin/policy/validate",
                                               body=material.encode(),
                                               headers={"Content-Type": "application/yaml"},
                                               token=auditor), 403, "forbidden")

        # Once applied, the new version is the one in force.
        self.assertEqual(self.post_policy(material)[0], 200)
        status, _, raw = self.daemon.request("GET", "/v1/admin/policy", token=auditor)
        current = json.loads(raw)
        self.assertEqual((current["version"], current["material"]), ("2025-01", True))
        self.assertEqual(current["changes"][0]["clause"], "recipients.google.countries")

if __name__ == "__main__":
    unittest.main()
