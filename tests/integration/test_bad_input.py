"""Bad input gets a clear problem+json answer or a closed connection, and the server stays up."""

import json
import socket
import time
import unittest

from harness import DaemonTest, make_user


class BadInputTest(DaemonTest):
    extra_env = {"PRIVACYD_HTTP_MAX_BODY_BYTES": "4096", "PRIVACYD_HTTP_REQUEST_TIMEOUT_MS": "800",
                 "PRIVACYD_HTTP_MAX_HEADER_BYTES": "2048"}

    def setUp(self):
        super().setUp()
        self.token = make_user(self.data, "alice", "admin")
        self.daemon = self.start_daemon()

    def raw(self, payload, read_timeout=5):
        """Sends raw bytes; returns what the server answered before closing (or timing out)."""
        s = socket.create_connection(("127.0.0.1", self.daemon.port), timeout=read_timeout)
        try:
            s.sendall(payload)
            chunks = []
            while True:
                try:
                    c = s.recv(65536)
                except socket.timeout:
                    break
                if not c:
                    break
                chunks.append(c)
                if b"\r\n\r\n" in b"".join(chunks) and b"content-length: 0" in b"".join(chunks).lower():
                    break
            return b"".join(chunks)
        finally:
            s.close()

    def post(self, body, content_type="application/json", path="/v1/admin/subjects"):
        return self.daemon.request("POST", path, body=body, token=self.token,
                                   headers={"Content-Type": content_type})

    def assertStillUp(self):
        status, _, _ = self.daemon.request("GET", "/healthz")
        self.assertEqual(status, 200)

    def test_each_bad_request_gets_its_problem(self):
        self.assertProblem(self.post(b'{"identities": {"email": '), 400, "invalid_json")
        self.assertProblem(self.post(b'{"identities": {"email": "a@b.c"}}', "text/plain"), 415,
                           "unsupported_media_type")
        self.assertProblem(self.post(b'{"identities": {"email": "a@b.c"}}',
                                     "application/x-www-form-urlencoded"), 415,
                           "unsupported_media_type")
        self.assertProblem(self.post(b'{"identities": {"email": "\xff\xfe@b.c"}}'), 400, "invalid_utf8")
        self.assertProblem(self.post(b'{"identities": {"email": "a@b.c"}, "x": ' + b'[' * 200 +
                                     b']' * 200 + b'}'), 400, "json_too_deep")
        self.assertProblem(self.post(b'{"identities": {"email": 5}}'), 400, "invalid_identity")
        self.assertProblem(self.post(b'[1,2]'), 400, "invalid_subject")
        self.assertProblem(self.post(json.dumps({"identities": {"email": "a@b.c"},
                                                 "attributes": {"note": "x" * 5000}}).encode()),
                           413, "body_too_large")
        self.assertProblem(self.daemon.request("GET", "/v1/nothing/here"), 404, "route_not_found")
        problem = self.assertProblem(self.daemon.request("DELETE", "/v1/admin/audit",
                                                         token=self.token), 405, "method_not_allowed")
        status, headers, _ = self.daemon.request("DELETE", "/v1/admin/audit", token=self.token)
        self.assertEqual(headers["allow"], "GET, HEAD")
        self.assertProblem(self.daemon.request("GET", "/v1/admin/../../etc/passwd"), 400, "invalid_path")
        self.assertProblem(self.daemon.request("GET", "/v1/admin/%2e%2e/%2e%2e/etc/passwd"), 400,
                           "invalid_path")
        self.assertProblem(self.daemon.request("GET", "/v1/admin/subjects/a%2Fb", token=self.token),
                           400, "invalid_path")
        self.assertStillUp()
        # Nothing refused was stored: the only audit entries are the CLI's and the daemon's start.
        status, _, raw = self.daemon.request("GET", "/v1/admin/audit", token=self.token)
        self.assertEqual([e["action"] for e in json.loads(raw)["entries"]],
                         ["user.create", "token.create", "policy.apply"])

    def test_header_flood_gets_431(self):
        headers = "".join(f"X-Flood-{i}: {'v' * 40}\r\n" for i in range(200))
        answer = self.raw(f"GET /healthz HTTP/1.1\r\nHost: x\r\n{headers}\r\n".encode())
        self.assertTrue(answer.startswith(b"HTTP/1.1 431"), answer[:100])
        self.assertIn(b"headers_too_large", answer)
        self.assertStillUp()

    def test_garbage_gets_400_and_close(self):
        answer = self.raw(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03garbage\r\n\r\n")
        self.assertTrue(answer == b"" or answer.startswith(b"HTTP/1.1 400"), answer[:100])
        self.assertStillUp()

    def test_slow_client_is_cut_off(self):
        s = socket.create_connection(("127.0.0.1", self.daemon.port), timeout=10)
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # and never finishes the headers
        started = time.time()
        data = s.recv(1024)
        waited = time.time() - started
        s.close()
        self.assertFalse(data.startswith(b"HTTP/1.1 200"), data)
        self.assertLess(waited, 9, "the server never closed a stalled request")
        self.assertStillUp()

    def test_slow_body_is_cut_off(self):
        s = socket.create_connection(("127.0.0.1", self.daemon.port), timeout=10)
        s.sendall(b"POST /v1/admin/subjects HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Authorization: Bearer " + self.token.encode() + b"\r\nContent-Length: 100\r\n\r\n{")
        data = s.recv(1024)
        s.close()
        self.assertFalse(data.startswith(b"HTTP/1.1 201"), data)
        self.assertStillUp()


if __name__ == "__main__":
    unittest.main()
