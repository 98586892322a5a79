"""Requests that name a telephone number besides the email address (the policy's
rights.identities), against the real binary, its SQLite store and an SMTP sink: the number is
kept with the request but finds nobody's data until staff attest it; then the access package
covers every record of the person, including one known to us by the number only; a policy that
takes only the email refuses it; a malformed number is refused naming the field; a second
request by the same number is a duplicate for staff; the queue finds requests by number."""

import io
import json
import os
import sqlite3
import urllib.parse
import zipfile

from harness import SOURCE_DIR
from test_rights import RightsBase

CALLER_PHONE = "+49 30 901820"
CALLER_E164 = "+4930901820"


class IdentitiesBase(RightsBase):

    def collect_caller(self):
        """Someone known to us only by their telephone number: staff took a call."""
        status, _, raw = self.post("/v1/admin/collect/phone", {
            "name": "Rita Ruf", "phone": CALLER_PHONE, "notes": "Rückruf wegen Angebot"},
            token=self.agent)
        self.assertEqual(status, 201, raw)
        return json.loads(raw)["subject"]

    def submit_with_phone(self, address, phone, rights=("access",), country="DE"):
        status, _, raw = self.post("/v1/requests", {
            "rights": list(rights), "email": address, "country": country, "language": "de",
            "identities": {"phone": phone}})
        self.assertEqual(status, 201, raw)
        return json.loads(raw)

    def staff_view(self, request_id):
        status, _, raw = self.daemon.request("GET", f"/v1/admin/requests/{request_id}",
                                             token=self.agent)
        self.assertEqual(status, 200, raw)
        return json.loads(raw)

    def complete_access(self, request_id, address):
        """Starts the request, confirms it with the fresh code, completes it; the new token."""
        path = f"/v1/admin/requests/{request_id}/transition"
        before = len(self.sink.messages)
        status, _, raw = self.post(path, {"action": "start"}, token=self.agent)
        self.assertEqual(status, 200, raw)
        token = self.verify(request_id, self.code_for(address, before))["token"]
        before = len(self.sink.messages)
        status, _, raw = self.post(path, {"action": "complete"}, token=self.agent)
        self.assertEqual(status, 200, raw)
        self.mail_to(address, before, subject_has="beantwortet")  # all mail of it is out
        return json.loads(raw), token

    def package(self, request_id, token):
        status, _, raw = self.daemon.request("GET", f"/v1/requests/{request_id}/download",
                                             token=token)
        self.assertEqual(status, 200, raw[:300])
        with zipfile.ZipFile(io.BytesIO(raw)) as package:
            return json.loads(package.read("data.json"))

    def evidence(self, request_id):
        status, _, raw = self.daemon.request("GET", f"/v1/admin/requests/{request_id}/evidence",
                                             token=self.officer)
        self.assertEqual(status, 200, raw)
        self.assertNotIn(b"901820", raw)
        return json.loads(raw)

    def db(self):
        db = sqlite3.connect(os.path.join(self.data, "privacyd.db"))
        self.addCleanup(db.close)
        return db


class IdentitiesTest(IdentitiesBase):

    def test_a_phone_from_the_portal_finds_data_only_once_staff_attested_it(self):
        caller = self.collect_caller()
        status, _, raw = self.post("/v1/collect/contact", {
            "name": "Rita Ruf", "email": "rita@qzx.example", "message": "Bitte um Antwort"})
        self.assertEqual(status, 201, raw)

        # Given at the portal, read in the request's country, kept but not attested.
        request = self.submit_with_phone("rita@qzx.example", "030 901820")
        self.assertEqual(request["identities"], [{"kind": "phone", "attested": False}])
        self.verify(request["id"], self.code_for("rita@qzx.example"))
        seen = self.staff_view(request["id"])
        self.assertEqual(seen["identities"], [
            {"kind": "phone", "attested": False, "value": CALLER_E164}])
        # The person's own view shows the kind, never the value.
        done, token = self.complete_access(request["id"], "rita@qzx.example")
        self.assertEqual(done["outcome"], "fulfilled")
        data = self.package(request["id"], token)
        self.assertEqual(len(data["subjects"]), 1)
        self.assertNotEqual(data["subject"]["id"], caller)
        self.assertNotIn("Angebot", json.dumps(data))
        evidence = self.evidence(request["id"])
        self.assertEqual(evidence["identities"][1], {
            "kind": "phone", "basis": "unattested", "attested_by": None, "attested_at": None,
            "used": False, "found": None})
        self.assertEqual(evidence["subjects_found"], 1)

        # A new request, the number attested by staff: the caller's record joins the package.
        before = len(self.sink.messages)
        second = self.submit_with_phone("rita@qzx.example", "+49 30 901820")
        self.verify(second["id"], self.code_for("rita@qzx.example", before))
        attest = f"/v1/admin/requests/{second['id']}/identities/phone/attest"
        self.assertProblem(self.daemon.request("POST", attest, token=self.marketing), 403,
                           "forbidden")
        self.assertProblem(self.daemon.request(
            "POST", f"/v1/admin/requests/{second['id']}/identities/customer_id/attest",
            token=self.agent), 404, "identity_not_found")
        status, _, raw = self.daemon.request("POST", attest, token=self.agent)
        self.assertEqual(status, 200, raw)
        attested = json.loads(raw)["identities"][0]
        self.assertEqual((attested["kind"], attested["attested"], attested["attested_by"],
                          attested["value"]), ("phone", True, "sam", CALLER_E164))
        done, token = self.complete_access(second["id"], "rita@qzx.example")
        data = self.package(second["id"], token)
        self.assertEqual([s["id"] for s in data["subjects"]][1:], [caller])
        self.assertIn("Angebot", json.dumps(data))
        self.assertIn("rita@qzx.example", json.dumps(data))
        evidence = self.evidence(second["id"])
        self.assertEqual(evidence["identities"][0]["kind"], "email")
        phone = evidence["identities"][1]
        self.assertEqual((phone["basis"], phone["attested_by"]["label"], phone["used"],
                          phone["found"]), ("attested", "sam", True, True))
        self.assertEqual(evidence["subjects_found"], 2)
        self.assertIn(("attest_identity", "sam", "phone"),
                      [(s["action"], s["actor"]["label"], s.get("reason"))
                       for s in evidence["steps"]])
        # Audited with the kind only; the closed request takes no more attestations.
        rows = self.db().execute("SELECT actor, object, detail FROM audit WHERE action = "
                                 "'request.identity.attest'").fetchall()
        self.assertEqual(rows, [("sam", f"request:{second['id']}", '{"kind":"phone"}')])
        self.assertProblem(self.daemon.request("POST", attest, token=self.agent), 409,
                           "illegal_transition")

    def test_someone_known_only_by_phone_is_found_once_staff_attest_the_number(self):
        caller = self.collect_caller()
        # A letter, the identity checked by staff: the number is attested with the address,
        # which nobody holds.
        status, _, raw = self.post("/v1/admin/requests", {
            "rights": ["access"], "email": "rita.neu@qzx.example", "country": "DE",
            "language": "de", "channel": "post", "identity_verified": True,
            "identities": {"phone": "030 901820"}}, token=self.agent)
        self.assertEqual(status, 201, raw)
        request = json.loads(raw)
        self.assertEqual(request["identities"][0]["attested"], True)
        self.assertEqual(request["identities"][0]["attested_by"], "sam")
        done, token = self.complete_access(request["id"], "rita.neu@qzx.example")
        self.assertEqual(done["outcome"], "fulfilled")
        data = self.package(request["id"], token)
        self.assertEqual(data["subject"]["id"], caller)
        self.assertIn(CALLER_E164, json.dumps(data))
        self.assertIn("Angebot", json.dumps(data))
        evidence = self.evidence(request["id"])
        self.assertEqual([(i["kind"], i["found"]) for i in evidence["identities"]],
                         [("email", False), ("phone", True)])

    def test_a_malformed_phone_is_refused_naming_the_field_and_nothing_is_kept(self):
        for phone, country in (("+49 30 12", "DE"), ("030 901820", "")):
            status, headers, raw = self.post("/v1/requests", {
                "rights": ["access"], "email": "una@qzx.example", "country": country,
                "identities": {"phone": phone}})
            problem = self.assertProblem((status, headers, raw), 400, "invalid_identity")
            self.assertEqual(problem["field"], "identities.phone")
            self.assertIn("identities.phone", problem["detail"])
            self.assertNotIn(phone.encode(), raw)
        self.assertProblem(self.post("/v1/requests", {
            "rights": ["access"], "email": "una@qzx.example",
            "identities": {"passport": "X1234567"}}), 400, "unknown_identity_kind")
        self.assertProblem(self.post("/v1/requests", {
            "rights": ["access"], "email": "una@qzx.example", "identities": ["+49 30 901820"]}),
            400, "invalid_request")
        self.assertEqual(self.db().execute("SELECT count(*) FROM requests").fetchone()[0], 0)
        self.assertEqual(len(self.sink.messages), 0)
        for name in os.listdir(self.data):
            if name.startswith("privacyd.db"):
                with open(os.path.join(self.data, name), "rb") as f:
                    self.assertNotIn(b"+49 30 12", f.read(), name)

    def test_a_second_request_by_the_same_phone_is_a_duplicate_for_staff(self):
        first = self.submit_with_phone("vic@qzx.example", "+49 30 901820", ("access", "erasure"))
        self.verify(first["id"], self.code_for("vic@qzx.example"))
        # Staff entering a call from the same number, whatever the address, are told.
        entry = {"rights": ["erasure"], "email": "vic.privat@qzx.example", "country": "DE",
                 "channel": "email", "identities": {"phone": "030 901820"}}
        status, headers, raw = self.post("/v1/admin/requests", entry, token=self.agent)
        problem = self.assertProblem((status, headers, raw), 409, "duplicate_request")
        self.assertIn(first["id"], problem["detail"])
        self.assertIn("phone", problem["detail"])
        # At the portal the number proves nothing: another address verifies undisturbed.
        other = self.submit_with_phone("mal@qzx.example", "+49 30 901820")
        verified = self.verify(other["id"], self.code_for("mal@qzx.example"))
        self.assertEqual(verified["request"]["state"], "verified")
        # Once staff attested it on one, attesting it on the other is a duplicate.
        status, _, raw = self.daemon.request(
            "POST", f"/v1/admin/requests/{first['id']}/identities/phone/attest", token=self.agent)
        self.assertEqual(status, 200, raw)
        status, headers, raw = self.daemon.request(
            "POST", f"/v1/admin/requests/{other['id']}/identities/phone/attest", token=self.agent)
        problem = self.assertProblem((status, headers, raw), 409, "duplicate_request")
        self.assertEqual(problem["open_request_id"], first["id"])
        # The queue finds both by the number, as staff type it.
        status, _, raw = self.daemon.request(
            "GET", "/v1/admin/requests?" + urllib.parse.urlencode({"phone": "+49 (30) 901820"}),
            token=self.agent)
        self.assertEqual(status, 200, raw)
        self.assertEqual(sorted(r["id"] for r in json.loads(raw)["requests"]),
                         sorted([first["id"], other["id"]]))
        self.assertProblem(self.daemon.request("GET", "/v1/admin/requests?phone=12",
                                               token=self.agent), 400, "invalid_identity")
        rows = self.db().execute("SELECT detail FROM audit WHERE action = 'request.search'"
                                 ).fetchall()
        self.assertEqual(rows[0], ('{"found":true,"lookup":"phone"}',))


class EmailOnlyTest(IdentitiesBase):
    """A policy whose requests carry the email only."""

    def policy_file(self):
        with open(os.path.join(SOURCE_DIR, "examples", "policy.yaml"), encoding="utf-8") as f:
            text = f.read()
        self.assertIn("  identities: [email, phone]\n", text)
        path = os.path.join(self.tmp, "email-only.yaml")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text.replace("  identities: [email, phone]\n", "  identities: [email]\n"))
        return path

    def test_a_phone_is_not_allowed(self):
        status, headers, raw = self.post("/v1/requests", {
            "rights": ["access"], "email": "wim@qzx.example", "country": "DE",
            "identities": {"phone": "+49 30 901820"}})
        problem = self.assertProblem((status, headers, raw), 400, "identity_not_allowed")
        self.assertEqual(problem["field"], "identities.phone")
        self.assertNotIn(b"901820", raw)
        self.assertProblem(self.post("/v1/admin/requests", {
            "rights": ["access"], "email": "wim@qzx.example", "channel": "post",
            "identities": {"phone": "+49 30 901820"}}, token=self.agent),
            400, "identity_not_allowed")
        self.assertEqual(self.db().execute("SELECT count(*) FROM requests").fetchone()[0], 0)
        # Without one the request is taken as ever; an empty field is no identity.
        status, _, raw = self.post("/v1/requests", {
            "rights": ["access"], "email": "wim@qzx.example", "identities": {"phone": ""}})
        self.assertEqual(status, 201, raw)
        self.assertNotIn("identities", json.loads(raw))


if __name__ == "__main__":
    import unittest
    unittest.main()
