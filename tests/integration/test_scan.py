"""The sensitive-data guard from the outside, with the real binary: `privacyd scan` on files and
standard input (findings, output formats, exit status, lines of any length and bytes), and
POST /v1/scan (findings, roles, every refusal). Neither shows the matched text, nor logs it."""

import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest

from harness import BIN, DaemonTest, make_user

SSN = "536-22-1234"
IBAN = "DE89 3704 0044 0532 0130 00"
CARD = "4111 1111 1111 1111"
SSN_CATEGORY = "user.government_id.national_identification_number"

# Each line: (text, [(matched text, type, category)]); the offsets are computed here from the
# text, independently of the scanner.
LINES = [
    ("Thanks for the quick reply, see you on Monday.", []),
    (f"My SSN is {SSN}, please update my file.", [(SSN, "US_SSN", SSN_CATEGORY)]),
    (f"Refund to IBAN {IBAN} today.", [(IBAN, "IBAN", "user.financial.bank_account")]),
    ("", []),
    (f"Card {CARD} expires 12/29.", [(CARD, "CREDIT_CARD", "user.financial.credit_card")]),
]


def run(*args, input_bytes=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRIVACYD_")}
    return subprocess.run([BIN, "scan"] + list(args), input=input_bytes, capture_output=True,
                          env=env, timeout=300)


def expected_findings(lines):
    """The (line, start, end, type, category) tuples a scan of `lines` must report."""
    out = []
    for number, (text, found) in enumerate(lines, start=1):
        raw = text.encode()
        for matched, kind, category in found:
            start = raw.index(matched.encode())
            out.append((number, start, start + len(matched.encode()), kind, category))
    return out


def records(stdout):
    return [json.loads(line) for line in stdout.decode().splitlines()]


def tuples(recs):
    return [(r["line"], r["start"], r["end"], r["type"], r["category"]) for r in recs]


class ScanCliTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="privacyd-scan-")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def write(self, name, data):
        path = os.path.join(self.tmp, name)
        with open(path, "wb") as f:
            f.write(data if isinstance(data, bytes) else data.encode())
        return path

    def sample(self):
        return self.write("sample.txt", "\n".join(text for text, _ in LINES) + "\n")

    def test_finds_ssn_iban_and_card_with_exact_positions(self):
        proc = run(self.sample())
        self.assertEqual(proc.returncode, 1, proc.stderr)
        self.assertEqual(proc.stderr, b"")
        recs = records(proc.stdout)
        self.assertEqual(tuples(recs), expected_findings(LINES))
        for r in recs:
            self.assertEqual(set(r), {"line", "start", "end", "type", "category", "score"})
            self.assertGreater(r["score"], 0)
            self.assertLessEqual(r["score"], 1)
        for secret in (SSN, IBAN, CARD):
            self.assertNotIn(secret.encode(), proc.stdout)

    def test_clean_file_exits_0_without_output(self):
        proc = run(self.write("clean.txt", "Nothing to see here.\nJust a note about lunch.\n"))
        self.assertEqual((proc.returncode, proc.stdout, proc.stderr), (0, b"", b""))
        proc = run(self.write("empty.txt", ""))
        self.assertEqual((proc.returncode, proc.stdout, proc.stderr), (0, b"", b""))

    def test_text_format_names_position_type_category_and_score(self):
        proc = run("--format", "text", self.sample())
        self.assertEqual(proc.returncode, 1, proc.stderr)
        lines = proc.stdout.decode().splitlines()
        self.assertEqual(len(lines), 3, lines)
        for line, (number, start, end, kind, category) in zip(lines, expected_findings(LINES)):
            prefix = f"{number}:{start}-{end} {kind} ({category}) score "
            self.assertRegex(line, "^" + re.escape(prefix) + r"(0\.\d\d|1\.00)$")
        for secret in (SSN, IBAN, CARD):
            self.assertNotIn(secret.encode(), proc.stdout)

    def test_standard_input_with_dash_or_without_file(self):
        with open(self.sample(), "rb") as f:
            data = f.read()
        from_file = run(self.sample())
        for args in ([], ["-"]):
            proc = run(*args, input_bytes=data)
            self.assertEqual(proc.returncode, 1, proc.stderr)
            self.assertEqual(proc.stdout, from_file.stdout)

    def test_crlf_and_a_last_line_without_newline(self):
        data = "\r\n".join(text for text, _ in LINES).encode()  # no final newline
        self.assertFalse(data.endswith(b"\n"))
        proc = run(self.write("crlf.txt", data))
        self.assertEqual(proc.returncode, 1, proc.stderr)
        self.assertEqual(tuples(records(proc.stdout)), expected_findings(LINES))

    def test_a_line_of_several_megabytes(self):
        filler = b"lorem ipsum dolor sit amet " * 200000  # 5.4 MB
        line = filler + f"SSN {SSN} end".encode()
        proc = run(self.write("long.txt", b"first line\n" + line + b"\nlast " + CARD.encode()))
        self.assertEqual(proc.returncode, 1, proc.stderr)
        start = len(filler) + 4
        self.assertEqual(tuples(records(proc.stdout)), [
            (2, start, start + len(SSN), "US_SSN", SSN_CATEGORY),
            (3, 5, 5 + len(CARD), "CREDIT_CARD", "user.financial.credit_card")])

    def test_invalid_utf8_and_nul_bytes(self):
        line = b"\xff\xfe\x00 bad \xc3 bytes, SSN " + SSN.encode() + b" \x00\xe2\x82 tail"
        proc = run(self.write("binary.txt", b"\x00\x00\xff\n" + line + b"\n\x80\x80"))
        self.assertEqual(proc.returncode, 1, proc.stderr)
        start = line.index(SSN.encode())
        self.assertEqual(tuples(records(proc.stdout)),
                         [(2, start, start + len(SSN), "US_SSN", SSN_CATEGORY)])

    def test_types_narrow_and_widen_what_is_looked_for(self):
        proc = run("--types", "IBAN", self.sample())
        self.assertEqual(proc.returncode, 1, proc.stderr)
        self.assertEqual([r["type"] for r in records(proc.stdout)], ["IBAN"])

        mail = self.write("mail.txt", "write to ada@example.com please\n")
        self.assertEqual(run(mail).stdout, b"")
        proc = run("--types", "EMAIL, US_SSN", mail)
        # An email address is not sensitive: it is reported, and the exit status stays 0.
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(tuples(records(proc.stdout)),
                         [(1, 9, 24, "EMAIL", "user.contact.email")])

    def test_region_is_the_country_of_phone_numbers_without_a_country_code(self):
        path = self.write("phone.txt", "call me at 030 12345678 tomorrow\n")
        us = run("--types", "PHONE", path)
        self.assertEqual((us.returncode, us.stdout), (0, b""), us.stderr)
        de = run("--types", "PHONE", "--region", "de", path)
        self.assertEqual(de.returncode, 0, de.stderr)
        self.assertEqual(tuples(records(de.stdout)),
                         [(1, 11, 23, "PHONE", "user.contact.phone_number")])

    def test_errors_exit_2_with_a_stable_code(self):
        missing = os.path.join(self.tmp, "missing.txt")
        proc = run(missing)
        self.assertEqual(proc.returncode, 2)
        self.assertEqual(proc.stdout, b"")
        self.assertIn(b"[file_unreadable]", proc.stderr)
        self.assertIn(missing.encode(), proc.stderr)

        proc = run("--types", "NOPE", self.sample())
        self.assertEqual(proc.returncode, 2)
        self.assertEqual(proc.stdout, b"")
        self.assertIn(b"[unknown_finding_type]", proc.stderr)
        self.assertIn(b"NOPE", proc.stderr)

        proc = run(self.tmp)
        self.assertEqual(proc.returncode, 2)
        self.assertIn(b"[file_unreadable]", proc.stderr)

        proc = run("--region", "XX", self.sample())
        self.assertEqual(proc.returncode, 2)
        self.assertIn(b"[invalid_region]", proc.stderr)

        proc = run("--format", "xml", self.sample())
        self.assertEqual(proc.returncode, 2)
        self.assertEqual(proc.stdout, b"")

    def test_lexicons_replace_the_built_in_ones(self):
        lexicons = os.path.join(self.tmp, "lexicons")
        os.mkdir(lexicons)
        with open(os.path.join(lexicons, "en.yml"), "w") as f:
            f.write('language: en\nrules:\n  - category: HEALTH\n    pattern: "zorblax syndrome"\n')
        text = self.write("health.txt",
                          "I have zorblax syndrome.\nI was diagnosed with diabetes.\n")
        builtin = run(text)
        self.assertEqual({r["line"] for r in records(builtin.stdout)}, {2}, builtin.stderr)
        proc = run("--lexicons", lexicons, text)
        self.assertEqual(proc.returncode, 1, proc.stderr)
        self.assertEqual(tuples(records(proc.stdout)), [(1, 7, 23, "HEALTH", "user.health")])

        with open(os.path.join(lexicons, "en.yml"), "w") as f:
            f.write('language: en\nrules:\n  - category: HEALTH\n    pattern: "(unclosed"\n')
        proc = run("--lexicons", lexicons, text)
        self.assertEqual(proc.returncode, 2)
        self.assertIn(b"[lexicon_invalid]", proc.stderr)
        self.assertIn(b"en.yml", proc.stderr)

        proc = run("--lexicons", os.path.join(self.tmp, "nowhere"), text)
        self.assertEqual(proc.returncode, 2)
        self.assertIn(b"[lexicons_unreadable]", proc.stderr)

    def test_help_describes_formats_exit_status_and_types(self):
        proc = run("--help")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        out = proc.stdout.decode()
        for word in ("--format", "jsonl", "text", "--types", "--lexicons", "--region", "FILE",
                     "Exit status", "US_SSN", "EMAIL", "never the matched text"):
            self.assertIn(word, out)


class ScanApiTest(DaemonTest):
    # A larger body limit than the default, so that the text limit itself can be reached.
    extra_env = {"PRIVACYD_HTTP_MAX_BODY_BYTES": str(4 << 20), "PRIVACYD_LOG_LEVEL": "debug"}

    def setUp(self):
        super().setUp()
        self.officer = make_user(self.data, "olga", "privacy_officer")
        self.agent = make_user(self.data, "sam", "support_agent")
        self.admin = make_user(self.data, "alice", "admin")
        self.marketing = make_user(self.data, "mia", "marketing")
        self.auditor = make_user(self.data, "audrey", "auditor")
        self.daemon = self.start_daemon()

    def scan(self, body, token=None, headers=None):
        return self.daemon.request("POST", "/v1/scan", body, headers=headers,
                                   token=self.officer if token is None else token)

    def test_answers_exact_findings_without_the_text(self):
        text = " ".join(t for t, _ in LINES)
        status, headers, raw = self.scan({"text": text})
        self.assertEqual(status, 200, raw)
        self.assertEqual(headers["content-type"], "application/json")
        answer = json.loads(raw)
        self.assertEqual(set(answer), {"findings", "sensitive"})
        self.assertIs(answer["sensitive"], True)
        got = [(f["start"], f["end"], f["type"], f["category"]) for f in answer["findings"]]
        want = []
        for _, found in LINES:
            for matched, kind, category in found:
                start = text.encode().index(matched.encode())
                want.append((start, start + len(matched), kind, category))
        self.assertEqual(got, want)
        for f in answer["findings"]:
            self.assertEqual(set(f), {"type", "category", "start", "end", "score", "validator"})
            self.assertTrue(0 < f["score"] <= 1)
            self.assertTrue(f["validator"])
        for secret in (SSN, IBAN, CARD):
            self.assertNotIn(secret.encode(), raw)

        # Offsets count bytes of UTF-8, not characters.
        status, _, raw = self.scan({"text": f"Grüße, SSN {SSN}"})
        self.assertEqual(status, 200, raw)
        self.assertEqual([(f["start"], f["end"]) for f in json.loads(raw)["findings"]],
                         [(13, 24)])

    def test_clean_text_and_types(self):
        status, _, raw = self.scan({"text": "See you on Monday."})
        self.assertEqual((status, json.loads(raw)), (200, {"findings": [], "sensitive": False}))
        status, _, raw = self.scan({"text": f"mail ada@example.com, SSN {SSN}",
                                    "types": ["EMAIL"]})
        self.assertEqual(status, 200, raw)
        answer = json.loads(raw)
        self.assertEqual([(f["type"], f["start"], f["end"]) for f in answer["findings"]],
                         [("EMAIL", 5, 20)])
        self.assertIs(answer["sensitive"], False)

    def test_roles(self):
        body = {"text": f"SSN {SSN}"}
        self.assertProblem(self.daemon.request("POST", "/v1/scan", body), 401, "unauthenticated")
        self.assertProblem(self.scan(body, token=self.officer + "x"), 401, "unauthenticated")
        self.assertProblem(self.scan(body, token=self.marketing), 403, "forbidden")
        self.assertProblem(self.scan(body, token=self.auditor), 403, "forbidden")
        for token in (self.officer, self.agent, self.admin):
            status, _, raw = self.scan(body, token=token)
            self.assertEqual(status, 200, raw)
            self.assertEqual(len(json.loads(raw)["findings"]), 1)

    def test_refusals_have_stable_codes(self):
        self.assertProblem(self.scan(b"{not json", headers={"Content-Type": "application/json"}),
                           400, "invalid_json")
        self.assertProblem(self.scan(["text"]), 400, "invalid_scan_request")
        self.assertProblem(self.scan({}), 400, "missing_member")
        self.assertProblem(self.scan({"text": 12}), 400, "invalid_member")
        self.assertProblem(self.scan({"text": None}), 400, "invalid_member")
        self.assertProblem(self.scan({"text": "a", "types": "US_SSN"}), 400, "invalid_member")
        self.assertProblem(self.scan({"text": "a", "types": []}), 400, "invalid_member")
        self.assertProblem(self.scan({"text": "a", "colour": "red"}), 400, "unknown_member")
        p = self.assertProblem(self.scan({"text": "a", "types": ["US_SNN"]}), 400,
                               "unknown_finding_type")
        self.assertIn("US_SNN", p["detail"])
        self.assertProblem(self.scan(b'{"text": "a"}', headers={"Content-Type": "text/plain"}),
                           415, "unsupported_media_type")
        p = self.assertProblem(self.scan({"text": "x" * ((1 << 20) + 1)}), 413, "text_too_large")
        self.assertIn("1048576", p["detail"])
        status, _, raw = self.scan({"text": "x" * (1 << 20)})
        self.assertEqual(status, 200, raw)

    def test_the_text_is_neither_answered_nor_logged(self):
        text = f"SSN {SSN}, IBAN {IBAN}, card {CARD}, I was diagnosed with diabetes"
        answers = [self.scan({"text": text}),
                   self.scan({"text": text, "types": ["NOPE"]}),
                   self.scan({"text": text, "unknown": 1}),
                   self.scan({"text": text}, token=self.marketing),
                   self.scan({"text": text + "x" * (1 << 20)})]
        self.assertEqual([a[0] for a in answers], [200, 400, 400, 403, 413])
        self.daemon.stop()
        log = "".join(self.daemon.stderr_lines + self.daemon.stdout_lines)
        self.assertIn("/v1/scan", log)  # the access log saw the requests
        for secret in (SSN, IBAN, CARD, "diabetes"):
            for status, headers, raw in answers:
                self.assertNotIn(secret.encode(), raw)
                self.assertNotIn(secret, json.dumps(headers))
            self.assertNotIn(secret, log)


if __name__ == "__main__":
    unittest.main()
