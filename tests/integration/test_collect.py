"""Collection points over HTTP, against the real binary and its SQLite store: one test per
channel, the merge of a person's second submission, the age gate, the guard over free text,
CORS and plain-form redirects, and every kind of bad input. Each refusal is proved to leave
nothing behind by reading the database and the logs afterwards."""

import json
import os
import sqlite3
import urllib.parse

from harness import SOURCE_DIR, DaemonTest, cli, make_user

JSON = {"Content-Type": "application/json"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
ORIGIN = "https://www.mimecast.com"


def form(fields):
    return urllib.parse.urlencode(fields, doseq=True).encode()


class CollectTest(DaemonTest):
    policy_edit = None  # (old, new) applied to the example policy before the daemon starts

    def setUp(self):
        super().setUp()
        args = []
        if self.policy_edit:
            with open(os.path.join(SOURCE_DIR, "examples", "policy.yaml"), encoding="utf-8") as f:
                text = f.read()
            old, new = self.policy_edit
            self.assertIn(old, text)
            path = os.path.join(self.tmp, "policy.yaml")
            with open(path, "w", encoding="utf-8") as f:
                f.write(text.replace(old, new, 1))
            args = ["--policy", path]
        os.makedirs(self.data, exist_ok=True)
        self.agent = make_user(self.data, "sam", "support_agent")
        self.marketing = make_user(self.data, "survey-tool", "marketing")
        self.daemon = self.start_daemon(extra_args=args)

    # --- helpers -------------------------------------------------------------------------

    def post(self, point, body, headers=None, door="/v1/collect", token=None):
        if isinstance(body, dict):
            body = json.dumps(body).encode()
            headers = dict(JSON, **(headers or {}))
        return self.daemon.request("POST", f"{door}/{point}", body, headers or JSON, token)

    def receipt(self, response):
        status, headers, body = response
        self.assertEqual(status, 201, body)
        self.assertEqual(headers["content-type"], "application/json")
        return json.loads(body)

    def subject_by_email(self, email):
        status, _, body = self.daemon.request(
            "GET", "/v1/admin/subjects?" + urllib.parse.urlencode({"email": email}),
            token=self.agent)
        self.assertEqual(status, 200, body)
        return json.loads(body)["subjects"]

    def rows(self):
        """How many rows of personal data and collection audit entries the store holds."""
        db = sqlite3.connect(f"file:{os.path.join(self.data, 'privacyd.db')}?mode=ro", uri=True)
        try:
            counts = {t: db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                      for t in ("subjects", "identities", "attributes", "data_keys")}
            counts["audit"] = db.execute(
                "SELECT COUNT(*) FROM audit WHERE action = 'subject.collect'").fetchone()[0]
            return counts
        finally:
            db.close()

    def logs(self):
        return "".join(self.daemon.stderr_lines + self.daemon.stdout_lines)


class ChannelsTest(CollectTest):
    def test_web_form_json_stores_each_declared_value_with_provenance(self):
        r = self.receipt(self.post("white_paper", {
            "name": "Ada Lovelace", "email": "Ada@Example.COM", "company": "Analytical Engines",
            "job_title": "", "country": "gb", "age_confirmed": True}))
        self.assertTrue(r["receipt"].startswith("rcp_"))
        self.assertEqual(r["point"], "white_paper")
        self.assertEqual(r["channel"], "web_form")
        self.assertNotIn("subject", r)  # the public is not told whether the address was known
        self.assertEqual([s["field"] for s in r["stored"]], ["name", "email", "company", "country"])
        self.assertEqual(r["stored"][1], {"field": "email", "category": "user.contact.email",
                                          "purposes": ["respond_to_inquiries"], "redacted": False})

        [subject] = self.subject_by_email("ada@example.com")
        self.assertEqual(subject["identities"], [{"kind": "email", "value": "ada@example.com"}])
        values = {a["name"]: a["value"] for a in subject["attributes"]}
        self.assertEqual(values, {"name": "Ada Lovelace", "email": "ada@example.com",
                                  "company": "Analytical Engines", "country": "GB"})
        provenance = subject["attributes"][0]["provenance"]
        self.assertEqual(provenance["source"], "direct")
        self.assertEqual(provenance["point"], "white_paper")
        self.assertEqual(provenance["channel"], "web_form")
        self.assertEqual(provenance["purposes"], ["respond_to_inquiries"])
        self.assertEqual(provenance["receipt"], r["receipt"])
        self.assertEqual(provenance["statement_version"], r["statement_version"])
        self.assertEqual(provenance["age_signal"], "age_confirmed")
        self.assertEqual(self.rows()["audit"], 1)

    def test_plain_html_form_post(self):
        r = self.receipt(self.post("contact", form({
            "name": "Jürgen Groß", "email": "jürgen@bücher.example", "message": "Bitte um Rückruf.",
            "topics": ["newsletter"]}), FORM))
        self.assertEqual(r["topics_requested"], ["newsletter"])
        [subject] = self.subject_by_email("jürgen@xn--bcher-kva.example")
        values = {a["name"]: a["value"] for a in subject["attributes"]}
        self.assertEqual(values["name"], "Jürgen Groß")
        self.assertEqual(values["message"], "Bitte um Rückruf.")

    def test_a_second_submission_merges_into_the_same_subject(self):
        self.receipt(self.post("contact", {"name": "Ada", "email": "ada@example.com"}))
        self.receipt(self.post("partner_inquiry", {
            "name": "Ada L.", "email": "ADA@example.com", "phone": "030 901820",
            "company": "Engines", "country": "DE", "age_confirmed": "on"}))
        [subject] = self.subject_by_email("ada@example.com")
        self.assertEqual(subject["identities"], [{"kind": "email", "value": "ada@example.com"},
                                                 {"kind": "phone", "value": "+4930901820"}])
        points = sorted({a["provenance"]["point"] for a in subject["attributes"]})
        self.assertEqual(points, ["contact", "partner_inquiry"])
        receipts = {a["provenance"]["receipt"] for a in subject["attributes"]}
        self.assertEqual(len(receipts), 2)
        self.assertEqual(self.rows()["subjects"], 1)

    def test_forum_registration_is_flagged_public_facing(self):
        self.receipt(self.post("community", {"name": "Fred", "email": "fred@example.com",
                                             "post": "Hello all", "age_confirmed": True}))
        [subject] = self.subject_by_email("fred@example.com")
        self.assertTrue(all(a["provenance"]["public_facing"] for a in subject["attributes"]))
        self.assertEqual(subject["attributes"][0]["provenance"]["channel"], "forum")

    def test_job_application_has_its_own_purposes(self):
        r = self.receipt(self.post("careers", {
            "name": "Cand Idate", "email": "cand@example.com", "phone": "+44 20 7946 0018",
            "country": "GB", "experience": "Ten years of systems work.", "age_confirmed": True}))
        self.assertEqual(r["channel"], "candidate")
        self.assertEqual({p for s in r["stored"] for p in s["purposes"]}, {"recruitment"})

    def test_phone_and_event_entries_are_made_by_staff_who_are_the_source(self):
        call = {"name": "Caller", "phone": "+44 20 7946 0018", "notes": "Wants a demo"}
        self.assertProblem(self.post("phone", call), 404, "collection_point_not_found")
        self.assertProblem(self.post("phone", call, door="/v1/admin/collect"), 401,
                           "unauthenticated")
        self.assertProblem(self.post("phone", call, door="/v1/admin/collect",
                                     token=self.marketing), 403, "forbidden")
        r = self.receipt(self.post("phone", call, door="/v1/admin/collect", token=self.agent))
        self.assertTrue(r["subject"].startswith("sub_"))
        self.assertTrue(r["new_subject"])
        self.receipt(self.post("trade_show", {"name": "Visitor", "email": "v@example.com"},
                               door="/v1/admin/collect", token=self.agent))
        [visitor] = self.subject_by_email("v@example.com")
        self.assertEqual(visitor["attributes"][0]["provenance"]["source"], "staff:sam")
        self.assertEqual(visitor["attributes"][0]["provenance"]["channel"], "event")

    def test_survey_responses_come_through_the_authenticated_webhook(self):
        answer = {"email": "resp@example.com", "answers": "More reports", "age_confirmed": True}
        self.assertProblem(self.post("survey_response", answer, door="/v1/webhooks/collect"),
                           401, "unauthenticated")
        self.assertProblem(self.post("survey_response", answer, door="/v1/webhooks/collect",
                                     token=self.agent), 403, "forbidden")
        retry = {"Idempotency-Key": "survey-123"}
        first = self.post("survey_response", answer, retry, door="/v1/webhooks/collect",
                          token=self.marketing)
        again = self.post("survey_response", answer, retry, door="/v1/webhooks/collect",
                          token=self.marketing)
        self.assertEqual(self.receipt(first), self.receipt(again))  # the retry stored nothing new
        [subject] = self.subject_by_email("resp@example.com")
        self.assertEqual(len(subject["attributes"]), 2)
        provenance = subject["attributes"][0]["provenance"]
        self.assertEqual((provenance["source"], provenance["via"], provenance["channel"]),
                         ("direct", "webhook:survey-tool", "email_response"))

    def test_a_referral_queues_one_email_and_stores_nothing_of_the_colleague(self):
        def refer(referrer):
            return self.receipt(self.post("referral", {
                "referrer_name": "Rita", "referrer_email": referrer,
                "referred_email": "Colleague@Example.com", "age_confirmed": True}))
        self.assertEqual(refer("rita@example.com")["referrals"], 1)
        refer("rob@example.com")  # the same colleague again: no second email
        db = sqlite3.connect(f"file:{os.path.join(self.data, 'privacyd.db')}?mode=ro", uri=True)
        # The daily sweep of closed requests is queued at every start; it is not about referrals.
        jobs = db.execute("SELECT kind, payload FROM jobs "
                          "WHERE kind != 'requests.retention_sweep'").fetchall()
        referrals = db.execute("SELECT sealed_address, sent_at FROM referrals").fetchall()
        db.close()
        self.assertEqual([kind for kind, _ in jobs], ["referral.email"])
        self.assertNotIn("colleague", jobs[0][1].lower())
        self.assertEqual(len(referrals), 1)
        self.assertNotIn(b"colleague", bytes(referrals[0][0]).lower())  # sealed until sent
        self.assertEqual(self.subject_by_email("colleague@example.com"), [])
        [rita] = self.subject_by_email("rita@example.com")
        self.assertEqual([a["name"] for a in rita["attributes"]],
                         ["referrer_name", "referrer_email"])

    def test_html_and_script_are_stored_inert(self):
        script = "<script>alert('x')</script> & <b>bold</b>"
        self.receipt(self.post("contact", {"name": script, "email": "h@example.com"}))
        status, headers, body = self.daemon.request(
            "GET", "/v1/admin/subjects?email=h%40example.com", token=self.agent)
        self.assertEqual(headers["content-type"], "application/json")
        self.assertEqual(headers["x-content-type-options"], "nosniff")
        self.assertEqual(json.loads(body)["subjects"][0]["attributes"][0]["value"], script)


class StaffViewTest(CollectTest):
    def test_marketing_sees_only_what_its_purposes_process(self):
        self.receipt(self.post("contact", {
            "name": "Mia", "email": "mia@example.com", "company": "Contoso",
            "job_title": "CISO", "country": "DE", "message": "Please call me back."}))
        [subject] = self.subject_by_email("mia@example.com")
        self.assertEqual(len(subject["attributes"]), 6)  # support sees everything
        status, _, body = self.daemon.request("GET", f"/v1/admin/subjects/{subject['id']}",
                                              token=self.marketing)
        self.assertEqual(status, 200, body)
        seen = json.loads(body)
        # The marketing purposes process name, email, organisation and job title; not the
        # country or the message, which were collected to answer the inquiry.
        self.assertEqual([a["name"] for a in seen["attributes"]],
                         ["name", "email", "company", "job_title"])
        self.assertEqual(seen["identities"], [{"kind": "email", "value": "mia@example.com"}])
        auditor = make_user(self.data, "audrey", "auditor")
        status, _, body = self.daemon.request(
            "GET", "/v1/admin/audit?action=subject.read&actor=survey-tool", token=auditor)
        [entry] = json.loads(body)["entries"]
        self.assertEqual(entry["detail"], {"filtered": True, "values": 5, "withheld": 2})
        self.assertEqual(entry["object"], "subject:" + subject["id"])


class RefusalsTest(CollectTest):
    """Every refusal: the exact status and code, and afterwards nothing in the store or logs."""

    MARK = "Qx7Zmark"  # in every refused value; must appear nowhere afterwards

    def test_each_refusal_leaves_nothing_behind(self):
        m = self.MARK
        ok = {"name": f"Ann {m}", "email": f"ann.{m.lower()}@example.com"}
        deep = {"name": f"n {m}", "email": "d@example.com"}
        node = deep
        for _ in range(100):
            node["nested"] = {}
            node = node["nested"]
        cases = [
            # (point, body, headers, status, code, [(field, field code)])
            ("contact", dict(ok, favourite=f"blue {m}"), JSON, 422, "submission_refused",
             [("favourite", "undeclared_field")]),
            ("contact", {"email": ok["email"]}, JSON, 422, "submission_refused",
             [("name", "missing_required")]),
            ("contact", dict(ok, email=f"not an address {m}"), JSON, 422, "submission_refused",
             [("email", "invalid_format")]),
            ("partner_inquiry", dict(ok, phone=f"12 {m}", company="C", country="DE",
                                     age_confirmed=True), JSON, 422, "submission_refused",
             [("phone", "invalid_format")]),
            ("contact", dict(ok, message=f"My SSN is 536-22-1234 {m}"), JSON, 422,
             "submission_refused", [("message", "sensitive_data")]),
            ("contact", dict(ok, message=f"{m}: I was diagnosed with diabetes last year."), JSON,
             422, "submission_refused", [("message", "sensitive_data")]),
            ("white_paper", dict(ok, company="C", country="FR", age_confirmed=False), JSON, 422,
             "submission_refused", [("age_confirmed", "under_minimum_age")]),
            ("white_paper", dict(ok, company="C", country="FR"), JSON, 422,
             "submission_refused", [("age_confirmed", "missing_required")]),
            ("contact", dict(ok, company=42), JSON, 422, "submission_refused",
             [("company", "invalid_type")]),
            ("contact", dict(ok, company={"nested": m}), JSON, 422, "submission_refused",
             [("company", "invalid_type")]),
            ("contact", dict(ok, company=f"A\u0007{m}"), JSON, 422, "submission_refused",
             [("company", "control_characters")]),
            ("contact", dict(ok, company=m * 200), JSON, 422, "submission_refused",
             [("company", "too_long")]),
            ("contact", dict(ok, topics=["press_releases"]), JSON, 422, "submission_refused",
             [("topics", "undeclared_topic")]),
            ("contact", json.dumps(deep).encode(), JSON, 400, "json_too_deep", None),
            ("contact", ('{"name": "a %s", "name": "b", "email": "x@example.com"}' % m).encode(),
             JSON, 400, "invalid_json", None),
            ("contact", b'["' + m.encode() + b'"]', JSON, 400, "invalid_submission", None),
            ("contact", b"name=" + m.encode() + b"&email=e%40example.com&name=again", FORM, 400,
             "duplicate_field", None),
            ("contact", b"name=%FF" + m.encode() + b"&email=e%40example.com", FORM, 400,
             "invalid_utf8", None),
            ("contact", b"name=%G1" + m.encode(), FORM, 400, "invalid_form_encoding", None),
            ("contact", ("name=" + m).encode(), {"Content-Type": "text/plain"}, 415,
             "unsupported_media_type", None),
            ("contakt", dict(ok), JSON, 404, "collection_point_not_found", None),
            ("contact", json.dumps(dict(ok, message=m * 9000)).encode(), JSON, 413,
             "body_too_large", None),
        ]
        for point, body, headers, status, code, fields in cases:
            with self.subTest(point=point, code=code, fields=fields):
                if isinstance(body, dict):
                    body = json.dumps(body).encode()
                problem = self.assertProblem(
                    self.daemon.request("POST", f"/v1/collect/{point}", body, headers),
                    status, code)
                if fields is not None:
                    self.assertEqual([(e["field"], e["code"]) for e in problem["errors"]], fields)
                self.assertNotIn(m, json.dumps(problem))
                self.assertEqual(self.rows(), {"subjects": 0, "identities": 0, "attributes": 0,
                                               "data_keys": 0, "audit": 0})
        self.assertIn("/v1/collect/{point}", self.logs())  # the access log saw the requests
        self.assertNotIn(m, self.logs())
        self.assertNotIn(m.lower(), self.logs())

    def test_sensitive_data_is_located_in_characters_without_being_echoed(self):
        text = "Grüße aus Köln. My SSN is 536-22-1234."
        problem = self.assertProblem(
            self.post("contact", {"name": "A", "email": "a@example.com", "message": text}),
            422, "submission_refused")
        [error] = problem["errors"]
        self.assertEqual(error["type"], "US_SSN")
        self.assertEqual(error["category"], "user.government_id.national_identification_number")
        self.assertEqual(text[error["start"]:error["end"]], "536-22-1234")  # code points
        self.assertNotIn("536-22-1234", json.dumps(problem))
        self.assertTrue(self.daemon.request("GET", "/healthz")[0] == 200)  # server up


class CorsTest(CollectTest):
    def test_preflight_and_posts_from_listed_origins_only(self):
        preflight = {"Origin": ORIGIN, "Access-Control-Request-Method": "POST",
                     "Access-Control-Request-Headers": "content-type"}
        status, headers, _ = self.daemon.request("OPTIONS", "/v1/collect/contact", None,
                                                 preflight)
        self.assertEqual(status, 204)
        self.assertEqual(headers["access-control-allow-origin"], ORIGIN)
        self.assertEqual(headers["access-control-allow-methods"], "POST")
        self.assertIn("Content-Type", headers["access-control-allow-headers"])
        self.assertEqual(headers["vary"], "Origin")

        evil = dict(preflight, Origin="https://evil.example")
        self.assertProblem(self.daemon.request("OPTIONS", "/v1/collect/contact", None, evil),
                           403, "origin_not_allowed")
        self.assertProblem(self.post("contact", {"name": "E", "email": "e@example.com"},
                                     {"Origin": "https://evil.example"}),
                           403, "origin_not_allowed")
        self.assertEqual(self.rows()["subjects"], 0)

        status, headers, body = self.post("contact", {"name": "G", "email": "g@example.com"},
                                          {"Origin": ORIGIN})
        self.assertEqual(status, 201, body)
        self.assertEqual(headers["access-control-allow-origin"], ORIGIN)
        # A refusal is readable by the page too, so that it can show what to fix.
        status, headers, _ = self.post("contact", {"email": "g@example.com"}, {"Origin": ORIGIN})
        self.assertEqual((status, headers["access-control-allow-origin"]), (422, ORIGIN))


class RedirectTest(CollectTest):
    policy_edit = (
        '    cors_origins: ["https://www.mimecast.com"]\n',
        '    cors_origins: ["https://www.mimecast.com"]\n'
        '    redirect: {success: "https://www.mimecast.com/thanks", '
        'failure: "https://www.mimecast.com/contact?failed=1"}\n')

    def test_plain_forms_are_sent_on_with_see_other(self):
        status, headers, _ = self.post("contact", form({"name": "R", "email": "r@example.com"}),
                                       FORM)
        self.assertEqual(status, 303)
        location = headers["location"]
        self.assertTrue(location.startswith("https://www.mimecast.com/thanks?receipt=rcp_"),
                        location)
        status, headers, _ = self.post("contact", form({"email": "bad", "x_made_up": "1"}), FORM)
        self.assertEqual(status, 303)
        self.assertEqual(headers["location"], "https://www.mimecast.com/contact?failed=1"
                                              "&error=undeclared_field&fields=name,email")
        self.assertEqual(self.rows()["subjects"], 1)
        # JSON clients still get JSON.
        self.receipt(self.post("contact", {"name": "J", "email": "j@example.com"}))


class ImportTest(CollectTest):
    CSV = ("email,company,job_title,linkedin_url\n"
           "known@example.com,Contoso,CISO,https://linkedin.example/k\n"
           "erased@example.com,Erased Ltd,CEO,\n"
           "restricted@example.com,Restricted AG,CFO,\n"
           "new@example.com,New Corp,COO,\n"
           "broken-address,Broken,Intern,\n")

    def known_people(self):
        """Three people who used the contact form; one since erased, one restricted. (Erasure
        and restriction come with the rights workflow; here the rows are marked directly.)"""
        ids = {}
        for who in ("known", "erased", "restricted"):
            self.receipt(self.post("contact", {"name": who, "email": f"{who}@example.com"}))
            [subject] = self.subject_by_email(f"{who}@example.com")
            ids[who] = subject["id"]
        db = sqlite3.connect(os.path.join(self.data, "privacyd.db"), timeout=10)
        with db:
            db.execute("UPDATE subjects SET erased_at = 1 WHERE id = ?", (ids["erased"],))
            db.execute("UPDATE subjects SET restricted_at = 1 WHERE id = ?", (ids["restricted"],))
        db.close()
        return ids

    def test_http_import_merges_known_people_and_skips_the_rest(self):
        ids = self.known_people()
        status, _, body = self.daemon.request(
            "POST", "/v1/admin/imports?vendor=zoominfo", self.CSV.encode(),
            {"Content-Type": "text/csv"}, self.marketing)
        self.assertEqual(status, 200, body)
        report = json.loads(body)
        self.assertEqual((report["rows"], report["merged"], report["added"], report["skipped"],
                          report["refused"]), (5, 1, 0, 3, 1))
        self.assertEqual(report["ignored_columns"], ["linkedin_url"])
        self.assertEqual([(r["line"], r["outcome"], r.get("reason")) for r in report["report"]],
                         [(2, "merged", None), (3, "skipped", "erased"),
                          (4, "skipped", "restricted"), (5, "skipped", "unknown_person"),
                          (6, "refused", None)])
        self.assertEqual(report["report"][0]["subject"], ids["known"])
        self.assertNotIn("broken-address", body.decode())
        [known] = self.subject_by_email("known@example.com")
        imported = [a for a in known["attributes"]
                    if a["provenance"]["source"] == "enrichment:zoominfo"]
        self.assertEqual({a["name"]: a["value"] for a in imported},
                         {"email": "known@example.com", "company": "Contoso", "job_title": "CISO"})
        self.assertEqual(self.subject_by_email("new@example.com"), [])
        self.assertProblem(self.daemon.request(
            "POST", "/v1/admin/imports?vendor=zoominfo", self.CSV.encode(),
            {"Content-Type": "text/csv"}, self.agent), 403, "forbidden")
        self.assertProblem(self.daemon.request(
            "POST", "/v1/admin/imports?vendor=Zoom%20Info", self.CSV.encode(),
            {"Content-Type": "text/csv"}, self.marketing), 400, "invalid_vendor")
        self.assertProblem(self.daemon.request(
            "POST", "/v1/admin/imports?vendor=zoominfo", b'email\n"open',
            {"Content-Type": "text/csv"}, self.marketing), 400, "invalid_csv")

    def test_cli_import_writes_a_report_and_says_by_its_exit_status(self):
        self.known_people()
        path = os.path.join(self.tmp, "vendor.csv")
        with open(path, "w", encoding="utf-8") as f:
            f.write(self.CSV)
        proc = cli("import", "enrichment", "--vendor", "zoominfo", path, data_dir=self.data,
                   check=False)
        self.assertEqual(proc.returncode, 1, proc.stderr)  # one row was refused
        self.assertIn("5 rows, 1 merged, 0 added, 3 skipped, 1 refused", proc.stdout)
        self.assertIn("not imported: linkedin_url", proc.stdout)
        with open(path + ".report.jsonl", encoding="utf-8") as f:
            rows = [json.loads(line) for line in f]
        self.assertEqual([r["outcome"] for r in rows],
                         ["merged", "skipped", "skipped", "skipped", "refused"])
        self.assertEqual(rows[4]["errors"][0]["field"], "email")
        with open(path + ".report.jsonl", encoding="utf-8") as f:
            self.assertNotIn("broken-address", f.read())
        [known] = self.subject_by_email("known@example.com")  # the daemon sees the import
        self.assertIn("enrichment:zoominfo", {a["provenance"]["source"]
                                              for a in known["attributes"]})
        help_text = cli("import", "enrichment", "--help", data_dir=self.data).stdout
        self.assertIn("--vendor", help_text)
