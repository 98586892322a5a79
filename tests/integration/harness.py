"""Test harness: runs the real privacyd binary on a free loopback port with a temporary data
directory, drives its CLI, and talks HTTP to it. Nothing here is mocked."""

import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import unittest

BIN = os.environ.get("PRIVACYD_BIN", "../../build/release/privacyd")
SOURCE_DIR = os.environ.get("PRIVACYD_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
PASSWORD = "correct horse battery staple"


class Daemon:
    """One privacyd serve process."""

    def __init__(self, data_dir, extra_env=None, extra_args=None, listen="127.0.0.1:0"):
        self.data_dir = data_dir
        self.listen = listen
        self.extra_env = extra_env or {}
        self.extra_args = extra_args or []
        self.proc = None
        self.port = None
        self.stderr_lines = []
        self.stdout_lines = []

    def start(self, expect_ready=True, timeout=20):
        env = {k: v for k, v in os.environ.items() if not k.startswith("PRIVACYD_")}
        env.update(self.extra_env)
        self.proc = subprocess.Popen(
            [BIN, "serve", "--listen", self.listen, "--data", self.data_dir] + self.extra_args,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
        port_found = threading.Event()

        def pump(stream, sink, look_for_port):
            for line in stream:
                sink.append(line)
                if look_for_port:
                    m = re.search(r"listening on http://[^:]+:(\d+)", line)
                    if m:
                        self.port = int(m.group(1))
                        port_found.set()
            port_found.set()  # stream closed: the process ended

        threading.Thread(target=pump, args=(self.proc.stderr, self.stderr_lines, True), daemon=True).start()
        threading.Thread(target=pump, args=(self.proc.stdout, self.stdout_lines, False), daemon=True).start()
        if not expect_ready:
            return self
        port_found.wait(timeout)
        if self.port is None:
            self.proc.wait(5)
            raise AssertionError("privacyd did not start: " + "".join(self.stderr_lines))
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                status, _, _ = self.request("GET", "/readyz")
                if status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.02)
        raise AssertionError("privacyd never became ready")

    def connection(self, timeout=30):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def request(self, method, path, body=None, headers=None, token=None):
        """One request on a fresh connection: (status, headers dict lower-cased, body bytes)."""
        conn = self.connection()
        try:
            return send(conn, method, path, body, headers, token)
        finally:
            conn.close()

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if not self.proc:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout)
        for pipe in (self.proc.stdout, self.proc.stderr):
            try:
                pipe.close()
            except Exception:
                pass
        return self.proc.returncode

    def kill(self):
        return self.stop(signal.SIGKILL)


def send(conn, method, path, body=None, headers=None, token=None):
    headers = dict(headers or {})
    if isinstance(body, (dict, list)):
        body = json.dumps(body).encode()
        headers.setdefault("Content-Type", "application/json")
    if token:
        headers["Authorization"] = "Bearer " + token
    conn.request(method, path, body=body, headers=headers)
    resp = conn.getresponse()
    data = resp.read()
    return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data


def cli(*args, data_dir, input_text=None, check=True):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRIVACYD_")}
    proc = subprocess.run([BIN] + list(args) + ["--data", data_dir], input=input_text,
                          capture_output=True, text=True, env=env, timeout=120)
    if check and proc.returncode != 0:
        raise AssertionError(f"privacyd {' '.join(args)} exited {proc.returncode}: {proc.stderr}")
    return proc


def make_user(data_dir, name, role):
    """Creates a staff user and returns a fresh token for it."""
    cli("user", "add", name, "--role", role, "--password-stdin", data_dir=data_dir,
        input_text=PASSWORD + "\n")
    out = cli("token", "create", "--user", name, data_dir=data_dir).stdout
    return out.strip().splitlines()[-1]


class DaemonTest(unittest.TestCase):
    """Base class: a fresh data directory per test, and a daemon stopped at the end."""

    extra_env = {}

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="privacyd-it-")
        self.data = os.path.join(self.tmp, "data")
        self.daemons = []

    def tearDown(self):
        for d in self.daemons:
            try:
                d.kill()
            except Exception:
                pass
        shutil.rmtree(self.tmp, ignore_errors=True)

    def start_daemon(self, extra_env=None, extra_args=None, listen="127.0.0.1:0"):
        env = dict(self.extra_env)
        env.update(extra_env or {})
        d = Daemon(self.data, extra_env=env, extra_args=extra_args, listen=listen)
        self.daemons.append(d)
        return d.start()

    def assertProblem(self, response, status, code):
        got_status, headers, body = response
        self.assertEqual(got_status, status, body)
        self.assertEqual(headers.get("content-type"), "application/problem+json", headers)
        problem = json.loads(body)
        self.assertEqual(problem["code"], code, problem)
        self.assertEqual(problem["status"], status)
        self.assertTrue(problem.get("detail"))
        self.assertIn("x-request-id", headers)
        return problem
