"""The staff console's pages over HTTP, against the real binary: language negotiation, the pages
and assets served from memory under /console (gzip or not, ETag and 304, no-cache), the security
headers, and that a page is the same for everyone and holds nothing personal. Signing in is
tested by the sign-in routes' own tests, the pages in a browser by tests/browser."""

import gzip
import os
import re

from harness import SOURCE_DIR, DaemonTest

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
PAGES = ["", "signin", "request", "person", "suppressions", "imports", "import", "outbox",
         "policy", "audit"]


class ConsolePagesTest(DaemonTest):
    def setUp(self):
        super().setUp()
        self.daemon = self.start_daemon(
            extra_args=["--policy", os.path.join(SOURCE_DIR, "examples", "policy.yaml")])

    def get(self, path, headers=None):
        return self.daemon.request("GET", path, headers=headers)

    def test_the_root_redirects_to_the_preferred_language(self):
        for path, accept, lang in (("/console", "de-AT, en;q=0.5", "de"),
                                   ("/console/", "fr-CA", "fr"),
                                   ("/console/", "nl, es;q=0.5", "en"),
                                   ("/console", "", "en")):
            status, headers, _ = self.get(path, {"Accept-Language": accept} if accept else {})
            self.assertEqual(status, 303, path)
            self.assertEqual(headers["location"], f"/console/{lang}/", accept)
            self.assertEqual(headers["vary"], "Accept-Language")
            self.assertEqual(headers["cache-control"], "no-store")
        status, headers, _ = self.get("/console/de")
        self.assertEqual((status, headers["location"]), (303, "/console/de/"))
        self.assertProblem(self.get("/console/es"), 404, "not_found")
        self.assertProblem(self.get("/console/es/audit"), 404, "not_found")
        self.assertProblem(self.get("/console/en/nothing"), 404, "route_not_found")

    def test_every_page_in_every_language_with_its_headers(self):
        for lang in ("en", "de", "fr"):
            for page in PAGES:
                path = f"/console/{lang}/{page}"
                status, headers, body = self.get(path, {"Accept-Encoding": "gzip"})
                self.assertEqual(status, 200, path)
                self.assertEqual(headers["content-type"], "text/html; charset=utf-8")
                self.assertEqual(headers["content-encoding"], "gzip")
                self.assertEqual(headers["content-security-policy"], CSP)
                self.assertEqual(headers["referrer-policy"], "no-referrer")
                self.assertEqual(headers["x-content-type-options"], "nosniff")
                self.assertEqual(headers["x-frame-options"], "DENY")
                self.assertEqual(headers["cache-control"], "no-cache")
                self.assertEqual(headers["content-language"], lang)
                self.assertNotIn("set-cookie", headers)
                html = gzip.decompress(body).decode()
                self.assertIn(f'<html lang="{lang}">', html)
                # No inline script or style: one module script, one stylesheet, a data block.
                self.assertEqual(re.findall(r"<script[^>]*>", html),
                                 [f'<script type="module" src="{self.script(html)}">',
                                  '<script type="application/json" id="messages">'])
                self.assertNotIn("style=", html)
                self.assertNotIn("<style", html)

    def test_the_page_is_the_same_whoever_asks_and_revalidates(self):
        status, headers, body = self.get("/console/fr/request", {"Accept-Encoding": "gzip"})
        self.assertEqual(status, 200)
        etag = headers["etag"]
        self.assertRegex(etag, r'^"[0-9a-f]{16}-gz"$')
        # With a staff token, and a session cookie, the same bytes: nothing personal is in it.
        _, _, with_token = self.get("/console/fr/request",
                                    {"Accept-Encoding": "gzip", "Authorization": "Bearer x",
                                     "Cookie": "__Host-privacyd_console=x"})
        self.assertEqual(with_token, body)
        html = gzip.decompress(body).decode()
        self.assertIn("Faire avancer la demande", html)
        self.assertNotIn("Move the request on", html)

        status, plain_headers, plain = self.get("/console/fr/request", {"Accept-Encoding": "identity"})
        self.assertEqual(status, 200)
        self.assertNotIn("content-encoding", plain_headers)
        self.assertEqual(plain.decode(), html)
        self.assertEqual(plain_headers["etag"], etag[:-4] + '"')
        status, _, body304 = self.get("/console/fr/request",
                                      {"Accept-Encoding": "gzip", "If-None-Match": etag})
        self.assertEqual((status, body304), (304, b""))

    def test_the_assets_are_served_under_the_console_prefix(self):
        _, _, body = self.get("/console/en/audit")
        html = body.decode()
        css = re.search(r'href="(/console/assets/app\.[0-9a-f]{16}\.css)"', html).group(1)
        js = self.script(html)
        self.assertRegex(js, r"^/console/assets/console\.[0-9a-f]{16}\.js$")
        for path, media in ((css, "text/css; charset=utf-8"), (js, "text/javascript; charset=utf-8")):
            status, headers, _ = self.get(path)
            self.assertEqual(status, 200, path)
            self.assertEqual(headers["content-type"], media)
            self.assertEqual(headers["cache-control"], "public, max-age=31536000, immutable")
            self.assertEqual(headers["content-security-policy"], CSP)
        # The same file as under the Privacy Center's prefix.
        self.assertEqual(self.get(css)[2], self.get(css.replace("/console/", "/privacy/"))[2])
        self.assertProblem(self.get("/console/assets/console.0000000000000000.js"), 404,
                           "not_found")
        # Pages are not assets.
        self.assertProblem(self.get("/console/assets/en"), 404, "not_found")

    @staticmethod
    def script(html):
        return re.search(r'<script type="module" src="([^"]+)">', html).group(1)


if __name__ == "__main__":
    import unittest
    unittest.main()
