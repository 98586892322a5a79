"""Portability to a third party: the package of a completed portability request is posted over
verified TLS to the https:// address the person gave, here a receiver on loopback with a
certificate made for the test (the daemon trusts it through rights.transfer_ca_file, and may
reach loopback only because rights.transfer_allow_private_addresses is set)."""

import http.server
import io
import json
import os
import shutil
import sqlite3
import ssl
import subprocess
import tempfile
import threading
import time
import unittest
import zipfile

from test_rights import RightsBase


class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append((self.path, dict(self.headers), body))
        status = self.server.answers.pop(0) if self.server.answers else 201
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


class TransferTest(RightsBase):
    @classmethod
    def setUpClass(cls):
        # A certificate for 127.0.0.1, which the daemon is told to trust.
        cls.cert_dir = tempfile.mkdtemp(prefix="privacyd-transfer-")
        cls.cert = os.path.join(cls.cert_dir, "receiver.pem")
        cls.key = os.path.join(cls.cert_dir, "receiver.key")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj",
                        "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                        "-keyout", cls.key, "-out", cls.cert],
                       check=True, capture_output=True, timeout=60)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.cert_dir, ignore_errors=True)

    def setUp(self):
        self.receiver = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
        self.receiver.received = []
        self.receiver.answers = []
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert, self.key)
        self.receiver.socket = context.wrap_socket(self.receiver.socket, server_side=True)
        threading.Thread(target=self.receiver.serve_forever, daemon=True).start()
        self.addCleanup(self.receiver.server_close)
        self.addCleanup(self.receiver.shutdown)
        self.url = f"https://127.0.0.1:{self.receiver.server_address[1]}/import?from=privacyd"
        self.ca_file = self.cert
        super().setUp()

    def env(self):
        env = super().env()
        env["PRIVACYD_RIGHTS_TRANSFER_CA_FILE"] = self.ca_file
        env["PRIVACYD_RIGHTS_TRANSFER_ALLOW_PRIVATE_ADDRESSES"] = "true"
        return env

    def complete_portability(self, address, transfer_url):
        status, _, raw = self.post("/v1/collect/contact", {
            "name": "Pia Probe", "email": address, "message": "Bitte um Rückruf"})
        self.assertEqual(status, 201, raw)
        before = len(self.sink.messages)
        status, _, raw = self.post("/v1/requests", {
            "rights": ["portability"], "email": address, "country": "DE", "language": "de",
            "transfer_url": transfer_url})
        self.assertEqual(status, 201, raw)
        request = json.loads(raw)
        rid = request["id"]
        self.verify(rid, self.code_for(address, before))
        path = f"/v1/admin/requests/{rid}/transition"
        before = len(self.sink.messages)
        status, _, raw = self.post(path, {"action": "start"}, token=self.agent)
        self.assertEqual(status, 200, raw)
        # The person confirms with a fresh code before anything is sent anywhere.
        token = self.verify(rid, self.code_for(address, before))["token"]
        status, _, raw = self.post(path, {"action": "complete"}, token=self.agent)
        self.assertEqual(status, 200, raw)
        return request, token

    def timeline(self, rid):
        status, _, raw = self.daemon.request("GET", f"/v1/admin/requests/{rid}",
                                             token=self.officer)
        self.assertEqual(status, 200, raw)
        return json.loads(raw)["timeline"]

    def wait_for(self, rid, action, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            events = [e for e in self.timeline(rid) if e["action"] == action]
            if events:
                return events
            time.sleep(0.1)
        self.fail(f"no {action} on the timeline of {rid}")

    def test_the_package_is_posted_to_the_address_the_person_gave(self):
        self.assertProblem(self.post("/v1/requests", {
            "rights": ["portability"], "email": "pia@qzx.example", "transfer_url":
            "http://127.0.0.1/"}), 400, "invalid_transfer_url")
        self.assertProblem(self.post("/v1/requests", {
            "rights": ["access"], "email": "pia@qzx.example", "transfer_url": self.url}),
            400, "transfer_url_not_expected")

        self.receiver.answers = [503]  # the first attempt is refused, the job tries again
        request, token = self.complete_portability("pia@qzx.example", self.url)
        rid = request["id"]
        self.assertEqual(request["transfer_host"], "127.0.0.1")
        events = self.wait_for(rid, "transfer")
        self.assertEqual(events[0]["reason"], "127.0.0.1 (HTTP 201)")
        self.assertEqual(len(self.receiver.received), 2)
        path, headers, body = self.receiver.received[1]
        self.assertEqual(path, "/import?from=privacyd")
        self.assertEqual(headers["Content-Type"], "application/zip")
        self.assertEqual(headers["X-Privacyd-Request"], rid)
        with zipfile.ZipFile(io.BytesIO(body)) as package:
            data = json.loads(package.read("data.json"))
        self.assertIn("pia@qzx.example", json.dumps(data))
        # The same package the person can download.
        status, _, raw = self.daemon.request("GET", f"/v1/requests/{rid}/download", token=token)
        self.assertEqual((status, raw), (200, body))

    def test_a_destination_whose_certificate_is_not_trusted_gets_nothing(self):
        # The daemon again, now trusting only the system's CAs, which did not sign the receiver's.
        self.daemon.stop()
        self.ca_file = ""
        self.daemon = self.start_daemon(extra_env=self.env(),
                                        extra_args=["--policy", self.policy_path])
        request, _ = self.complete_portability("quinn@qzx.example", self.url)
        db = sqlite3.connect(os.path.join(self.data, "privacyd.db"))
        self.addCleanup(db.close)
        deadline = time.time() + 20
        job = None
        while time.time() < deadline:
            job = db.execute("SELECT attempts, state, last_error FROM jobs "
                             "WHERE kind = 'requests.transfer'").fetchone()
            # Failed at least once and back in the queue (a slow build may find it running
            # its next attempt; it is queued again between attempts).
            if job and job[0] >= 1 and job[2] and job[1] == "queued":
                break
            time.sleep(0.1)
        self.assertIsNotNone(job)
        attempts, state, last_error = job
        self.assertEqual(state, "queued")  # to be tried again later
        self.assertTrue(last_error.startswith("transfer_failed: cannot deliver the package: "),
                        last_error)
        self.assertIn("certificate", last_error.lower())
        self.assertEqual(self.receiver.received, [])
        self.assertNotIn("transfer", [e["action"] for e in self.timeline(request["id"])])


if __name__ == "__main__":
    unittest.main()
