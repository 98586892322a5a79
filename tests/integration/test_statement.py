"""The statement rendered by the real binary: GET /statement with language negotiation, the
Markdown variant, the 404 for a language the policy lacks, HTML that a parser accepts, and the
`statement render` CLI."""

import html.parser
import os
import subprocess
import unittest

from harness import BIN, SOURCE_DIR, DaemonTest


class StrictParser(html.parser.HTMLParser):
    """Collects what a well-formed statement page must show: the tags in order, balanced."""

    VOID = {"meta", "br", "hr", "img", "input", "link"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []
        self.problems = []
        self.counts = {}
        self.html_lang = None
        self.text = []

    def handle_starttag(self, tag, attrs):
        self.counts[tag] = self.counts.get(tag, 0) + 1
        if tag == "html":
            self.html_lang = dict(attrs).get("lang")
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"unexpected </{tag}> with open {self.stack}")
            return
        self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)

    def error(self, message):  # pragma: no cover - older Pythons
        self.problems.append(message)


def parse(body):
    parser = StrictParser()
    parser.feed(body.decode("utf-8"))
    parser.close()
    return parser


class StatementTest(DaemonTest):
    def test_accept_language_negotiates_german(self):
        daemon = self.start_daemon()
        status, headers, body = daemon.request(
            "GET", "/statement", headers={"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"})
        self.assertEqual(status, 200, body)
        self.assertEqual(headers["content-type"], "text/html; charset=utf-8")
        self.assertEqual(headers["content-language"], "de")
        self.assertIn("Accept-Language", headers["vary"])
        page = parse(body)
        self.assertEqual(page.problems, [])
        self.assertEqual(page.stack, [])
        self.assertEqual(page.html_lang, "de")
        self.assertEqual(page.counts.get("h1"), 1)
        self.assertEqual(page.counts.get("h2"), 12)
        self.assertNotIn("script", page.counts)
        text = "".join(page.text)
        self.assertIn("Datenschutzerklärung", text)
        self.assertIn("Wie kann ich Sie kontaktieren?", text)
        self.assertIn("dpo@mimecast.com", text)

    def test_lang_parameter_markdown_and_unsupported_language(self):
        daemon = self.start_daemon()
        status, headers, body = daemon.request("GET", "/statement?lang=fr",
                                               headers={"Accept-Language": "de"})
        self.assertEqual(status, 200, body)
        self.assertEqual(headers["content-language"], "fr")
        page = parse(body)
        self.assertEqual(page.problems, [])
        self.assertEqual(page.html_lang, "fr")
        self.assertEqual(page.counts.get("h1"), 1)
        self.assertIn("Comment vous contacter ?", "".join(page.text))

        status, headers, body = daemon.request("GET", "/statement")
        self.assertEqual(status, 200)
        self.assertEqual(headers["content-language"], "en")

        status, headers, body = daemon.request("GET", "/statement.md?lang=de")
        self.assertEqual(status, 200, body)
        self.assertTrue(headers["content-type"].startswith("text/markdown"), headers)
        self.assertEqual(headers["content-language"], "de")
        self.assertTrue(body.decode().startswith("# Datenschutzerklärung\n"))

        for path in ("/statement?lang=es", "/statement.md?lang=es"):
            problem = self.assertProblem(daemon.request("GET", path), 404, "unsupported_language")
            self.assertIn("en, de, fr", problem["detail"])

    def test_cli_renders_markdown_and_html(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith("PRIVACYD_")}
        md = subprocess.run([BIN, "statement", "render", "--lang", "en", "--format", "md"],
                            capture_output=True, text=True, env=env, timeout=60)
        self.assertEqual(md.returncode, 0, md.stderr)
        self.assertTrue(md.stdout.startswith("# Privacy Statement\n"), md.stdout[:200])
        self.assertIn("## How do I contact you?", md.stdout)

        example = os.path.join(SOURCE_DIR, "examples", "policy.yaml")
        page = subprocess.run([BIN, "statement", "render", "--lang", "de", "--format", "html",
                               "--policy", example],
                              capture_output=True, env=env, timeout=60)
        self.assertEqual(page.returncode, 0, page.stderr)
        parsed = parse(page.stdout)
        self.assertEqual(parsed.problems, [])
        self.assertEqual(parsed.html_lang, "de")
        self.assertEqual(parsed.counts.get("h1"), 1)

        bad = subprocess.run([BIN, "statement", "render", "--lang", "es", "--format", "md"],
                             capture_output=True, text=True, env=env, timeout=60)
        self.assertEqual(bad.returncode, 2)
        self.assertIn("unsupported_language", bad.stderr)
        self.assertEqual(bad.stdout, "")

        broken = os.path.join(self.tmp, "broken.yaml")
        with open(broken, "w") as f:
            f.write("policy_format: 1\n")
        bad = subprocess.run([BIN, "statement", "render", "--lang", "en", "--policy", broken],
                             capture_output=True, text=True, env=env, timeout=60)
        self.assertEqual(bad.returncode, 2)
        self.assertIn("policy_invalid", bad.stderr)


if __name__ == "__main__":
    unittest.main()
