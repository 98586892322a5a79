"""Signing in to the staff console against the real binary: a session started with a password or
an API token, held in the `__Host-privacyd_console` cookie, accepted by the staff API with the
same roles as a token; the cross-site and CSRF defences on changes; signing out, disabling the
user, idleness and the absolute lifetime end it; failed sign-ins all look alike and are limited.
Time is moved with PRIVACYD_TEST_CLOCK_OFFSET_FILE."""

import json
import os
import re
import socket
import time

from harness import PASSWORD, DaemonTest, cli, make_user

COOKIE = "__Host-privacyd_console"
SUBJECT = {"identities": {"email": "ada@example.com"}, "attributes": {"name": "Ada"}}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ConsoleSessionTest(DaemonTest):
    def setUp(self):
        super().setUp()
        self.offset_file = os.path.join(self.tmp, "clock-offset")
        self.admin_token = make_user(self.data, "ada", "admin")
        self.agent_token = make_user(self.data, "sam", "support_agent")
        make_user(self.data, "mia", "marketing")
        self.auditor = make_user(self.data, "audrey", "auditor")
        port = free_port()
        self.origin = f"http://127.0.0.1:{port}"
        self.daemon = self.start_daemon(
            extra_env={"PRIVACYD_PUBLIC_URL": self.origin + "/",
                       "PRIVACYD_TEST_CLOCK_OFFSET_FILE": self.offset_file},
            listen=f"127.0.0.1:{port}")

    # --- helpers -------------------------------------------------------------------------

    def move_clock(self, seconds):
        with open(self.offset_file, "w", encoding="ascii") as f:
            f.write(str(seconds))
        time.sleep(0.25)  # the daemon reads the file at most every 100 ms

    def sign_in(self, body, headers=None):
        return self.daemon.request("POST", "/console/session", body,
                                   headers=dict({"Origin": self.origin}, **(headers or {})))

    def start(self, user="sam", password=PASSWORD):
        """Signs in; returns (cookie value, session body)."""
        status, headers, raw = self.sign_in({"user": user, "password": password})
        self.assertEqual(status, 200, raw)
        m = re.fullmatch(COOKIE + r"=([^;]+); Path=/; Max-Age=(\d+); Secure; HttpOnly; "
                         r"SameSite=Strict", headers["set-cookie"])
        self.assertIsNotNone(m, headers["set-cookie"])
        self.assertEqual(int(m.group(2)), 12 * 3600)
        return m.group(1), json.loads(raw)

    def call(self, method, path, cookie, body=None, headers=None):
        h = {"Cookie": f"{COOKIE}={cookie}"}
        h.update(headers or {})
        return self.daemon.request(method, path, body, headers=h)

    def audit(self, **query):
        q = "&".join(f"{k}={v}" for k, v in query.items())
        status, _, raw = self.daemon.request("GET", "/v1/admin/audit?limit=1000&" + q,
                                             token=self.auditor)
        self.assertEqual(status, 200, raw)
        return json.loads(raw)["entries"]

    # --- tests ---------------------------------------------------------------------------

    def test_a_password_session_works_the_staff_api_with_the_users_roles(self):
        cookie, session = self.start()
        self.assertEqual(session["user"], {"name": "sam", "role": "support_agent"})
        self.assertRegex(session["csrf_token"], r"^[0-9a-f]{64}$")
        self.assertEqual(session["idle_timeout_seconds"], 1800)
        self.assertRegex(session["expires_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")

        status, _, raw = self.call("GET", "/console/session", cookie)
        self.assertEqual((status, json.loads(raw)), (200, session))

        # A staff GET with only the cookie.
        status, _, raw = self.call("GET", "/v1/admin/subjects?email=nobody@example.com", cookie)
        self.assertEqual((status, json.loads(raw)), (200, {"subjects": []}))
        # Roles as for tokens: a support agent may not read the outbox.
        self.assertProblem(self.call("GET", "/v1/admin/outbox", cookie), 403, "forbidden")

        # A change without the CSRF token, with it from another site, then properly.
        self.assertProblem(self.call("POST", "/v1/admin/subjects", cookie, SUBJECT,
                                     {"Origin": self.origin}), 403, "csrf_token_invalid")
        self.assertProblem(self.call("POST", "/v1/admin/subjects", cookie, SUBJECT,
                                     {"Origin": self.origin, "X-CSRF-Token": "0" * 64}),
                           403, "csrf_token_invalid")
        good = {"Origin": self.origin, "X-CSRF-Token": session["csrf_token"]}
        self.assertProblem(self.call("POST", "/v1/admin/subjects", cookie, SUBJECT,
                                     dict(good, Origin="https://evil.example")),
                           403, "cross_site_request")
        self.assertProblem(self.call("POST", "/v1/admin/subjects", cookie, SUBJECT,
                                     dict(good, **{"Sec-Fetch-Site": "cross-site"})),
                           403, "cross_site_request")
        status, _, raw = self.call("POST", "/v1/admin/subjects", cookie, SUBJECT,
                                   dict(good, **{"X-Request-Id": "req-console-1"}))
        self.assertEqual(status, 201, raw)
        entries = [e for e in self.audit() if e["request_id"] == "req-console-1"]
        self.assertTrue(entries)
        self.assertEqual({(e["actor"], e["role"]) for e in entries}, {("sam", "support_agent")})

        starts = self.audit(action="staff.session.start")
        self.assertEqual([(e["actor"], e["detail"]) for e in starts],
                         [("sam", {"method": "password"})])

    def test_a_token_session_and_an_authorization_header_wins_over_the_cookie(self):
        status, headers, raw = self.sign_in({"token": self.admin_token})
        self.assertEqual(status, 200, raw)
        self.assertEqual(json.loads(raw)["user"], {"name": "ada", "role": "admin"})
        cookie = headers["set-cookie"].split(";")[0].split("=", 1)[1]
        status, _, _ = self.call("GET", "/v1/admin/outbox", cookie)
        self.assertEqual(status, 200)
        # With a bearer token the cookie is not looked at: a bad token is refused.
        status, headers, _ = self.call("GET", "/v1/admin/outbox", cookie,
                                       headers={"Authorization": "Bearer nope.nope"})
        self.assertEqual(status, 401)
        self.assertIn("Bearer", headers["www-authenticate"])
        starts = self.audit(action="staff.session.start")
        self.assertEqual([(e["actor"], e["detail"]) for e in starts],
                         [("ada", {"method": "token"})])

    def test_marketing_is_refused_an_admin_route(self):
        cookie, _ = self.start("mia")
        self.assertProblem(self.call("GET", "/v1/admin/outbox", cookie), 403, "forbidden")

    def test_signing_out_ends_the_session(self):
        cookie, session = self.start()
        self.assertProblem(self.call("DELETE", "/console/session", cookie,
                                     headers={"Origin": self.origin}), 403, "csrf_token_invalid")
        status, headers, _ = self.call("DELETE", "/console/session", cookie,
                                       headers={"Origin": self.origin,
                                                "X-CSRF-Token": session["csrf_token"]})
        self.assertEqual(status, 204)
        self.assertEqual(headers["set-cookie"],
                         COOKIE + "=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Strict")
        self.assertProblem(self.call("GET", "/console/session", cookie), 401, "session_required")
        status, headers, raw = self.call("GET", "/v1/admin/subjects?email=a@example.com", cookie)
        self.assertProblem((status, headers, raw), 401, "unauthenticated")
        self.assertNotIn("www-authenticate", headers)
        ends = self.audit(action="staff.session.end")
        self.assertEqual([(e["actor"], e["detail"]) for e in ends],
                         [("sam", {"reason": "signed_out"})])

    def test_disabling_the_user_ends_the_session(self):
        cookie, _ = self.start()
        cli("user", "disable", "sam", data_dir=self.data)
        self.assertProblem(self.call("GET", "/v1/admin/subjects?email=a@example.com", cookie),
                           401, "unauthenticated")
        self.assertProblem(self.call("GET", "/console/session", cookie), 401, "session_required")
        self.assertEqual([e["detail"] for e in self.audit(action="staff.session.end")],
                         [{"reason": "disabled"}])
        # And a disabled user cannot sign in again, with the usual answer.
        self.assertProblem(self.sign_in({"user": "sam", "password": PASSWORD}), 401,
                           "invalid_credentials")

    def test_idle_and_absolute_expiry(self):
        cookie, _ = self.start()
        self.move_clock(29 * 60)
        self.assertEqual(self.call("GET", "/console/session", cookie)[0], 200)  # renews
        self.move_clock(2 * 29 * 60)
        self.assertEqual(self.call("GET", "/console/session", cookie)[0], 200)
        self.move_clock(2 * 29 * 60 + 31 * 60)
        self.assertProblem(self.call("GET", "/console/session", cookie), 401, "session_required")

        cookie, _ = self.start()
        base = 2 * 29 * 60 + 31 * 60
        for step in range(1, 36):  # used every 20 minutes, 11 h 40 min
            self.move_clock(base + step * 20 * 60)
            self.assertEqual(self.call("GET", "/console/session", cookie)[0], 200, step)
        self.move_clock(base + 12 * 3600)
        self.assertProblem(self.call("GET", "/v1/admin/subjects?email=a@example.com", cookie),
                           401, "unauthenticated")

    def test_failed_sign_ins_look_alike_and_reveal_no_secret(self):
        answers = []
        for body in ({"user": "sam", "password": "wrong password, long enough"},
                     {"user": "nobody", "password": PASSWORD},
                     {"token": self.agent_token + "x"}):
            problem = self.assertProblem(self.sign_in(body), 401, "invalid_credentials")
            answers.append((problem["title"], problem["detail"]))
        self.assertEqual(len(set(answers)), 1, answers)
        refused = self.audit(action="staff.session.refused")
        self.assertEqual([(e["actor"], e["object"], e["detail"]) for e in refused],
                         [("anonymous", "user_name:sam", {"method": "password"}),
                          ("anonymous", "user_name:nobody", {"method": "password"}),
                          ("anonymous", "", {"method": "token"})])
        self.assertNotIn(PASSWORD, json.dumps(refused))
        self.assertNotIn(self.agent_token, json.dumps(refused))

        self.assertProblem(self.sign_in({"user": "sam"}), 400, "invalid_request")
        self.assertProblem(self.sign_in({"user": "sam", "password": PASSWORD, "token": "x"}), 400,
                           "invalid_request")
        self.assertProblem(self.sign_in({"user": "sam", "password": PASSWORD},
                                        {"Origin": "https://evil.example"}),
                           403, "cross_site_request")
        self.assertProblem(self.daemon.request("GET", "/console/session"), 401, "session_required")

        status, _, raw = self.daemon.request("GET", "/metrics")
        self.assertEqual(status, 200)
        metrics = raw.decode()
        for outcome, n in (("invalid_credentials", 3), ("invalid_request", 2),
                           ("cross_site_request", 1), ("success", 0)):
            self.assertIn(f'privacyd_console_sign_ins_total{{outcome="{outcome}"}} {n}\n',
                          metrics)

    def test_sign_ins_are_limited_per_user_name_and_per_address(self):
        for _ in range(10):
            self.assertProblem(self.sign_in({"user": "sam", "password": "not the password!"}),
                               401, "invalid_credentials")
        status, headers, raw = self.sign_in({"user": "sam", "password": PASSWORD})
        self.assertProblem((status, headers, raw), 429, "rate_limited")
        self.assertEqual(headers["retry-after"], "900")
        # Another name from the same address still signs in (11 of 30 attempts used).
        self.start("ada")
        for _ in range(18):
            self.assertProblem(self.sign_in({"token": "tok_x.nope"}), 401, "invalid_credentials")
        self.assertProblem(self.sign_in({"user": "mia", "password": PASSWORD}), 429,
                           "rate_limited")
        # The window passes.
        self.move_clock(15 * 60 + 1)
        self.start("mia")

    def test_operators_list_and_end_sessions_from_the_cli(self):
        cookie, _ = self.start()
        self.start("ada")
        out = cli("user", "sessions", "--user", "sam", data_dir=self.data).stdout.splitlines()
        self.assertEqual(out[0], "ID\tUSER\tMETHOD\tSTARTED\tLAST_USED\tEXPIRES")
        self.assertEqual(len(out), 2, out)
        session_id, user, method = out[1].split("\t")[:3]
        self.assertEqual((session_id, user, method), (cookie.split(".")[0], "sam", "password"))
        self.assertNotIn(cookie.split(".")[1], "\n".join(out))
        self.assertEqual(len(cli("user", "sessions", data_dir=self.data).stdout.splitlines()), 3)

        self.assertEqual(cli("user", "sessions", "end", session_id, data_dir=self.data).stdout,
                         f"ended session {session_id}\n")
        self.assertProblem(self.call("GET", "/console/session", cookie), 401, "session_required")
        again = cli("user", "sessions", "end", session_id, data_dir=self.data, check=False)
        self.assertEqual(again.returncode, 2)
        self.assertIn("[session_not_found]", again.stderr)
        self.assertEqual(cli("user", "sessions", "end", "--user", "ada", data_dir=self.data).stdout,
                         "ended 1 sessions of ada\n")
        self.assertEqual(len(cli("user", "sessions", data_dir=self.data).stdout.splitlines()), 1)
        self.assertEqual([e["detail"] for e in self.audit(action="staff.session.end")],
                         [{"reason": "ended_by_operator"}] * 2)
