"""The policy file with the real binary: `policy check` exit codes and report, serve refusing an
invalid policy, and SIGHUP reloads that are atomic (an invalid policy never replaces the running
one)."""

import os
import re
import shutil
import signal
import subprocess
import time
import unittest

from harness import BIN, SOURCE_DIR, DaemonTest

EXAMPLE = os.path.join(SOURCE_DIR, "examples", "policy.yaml")


def check(path):
    return subprocess.run([BIN, "policy", "check", path], capture_output=True, text=True, timeout=60)


class PolicyTest(DaemonTest):
    def write_policy(self, text):
        path = os.path.join(self.tmp, "policy.yaml")
        with open(path, "w") as f:
            f.write(text)
        return path

    def example(self):
        with open(EXAMPLE) as f:
            return f.read()

    def test_check_reports_every_problem_with_position_and_exit_code(self):
        ok = check(EXAMPLE)
        self.assertEqual(ok.returncode, 0, ok.stdout)
        self.assertIn("0 errors, 1 warning", ok.stdout)

        broken = self.example().replace("data_use: marketing.communications.email",
                                        "data_use: marketing.comunications.email")
        broken = broken.replace("  job_title: {category: user.job_title}\n",
                                "  job_title: {category: user.job_title}\n      ssn: {category: user.government_id.national_identification_number}\n", 1)
        path = self.write_policy(broken)
        result = check(path)
        self.assertEqual(result.returncode, 1, result.stdout)
        lines = result.stdout.splitlines()
        use_line = broken.splitlines().index("    data_use: marketing.comunications.email") + 1
        self.assertIn(f"{path}:{use_line}:15: error: purposes.marketing_email.data_use: unknown data use "
                      f"'marketing.comunications.email'; did you mean 'marketing.communications.email'?",
                      lines)
        self.assertTrue(any("collection_points.contact.fields.ssn.category" in l and
                            "prohibited category 'user.government_id'" in l for l in lines), lines)
        self.assertRegex(lines[-1], r": \d+ errors, 1 warning$")

    def test_serve_refuses_an_invalid_policy(self):
        path = self.write_policy(self.example().replace("minimum_age: 18", "minimum_age: eighteen"))
        proc = subprocess.run([BIN, "serve", "--listen", "127.0.0.1:0", "--data", self.data,
                               "--policy", path], capture_output=True, text=True, timeout=30)
        self.assertEqual(proc.returncode, 2)
        self.assertIn("minimum_age: must be a whole number from 0 to 21", proc.stderr)
        self.assertIn("policy_invalid", proc.stderr)

    def wait_for_log(self, daemon, pattern, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            for line in list(daemon.stderr_lines):
                if re.search(pattern, line):
                    return line
            time.sleep(0.05)
        self.fail(f"no log line matching {pattern!r}: {''.join(daemon.stderr_lines)}")

    def test_sighup_reload_is_atomic(self):
        path = self.write_policy(self.example())
        daemon = self.start_daemon(extra_args=["--policy", path])
        self.wait_for_log(daemon, r"policy .* version 2024-08 in force")

        self.write_policy(self.example().replace('version: "2024-08"', 'version: "2025-01"'))
        daemon.proc.send_signal(signal.SIGHUP)
        self.wait_for_log(daemon, r"SIGHUP: policy version 2025-01 now in force")

        self.write_policy(self.example().replace('version: "2024-08"', 'version: "2025-02"')
                          .replace("legal_basis: {default: contract}", "legal_basis: {default: contrct}"))
        daemon.proc.send_signal(signal.SIGHUP)
        self.wait_for_log(daemon, r"SIGHUP: the policy has \d+ errors; version 2025-01 stays in force")
        status, _, _ = daemon.request("GET", "/healthz")
        self.assertEqual(status, 200)


if __name__ == "__main__":
    unittest.main()
