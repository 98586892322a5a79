"""Consent end to end, against the real binary, its SQLite store and a real SMTP server on
loopback: double opt-in in an opt-in regime, silence in an opt-out one, the mail privacyd sends
(parsed by Python's email package), RFC 8058 one-click unsubscribe posted the way mailbox
providers post it, forged links, GPC, objections that outlive erasure, and an outbox that loses
and duplicates nothing when the daemon is killed mid-send."""

import email
import email.policy
import json
import os
import re
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import uuid

import dkim

from harness import SOURCE_DIR, DaemonTest, cli, make_user
from smtp_sink import SmtpSink

sys.path.insert(0, os.path.join(SOURCE_DIR, "tests", "mail"))
from dkim_oracle import txt_record  # noqa: E402

JSON = {"Content-Type": "application/json"}
PUBLIC_URL = "https://privacy.example.com"


class ConsentTest(DaemonTest):
    def setUp(self):
        super().setUp()
        self.sink = SmtpSink().start()
        self.addCleanup(self.sink.stop)
        with open(os.path.join(SOURCE_DIR, "examples", "policy.yaml"), encoding="utf-8") as f:
            self.example = f.read()
        self.policy_path = os.path.join(self.tmp, "policy.yaml")
        with open(self.policy_path, "w", encoding="utf-8") as f:
            f.write(self.example)
        os.makedirs(self.data, exist_ok=True)
        self.sender = make_user(self.data, "mailer", "marketing")
        self.officer = make_user(self.data, "olga", "privacy_officer")
        self.daemon = self.start(lease_ms=None)

    def start(self, lease_ms, **extra):
        env = {
            "PRIVACYD_PUBLIC_URL": PUBLIC_URL,
            "PRIVACYD_MAIL_SMTP_HOST": "127.0.0.1",
            "PRIVACYD_MAIL_SMTP_PORT": str(self.sink.port),
            "PRIVACYD_MAIL_SMTP_TLS": "none",
            "PRIVACYD_MAIL_FROM": "Datenschutz <privacy@mail.example.com>",
            "PRIVACYD_MAIL_UNSUBSCRIBE_MAILTO": "unsubscribe@mail.example.com",
            "PRIVACYD_JOBS_POLL_MS": "50",
        }
        if lease_ms:
            env["PRIVACYD_JOBS_LEASE_MS"] = str(lease_ms)
        env.update(extra)
        return self.start_daemon(extra_env=env, extra_args=["--policy", self.policy_path])

    # --- helpers -------------------------------------------------------------------------

    def collect(self, body, headers=None):
        status, _, raw = self.daemon.request("POST", "/v1/collect/contact", json.dumps(body).encode(),
                                             dict(JSON, **(headers or {})))
        self.assertEqual(status, 201, raw)
        return json.loads(raw)

    def check(self, topic, identities, expect_status=200):
        status, _, raw = self.daemon.request("POST", "/v1/consent/check",
                                             {"topic": topic, "identities": identities},
                                             token=self.sender)
        self.assertEqual(status, expect_status, raw)
        return json.loads(raw)

    def verdict(self, topic, identity):
        answer = self.check(topic, [identity])
        if answer["allowed"]:
            return "allowed"
        return answer["refused"][0]["reason"]

    def mail(self, n):
        """The n-th message the sink received (1-based), parsed."""
        raw = self.sink.wait_for(n, timeout=20)[n - 1]
        return raw, email.message_from_bytes(raw.data, policy=email.policy.default)

    @staticmethod
    def path_of(url):
        self_url = urllib.parse.urlsplit(url)
        return self_url.path

    def link_in(self, message, prefix):
        text = message.get_body(preferencelist=("plain",)).get_content()
        found = re.findall(re.escape(PUBLIC_URL + prefix) + r"[A-Za-z0-9_-]+", text)
        self.assertTrue(found, text)
        return found[0]

    def history(self, subject_id):
        status, _, raw = self.daemon.request("GET", f"/v1/admin/subjects/{subject_id}/consent",
                                             token=self.officer)
        self.assertEqual(status, 200, raw)
        return json.loads(raw)["events"]

    def subject_id(self, address):
        status, _, raw = self.daemon.request(
            "GET", "/v1/admin/subjects?" + urllib.parse.urlencode({"email": address}),
            token=self.officer)
        self.assertEqual(status, 200, raw)
        [subject] = json.loads(raw)["subjects"]
        return subject["id"]

    def confirm_subscription(self, address, country="DE"):
        """A German visitor ticks the newsletter, and confirms from the mail: returns the
        Preference Center token of the confirmation page."""
        n = len(self.sink.messages) + 1
        self.collect({"name": "Jürgen", "email": address, "country": country,
                      "topics": ["newsletter"]}, {"Accept-Language": "de-DE,de;q=0.9"})
        _, message = self.mail(n)
        confirm = self.link_in(message, "/c/")
        status, _, page = self.daemon.request("POST", self.path_of(confirm), b"confirm=yes",
                                              {"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(status, 200, page)
        token = re.search(r'href="https://privacy\.example\.com/p/([A-Za-z0-9_-]+)"',
                          page.decode()).group(1)
        return token

    # --- tests ---------------------------------------------------------------------------

    def test_opt_in_regime_needs_a_confirmed_double_opt_in(self):
        self.collect({"name": "Jürgen", "email": "juergen@example.de", "country": "DE",
                      "topics": ["newsletter"]}, {"Accept-Language": "de-DE,de;q=0.9",
                                                  "User-Agent": "python-requests/2.31.0"})
        # Asked, not confirmed: the sender is refused.
        self.assertEqual(self.verdict("newsletter", "juergen@example.de"), "no_consent")

        raw, message = self.mail(1)
        self.assertEqual(raw.rcpt_tos, ["juergen@example.de"])
        self.assertEqual(raw.envelope_from, "privacy@mail.example.com")
        self.assertEqual(message["To"], "juergen@example.de")
        self.assertEqual(str(message["From"]), "Datenschutz <privacy@mail.example.com>")
        self.assertEqual(message["Auto-Submitted"], "auto-generated")
        self.assertIsNone(message["List-Unsubscribe"])
        self.assertEqual(message.get_content_type(), "multipart/alternative")
        self.assertEqual([p.get_content_type() for p in message.iter_parts()],
                         ["text/plain", "text/html"])
        self.assertRegex(message["Message-ID"], r"^<[0-9a-f]+@mail\.example\.com>$")
        self.assertIsNotNone(message["Date"].datetime)
        text = message.get_body(preferencelist=("plain",)).get_content()
        self.assertIn("Newsletter", text)
        self.assertNotIn("Please confirm", text)  # German, as the visitor's browser asked
        confirm = self.link_in(message, "/c/")
        html = message.get_body(preferencelist=("html",)).get_content()
        self.assertIn(f'href="{confirm}"', html)

        # Following the link shows a question; only the button confirms.
        status, headers, page = self.daemon.request("GET", self.path_of(confirm),
                                                    headers={"Accept-Language": "de"})
        self.assertEqual(status, 200)
        self.assertEqual(headers["content-language"], "de")
        self.assertIn("form-action 'self'", headers["content-security-policy"])
        self.assertIn("Abonnement bestätigen", page.decode())
        self.assertEqual(self.verdict("newsletter", "juergen@example.de"), "no_consent")
        status, _, page = self.daemon.request("POST", self.path_of(confirm), b"confirm=yes",
                                              {"Content-Type": "application/x-www-form-urlencoded",
                                               "Accept-Language": "de"})
        self.assertEqual(status, 200, page)
        answer = self.check("newsletter", ["juergen@example.de"])
        self.assertEqual(answer["refused"], [])
        [allowed] = answer["allowed"]
        self.assertEqual(allowed["identity"], "juergen@example.de")
        self.assertEqual(allowed["list_unsubscribe_post"], "List-Unsubscribe=One-Click")
        self.assertTrue(allowed["list_unsubscribe"].startswith(f"<{allowed['unsubscribe_url']}>, "
                                                               "<mailto:unsubscribe@mail.example.com?"))
        # The ledger has the request and the confirmation, with how and where.
        events = self.history(self.subject_id("juergen@example.de"))
        self.assertEqual([(e["target"], e["action"], e["method"], e["regime"], e["language"])
                          for e in events],
                         [("topic:newsletter", "request", "collection_form", "gdpr", "de"),
                          ("topic:newsletter", "grant", "double_opt_in", "gdpr", "de")])
        self.assertEqual(len(events[0]["notice_hash"]), 64)
        self.assertEqual(events[0]["evidence"]["point"], "contact")
        self.assertEqual(events[0]["user_agent"], "python")

    def test_opt_out_regime_allows_until_the_person_says_no(self):
        self.collect({"name": "Ann", "email": "ann@example.com", "country": "US"})
        self.assertEqual(self.verdict("newsletter", "ann@example.com"), "allowed")
        self.assertEqual(self.verdict("trust_center_update", "ann@example.com"), "no_consent")
        # Ticking a topic where silence already allows it records a grant at once, no mail.
        self.collect({"name": "Bo", "email": "bo@example.com", "country": "US",
                      "topics": ["newsletter"]})
        events = self.history(self.subject_id("bo@example.com"))
        self.assertEqual([(e["action"], e["method"], e["regime"]) for e in events],
                         [("grant", "collection_form", "other")])
        time.sleep(0.5)
        self.assertEqual(self.sink.messages, [])

    def test_one_click_unsubscribe_from_a_received_change_notice(self):
        token = self.confirm_subscription("sub@example.de")
        status, _, raw = self.daemon.request("PUT", "/v1/preferences",
                                             {"topics": {"trust_center_update": True}},
                                             token=token)
        self.assertEqual(status, 200, raw)
        topics = {t["id"]: t for t in json.loads(raw)["topics"]}
        self.assertTrue(topics["trust_center_update"]["subscribed"])
        self.assertEqual(topics["trust_center_update"]["method"], "preference_center")

        # A material change of the statement is announced to Trust Center Update subscribers.
        changed = self.example.replace('version: "2024-08"', 'version: "2025-01"') \
                              .replace("    countries: [US]\n", "    countries: [US, IN]\n")
        status, _, raw = self.daemon.request("POST", "/v1/admin/policy", changed.encode(),
                                             {"Content-Type": "application/yaml"}, self.officer)
        self.assertEqual(status, 200, raw)
        raw, notice = self.mail(2)
        self.assertEqual(raw.rcpt_tos, ["sub@example.de"])
        self.assertEqual(notice["List-Unsubscribe-Post"], "List-Unsubscribe=One-Click")
        header = str(notice["List-Unsubscribe"])
        m = re.fullmatch(r"<(https://privacy\.example\.com/u/[A-Za-z0-9_-]+)>, "
                         r"<mailto:unsubscribe@mail\.example\.com\?subject=unsubscribe%20"
                         r"[A-Za-z0-9_-]+>", header)
        self.assertIsNotNone(m, header)
        url = m.group(1)
        self.assertIn(url, notice.get_body(preferencelist=("plain",)).get_content())
        self.assertEqual(self.verdict("trust_center_update", "sub@example.de"), "allowed")

        # A link scanner fetching the URL changes nothing.
        status, _, page = self.daemon.request("GET", self.path_of(url))
        self.assertEqual(status, 200)
        self.assertIn(b'method="post"', page)
        self.assertEqual(self.verdict("trust_center_update", "sub@example.de"), "allowed")

        # What RFC 8058 receivers post: multipart/form-data, no cookie, no redirect followed.
        boundary = uuid.uuid4().hex
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"List-Unsubscribe\"\r\n"
                f"\r\nOne-Click\r\n--{boundary}--\r\n").encode()
        status, headers, page = self.daemon.request(
            "POST", self.path_of(url), body,
            {"Content-Type": f"multipart/form-data; boundary={boundary}"})
        self.assertEqual(status, 200, page)
        self.assertNotIn("location", headers)
        self.assertNotIn("set-cookie", headers)
        self.assertEqual(self.verdict("trust_center_update", "sub@example.de"), "no_consent")
        # The newsletter is another topic: still subscribed.
        self.assertEqual(self.verdict("newsletter", "sub@example.de"), "allowed")

        # The same post again, urlencoded this time: 200, and nothing more recorded.
        before = len(self.history(self.subject_id("sub@example.de")))
        status, headers, _ = self.daemon.request(
            "POST", self.path_of(url), b"List-Unsubscribe=One-Click",
            {"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(status, 200)
        self.assertNotIn("location", headers)
        events = self.history(self.subject_id("sub@example.de"))
        self.assertEqual(len(events), before)
        self.assertEqual((events[-1]["target"], events[-1]["action"], events[-1]["method"]),
                         ("topic:trust_center_update", "withdraw", "one_click"))
        self.assertEqual(events[-1]["evidence"]["message_id"], notice["Message-ID"].strip("<>"))

    def test_the_preference_center_page_of_a_mail_link(self):
        token = self.confirm_subscription("page@example.de")
        status, headers, page = self.daemon.request("GET", f"/p/{token}",
                                                    headers={"Accept-Language": "fr"})
        self.assertEqual(status, 200, page)
        self.assertEqual(headers["content-language"], "fr")
        html = page.decode()
        self.assertIn('<html lang="fr">', html)
        self.assertIn("Vos préférences e-mail", html)
        self.assertRegex(html, r'name="topic" value="newsletter" checked>')
        self.assertRegex(html, r'name="topic" value="trust_center_update">')
        # Subscribe to the Trust Center Update, keep the newsletter.
        status, _, page = self.daemon.request(
            "POST", f"/p/{token}", b"topic=newsletter&topic=trust_center_update&form=preferences",
            {"Content-Type": "application/x-www-form-urlencoded", "Accept-Language": "fr"})
        self.assertEqual(status, 200, page)
        self.assertIn('role="status"', page.decode())
        self.assertEqual(self.verdict("trust_center_update", "page@example.de"), "allowed")
        self.assertEqual(self.verdict("newsletter", "page@example.de"), "allowed")
        # Untick everything.
        status, _, page = self.daemon.request(
            "POST", f"/p/{token}", b"form=preferences",
            {"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(status, 200, page)
        self.assertEqual(self.verdict("trust_center_update", "page@example.de"), "no_consent")
        self.assertEqual(self.verdict("newsletter", "page@example.de"), "no_consent")
        events = self.history(self.subject_id("page@example.de"))
        self.assertEqual([(e["target"], e["action"], e["method"]) for e in events[-3:]],
                         [("topic:trust_center_update", "grant", "preference_center"),
                          ("topic:newsletter", "withdraw", "preference_center"),
                          ("topic:trust_center_update", "withdraw", "preference_center")])
        # Not a page for other tokens.
        status, _, _ = self.daemon.request("GET", f"/p/{token[:-4]}")
        self.assertEqual(status, 400)

    def test_daemon_signs_marketing_mail_over_its_unsubscribe_headers(self):
        key = os.path.join(self.tmp, "dkim.pem")
        subprocess.run(["openssl", "genpkey", "-algorithm", "ED25519", "-out", key], check=True,
                       capture_output=True)
        os.chmod(key, 0o600)
        self.daemon.stop()
        self.daemon = self.start(None, PRIVACYD_MAIL_DKIM_DOMAIN="mail.example.com",
                                 PRIVACYD_MAIL_DKIM_SELECTOR="s2026",
                                 PRIVACYD_MAIL_DKIM_KEY_FILE=key)
        token = self.confirm_subscription("signed@example.de")
        status, _, raw = self.daemon.request("PUT", "/v1/preferences",
                                             {"topics": {"trust_center_update": True}}, token=token)
        self.assertEqual(status, 200, raw)
        changed = self.example.replace('version: "2024-08"', 'version: "2025-01"') \
                              .replace("    countries: [US]\n", "    countries: [US, IN]\n")
        status, _, raw = self.daemon.request("POST", "/v1/admin/policy", changed.encode(),
                                             {"Content-Type": "application/yaml"}, self.officer)
        self.assertEqual(status, 200, raw)
        received, notice = self.mail(2)
        record = txt_record(key)

        def dnsfunc(name, timeout=5):
            self.assertEqual(name, b"s2026._domainkey.mail.example.com.")
            return record

        self.assertTrue(dkim.verify(received.data, dnsfunc=dnsfunc), received.data[:2000])
        signed = dict(p.strip().split("=", 1) for p in
                      re.sub(r"\s+", "", str(notice["DKIM-Signature"])).split(";") if "=" in p)
        self.assertEqual(signed["a"], "ed25519-sha256")
        self.assertEqual(signed["d"], "mail.example.com")
        self.assertIn("list-unsubscribe", signed["h"].lower().split(":"))
        self.assertIn("list-unsubscribe-post", signed["h"].lower().split(":"))
        # The signature breaks if anyone changes where the unsubscribe link points.
        tampered = re.sub(rb"(List-Unsubscribe: <https://privacy\.example\.com/u/)",
                          rb"\1X", received.data, count=1)
        self.assertNotEqual(tampered, received.data)
        self.assertFalse(dkim.verify(tampered, dnsfunc=dnsfunc))

    def test_forged_truncated_and_other_peoples_links_change_nothing(self):
        token = self.confirm_subscription("victim@example.de")
        answer = self.check("newsletter", ["victim@example.de"])
        url = answer["allowed"][0]["unsubscribe_url"]
        path = self.path_of(url)
        tok = path.rsplit("/", 1)[1]
        flipped = tok[:10] + ("A" if tok[10] != "A" else "B") + tok[11:]
        forged = [tok[:-5], flipped, tok + "AA", "not-a-token", tok[:40]]
        for bad in forged:
            for method, body in (("GET", None), ("POST", b"List-Unsubscribe=One-Click")):
                status, headers, page = self.daemon.request(
                    method, "/u/" + bad, body,
                    {"Content-Type": "application/x-www-form-urlencoded"} if body else {})
                self.assertEqual(status, 400, (bad, method))
                self.assertTrue(headers["content-type"].startswith("text/html"))
        # Another person's MAC spliced onto this person's claims.
        other_token = self.confirm_subscription("other@example.de")
        self.assertTrue(other_token)
        other = self.check("newsletter", ["other@example.de"])["allowed"][0]["unsubscribe_url"]
        other_tok = other.rsplit("/", 1)[1]
        spliced = tok[:-22] + other_tok[-22:]
        status, _, _ = self.daemon.request("POST", "/u/" + spliced, b"List-Unsubscribe=One-Click",
                                           {"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(status, 400)
        # A preferences token is not an unsubscribe token, nor the other way round.
        status, _, _ = self.daemon.request("POST", "/u/" + token, b"List-Unsubscribe=One-Click",
                                           {"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(status, 400)
        self.assertProblem(self.daemon.request("GET", "/v1/preferences", token=tok), 401,
                           "invalid_link")
        self.assertProblem(self.daemon.request("GET", "/v1/preferences"), 401,
                           "preferences_link_required")
        # A post without the one-click body does nothing either.
        self.assertProblem(self.daemon.request("POST", path, b"something=else",
                                               {"Content-Type": "application/x-www-form-urlencoded"}),
                           400, "one_click_body_required")
        self.assertEqual(self.verdict("newsletter", "victim@example.de"), "allowed")
        self.assertEqual(self.verdict("newsletter", "other@example.de"), "allowed")

    def test_gpc_is_recorded_and_announced(self):
        self.collect({"name": "Gil", "email": "gil@example.com", "country": "US"},
                     {"Sec-GPC": "1", "User-Agent": "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) "
                                                    "Gecko/20100101 Firefox/128.0"})
        events = self.history(self.subject_id("gil@example.com"))
        self.assertEqual([(e["target"], e["action"], e["method"], e["user_agent"]) for e in events],
                         [("sale_sharing", "withdraw", "gpc", "firefox")])
        # Loopback has no country; the IP itself is nowhere in the record.
        self.assertEqual(events[0]["country"], "")
        self.assertNotIn("127.0.0.1", json.dumps(events))
        # A second signal records nothing new.
        self.collect({"name": "Gil", "email": "gil@example.com", "country": "US"}, {"Sec-GPC": "1"})
        self.assertEqual(len(self.history(self.subject_id("gil@example.com"))), 1)
        status, headers, raw = self.daemon.request("GET", "/.well-known/gpc.json")
        self.assertEqual(status, 200)
        self.assertEqual(headers["content-type"], "application/json")
        self.assertEqual(json.loads(raw), {"gpc": True, "lastUpdate": "2024-08-01"})

    def test_an_objection_outlives_erasure_and_keeps_imports_away(self):
        token = self.confirm_subscription("obj@example.de")
        status, _, raw = self.daemon.request("PUT", "/v1/preferences", {"object": True}, token=token)
        self.assertEqual(status, 200, raw)
        self.assertTrue(json.loads(raw)["objected_to_marketing"])
        self.assertEqual(self.verdict("newsletter", "obj@example.de"), "objected")
        # Staff find the entry by the address, which is not in it; marketing may not look.
        status, _, raw = self.daemon.request("GET", "/v1/admin/suppressions?email=OBJ@example.de",
                                             token=self.officer)
        self.assertEqual(status, 200, raw)
        [entry] = json.loads(raw)["entries"]
        self.assertEqual((entry["kind"], entry["reason"]), ("email", "objection"))
        self.assertRegex(entry["index"], "^[0-9a-f]{64}$")
        self.assertNotIn("obj@", raw.decode().lower())
        status, _, raw = self.daemon.request("GET", "/v1/admin/suppressions?email=other@example.de",
                                             token=self.officer)
        self.assertEqual(json.loads(raw)["entries"], [])
        status, _, raw = self.daemon.request("GET", "/v1/admin/suppressions?limit=1",
                                             token=self.officer)
        page = json.loads(raw)
        self.assertEqual((page["entries"], page["total"], page["next_cursor"]), ([entry], 1, None))
        status, _, raw = self.daemon.request("GET", "/v1/admin/suppressions", token=self.sender)
        self.assertEqual((status, json.loads(raw)["code"]), (403, "forbidden"))
        status, _, raw = self.daemon.request("GET", "/v1/admin/suppressions?cursor=email:zz",
                                             token=self.officer)
        self.assertEqual((status, json.loads(raw)["code"]), (400, "invalid_cursor"))
        subject = self.subject_id("obj@example.de")
        # Erasure comes with the rights workflow; here the row is marked as it will mark it.
        db = sqlite3.connect(os.path.join(self.data, "privacyd.db"), timeout=10)
        with db:
            db.execute("UPDATE subjects SET erased_at = 1 WHERE id = ?", (subject,))
            db.execute("DELETE FROM attributes WHERE subject_id = ?", (subject,))
            db.execute("DELETE FROM identities WHERE subject_id = ?", (subject,))
            db.execute("DELETE FROM data_keys WHERE subject_id = ?", (subject,))
        db.close()
        # Nobody holds the address any more, but it stays suppressed.
        self.assertEqual(self.verdict("newsletter", "obj@example.de"), "suppressed")
        importer = make_user(self.data, "vendor-feed", "marketing")
        csv = "email,company,job_title\nobj@example.de,Contoso,CISO\n"
        status, _, raw = self.daemon.request("POST", "/v1/admin/imports?vendor=zoominfo",
                                             csv.encode(), {"Content-Type": "text/csv"}, importer)
        self.assertEqual(status, 200, raw)
        report = json.loads(raw)
        self.assertEqual([(r["outcome"], r.get("reason")) for r in report["report"]],
                         [("skipped", "objected")])
        # The import stays on record for staff, with the row that needs attention.
        status, _, raw = self.daemon.request("GET", "/v1/admin/imports", token=self.officer)
        self.assertEqual(status, 200, raw)
        [recorded] = json.loads(raw)["imports"]
        self.assertEqual({k: recorded[k] for k in ("import", "vendor", "actor", "outcome", "rows",
                                                  "skipped")},
                         {"import": report["import"], "vendor": "zoominfo",
                          "actor": "vendor-feed", "outcome": "completed", "rows": 1,
                          "skipped": 1})
        status, _, raw = self.daemon.request("GET", "/v1/admin/imports/" + report["import"],
                                             token=importer)
        self.assertEqual(json.loads(raw)["exceptions"],
                         [{"line": 2, "outcome": "skipped", "reason": "objected"}])
        self.assertNotIn("obj@", raw.decode())
        # A new form submission with the newsletter ticked only asks for confirmation.
        self.collect({"name": "Obj", "email": "obj@example.de", "country": "DE",
                      "topics": ["newsletter"]})
        self.assertEqual(self.verdict("newsletter", "obj@example.de"), "suppressed")

    def test_inbound_unsubscribe_mail_has_the_effect_of_the_link(self):
        self.confirm_subscription("mailto@example.de")
        header = self.check("newsletter", ["mailto@example.de"])["allowed"][0]["list_unsubscribe"]
        mailto = re.search(r"<mailto:([^>]+)>", header).group(1)
        subject = urllib.parse.unquote(urllib.parse.urlsplit("mailto:" + mailto.split(":", 1)[-1])
                                       .query.split("subject=", 1)[1])
        message = (f"From: mailto@example.de\r\nTo: unsubscribe@mail.example.com\r\n"
                   f"Subject: {subject}\r\n\r\n").encode()
        status, _, raw = self.daemon.request("POST", "/v1/webhooks/unsubscribe-mail", message,
                                             {"Content-Type": "message/rfc822"}, self.sender)
        self.assertEqual(status, 200, raw)
        self.assertEqual(json.loads(raw), {"unsubscribed": True, "changed": True})
        self.assertEqual(self.verdict("newsletter", "mailto@example.de"), "no_consent")
        bad = b"From: x@example.com\r\nSubject: unsubscribe AAAA\r\n\r\n"
        self.assertProblem(self.daemon.request("POST", "/v1/webhooks/unsubscribe-mail", bad,
                                               {"Content-Type": "message/rfc822"}, self.sender),
                           400, "invalid_link")

    def test_a_one_time_code_opens_the_preference_center(self):
        self.collect({"name": "Cora", "email": "cora@example.com", "country": "US"})
        for address in ("stranger@example.com", "Cora@Example.com"):
            status, _, raw = self.daemon.request("POST", "/v1/preferences/code",
                                                 {"email": address},
                                                 headers={"Accept-Language": "fr"})
            self.assertEqual(status, 202, raw)
            self.assertEqual(json.loads(raw), {"sent_if_known": True, "expires_in_minutes": 15})
        raw, message = self.mail(1)
        time.sleep(0.5)
        self.assertEqual(len(self.sink.messages), 1, "nothing goes to an unknown address")
        self.assertEqual(raw.rcpt_tos, ["cora@example.com"])
        text = message.get_body(preferencelist=("plain",)).get_content()
        code = re.search(r"\b(\d{6})\b", text).group(1)
        wrong = ("0" if code[0] != "0" else "1") + code[1:]
        self.assertProblem(self.daemon.request("POST", "/v1/preferences/session",
                                               {"email": "cora@example.com", "code": wrong}),
                           401, "invalid_code")
        status, _, raw = self.daemon.request("POST", "/v1/preferences/session",
                                             {"email": "cora@example.com", "code": code})
        self.assertEqual(status, 200, raw)
        token = json.loads(raw)["token"]
        status, _, raw = self.daemon.request("GET", "/v1/preferences", token=token)
        self.assertEqual(status, 200, raw)
        topics = {t["id"]: t["subscribed"] for t in json.loads(raw)["topics"]}
        self.assertEqual(topics, {"newsletter": True, "product_alerts": True,
                                  "trust_center_update": False})
        # The code worked once.
        self.assertProblem(self.daemon.request("POST", "/v1/preferences/session",
                                               {"email": "cora@example.com", "code": code}),
                           401, "invalid_code")

    def test_one_client_cannot_walk_through_many_addresses_for_codes(self):
        for i in range(20):
            status, _, raw = self.daemon.request("POST", "/v1/preferences/code",
                                                 {"email": f"walker{i}@example.com"})
            self.assertEqual(status, 202, raw)
        problem = self.assertProblem(self.daemon.request("POST", "/v1/preferences/session",
                                                         {"email": "walker0@example.com",
                                                          "code": "123456"}),
                                     429, "too_many_requests")
        self.assertIn("ten minutes", problem["detail"])
        status, headers, _ = self.daemon.request("POST", "/v1/preferences/code",
                                                 {"email": "walker99@example.com"})
        self.assertEqual(status, 429)
        self.assertEqual(headers["retry-after"], "600")

    def test_a_check_of_many_identities_answers_each_and_audits_counts_only(self):
        self.collect({"name": "Ann", "email": "ann@example.com", "country": "US"})
        identities = ["ann@example.com"] + [f"nobody{i}@example.com" for i in range(2000)]
        answer = self.check("newsletter", identities)
        self.assertEqual(answer["checked"], 2001)
        self.assertEqual([a["identity"] for a in answer["allowed"]], ["ann@example.com"])
        self.assertEqual({r["reason"] for r in answer["refused"]}, {"unknown"})
        self.assertProblem(self.daemon.request("POST", "/v1/consent/check",
                                               {"topic": "nope", "identities": []},
                                               token=self.sender), 400, "unknown_topic")
        self.assertProblem(self.daemon.request("POST", "/v1/consent/check",
                                               {"topic": "newsletter", "identities": []},
                                               token=self.officer), 403, "forbidden")
        status, _, raw = self.daemon.request(
            "GET", "/v1/admin/audit?action=consent.check", token=make_user(self.data, "aud", "auditor"))
        self.assertEqual(status, 200, raw)
        self.assertNotIn(b"nobody1@", raw)
        self.assertNotIn(b"ann@", raw)
        # The audience streams the allowed people with their headers.
        status, headers, raw = self.daemon.request("GET", "/v1/consent/audience/newsletter",
                                                   token=self.sender)
        self.assertEqual(status, 200, raw)
        self.assertEqual(headers["content-type"], "application/x-ndjson")
        lines = [json.loads(line) for line in raw.decode().splitlines()]
        self.assertEqual([line["email"] for line in lines], ["ann@example.com"])
        self.assertEqual(lines[0]["list_unsubscribe_post"], "List-Unsubscribe=One-Click")

    def test_a_big_check_answers_in_order_and_malformed_bodies_get_their_codes(self):
        self.collect({"name": "Ann", "email": "ann@example.com", "country": "US"})
        # 30,000 identities: the daemon splits the check and its answer into parts.
        identities = [f"nobody{i}@example.com" for i in range(30000)]
        for at in (0, 14999, 15000, 29999):
            identities[at] = "Ann@Example.com" if at % 2 else "ann@example.com"
        status, _, raw = self.daemon.request(
            "POST", "/v1/consent/check",
            {"topic": "newsletter", "identities": identities, "message_id": "<m.1@mail.example.com>"},
            token=self.sender)
        self.assertEqual(status, 200, raw[:300])
        answer = json.loads(raw)
        self.assertEqual(answer["checked"], 30000)
        self.assertEqual([a["identity"] for a in answer["allowed"]],
                         ["ann@example.com", "Ann@Example.com", "ann@example.com", "Ann@Example.com"])
        self.assertEqual([r["identity"] for r in answer["refused"]],
                         [i for n, i in enumerate(identities) if n not in (0, 14999, 15000, 29999)])
        first = answer["allowed"][0]
        self.assertEqual(list(first), ["identity", "list_unsubscribe", "list_unsubscribe_post",
                                       "subject_id", "unsubscribe_url"])
        token = first["unsubscribe_url"].rsplit("/", 1)[1]
        self.assertEqual(first["unsubscribe_url"], PUBLIC_URL + "/u/" + token)
        self.assertEqual(first["list_unsubscribe"],
                         f"<{PUBLIC_URL}/u/{token}>, <mailto:unsubscribe@mail.example.com"
                         f"?subject=unsubscribe%20{token}>")
        self.assertEqual(first["list_unsubscribe_post"], "List-Unsubscribe=One-Click")
        self.assertEqual({a["unsubscribe_url"] for a in answer["allowed"]}, {first["unsubscribe_url"]})
        status, _, raw = self.daemon.request(
            "POST", self.path_of(first["unsubscribe_url"]), b"List-Unsubscribe=One-Click",
            {"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(status, 200, raw)
        self.assertEqual(self.verdict("newsletter", "ann@example.com"), "no_consent")

        def post(body):
            return self.daemon.request("POST", "/v1/consent/check", body, JSON, self.sender)

        self.assertProblem(post(b'{"topic": "newsletter", "identities": ["a@b.de"'), 400,
                           "invalid_json")
        self.assertProblem(post(b'{"topic": "newsletter", "identities": [], "topic": "x"}'), 400,
                           "invalid_json")
        self.assertProblem(post(b'{"topic": 7, "identities": []}'), 400, "invalid_consent_check")
        self.assertProblem(post(b'{"topic": "newsletter", "identities": ["a@b.de", 1]}'), 400,
                           "invalid_consent_check")
        self.assertProblem(post(b'{"topic": "newsletter", "identities": [], "message_id": null}'),
                           400, "invalid_consent_check")
        self.assertProblem(post(b'{"topic": "newsletter", "identities": ["a\xff@b.de"]}'), 400,
                           "invalid_utf8")
        too_many = json.dumps({"topic": "newsletter",
                               "identities": [f"p{i}@example.com" for i in range(100001)]})
        self.assertProblem(post(too_many.encode()), 400, "too_many_identities")

    def test_a_new_address_is_used_only_once_confirmed_from_its_mailbox(self):
        token = self.confirm_subscription("alt@example.de")
        before = len(self.sink.messages)
        self.assertProblem(self.daemon.request("PUT", "/v1/preferences", {"email": "nope"},
                                               token=token), 400, "invalid_identity")
        status, _, raw = self.daemon.request("PUT", "/v1/preferences",
                                             json.dumps({"email": "Neu@Example.de"}).encode(),
                                             dict(JSON, **{"Accept-Language": "de-DE"}), token)
        self.assertEqual(status, 200, raw)
        self.assertEqual(json.loads(raw)["address_change"], "confirmation_sent")
        raw_mail, message = self.mail(before + 1)
        self.assertEqual(raw_mail.rcpt_tos, ["neu@example.de"])
        self.assertEqual(message["Subject"], "Bitte bestätigen Sie Ihre neue E-Mail-Adresse")
        # Until it is confirmed the old address is the person's.
        self.assertEqual(self.verdict("newsletter", "alt@example.de"), "allowed")
        self.assertEqual(self.verdict("newsletter", "neu@example.de"), "unknown")
        link = self.link_in(message, "/a/")
        status, _, page = self.daemon.request("GET", self.path_of(link),
                                              headers={"Accept-Language": "de"})
        self.assertEqual(status, 200, page)
        self.assertIn("Neue Adresse bestätigen", page.decode())
        status, _, page = self.daemon.request("POST", self.path_of(link), b"confirm=yes",
                                              {"Content-Type": "application/x-www-form-urlencoded",
                                               "Accept-Language": "de"})
        self.assertEqual(status, 200, page)
        self.assertIn("Adresse geändert", page.decode())
        self.assertEqual(self.verdict("newsletter", "neu@example.de"), "allowed")
        self.assertEqual(self.verdict("newsletter", "alt@example.de"), "unknown")
        # The link works once; a tampered one changes nothing.
        status, _, _ = self.daemon.request("POST", self.path_of(link), b"confirm=yes",
                                           {"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(status, 200)
        status, _, _ = self.daemon.request("POST", self.path_of(link)[:-2] + "xx", b"confirm=yes",
                                           {"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(status, 400)

    def wait_for_metric(self, line, timeout=20):
        deadline = time.time() + timeout
        while True:
            status, _, raw = self.daemon.request("GET", "/metrics")
            self.assertEqual(status, 200)
            if line in raw.decode().splitlines() or time.time() > deadline:
                return raw.decode()
            time.sleep(0.05)

    def audit_of_checks(self, want, timeout=10):
        """The consent.check audit entries, once there are `want` of them (written each second)."""
        auditor = make_user(self.data, f"aud{uuid.uuid4().hex[:6]}", "auditor")
        deadline = time.time() + timeout
        while True:
            status, _, raw = self.daemon.request("GET", "/v1/admin/audit?action=consent.check",
                                                 token=auditor)
            self.assertEqual(status, 200, raw)
            entries = json.loads(raw)["entries"]
            if len(entries) >= want or time.time() > deadline:
                return entries
            time.sleep(0.1)

    def test_checks_come_from_memory_and_see_every_change_before_them(self):
        self.collect({"name": "Ann", "email": "ann@example.com", "country": "US"})
        metrics = self.wait_for_metric("privacyd_consent_index_ready 1")
        self.assertIn("privacyd_consent_index_ready 1", metrics.splitlines())
        self.assertEqual(self.verdict("newsletter", "ann@example.com"), "allowed")
        # A change through privacyd, then one behind its back (another process's write): each
        # is seen by the very next check.
        subject = self.subject_id("ann@example.com")
        status, _, raw = self.daemon.request(
            "POST", f"/v1/admin/subjects/{subject}/consent",
            {"topic": "newsletter", "action": "withdraw", "method": "staff_phone",
             "received_on": "2026-01-05"}, token=self.officer)
        self.assertEqual(status, 200, raw)
        self.assertEqual(self.verdict("newsletter", "ann@example.com"), "no_consent")
        self.collect({"name": "Bob", "email": "bob@example.com", "country": "US"})
        self.assertEqual(self.verdict("newsletter", "bob@example.com"), "allowed")
        bob = self.subject_id("bob@example.com")
        db = sqlite3.connect(os.path.join(self.data, "privacyd.db"), timeout=10)
        with db:
            db.execute("UPDATE subjects SET restricted_at = 1 WHERE id = ?", (bob,))
        db.close()
        self.assertEqual(self.verdict("newsletter", "bob@example.com"), "restricted")
        self.assertEqual(self.verdict("newsletter", bob), "restricted")
        # Five checks by one sender on one topic: one audit entry counting them, no identities.
        entries = self.audit_of_checks(1)
        self.assertTrue(entries)
        detail = entries[-1]["detail"]
        counted = sum(e["detail"]["checks"] for e in entries)
        self.assertEqual(counted, 5)
        self.assertEqual(detail["topic"], "newsletter")
        self.assertEqual(set(detail["answered_by"]), {"index"})
        self.assertEqual(entries[-1]["actor"], "mailer")
        self.assertNotIn("ann@", json.dumps(entries))

    def test_staff_see_the_outbox_and_why_mail_failed_without_its_content(self):
        self.sink.fail_next(count=100, code=550)
        self.collect({"name": "Dee", "email": "dee@example.de", "country": "DE",
                      "topics": ["newsletter"]})
        deadline = time.time() + 20
        while True:
            status, _, raw = self.daemon.request("GET", "/v1/admin/outbox", token=self.officer)
            self.assertEqual(status, 200, raw)
            [entry] = json.loads(raw)["mail"]
            if entry.get("last_error") or time.time() > deadline:
                break
            time.sleep(0.1)
        self.assertEqual((entry["kind"], entry["template"], entry["language"]),
                         ("mail.send", "double_opt_in", "en"))
        self.assertEqual(entry["subject_id"], self.subject_id("dee@example.de"))
        self.assertTrue(entry["last_error"].startswith("smtp_rejected"), entry)
        self.assertGreaterEqual(entry["attempts"], 1)
        self.assertNotIn(b"dee@", raw)
        self.assertNotIn(b"/c/", raw)
        status, _, raw = self.daemon.request("GET", "/v1/admin/outbox?state=done",
                                             token=self.officer)
        self.assertEqual(json.loads(raw), {"mail": []})
        self.assertProblem(self.daemon.request("GET", "/v1/admin/outbox?state=lost",
                                               token=self.officer), 400, "invalid_query")
        self.assertProblem(self.daemon.request("GET", "/v1/admin/outbox", token=self.sender),
                           403, "forbidden")

    def test_receipts_and_changes_staff_receive_by_post(self):
        token = self.confirm_subscription("post@example.de")
        subject = self.subject_id("post@example.de")
        status, _, raw = self.daemon.request(
            "POST", f"/v1/admin/subjects/{subject}/consent",
            {"topic": "*", "action": "withdraw", "method": "staff_letter",
             "received_on": "2026-11-20"}, token=self.officer)
        self.assertEqual(status, 200, raw)
        self.assertEqual(json.loads(raw), {"changed": True})
        self.assertEqual(self.verdict("newsletter", "post@example.de"), "no_consent")
        self.assertProblem(self.daemon.request(
            "POST", f"/v1/admin/subjects/{subject}/consent",
            {"topic": "newsletter", "action": "grant", "method": "carrier_pigeon"},
            token=self.officer), 400, "invalid_consent_method")
        last = self.history(subject)[-1]
        self.assertEqual((last["target"], last["action"], last["method"], last["actor"],
                          last["evidence"]["received_on"]),
                         ("marketing", "withdraw", "staff_letter", "olga", "2026-11-20"))
        status, _, raw = self.daemon.request("GET", "/v1/preferences/receipt", token=token)
        self.assertEqual(status, 200, raw)
        mine = json.loads(raw)
        status, _, raw = self.daemon.request("GET", f"/v1/admin/subjects/{subject}/consent/receipt",
                                             token=self.officer)
        self.assertEqual(status, 200, raw)
        staff = json.loads(raw)
        self.assertEqual(mine["consents"], staff["consents"])
        newsletter = next(c for c in mine["consents"] if c["topic"] == "newsletter")
        self.assertEqual((newsletter["state"], newsletter["may_be_sent"]), ("withdrawn", False))
        self.assertEqual([e["method"] for e in newsletter["events"]],
                         ["collection_form", "double_opt_in", "staff_letter"])

    def test_rotating_link_keys_keeps_or_revokes_the_links_already_sent(self):
        self.collect({"name": "Rae", "email": "rae@example.com", "country": "US"})
        old = self.path_of(self.check("newsletter", ["rae@example.com"])["allowed"][0]
                           ["unsubscribe_url"])
        self.daemon.stop()
        out = cli("keys", "rotate-links", data_dir=self.data).stdout
        self.assertIn("links signed before keep working", out)
        self.daemon = self.start(None)
        self.assertEqual(self.daemon.request("GET", old)[0], 200)
        newer = self.path_of(self.check("newsletter", ["rae@example.com"])["allowed"][0]
                             ["unsubscribe_url"])
        self.assertNotEqual(newer, old)
        self.daemon.stop()
        out = cli("keys", "rotate-links", "--retire-old", data_dir=self.data).stdout
        self.assertIn("no longer works", out)
        self.daemon = self.start(None)
        for revoked in (old, newer):
            status, _, _ = self.daemon.request("POST", revoked, b"List-Unsubscribe=One-Click",
                                               {"Content-Type": "application/x-www-form-urlencoded"})
            self.assertEqual(status, 400)
        self.assertEqual(self.verdict("newsletter", "rae@example.com"), "allowed")
        latest = self.path_of(self.check("newsletter", ["rae@example.com"])["allowed"][0]
                              ["unsubscribe_url"])
        self.assertEqual(self.daemon.request("GET", latest)[0], 200)

    def test_outbox_survives_sigkill_between_claim_and_send(self):
        self.daemon.stop()
        self.daemon = self.start(lease_ms=1500)
        # The relay stalls the first transaction before any data: the daemon has claimed the
        # mail job and is mid-conversation when it is killed.
        self.sink.hold_next(30)
        self.collect({"name": "Kim", "email": "kim@example.de", "country": "DE",
                      "topics": ["newsletter"]})
        self.assertTrue(self.sink.rcpt_seen.wait(20), "the daemon never started sending")
        self.daemon.kill()
        self.assertEqual(self.sink.messages, [])
        self.daemon = self.start(lease_ms=1500)
        self.sink.wait_for(1, timeout=30)
        time.sleep(2)  # room for a duplicate to show up
        messages = self.sink.messages
        self.assertEqual(len(messages), 1)
        self.assertEqual(messages[0].rcpt_tos, ["kim@example.de"])


if __name__ == "__main__":
    import unittest
    unittest.main()
