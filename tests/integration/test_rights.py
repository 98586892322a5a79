"""Data subject requests end to end, against the real binary, its SQLite store and a real SMTP
server on loopback: intake, the code read from the received mail, verification, the status with
the request token, nobody else reading it, brute force of the code stopped, an extension by a
privacy officer and the mail about it, overdue requests once the daemon's clock is moved past
the due date (PRIVACYD_TEST_CLOCK_OFFSET_FILE), routing to a customer as controller and of
complaints to the DPO, and an access request fulfilled: the package downloaded with the token,
by nobody else, and gone once its window has closed."""

import base64
import email
import email.policy
import io
import json
import os
import re
import sqlite3
import subprocess
import time
import urllib.parse
import zipfile

from harness import BIN, SOURCE_DIR, DaemonTest, make_user
from smtp_sink import SmtpSink

JSON = {"Content-Type": "application/json"}
DAY = 86400


class RightsBase(DaemonTest):
    """A daemon with the example policy, an SMTP sink, staff of three roles and a movable clock,
    and the steps of a request (submit, read the code, verify)."""

    def setUp(self):
        super().setUp()
        self.sink = SmtpSink().start()
        self.addCleanup(self.sink.stop)
        self.policy_path = self.policy_file()
        os.makedirs(self.data, exist_ok=True)
        self.officer = make_user(self.data, "olga", "privacy_officer")
        self.agent = make_user(self.data, "sam", "support_agent")
        self.marketing = make_user(self.data, "mia", "marketing")
        self.offset_file = os.path.join(self.tmp, "clock-offset")
        self.daemon = self.start_daemon(extra_env=self.env(), extra_args=["--policy", self.policy_path])

    def policy_file(self):
        """The policy the daemon runs with (a subclass may write a variant into self.tmp)."""
        return os.path.join(SOURCE_DIR, "examples", "policy.yaml")

    def env(self):
        return {
            "PRIVACYD_MAIL_SMTP_HOST": "127.0.0.1",
            "PRIVACYD_MAIL_SMTP_PORT": str(self.sink.port),
            "PRIVACYD_MAIL_SMTP_TLS": "none",
            "PRIVACYD_MAIL_FROM": "Privacy <privacy@mail.example.org>",
            "PRIVACYD_JOBS_POLL_MS": "50",
            "PRIVACYD_TEST_CLOCK_OFFSET_FILE": self.offset_file,
        }

    def move_clock(self, seconds):
        with open(self.offset_file, "w", encoding="ascii") as f:
            f.write(str(seconds))
        time.sleep(0.25)  # the daemon reads the file at most every 100 ms

    # --- helpers -------------------------------------------------------------------------

    def post(self, path, body, token=None):
        status, headers, raw = self.daemon.request("POST", path, json.dumps(body).encode(), JSON,
                                                   token=token)
        return status, headers, raw

    def submit(self, address, rights=("access",), country="DE", language="de"):
        status, _, raw = self.post("/v1/requests", {"rights": list(rights), "email": address,
                                                    "country": country, "language": language})
        self.assertEqual(status, 201, raw)
        return json.loads(raw)

    def mail_to(self, address, after=0, timeout=20, subject_has=""):
        """The first message to `address` (whose subject has `subject_has`) among those received
        after the first `after`, waiting for it."""
        deadline = time.monotonic() + timeout
        while True:
            messages = self.sink.messages
            for m in messages[after:]:
                if address in m.rcpt_tos:
                    parsed = email.message_from_bytes(m.data, policy=email.policy.default)
                    if subject_has in parsed["Subject"]:
                        return parsed
            if time.monotonic() > deadline:
                raise AssertionError(f"no mail to {address}; got {[m.rcpt_tos for m in messages]}")
            time.sleep(0.05)

    @staticmethod
    def text(message):
        return message.get_body(preferencelist=("plain",)).get_content()

    def code_for(self, address, after=0):
        text = self.text(self.mail_to(address, after))
        codes = re.findall(r"^\s*(\d{6})\s*$", text, re.M)
        self.assertTrue(codes, text)
        return codes[0]

    def verify(self, request_id, code):
        status, _, raw = self.post(f"/v1/requests/{request_id}/verify", {"code": code})
        self.assertEqual(status, 200, raw)
        return json.loads(raw)

    def status_of(self, request_id, token):
        return self.daemon.request("GET", f"/v1/requests/{request_id}", token=token)

    def submit_verified(self, address, rights=("access",), country="DE"):
        before = len(self.sink.messages)
        request = self.submit(address, rights, country)
        return request, self.verify(request["id"], self.code_for(address, before))

    def overdue_cli(self, *args):
        env = {k: v for k, v in os.environ.items() if not k.startswith("PRIVACYD_")}
        env["PRIVACYD_TEST_CLOCK_OFFSET_FILE"] = self.offset_file
        env["PRIVACYD_POLICY"] = self.policy_path
        return subprocess.run([BIN, "requests", "overdue", "--data", self.data] + list(args),
                              capture_output=True, text=True, env=env, timeout=60)



class RightsTest(RightsBase):

    def test_submit_read_the_code_verify_and_read_the_status_with_the_token(self):
        request = self.submit("ann@qzx.example")
        self.assertEqual(request["state"], "awaiting_verification")
        self.assertEqual(request["regime"], "gdpr")
        self.assertTrue(request["id"].startswith("req_"))
        message = self.mail_to("ann@qzx.example")
        self.assertEqual(message["Subject"], "Ihr Einmalcode")
        code = self.code_for("ann@qzx.example")
        self.assertIn(request["id"], self.text(message))

        verified = self.verify(request["id"], code)
        token = verified["token"]
        self.assertRegex(token, r"^rqt_[0-9a-f]{64}$")
        self.assertEqual(verified["request"]["state"], "verified")

        status, headers, raw = self.status_of(request["id"], token)
        self.assertEqual(status, 200, raw)
        self.assertEqual(headers.get("cache-control"), "no-store")
        body = json.loads(raw)
        self.assertEqual(body["state"], "verified")
        self.assertEqual(body["rights"], ["access"])
        self.assertEqual(body["due_at"], request["due_at"])
        # The code works once.
        self.assertProblem(self.post(f"/v1/requests/{request['id']}/verify", {"code": code}),
                           401, "invalid_code")
        # No token, or a malformed one: the same 404 as an unknown id.
        self.assertProblem(self.status_of(request["id"], None), 404, "request_not_found")
        self.assertProblem(self.status_of(request["id"], "rqt_" + "0" * 64), 404,
                           "request_not_found")
        self.assertProblem(self.status_of("req_doesnotexist", token), 404, "request_not_found")
        # The database (and its write-ahead log) holds no address in clear.
        for name in os.listdir(self.data):
            if name.startswith("privacyd.db"):
                with open(os.path.join(self.data, name), "rb") as f:
                    self.assertNotIn(b"ann@qzx.example", f.read(), name)

    def test_the_link_beside_the_code_asks_then_verifies_once(self):
        request = self.submit("ivy@qzx.example", language="fr")
        text = self.text(self.mail_to("ivy@qzx.example"))
        links = re.findall(r"Confirmer avec ce lien :\s+(\S+)", text)
        self.assertEqual(len(links), 1, text)
        path = urllib.parse.urlsplit(links[0]).path
        self.assertRegex(path, r"^/r/[A-Za-z0-9_-]+$")
        form = {"Content-Type": "application/x-www-form-urlencoded"}

        # Opening the link (as a mail scanner would) asks, in the person's language.
        status, headers, raw = self.daemon.request("GET", path)
        self.assertEqual(status, 200, raw)
        self.assertEqual(headers["content-language"], "fr")
        page = raw.decode()
        self.assertIn("<h1>Confirmer votre demande</h1>", page)
        self.assertIn(request["id"], page)
        self.assertIn(f'<form method="post" action="{path}">', page)
        status, _, raw = self.daemon.request("GET", "/v1/admin/requests/" + request["id"],
                                             token=self.agent)
        self.assertEqual(json.loads(raw)["state"], "awaiting_verification")

        # The button confirms, as the code would.
        status, headers, raw = self.daemon.request("POST", path, b"confirm=yes", form)
        self.assertEqual(status, 200, raw)
        self.assertIn("<h1>Demande confirmée</h1>", raw.decode())
        self.assertIn(request["id"], raw.decode())
        status, _, raw = self.daemon.request("GET", "/v1/admin/requests/" + request["id"],
                                             token=self.agent)
        self.assertEqual(json.loads(raw)["state"], "verified")

        # Once only; a link that is not ours is not valid.
        status, _, raw = self.daemon.request("POST", path, b"confirm=yes", form)
        self.assertEqual(status, 410, raw)
        self.assertIn("<h1>This link no longer works</h1>", raw.decode())
        status, _, raw = self.daemon.request("GET", path[:-4] + "AAAA")
        self.assertEqual(status, 400, raw)

    def test_a_second_person_cannot_read_the_first_persons_request(self):
        ann, ann_verified = self.submit_verified("ann@qzx.example")
        bob, bob_verified = self.submit_verified("bob@qzx.example", ("erasure",))
        self.assertProblem(self.status_of(ann["id"], bob_verified["token"]), 404,
                           "request_not_found")
        self.assertProblem(self.status_of(bob["id"], ann_verified["token"]), 404,
                           "request_not_found")
        self.assertProblem(self.daemon.request("POST", f"/v1/requests/{ann['id']}/withdraw",
                                               token=bob_verified["token"]),
                           404, "request_not_found")
        # Bob's code does not verify Ann's request either.
        before = len(self.sink.messages)
        status, _, raw = self.post(f"/v1/requests/{bob['id']}/code", {})
        self.assertEqual(status, 202, raw)
        bob_code = self.code_for("bob@qzx.example", before)
        self.assertProblem(self.post(f"/v1/requests/{ann['id']}/verify", {"code": bob_code}),
                           401, "invalid_code")
        self.assertEqual(json.loads(self.status_of(ann["id"], ann_verified["token"])[2])["state"],
                         "verified")

    def test_a_duplicate_is_revealed_only_to_whoever_proved_the_address(self):
        first, _ = self.submit_verified("nia@qzx.example")
        before = len(self.sink.messages)
        # Anyone may submit for this address: the answer says nothing about the open request.
        second = self.submit("nia@qzx.example", ("access", "erasure"))
        self.assertEqual(second["state"], "awaiting_verification")
        self.assertNotIn(first["id"], json.dumps(second))
        status, headers, raw = self.post(f"/v1/requests/{second['id']}/verify",
                                         {"code": self.code_for("nia@qzx.example", before)})
        self.assertProblem((status, headers, raw), 409, "duplicate_request")
        self.assertEqual(json.loads(raw)["open_request_id"], first["id"])
        status, _, raw = self.daemon.request("GET", f"/v1/admin/requests/{second['id']}",
                                             token=self.agent)
        self.assertEqual(json.loads(raw)["state"], "withdrawn")
        self.assertEqual(json.loads(raw)["outcome"], "duplicate")

    def test_brute_force_of_the_code_is_stopped(self):
        request = self.submit("eve@qzx.example", ("erasure",))
        right = self.code_for("eve@qzx.example")
        wrong = f"{(int(right) + 1) % 1000000:06d}"
        path = f"/v1/requests/{request['id']}/verify"
        for _ in range(4):
            self.assertProblem(self.post(path, {"code": wrong}), 401, "invalid_code")
        self.assertProblem(self.post(path, {"code": wrong}), 409, "code_attempts_exhausted")
        # The right code no longer helps: a new one is needed.
        self.assertProblem(self.post(path, {"code": right}), 409, "code_attempts_exhausted")
        # And one client cannot go on trying for long (30 public calls per ten minutes).
        answers = [self.post(path, {"code": wrong}) for _ in range(30)]
        self.assertProblem(answers[-1], 429, "too_many_requests")
        self.assertEqual(answers[-1][1].get("retry-after"), "600")

    def test_codes_expire_after_fifteen_minutes(self):
        request = self.submit("fay@qzx.example")
        code = self.code_for("fay@qzx.example")
        self.move_clock(16 * 60)
        self.assertProblem(self.post(f"/v1/requests/{request['id']}/verify", {"code": code}),
                           409, "code_expired")

    def test_only_a_privacy_officer_extends_and_the_person_is_told_why(self):
        request, _ = self.submit_verified("gus@qzx.example")
        path = f"/v1/admin/requests/{request['id']}/extend"
        self.assertProblem(self.post(path, {"reason": "complex"}, token=self.agent), 403,
                           "forbidden")
        self.assertProblem(self.post(path, {}, token=self.officer), 400, "reason_required")
        before = len(self.sink.messages)
        status, _, raw = self.post(path, {"reason": "Daten aus zwölf Systemen"}, token=self.officer)
        self.assertEqual(status, 200, raw)
        extended = json.loads(raw)
        self.assertTrue(extended["extended"])
        self.assertEqual(extended["original_due_at"], request["due_at"])
        self.assertEqual(extended["due_at"], request["max_due_at"])
        message = self.mail_to("gus@qzx.example", before)
        text = self.text(message)
        self.assertIn("Daten aus zwölf Systemen", text)
        self.assertIn(extended["due_at"][:10], text)
        self.assertIn(request["id"], message["Subject"])
        self.assertProblem(self.post(path, {"reason": "again"}, token=self.officer), 409,
                           "already_extended")
        # The timeline names who did it and why.
        status, _, raw = self.daemon.request("GET", f"/v1/admin/requests/{request['id']}",
                                             token=self.agent)
        self.assertEqual(status, 200, raw)
        timeline = json.loads(raw)["timeline"]
        self.assertEqual([e["action"] for e in timeline],
                         ["intake", "send_code", "verify", "extend"])
        self.assertEqual(timeline[-1]["actor"], "olga")
        self.assertEqual(timeline[-1]["reason"], "Daten aus zwölf Systemen")

    def test_overdue_listing_after_moving_the_clock_past_due(self):
        request, _ = self.submit_verified("hal@qzx.example")
        proc = self.overdue_cli()
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn("0 requests overdue", proc.stdout)
        self.assertIn("WARNING", proc.stderr)  # the moved clock is announced

        self.move_clock(40 * DAY)
        status, _, raw = self.daemon.request("GET", "/v1/admin/requests?overdue=true",
                                             token=self.agent)
        self.assertEqual(status, 200, raw)
        self.assertEqual([r["id"] for r in json.loads(raw)["requests"]], [request["id"]])
        status, _, raw = self.daemon.request("GET", "/metrics")
        self.assertIn("privacyd_requests_overdue 1\n", raw.decode())
        self.assertIn('privacyd_requests{state="verified"} 1\n', raw.decode())

        proc = self.overdue_cli()
        self.assertEqual(proc.returncode, 1, proc.stderr)
        self.assertIn(request["id"], proc.stdout)
        self.assertIn("1 request overdue", proc.stdout)
        proc = self.overdue_cli("--format", "json")
        self.assertEqual(proc.returncode, 1, proc.stderr)
        listed = json.loads(proc.stdout)
        self.assertEqual(listed["count"], 1)
        self.assertEqual(listed["overdue"][0]["id"], request["id"])
        self.assertGreaterEqual(listed["overdue"][0]["days_overdue"], 8)
        # Too late to extend now.
        self.assertProblem(self.post(f"/v1/admin/requests/{request['id']}/extend",
                                     {"reason": "late"}, token=self.officer),
                           409, "extension_after_due")

    def test_unverified_requests_are_purged_by_the_job(self):
        request = self.submit("ivy@qzx.example")
        self.move_clock(73 * 3600)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            status, _, raw = self.daemon.request("GET", f"/v1/admin/requests/{request['id']}",
                                                 token=self.agent)
            if status == 404:
                break
            time.sleep(0.1)
        self.assertProblem((status, _, raw), 404, "request_not_found")

    def test_customers_end_users_are_routed_to_the_customer(self):
        before = len(self.sink.messages)
        request = self.submit("jo@example.com", ("erasure",))
        code = self.code_for("jo@example.com", before)
        verified = self.verify(request["id"], code)
        self.assertEqual(verified["request"]["state"], "completed")
        self.assertEqual(verified["request"]["outcome"], "routed_to_controller")
        self.assertEqual(verified["request"]["route"], "tenant:example_customer")
        to_tenant = self.mail_to("privacy@example.com", before)
        self.assertIn("jo@example.com", self.text(to_tenant))
        self.assertIn(request["id"], self.text(to_tenant))
        # The person, in German, is told their organisation is the controller.
        notice = self.mail_to("jo@example.com", before, subject_has="Organisation")
        self.assertIn("Systemadministrator", self.text(notice))
        self.assertIn("Example Corp", self.text(notice))

    def test_complaints_go_to_the_dpo_with_the_routes_of_the_persons_regime(self):
        before = len(self.sink.messages)
        request = self.submit("kim@qzx.example", ("complaint",), country="GB", language="en")
        self.assertEqual(request["regime"], "uk_gdpr")
        urls = [r["url"] for r in request["complaint_routes"]]
        self.assertEqual(urls, ["https://ico.org.uk/make-a-complaint/",
                                "https://www.jamsadr.com/DPF-Dispute-Resolution"])
        self.assertProblem(self.post("/v1/requests", {"rights": ["complaint", "access"],
                                                      "email": "kim@qzx.example"}),
                           400, "complaint_with_other_rights")
        verified = self.verify(request["id"], self.code_for("kim@qzx.example", before))
        self.assertEqual(verified["request"]["route"], "dpo")
        to_dpo = self.mail_to("dpo@mimecast.com", before)
        self.assertIn(request["id"], to_dpo["Subject"])
        self.assertIn("kim@qzx.example", self.text(to_dpo))
        received = self.mail_to("kim@qzx.example", before, subject_has="complaint")
        self.assertIn("https://ico.org.uk/make-a-complaint/", self.text(received))

    def test_staff_queue_intake_by_post_transitions_and_roles(self):
        status, _, raw = self.post("/v1/admin/requests", {
            "rights": ["objection"], "email": "lou@qzx.example", "country": "FR",
            "language": "fr", "channel": "post", "received_at": "2025-12-31",
            "identity_verified": True}, token=self.agent)
        self.assertEqual(status, 201, raw)
        letter = json.loads(raw)
        self.assertEqual(letter["state"], "verified")
        self.assertEqual(letter["channel"], "post")
        self.assertEqual(letter["due_at"], "2026-01-31T00:00:00.000Z")
        self.assertProblem(self.post("/v1/admin/requests", {
            "rights": ["objection"], "email": "lou@qzx.example", "channel": "post"},
            token=self.agent), 409, "duplicate_request")
        self.assertProblem(self.post("/v1/admin/requests", {
            "rights": ["access"], "email": "mo@qzx.example", "channel": "phone"},
            token=self.agent), 400, "channel_not_offered")
        path = f"/v1/admin/requests/{letter['id']}/transition"
        self.assertProblem(self.post(path, {"action": "complete"}, token=self.agent), 409,
                           "illegal_transition")
        self.assertProblem(self.post(path, {"action": "refuse", "reason": "x"},
                                     token=self.agent), 403, "forbidden")
        for action, state in (("start", "in_progress"), ("complete", "completed")):
            status, _, raw = self.post(path, {"action": action}, token=self.agent)
            self.assertEqual(status, 200, raw)
            self.assertEqual(json.loads(raw)["state"], state)
        status, _, raw = self.daemon.request(
            "GET", "/v1/admin/requests?" + urllib.parse.urlencode({"state": "completed"}),
            token=self.agent)
        self.assertEqual([r["id"] for r in json.loads(raw)["requests"]], [letter["id"]])
        self.assertProblem(self.daemon.request("GET", "/v1/admin/requests", token=self.marketing),
                           403, "forbidden")
        # One person's requests, by the address as staff type it.
        other = self.submit("mo@qzx.example")
        for address, expected in (("LOU@qzx.example", [letter["id"]]),
                                  ("mo@qzx.example", [other["id"]]), ("zed@qzx.example", [])):
            status, _, raw = self.daemon.request(
                "GET", "/v1/admin/requests?" + urllib.parse.urlencode({"email": address}),
                token=self.agent)
            self.assertEqual(status, 200, raw)
            self.assertEqual([r["id"] for r in json.loads(raw)["requests"]], expected)
        self.assertProblem(self.daemon.request("GET", "/v1/admin/requests?email=lou",
                                               token=self.agent), 400, "invalid_identity")

    def test_an_authorised_agents_document_is_stored_sealed(self):
        document = b"%PDF-1.7 Vollmacht fuer Frau Ott, unterschrieben"
        status, _, raw = self.post("/v1/admin/requests", {
            "rights": ["access"], "email": "ott@qzx.example", "country": "AT",
            "channel": "email", "agent": True,
            "authorisation_document": base64.b64encode(document).decode()}, token=self.agent)
        self.assertEqual(status, 201, raw)
        request = json.loads(raw)
        self.assertTrue(request["agent"])
        self.assertTrue(request["has_document"])
        self.assertEqual(request["state"], "awaiting_verification")
        self.mail_to("ott@qzx.example")  # the code goes to the person, as for the portal
        for name in os.listdir(self.data):
            if name.startswith("privacyd.db"):
                with open(os.path.join(self.data, name), "rb") as f:
                    self.assertNotIn(b"Vollmacht", f.read(), name)
        self.assertProblem(self.post("/v1/admin/requests", {
            "rights": ["access"], "email": "pia@qzx.example", "channel": "email",
            "agent": True}, token=self.agent), 400, "document_required")
        self.assertProblem(self.post("/v1/admin/requests", {
            "rights": ["access"], "email": "pia@qzx.example", "channel": "email",
            "agent": True, "authorisation_document": "not base64!"}, token=self.agent),
            400, "invalid_document")

    def test_an_access_request_is_fulfilled_and_only_its_person_downloads_the_package(self):
        status, _, raw = self.post("/v1/collect/contact", {
            "name": "Pia Probe", "email": "pia@qzx.example", "message": "Bitte um Rückruf"})
        self.assertEqual(status, 201, raw)
        request, verified = self.submit_verified("pia@qzx.example", ("access",))
        rid, token = request["id"], verified["token"]
        download = f"/v1/requests/{rid}/download"
        self.assertProblem(self.daemon.request("GET", download, token=token), 404,
                           "download_not_available")

        # Access needs the person's fresh code once work has started.
        path = f"/v1/admin/requests/{rid}/transition"
        before = len(self.sink.messages)
        status, _, raw = self.post(path, {"action": "start"}, token=self.agent)
        self.assertEqual(status, 200, raw)
        self.assertTrue(json.loads(raw)["needs_confirmation"])
        token = self.verify(rid, self.code_for("pia@qzx.example", before))["token"]
        before = len(self.sink.messages)
        status, _, raw = self.post(path, {"action": "complete"}, token=self.agent)
        self.assertEqual(status, 200, raw)
        done = json.loads(raw)
        self.assertEqual((done["state"], done["outcome"]), ("completed", "fulfilled"))
        answered = self.mail_to("pia@qzx.example", before, subject_has="beantwortet")
        self.assertEqual(answered["Subject"], f"Ihre Anfrage {rid} ist beantwortet")
        self.assertIn("Eine Kopie Ihrer Daten liegt bereit", self.text(answered))

        status, headers, raw = self.daemon.request("GET", download, token=token)
        self.assertEqual(status, 200, raw[:300])
        self.assertEqual(headers["content-type"], "application/zip")
        self.assertEqual(headers["content-disposition"],
                         f'attachment; filename="privacy-data-{rid}.zip"')
        self.assertEqual(headers["cache-control"], "no-store")
        with zipfile.ZipFile(io.BytesIO(raw)) as package:
            self.assertIn("index.html", package.namelist())
            data = json.loads(package.read("data.json"))
        self.assertIn("pia@qzx.example", json.dumps(data))

        # Another person's token, or this token on another request, opens nothing.
        other, other_verified = self.submit_verified("quinn@qzx.example", ("access",))
        self.assertProblem(self.daemon.request("GET", download, token=other_verified["token"]),
                           404, "request_not_found")
        self.assertProblem(self.daemon.request("GET", f"/v1/requests/{other['id']}/download",
                                               token=token), 404, "request_not_found")
        self.assertProblem(self.daemon.request("GET", download), 404, "request_not_found")

        # After rights.download_hours (168) the package is gone.
        self.move_clock(168 * 3600 + 60)
        self.assertProblem(self.daemon.request("GET", download, token=token), 410,
                           "download_expired")
        db = sqlite3.connect(os.path.join(self.data, "privacyd.db"))
        try:
            self.assertEqual(db.execute("SELECT count(*) FROM request_packages").fetchone()[0], 0)
        finally:
            db.close()

    def test_the_evidence_of_an_access_and_erasure_request_names_every_step_and_no_address(self):
        status, _, raw = self.post("/v1/collect/contact", {
            "name": "Eva Beweis", "email": "eva@qzx.example", "message": "Bitte um Rückruf"})
        self.assertEqual(status, 201, raw)
        request, _ = self.submit_verified("eva@qzx.example", ("access", "erasure"))
        rid = request["id"]
        path = f"/v1/admin/requests/{rid}/transition"
        before = len(self.sink.messages)
        status, _, raw = self.post(path, {"action": "start"}, token=self.agent)
        self.assertEqual(status, 200, raw)
        self.verify(rid, self.code_for("eva@qzx.example", before))
        status, _, raw = self.post(path, {"action": "request_approval"}, token=self.agent)
        self.assertEqual(status, 200, raw)
        before = len(self.sink.messages)
        status, _, raw = self.post(path, {"action": "approve"}, token=self.officer)
        self.assertEqual(status, 200, raw)
        self.assertEqual(json.loads(raw)["state"], "completed")
        answered = self.mail_to("eva@qzx.example", before, subject_has="beantwortet")
        # The audit entry of a sent mail is written once the relay accepted it.
        time.sleep(0.3)

        evidence_path = f"/v1/admin/requests/{rid}/evidence"
        status, headers, raw = self.daemon.request("GET", evidence_path, token=self.agent)
        self.assertEqual(status, 200, raw)
        self.assertEqual(headers["content-type"], "application/json")
        self.assertEqual(headers["cache-control"], "no-store")
        self.assertNotIn(b"eva@", raw)
        self.assertNotIn(b"Beweis", raw)
        evidence = json.loads(raw)
        self.assertEqual(evidence["request"]["id"], rid)
        self.assertEqual(evidence["request"]["identity"], "email on file")
        self.assertEqual(evidence["request"]["rights"], ["access", "erasure"])
        self.assertEqual((evidence["request"]["state"], evidence["request"]["outcome"]),
                         ("completed", "fulfilled"))
        self.assertEqual([(s["action"], s["actor"]["label"], s["to"]) for s in evidence["steps"]], [
            ("intake", "the person", "received"),
            ("send_code", "system", "awaiting_verification"),
            ("verify", "the person", "verified"),
            ("start", "sam", "in_progress"),
            ("confirm", "the person", "in_progress"),
            ("request_approval", "sam", "awaiting_approval"),
            ("package", "system", "awaiting_approval"),
            ("fulfil_access", "olga", "awaiting_approval"),
            ("fulfil_erasure", "olga", "awaiting_approval"),
            ("approve", "olga", "completed"),
        ])
        self.assertEqual(evidence["steps"][3]["actor"], {"kind": "staff", "label": "sam", "name": "sam"})
        findings = {f["right"]: f for f in evidence["findings"]}
        self.assertEqual(sorted(findings), ["access", "erasure"])
        # The contact form keeps the address as a value too, besides the identity.
        found = {"user.contact.email": 2, "user.content.private": 1, "user.name": 1}
        self.assertEqual(findings["access"]["counts"], {"values": 4, "redactions": 0,
                                                        "bytes": findings["access"]["counts"]["bytes"]})
        self.assertGreater(findings["access"]["counts"]["bytes"], 0)
        self.assertEqual(findings["access"]["categories"], found)
        self.assertEqual(findings["erasure"]["categories"], found)
        self.assertEqual(findings["erasure"]["counts"], {
            "attributes_deleted": 3, "identities_cleared": 1, "kept": 0,
            "referral_addresses_deleted": 0})
        self.assertEqual(findings["erasure"]["flags"], {"key_destroyed": True})
        self.assertEqual(findings["erasure"]["kept"], [])
        self.assertEqual(findings["erasure"]["actor"]["label"], "olga")
        self.assertEqual([(m["template"], m["recipient"]) for m in evidence["mail"]], [
            ("one_time_code", "the person"), ("one_time_code", "the person"),
            ("request_completed", "the person")])
        self.assertEqual(evidence["mail"][2]["message_id"], answered["Message-ID"].strip("<>"))
        deadline = evidence["deadline"]
        self.assertEqual(deadline["received_at"], request["received_at"])
        self.assertEqual(deadline["original_due_at"], request["due_at"])
        self.assertEqual(deadline["due_at"], request["due_at"])
        self.assertIsNone(deadline["extended_due_at"])
        self.assertEqual((deadline["status"], deadline["met"]), ("met", True))
        self.assertEqual(evidence["generated_by"], "sam")

        # The printable page.
        status, headers, raw = self.daemon.request("GET", evidence_path + "?format=html",
                                                   token=self.officer)
        self.assertEqual(status, 200, raw)
        self.assertEqual(headers["content-type"], "text/html; charset=utf-8")
        self.assertEqual(headers["cache-control"], "no-store")
        page = raw.decode()
        self.assertIn(f"<h1>Evidence of data subject request {rid}</h1>", page)
        self.assertIn("<dt>Deadline</dt><dd class=\"met\">met</dd>", page)
        self.assertIn("@media print", page)
        self.assertNotIn("eva@", page)

        # Roles and errors.
        self.assertProblem(self.daemon.request("GET", evidence_path, token=self.marketing), 403,
                           "forbidden")
        self.assertProblem(self.daemon.request("GET", "/v1/admin/requests/req_nope/evidence",
                                               token=self.officer), 404, "request_not_found")
        self.assertProblem(self.daemon.request("GET", evidence_path + "?format=pdf",
                                               token=self.officer), 400, "invalid_format")

        # Every view is audited, with who and in which format.
        db = sqlite3.connect(os.path.join(self.data, "privacyd.db"))
        try:
            views = db.execute("SELECT actor, role, object, detail FROM audit "
                               "WHERE action = 'request.evidence' ORDER BY seq").fetchall()
        finally:
            db.close()
        self.assertEqual(views, [
            ("sam", "support_agent", f"request:{rid}", '{"format":"json"}'),
            ("olga", "privacy_officer", f"request:{rid}", '{"format":"html"}')])

    def test_disclosures_are_logged_when_allowed_and_the_package_names_the_recipients(self):
        status, _, raw = self.post("/v1/collect/contact", {
            "name": "Dora Weiter", "email": "dora@qzx.example", "message": "Bitte um Rückruf"})
        self.assertEqual(status, 201, raw)
        status, _, raw = self.daemon.request("GET", "/v1/admin/subjects?email=dora@qzx.example",
                                             token=self.agent)
        self.assertEqual(status, 200, raw)
        subject = json.loads(raw)["subjects"][0]["id"]
        path = f"/v1/admin/subjects/{subject}/disclosures"
        disclosure = {"recipient": "service_providers", "purpose": "respond_to_inquiries",
                      "categories": ["user.name", "user.contact.email"], "origin": "DE"}

        status, _, raw = self.post(path, disclosure, token=self.agent)
        self.assertEqual(status, 201, raw)
        recorded = json.loads(raw)
        self.assertTrue(recorded["id"].startswith("dsc_"))
        self.assertEqual({k: recorded[k] for k in ("subject_id", "recipient", "purpose", "categories",
                                                    "origin", "safeguard", "request_id", "actor")},
                         {"subject_id": subject, "recipient": "service_providers",
                          "purpose": "respond_to_inquiries",
                          "categories": ["user.name", "user.contact.email"], "origin": "DE",
                          "safeguard": "scc", "request_id": None, "actor": "sam"})

        # What the policy does not allow is refused, and so are the wrong roles.
        self.assertProblem(self.post(path, dict(disclosure, recipient="google"), token=self.agent),
                           409, "disclosure_not_allowed")
        self.assertProblem(self.post(path, dict(disclosure, origin=""), token=self.agent), 400,
                           "origin_required")
        self.assertProblem(self.post(path, disclosure, token=self.marketing), 403, "forbidden")
        self.assertProblem(self.post("/v1/admin/subjects/sub_nobody/disclosures", disclosure,
                                     token=self.agent), 404, "subject_not_found")
        auditor = make_user(self.data, "abe", "auditor")
        status, _, raw = self.daemon.request("GET", path, token=auditor)
        self.assertEqual(status, 200, raw)
        self.assertEqual([d["id"] for d in json.loads(raw)["disclosures"]], [recorded["id"]])

        # The person's access package names the recipient actually disclosed to.
        request, verified = self.submit_verified("dora@qzx.example", ("access",))
        rid = request["id"]
        transition = f"/v1/admin/requests/{rid}/transition"
        before = len(self.sink.messages)
        status, _, raw = self.post(transition, {"action": "start"}, token=self.agent)
        self.assertEqual(status, 200, raw)
        token = self.verify(rid, self.code_for("dora@qzx.example", before))["token"]
        status, _, raw = self.post(transition, {"action": "complete"}, token=self.agent)
        self.assertEqual(status, 200, raw)
        status, _, raw = self.daemon.request("GET", f"/v1/requests/{rid}/download", token=token)
        self.assertEqual(status, 200, raw[:300])
        with zipfile.ZipFile(io.BytesIO(raw)) as package:
            data = json.loads(package.read("data.json"))
            page = package.read("index.html").decode()
        self.assertEqual(data["disclosures"], [{
            "recipient": "service_providers", "recipient_name": "Externe Dienstleister",
            "purpose": "respond_to_inquiries", "categories": ["user.name", "user.contact.email"],
            "disclosed_at": data["disclosures"][0]["disclosed_at"]}])
        self.assertIn("<h2>Wer Ihre Daten erhalten hat</h2>", page)
