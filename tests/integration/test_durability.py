"""Every write that received a 2xx survives a graceful stop (SIGTERM) and a crash (SIGKILL)."""

import json
import signal
import threading
import time
import unittest

from harness import DaemonTest, make_user, send


class DurabilityTest(DaemonTest):
    def stream_writes_then(self, sig):
        token = make_user(self.data, "alice", "support_agent")
        daemon = self.start_daemon()
        acknowledged = []  # (subject id, email)
        lock = threading.Lock()
        stop = threading.Event()

        def writer(n):
            i = 0
            conn = daemon.connection(timeout=10)
            while not stop.is_set():
                email = f"w{n}-{i}@example.com"
                i += 1
                try:
                    status, _, raw = send(conn, "POST", "/v1/admin/subjects",
                                          {"identities": {"email": email},
                                           "attributes": {"note": "durable " * 8}}, token=token)
                except OSError:
                    return  # the server went away
                except Exception:
                    return
                if status == 201:
                    with lock:
                        acknowledged.append((json.loads(raw)["id"], email))

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(16)]
        for t in threads:
            t.start()
        time.sleep(1.5)
        daemon.proc.send_signal(sig)
        code = daemon.proc.wait(30)
        stop.set()
        for t in threads:
            t.join(30)
        if sig == signal.SIGTERM:
            self.assertEqual(code, 0, "".join(daemon.stderr_lines))
            self.assertTrue(any("store closed" in l for l in daemon.stderr_lines))
        self.assertGreater(len(acknowledged), 50, "too few writes to prove anything")

        again = self.start_daemon()
        conn = again.connection()
        for sid, email in acknowledged:
            status, _, raw = send(conn, "GET", "/v1/admin/subjects/" + sid, token=token)
            self.assertEqual(status, 200, f"acknowledged subject {sid} is missing: {raw!r}")
            self.assertEqual(json.loads(raw)["identities"], [{"kind": "email", "value": email}])
        conn.close()
        return len(acknowledged)

    def test_graceful_stop_keeps_every_acknowledged_write(self):
        self.stream_writes_then(signal.SIGTERM)

    def test_crash_keeps_every_acknowledged_write(self):
        self.stream_writes_then(signal.SIGKILL)


if __name__ == "__main__":
    unittest.main()
