"""`privacyd mail test` with the real binary against an aiosmtpd sink on loopback: what arrives
is read by Python's email package and its DKIM signature checked by python3-dkim (neither
written here); failures of the relay come back as the right exit status and error code."""

import email
import email.policy
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest
from datetime import timezone

import dkim

from harness import BIN, SOURCE_DIR
from smtp_sink import SmtpSink, free_port

sys.path.insert(0, os.path.join(SOURCE_DIR, "tests", "mail"))
from dkim_oracle import txt_record  # noqa: E402

FROM = "Datenschutz Müller <privacy@example.com>"
TO = "Jürgen Groß <juergen@example.org>"


class MailTestCommandTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="privacyd-mail-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.sink = SmtpSink().start()
        self.addCleanup(self.sink.stop)

    def mail_env(self, **overrides):
        """The relay settings as PRIVACYD_MAIL_* variables, pointing at the sink."""
        settings = {
            "mail.smtp.host": "127.0.0.1",
            "mail.smtp.port": str(self.sink.port),
            "mail.smtp.tls": "none",
            "mail.smtp.timeout_ms": "10000",
            "mail.from": FROM,
        }
        settings.update(overrides)
        return {"PRIVACYD_" + k.upper().replace(".", "_"): v
                for k, v in settings.items() if v is not None}

    def run_cli(self, *args, env=None):
        base = {k: v for k, v in os.environ.items() if not k.startswith("PRIVACYD_")}
        base.update(env or {})
        return subprocess.run([BIN] + list(args), capture_output=True, text=True, env=base,
                              timeout=60)

    def send(self, *extra, address=TO, **settings):
        return self.run_cli("mail", "test", address, *extra, env=self.mail_env(**settings))

    def new_key(self, algorithm, name, mode=0o600):
        path = os.path.join(self.tmp, name)
        args = ["openssl", "genpkey", "-algorithm", algorithm, "-out", path]
        if algorithm == "RSA":
            args += ["-pkeyopt", "rsa_keygen_bits:2048"]
        subprocess.run(args, check=True, capture_output=True)
        os.chmod(path, mode)
        return path

    def only_message(self):
        [received] = self.sink.wait_for(1)
        return received

    def test_german_message_arrives_as_correct_mime(self):
        proc = self.send("--language", "de")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        m = re.fullmatch(r"sent (\S+@example\.com) to 127\.0\.0\.1:(\d+)\n", proc.stdout)
        self.assertIsNotNone(m, proc.stdout)
        self.assertEqual(int(m.group(2)), self.sink.port)

        received = self.only_message()
        self.assertEqual(received.envelope_from, "privacy@example.com")
        self.assertEqual(received.rcpt_tos, ["juergen@example.org"])
        raw = received.data
        headers, _, body = raw.partition(b"\r\n\r\n")
        for line in headers.split(b"\r\n"):
            self.assertLessEqual(len(line), 78, line)
        for line in body.split(b"\r\n"):
            self.assertLessEqual(len(line), 76, line)
        self.assertTrue(raw.isascii(), "8-bit bytes in a 7-bit message")

        msg = email.message_from_bytes(raw, policy=email.policy.default)
        self.assertEqual(msg["From"].addresses[0].display_name, "Datenschutz Müller")
        self.assertEqual(msg["From"].addresses[0].addr_spec, "privacy@example.com")
        self.assertEqual(msg["To"].addresses[0].display_name, "Jürgen Groß")
        self.assertEqual(msg["To"].addresses[0].addr_spec, "juergen@example.org")
        self.assertEqual(str(msg["Subject"]), "Testnachricht von privacyd: Zustellung geprüft")
        self.assertEqual(msg["Date"].datetime.utcoffset(), timezone.utc.utcoffset(None))
        self.assertEqual(msg["Message-ID"], "<" + m.group(1) + ">")
        self.assertEqual(msg["MIME-Version"], "1.0")
        self.assertEqual(msg["Auto-Submitted"], "auto-generated")
        self.assertEqual(msg.get_content_type(), "multipart/alternative")
        parts = list(msg.iter_parts())
        self.assertEqual([p.get_content_type() for p in parts], ["text/plain", "text/html"])
        for p in parts:
            self.assertEqual(p.get_content_charset(), "utf-8")
            self.assertEqual(p["Content-Transfer-Encoding"], "quoted-printable")
        # Line ends on the wire are CRLF; compare text with "\n".
        text, html = (p.get_content().replace("\r\n", "\n") for p in parts)
        self.assertTrue(text.startswith("Guten Tag,\n"), text)
        self.assertIn("„privacyd mail test“", text)
        self.assertIn("Sie müssen nichts weiter tun.", text)
        # The footer names the controller of the policy in force (the embedded example).
        self.assertIn("Mimecast Services Limited", text)
        self.assertIn("Fragen zu Ihren personenbezogenen Daten: dpo@mimecast.com", text)
        self.assertIn('<html lang="de">', html)
        self.assertIn("<title>Testnachricht von privacyd: Zustellung geprüft</title>", html)
        self.assertIn("Sie müssen nichts weiter tun.", html)
        self.assertNotIn("DKIM-Signature", msg)

    def test_english_and_french(self):
        expected = [("en", "Test message from privacyd", "Hello,"),
                    ("fr", "Message de test de privacyd", "Bonjour,")]
        for language, _, _ in expected:
            proc = self.send("--language", language, address="ada@example.org")
            self.assertEqual(proc.returncode, 0, proc.stderr)
        for received, (_, subject, greeting) in zip(self.sink.wait_for(2), expected):
            msg = email.message_from_bytes(received.data, policy=email.policy.default)
            self.assertEqual(str(msg["Subject"]), subject)
            self.assertEqual(str(msg["To"]), "ada@example.org")
            self.assertTrue(msg.get_body(("plain",)).get_content().startswith(greeting))

    def test_dkim_signatures_verify_with_python_dkim(self):
        for algorithm, tag in [("RSA", b"rsa-sha256"), ("ED25519", b"ed25519-sha256")]:
            with self.subTest(algorithm):
                key = self.new_key(algorithm, algorithm.lower() + ".pem")
                before = len(self.sink.messages)
                proc = self.send(**{"mail.dkim.domain": "example.com",
                                    "mail.dkim.selector": "sel2026",
                                    "mail.dkim.key_file": key})
                self.assertEqual(proc.returncode, 0, proc.stderr)
                raw = self.sink.wait_for(before + 1)[-1].data
                self.assertTrue(raw.startswith(b"DKIM-Signature: v=1; a=" + tag), raw[:80])
                record = txt_record(key)
                looked_up = []

                def dnsfunc(name, timeout=5):
                    looked_up.append(name)
                    return record

                self.assertTrue(dkim.verify(raw, dnsfunc=dnsfunc), raw.decode())
                self.assertEqual(looked_up, [b"sel2026._domainkey.example.com."])
                sig = dkim.DKIM(raw)
                sig.verify(dnsfunc=dnsfunc)
                signed = [name.decode().lower() for name, _ in sig.signed_headers]
                self.assertEqual(signed[:7], ["from", "to", "subject", "date", "message-id",
                                              "mime-version", "content-type"])
                self.assertIn("auto-submitted", signed)

                tampered = raw.replace(b"Subject: Test", b"Subject: Best", 1)
                self.assertNotEqual(tampered, raw)
                self.assertFalse(dkim.verify(tampered, dnsfunc=dnsfunc))

    def test_dkim_key_readable_by_others_is_refused_before_sending(self):
        key = self.new_key("ED25519", "open.pem", mode=0o644)
        proc = self.send(**{"mail.dkim.domain": "example.com", "mail.dkim.selector": "s",
                            "mail.dkim.key_file": key})
        self.assertEqual(proc.returncode, 2, proc.stderr)
        self.assertIn("[dkim_key_permissions]", proc.stderr)
        self.assertIn("chmod 600 " + key, proc.stderr)
        self.assertEqual(proc.stdout, "")
        self.assertEqual(self.sink.messages, [])

    def test_temporary_failure_exits_1_and_a_retry_succeeds(self):
        self.sink.fail_next(1, 451)
        proc = self.send()
        self.assertEqual(proc.returncode, 1, proc.stderr)
        self.assertIn("451", proc.stderr)
        self.assertTrue(proc.stderr.rstrip().endswith("[smtp_temporary_failure]"), proc.stderr)
        self.assertNotIn("juergen", proc.stderr)
        self.assertEqual(self.sink.messages, [])
        proc = self.send()
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(len(self.sink.wait_for(1)), 1)

    def test_permanent_rejection_exits_1(self):
        self.sink.fail_next(1, 550, stage="data")
        proc = self.send()
        self.assertEqual(proc.returncode, 1, proc.stderr)
        self.assertIn("550", proc.stderr)
        self.assertTrue(proc.stderr.rstrip().endswith("[smtp_rejected]"), proc.stderr)
        self.assertEqual(self.sink.messages, [])

    def test_relay_down_exits_1_unavailable(self):
        proc = self.send(**{"mail.smtp.port": str(free_port())})
        self.assertEqual(proc.returncode, 1, proc.stderr)
        self.assertTrue(proc.stderr.rstrip().endswith("[smtp_unavailable]"), proc.stderr)

    def test_starttls_required_against_a_plain_relay_fails_and_sends_nothing(self):
        proc = self.send(**{"mail.smtp.tls": "starttls"})
        self.assertEqual(proc.returncode, 1, proc.stderr)
        self.assertIn("does not offer STARTTLS", proc.stderr)
        self.assertTrue(proc.stderr.rstrip().endswith("[smtp_starttls_unavailable]"),
                        proc.stderr)
        self.assertEqual(self.sink.messages, [])

    def test_unset_relay_is_a_configuration_error(self):
        proc = self.send(**{"mail.smtp.host": None})
        self.assertEqual(proc.returncode, 2, proc.stderr)
        self.assertIn("mail.smtp.host is not set", proc.stderr)
        self.assertIn("[mail_not_configured]", proc.stderr)

    def test_bad_addresses_are_usage_errors(self):
        for address, code in [("not-an-address", "invalid_mail_address"),
                              ("a@example.org\r\nBcc: b@example.org", "invalid_mail_header")]:
            proc = self.send(address=address)
            self.assertEqual(proc.returncode, 2, proc.stderr)
            self.assertIn(f"[{code}]", proc.stderr)
        proc = self.send(**{"mail.from": "nobody"})
        self.assertEqual(proc.returncode, 2, proc.stderr)
        self.assertIn("[invalid_config]", proc.stderr)
        proc = self.send("--language", "es")
        self.assertEqual(proc.returncode, 2, proc.stderr)
        self.assertEqual(self.sink.messages, [])

    def test_config_file_with_environment_taking_precedence(self):
        config = os.path.join(self.tmp, "privacyd.yaml")
        with open(config, "w") as f:
            f.write("mail:\n"
                    "  smtp:\n"
                    "    host: 127.0.0.1\n"
                    f"    port: {free_port()}\n"
                    "    tls: none\n"
                    "  from: Config From <config@example.com>\n")
        # The file alone points at a port nobody listens on.
        proc = self.run_cli("mail", "test", "ada@example.org", "--config", config)
        self.assertEqual(proc.returncode, 1, proc.stderr)
        self.assertIn("[smtp_unavailable]", proc.stderr)
        # The environment overrides the port; the From address still comes from the file.
        proc = self.run_cli("mail", "test", "ada@example.org", "--config", config,
                            env={"PRIVACYD_MAIL_SMTP_PORT": str(self.sink.port)})
        self.assertEqual(proc.returncode, 0, proc.stderr)
        [received] = self.sink.wait_for(1)
        self.assertEqual(received.envelope_from, "config@example.com")

    def test_help(self):
        proc = self.run_cli("mail", "test", "--help")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn("ADDRESS", proc.stdout)
        self.assertIn("--language", proc.stdout)
        self.assertIn("--config", proc.stdout)
        proc = self.run_cli("mail", "--help")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn("test", proc.stdout)
        proc = self.run_cli("mail", "test")
        self.assertEqual(proc.returncode, 2)


if __name__ == "__main__":
    unittest.main()
