"""An SMTP sink for tests: aiosmtpd on 127.0.0.1 on a free port, in this process, keeping every
message it accepts. It can be told to answer the next messages with a temporary (451) or a
permanent (550) failure, at RCPT or at the end of DATA.

    sink = SmtpSink().start()
    try:
        ... send to sink.host:sink.port ...
        [msg] = sink.wait_for(1)
        msg.envelope_from, msg.rcpt_tos, msg.data  # data: the raw bytes as received
    finally:
        sink.stop()
"""

import asyncio
import socket
import threading
import time
from dataclasses import dataclass, field

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP


@dataclass
class ReceivedMessage:
    envelope_from: str
    rcpt_tos: list
    data: bytes
    peer: tuple = field(default=None)


class _Handler:
    def __init__(self, sink):
        self.sink = sink

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        hold = self.sink._take_hold()
        if hold:
            await asyncio.sleep(hold)
        reply = self.sink._take_failure("rcpt")
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        reply = self.sink._take_failure("data")
        if reply:
            return reply
        self.sink._add(ReceivedMessage(envelope.mail_from, list(envelope.rcpt_tos),
                                       bytes(envelope.original_content or envelope.content),
                                       session.peer))
        return "250 Message accepted for delivery"


class _Controller(Controller):
    def factory(self):
        # No SMTPUTF8 or AUTH: a plain relay on loopback, offering neither STARTTLS nor AUTH.
        return SMTP(self.handler, decode_data=False, hostname="sink.test")


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpSink:
    """A plain SMTP server on loopback. Thread-safe: messages arrive on aiosmtpd's thread."""

    host = "127.0.0.1"

    def __init__(self):
        self.port = None
        self._controller = None
        self._cond = threading.Condition()
        self._messages = []
        self._failures = []  # (stage, reply) for the next transactions, oldest first
        self._holds = []  # seconds to stall the next transactions at RCPT, oldest first
        self.rcpt_seen = threading.Event()  # set when a transaction reaches RCPT

    def start(self):
        last_error = None
        for _ in range(10):  # a free port can be taken between choosing and binding it
            port = free_port()
            controller = _Controller(_Handler(self), hostname=self.host, port=port)
            try:
                controller.start()
            except (OSError, RuntimeError) as e:
                last_error = e
                continue
            self._controller, self.port = controller, port
            return self
        raise RuntimeError(f"SmtpSink could not start: {last_error}")

    def stop(self):
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def fail_next(self, count=1, code=451, stage="rcpt"):
        """Answers the next `count` transactions with `code` (451: try again later; 550:
        rejected) at `stage` ("rcpt" or "data") instead of accepting them."""
        text = {451: "4.3.0 Try again later", 550: "5.7.1 Rejected"}.get(code, "Failure")
        with self._cond:
            self._failures.extend([(stage, f"{code} {text}")] * count)

    def hold_next(self, seconds, count=1):
        """Stalls the next `count` transactions for `seconds` at RCPT, before any data is sent:
        a client killed meanwhile has delivered nothing."""
        with self._cond:
            self._holds.extend([seconds] * count)
            self.rcpt_seen.clear()

    def _take_hold(self):
        with self._cond:
            self.rcpt_seen.set()
            return self._holds.pop(0) if self._holds else 0

    @property
    def messages(self):
        """The messages accepted so far, oldest first (a copy)."""
        with self._cond:
            return list(self._messages)

    def wait_for(self, count, timeout=10.0):
        """Waits until at least `count` messages were accepted and returns them; raises
        AssertionError naming how many came when the time runs out."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self._messages) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"SmtpSink: {len(self._messages)} of {count} messages within {timeout}s")
                self._cond.wait(left)
            return list(self._messages)

    def _take_failure(self, stage):
        with self._cond:
            if self._failures and self._failures[0][0] == stage:
                return self._failures.pop(0)[1]
            return None

    def _add(self, message):
        with self._cond:
            self._messages.append(message)
            self._cond.notify_all()
