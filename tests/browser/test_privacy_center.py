"""The Privacy Center in a real browser: Debian's Chromium, driven by playwright-core
(privacy_center.mjs), against the real daemon with an SMTP sink on loopback. This file starts
the daemon and the sink, gives the script a small helper server that hands it the codes from
the mail, then checks what the script downloaded and reports the page weights and timings it
measured. Run by CTest under the label `browser` (release preset only); needs `./dev deps`
(chromium, and npm ci in tests/browser)."""

import http.server
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

from harness import SOURCE_DIR, DaemonTest, make_user  # noqa: E402
from smtp_sink import SmtpSink  # noqa: E402

import email  # noqa: E402
import email.policy  # noqa: E402
import re  # noqa: E402

ARTIFACTS = os.environ.get("PRIVACYD_BROWSER_ARTIFACTS",
                           os.path.join(SOURCE_DIR, "build", "browser-artifacts"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class MailControl(http.server.BaseHTTPRequestHandler):
    """GET /count: messages received so far; GET /code?to=&after=: the six-digit code of the
    first message to `to` after the first `after` ones, waiting up to 30 s for it."""

    sink = None

    def do_GET(self):
        url = urllib.parse.urlparse(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        if url.path == "/count":
            return self.answer(200, str(len(self.sink.messages)))
        if url.path == "/code":
            def code(msg):
                text = msg.get_body(preferencelist=("plain",)).get_content()
                found = re.search(r"^\s*(\d{6})\s*$", text, re.M) or \
                    re.search(r"\b(\d{6})\b", text)
                return found and found.group(1)
            return self.first_mail_to(query, code, "no mail to ")
        if url.path == "/unsubscribe-link":
            # The web link of the List-Unsubscribe header of the first mail to `to` after `after`.
            def link(msg):
                found = re.search(r"<(http[^>]+/u/[A-Za-z0-9_-]+)>",
                                  str(msg.get("List-Unsubscribe", "")))
                return found and found.group(1)
            return self.first_mail_to(query, link, "no unsubscribe link to ")
        return self.answer(404, "unknown")

    def first_mail_to(self, query, extract, missing):
        """Answers what `extract` finds in the first mail to query["to"] after query["after"],
        waiting up to 30 s for it to arrive."""
        deadline = time.monotonic() + 30
        after = int(query.get("after", "0"))
        while time.monotonic() < deadline:
            for m in self.sink.messages[after:]:
                if query["to"] in m.rcpt_tos:
                    found = extract(email.message_from_bytes(m.data, policy=email.policy.default))
                    if found:
                        return self.answer(200, found)
            time.sleep(0.05)
        return self.answer(404, missing + query["to"])

    def answer(self, status, text):
        body = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class PrivacyCenterBrowserTest(DaemonTest):
    def setUp(self):
        super().setUp()
        self.sink = SmtpSink().start()
        self.addCleanup(self.sink.stop)
        os.makedirs(self.data, exist_ok=True)
        self.agent = make_user(self.data, "sam", "support_agent")
        self.officer = make_user(self.data, "olga", "privacy_officer")
        port = free_port()
        self.base = f"http://127.0.0.1:{port}"
        self.daemon = self.start_daemon(
            extra_env={
                "PRIVACYD_MAIL_SMTP_HOST": "127.0.0.1",
                "PRIVACYD_MAIL_SMTP_PORT": str(self.sink.port),
                "PRIVACYD_MAIL_SMTP_TLS": "none",
                "PRIVACYD_MAIL_FROM": "Privacy <privacy@mail.example.org>",
                "PRIVACYD_JOBS_POLL_MS": "50",
                "PRIVACYD_PUBLIC_URL": self.base,
            },
            extra_args=["--policy", os.path.join(SOURCE_DIR, "examples", "policy.yaml")],
            listen=f"127.0.0.1:{port}")
        handler = type("Handler", (MailControl,), {"sink": self.sink})
        self.control = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=self.control.serve_forever, daemon=True).start()
        self.addCleanup(self.control.server_close)
        self.addCleanup(self.control.shutdown)

    def collect(self, body):
        status, _, raw = self.daemon.request("POST", "/v1/collect/contact", body)
        self.assertEqual(status, 201, raw)

    def test_the_privacy_center_in_chromium(self):
        node = shutil.which("node")
        self.assertIsNotNone(node, "node is required (./dev deps installs it)")
        self.assertTrue(os.path.exists("/usr/bin/chromium"), "run ./dev deps to install chromium")
        self.assertTrue(os.path.isdir(os.path.join(HERE, "node_modules", "playwright-core")),
                        "run ./dev deps to install playwright-core and axe-core")
        # People privacyd already holds: one who asks for their data, one who manages emails.
        self.collect({"name": "Pia Probe", "email": "pia@qzx.example", "country": "DE",
                      "message": "Bitte um Rückruf"})
        self.collect({"name": "Cora", "email": "cora@qzx.example", "country": "US"})
        # Its own files only: the console's test keeps its screenshots in a folder in there.
        for name in os.listdir(ARTIFACTS) if os.path.isdir(ARTIFACTS) else []:
            if os.path.isfile(os.path.join(ARTIFACTS, name)):
                os.remove(os.path.join(ARTIFACTS, name))
        # A material change of the statement, which the script applies to have a Trust Center
        # Update notice (with its unsubscribe link) sent to who subscribed in the browser.
        with open(os.path.join(SOURCE_DIR, "examples", "policy.yaml"), encoding="utf-8") as f:
            example = f.read()
        changed = example.replace('version: "2024-08"', 'version: "2025-01"') \
                         .replace("    countries: [US]\n", "    countries: [US, IN]\n")
        self.assertNotEqual(changed, example)
        changed_path = os.path.join(self.tmp, "changed-policy.yaml")
        with open(changed_path, "w", encoding="utf-8") as f:
            f.write(changed)
        env = dict(os.environ, BASE_URL=self.base,
                   CONTROL_URL=f"http://127.0.0.1:{self.control.server_address[1]}",
                   AGENT_TOKEN=self.agent, OFFICER_TOKEN=self.officer,
                   CHANGED_POLICY=changed_path, ARTIFACTS_DIR=ARTIFACTS,
                   ACCESS_ADDRESS="pia@qzx.example", COMPLAINT_ADDRESS="kim@qzx.example",
                   PREFERENCES_ADDRESS="cora@qzx.example")
        proc = subprocess.run([node, os.path.join(HERE, "privacy_center.mjs")], cwd=HERE, env=env,
                              capture_output=True, text=True, timeout=170)
        self.assertEqual(proc.returncode, 0, proc.stdout[-3000:] + proc.stderr[-6000:])
        result = json.loads(proc.stdout.strip().splitlines()[-1])

        # Six pages in three languages, and in English in the dark scheme, all axe-clean.
        self.assertEqual(len(result["checked"]), 18 + 6)
        # The package the browser downloaded opens, and holds what privacyd had on Pia.
        with zipfile.ZipFile(result["package"]) as package:
            names = package.namelist()
            self.assertIn("data.json", names)
            self.assertIn("index.html", names)
            data = json.loads(package.read("data.json"))
        self.assertIn("pia@qzx.example", json.dumps(data))
        # The Preference Center's changes reached the ledger.
        self.assertEqual(result["preferences_after"],
                         {"newsletter": False, "product_alerts": False,
                          "trust_center_update": True})
        for screenshot in ("en-home.png", "de-request.png", "fr-preferences.png",
                           "en-request-status-download.png"):
            self.assertTrue(os.path.getsize(os.path.join(ARTIFACTS, screenshot)) > 1000, screenshot)

        # Reported, not asserted as timings: the byte budget is asserted by the script.
        report = ["first load, headless Chromium, cache disabled (devtools-fast-3g: 562.5 ms, "
                  "1.44 Mbit/s; lighthouse-fast-3g: 150 ms, 1.6 Mbit/s):"]
        for p in result["performance"]:
            report.append(f"  {p['profile']:<18} {p['url']:<24} {p['bytes']:>6} bytes in "
                          f"{p['requests']} requests, "
                          f"DOMContentLoaded {p['dom_content_loaded_ms']} ms, "
                          f"interactive {p['ready_ms']} ms, load {p['load_ms']} ms")
        print("\n".join(report), file=sys.stderr)
        with open(os.path.join(ARTIFACTS, "performance.json"), "w") as f:
            json.dump(result["performance"], f, indent=2)


if __name__ == "__main__":
    import unittest
    unittest.main()
