"""The Privacy Center over HTTP, against the real binary: language negotiation, the pages and
assets served from memory (gzip or not, ETag and 304, caching), the security headers, and the
session endpoints' defences: a change from another site, or without the session's CSRF token,
is refused. The pages in a browser are tested by tests/browser."""

import base64
import gzip
import hashlib
import json
import os
import re
import socket

from harness import SOURCE_DIR, DaemonTest

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")


def source(name):
    with open(os.path.join(SOURCE_DIR, "web", "assets", name), encoding="utf-8") as f:
        return f.read()


def hash_source(text):
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def inline_csp(test, html):
    """The page's inline stylesheet and script are the sources' exact bytes, the only inline
    code, and the policy allows exactly them by their SHA-256 (CSP Level 2 hash sources)."""
    styles = re.findall(r"<style>(.*?)</style>", html, re.S)
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    code = [body for attrs, body in scripts if 'type="application/json"' not in attrs]
    test.assertEqual(styles, [source("app.css")])
    test.assertEqual(code, [source("app.js")])
    test.assertIn('<script type="module">', html)
    test.assertNotIn("<link rel=\"stylesheet\"", html)
    return CSP.replace("script-src 'self'", "script-src 'self' " + hash_source(source("app.js"))) \
              .replace("style-src 'self'", "style-src 'self' " + hash_source(source("app.css")))


def fnv1a(text):
    h = 14695981039346656037
    for b in text.encode():
        h = ((h ^ b) * 1099511628211) % (1 << 64)
    return f"{h:016x}"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrivacyCenterTest(DaemonTest):
    def setUp(self):
        super().setUp()
        port = free_port()
        self.origin = f"http://127.0.0.1:{port}"
        self.daemon = self.start_daemon(
            extra_env={"PRIVACYD_PUBLIC_URL": self.origin + "/"},
            extra_args=["--policy", os.path.join(SOURCE_DIR, "examples", "policy.yaml")],
            listen=f"127.0.0.1:{port}")

    def get(self, path, headers=None):
        return self.daemon.request("GET", path, headers=headers)

    def test_the_root_redirects_to_the_preferred_language(self):
        for path, accept, lang in (("/privacy", "de-CH, fr;q=0.8", "de"),
                                   ("/privacy/", "fr-BE", "fr"),
                                   ("/privacy/", "es, it;q=0.5", "en"),
                                   ("/privacy", "", "en")):
            status, headers, _ = self.get(path, {"Accept-Language": accept} if accept else {})
            self.assertEqual(status, 303, path)
            self.assertEqual(headers["location"], f"/privacy/{lang}/", accept)
            self.assertEqual(headers["vary"], "Accept-Language")
        status, headers, _ = self.get("/privacy/fr")
        self.assertEqual((status, headers["location"]), (303, "/privacy/fr/"))
        self.assertProblem(self.get("/privacy/es/"), 404, "not_found")
        self.assertProblem(self.get("/privacy/es/request"), 404, "not_found")

    def test_pages_are_served_compressed_with_their_headers_and_validators(self):
        status, headers, body = self.get("/privacy/de/request", {"Accept-Encoding": "gzip, br"})
        self.assertEqual(status, 200)
        self.assertEqual(headers["content-type"], "text/html; charset=utf-8")
        self.assertEqual(headers["content-encoding"], "gzip")
        self.assertEqual(headers["referrer-policy"], "no-referrer")
        self.assertEqual(headers["x-content-type-options"], "nosniff")
        self.assertEqual(headers["x-frame-options"], "DENY")
        self.assertEqual(headers["cache-control"], "no-cache")
        self.assertEqual(headers["vary"], "Accept-Encoding")
        self.assertNotIn("set-cookie", headers)
        html = gzip.decompress(body).decode()
        self.assertEqual(headers["content-security-policy"], inline_csp(self, html))
        self.assertIn('<html lang="de">', html)
        self.assertIn("Anfrage senden", html)
        self.assertNotIn("Send the request", html)
        etag = headers["etag"]
        self.assertRegex(etag, r'^"[0-9a-f]{16}-gz"$')

        # Not compressed for a client that does not take gzip; its own validator.
        status, plain_headers, plain = self.get("/privacy/de/request", {"Accept-Encoding": "gzip;q=0"})
        self.assertEqual(status, 200)
        self.assertNotIn("content-encoding", plain_headers)
        self.assertEqual(plain.decode(), html)
        self.assertEqual(plain_headers["etag"], etag[:-4] + '"')

        status, headers304, body304 = self.get("/privacy/de/request",
                                               {"Accept-Encoding": "gzip", "If-None-Match": etag})
        self.assertEqual((status, body304), (304, b""))
        self.assertEqual(headers304["etag"], etag)

        # Assets: named by the hash of their content, cached for a year, with the policy that
        # allows no inline code (the mail-link pages link the stylesheet).
        for name, media in (("app.css", "text/css; charset=utf-8"),
                            ("app.js", "text/javascript; charset=utf-8")):
            stem, ext = name.split(".")
            path = f"/privacy/assets/{stem}.{fnv1a(source(name))}.{ext}"
            status, headers, body = self.get(path)
            self.assertEqual(status, 200, path)
            self.assertEqual(body.decode(), source(name))
            self.assertEqual(headers["content-type"], media)
            self.assertEqual(headers["cache-control"], "public, max-age=31536000, immutable")
            self.assertEqual(headers["content-security-policy"], CSP)
        self.assertProblem(self.get("/privacy/assets/app.0000000000000000.css"), 404, "not_found")

    def test_the_statement_page_holds_the_statement_in_its_language_and_the_versions(self):
        status, headers, body = self.get("/privacy/fr/statement")
        self.assertEqual(status, 200)
        self.assertEqual(headers["content-language"], "fr")
        self.assertNotIn("content-encoding", headers)
        html = body.decode()
        self.assertEqual(headers["content-security-policy"], inline_csp(self, html))
        # Compressed for a client that takes gzip: the same page.
        status, headers, compressed = self.get("/privacy/fr/statement", {"Accept-Encoding": "gzip"})
        self.assertEqual((status, headers["content-encoding"]), (200, "gzip"))
        self.assertEqual(gzip.decompress(compressed).decode(), html)
        self.assertLess(len(compressed), len(body) / 2)
        self.assertNotIn("<!--statement-->", html)
        self.assertNotIn("<!--versions-->", html)
        _, _, versions = self.get("/statement/versions")
        version = json.loads(versions)["versions"][0]["version"]
        self.assertIn(f'href="/privacy/fr/statement?version={version}"', html)
        _, _, statement = self.get("/statement?lang=fr")
        main = statement.decode().split("<main>", 1)[1].split("</main>", 1)[0]
        self.assertIn(main, html)
        self.assertEqual(html.count("<h1"), 1)  # the statement's own heading, not the page's too
        self.assertProblem(self.get("/privacy/fr/statement?version=1999-01"), 404,
                           "statement_version_not_found")

    def test_a_session_starts_with_a_strict_cookie_and_a_csrf_token(self):
        status, headers, body = self.get("/privacy/session")
        self.assertEqual(status, 200, body)
        cookie = headers["set-cookie"]
        self.assertRegex(cookie, r"^__Host-privacyd_session=[A-Za-z0-9_-]+; Path=/; Max-Age=3600; "
                                 r"Secure; HttpOnly; SameSite=Strict$")
        session = json.loads(body)
        self.assertRegex(session["csrf_token"], r"^[0-9a-f]{64}$")
        self.assertEqual((session["request"], session["preferences"]), (False, False))
        self.assertEqual(headers["cache-control"], "no-store")
        # The same cookie gives the same token, and starts nothing new.
        value = cookie.split(";", 1)[0]
        status, headers, body = self.get("/privacy/session", {"Cookie": value})
        self.assertNotIn("set-cookie", headers)
        self.assertEqual(json.loads(body)["csrf_token"], session["csrf_token"])

    def test_the_status_and_preferences_pages_come_with_the_session(self):
        cookie = None
        for path in ("/privacy/en/preferences", "/privacy/de/request/status"):
            status, headers, body = self.get(path, {"Cookie": cookie} if cookie else {})
            self.assertEqual(status, 200, path)
            html = body.decode()
            self.assertEqual(headers["cache-control"], "no-store")
            self.assertEqual(headers["content-security-policy"], inline_csp(self, html))
            self.assertNotIn("<!--session-->", html)
            block = re.findall(r'<script type="application/json" id="session">(.*?)</script>', html)
            self.assertEqual(len(block), 1, path)
            state = json.loads(block[0])
            self.assertEqual((state["request"], state["preferences"]), (False, False))
            self.assertNotIn("data", state)  # the session holds nothing to show
            if cookie is None:
                # The first page starts the session, as GET /privacy/session would.
                cookie = headers["set-cookie"].split(";", 1)[0]
                self.assertRegex(headers["set-cookie"], r"^__Host-privacyd_session=[A-Za-z0-9_-]+; "
                                 r"Path=/; Max-Age=3600; Secure; HttpOnly; SameSite=Strict$")
            else:
                self.assertNotIn("set-cookie", headers)
            # The token in the page is the session's.
            _, _, info = self.get("/privacy/session", {"Cookie": cookie})
            self.assertEqual(state["csrf_token"], json.loads(info)["csrf_token"])
        status, _, _ = self.daemon.request("DELETE", "/privacy/session", None,
                                           {"Cookie": cookie, "Origin": self.origin,
                                            "X-CSRF-Token": state["csrf_token"]})
        self.assertEqual(status, 204)

    def test_a_cross_site_post_is_refused(self):
        body = json.dumps({"id": "req_x", "code": "123456"}).encode()
        for headers in ({"Sec-Fetch-Site": "cross-site"},
                        {"Origin": "https://evil.example"},
                        {"Origin": "null"},
                        {"Origin": "http://127.0.0.1:1"}):
            headers["Content-Type"] = "application/json"
            self.assertProblem(self.daemon.request("POST", "/privacy/session/request", body, headers),
                               403, "cross_site_request")
            self.assertProblem(self.daemon.request("POST", "/privacy/session/preferences",
                                                   body, headers),
                               403, "cross_site_request")
        # From the Privacy Center's own origin it reaches the API, whose answer to an unknown
        # request is that of a wrong code (it tells nobody which requests exist).
        self.assertProblem(self.daemon.request("POST", "/privacy/session/request", body,
                                               {"Content-Type": "application/json",
                                                "Origin": self.origin, "Sec-Fetch-Site": "same-origin"}),
                           401, "invalid_code")

    def test_a_link_token_that_is_not_valid_opens_no_session(self):
        status, headers, raw = self.daemon.request(
            "POST", "/privacy/session/preferences", {"link": "not-a-token"},
            {"Origin": self.origin})
        self.assertProblem((status, headers, raw), 401, "invalid_link")
        self.assertNotIn("set-cookie", headers)
        self.assertNotIn("www-authenticate", headers)

    def test_a_change_without_the_csrf_token_is_refused(self):
        _, headers, body = self.get("/privacy/session")
        cookie = headers["set-cookie"].split(";", 1)[0]
        token = json.loads(body)["csrf_token"]
        same = {"Cookie": cookie, "Origin": self.origin, "Content-Type": "application/json"}
        for method, path in (("PUT", "/privacy/session/preferences"),
                             ("POST", "/privacy/session/request/withdraw"),
                             ("DELETE", "/privacy/session")):
            self.assertProblem(self.daemon.request(method, path, b"{}", same), 403,
                               "csrf_token_invalid")
            self.assertProblem(self.daemon.request(method, path, b"{}",
                                                   dict(same, **{"X-CSRF-Token": "0" * 64})),
                               403, "csrf_token_invalid")
        # With the token, the session is checked next: it holds nothing yet.
        with_token = dict(same, **{"X-CSRF-Token": token})
        self.assertProblem(self.daemon.request("PUT", "/privacy/session/preferences", b"{}",
                                               with_token), 401, "session_required")
        self.assertProblem(self.get("/privacy/session/request", {"Cookie": cookie}), 401,
                           "session_required")
        status, headers, _ = self.daemon.request("DELETE", "/privacy/session", None, with_token)
        self.assertEqual(status, 204)
        self.assertEqual(headers["set-cookie"], "__Host-privacyd_session=; Path=/; Max-Age=0; "
                                                "Secure; HttpOnly; SameSite=Strict")
        # An altered cookie is no session at all.
        self.assertProblem(self.get("/privacy/session/request",
                                    {"Cookie": cookie[:-4] + "AAAA"}), 401, "session_required")


if __name__ == "__main__":
    import unittest
    unittest.main()
