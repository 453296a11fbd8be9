"""A real SMTP server on loopback (aiosmtpd) that records what it accepts.

Tests assert on what actually crossed the wire: envelope, headers, body. The server can
be stopped and restarted on the same port (an outage), can refuse recipients, and can
hold one message at a chosen moment so a test can kill the sending process exactly
before or after the server accepted it.
"""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any, Literal, Self

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.server import free_port


@dataclass(frozen=True)
class Received:
    """One message the server accepted."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    message: EmailMessage

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])

    @property
    def body(self) -> str:
        part = self.message.get_body(("plain",))
        assert part is not None
        # CRLF on the wire; compare text as written.
        return str(part.get_content()).replace("\r\n", "\n")

    def links(self) -> list[str]:
        return re.findall(r"https?://\S+", self.body)


@dataclass
class Recorder:
    """The aiosmtpd handler: accepts, refuses or holds each message as the test says."""

    received: list[Received] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    hold_on: int | None = None  # hold the n-th DATA (1-based) …
    hold_mode: Literal["before-accept", "after-accept"] = "before-accept"
    held: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    data_count: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.data_count += 1
            number = self.data_count
        record = Received(
            envelope.mail_from,
            tuple(envelope.rcpt_tos),
            message_from_bytes(envelope.content, policy=policy.default),
        )
        if number == self.hold_on:
            if self.hold_mode == "after-accept":
                self._record(record)  # the message is ours; only the 250 reply is withheld
            self.held.set()
            await asyncio.to_thread(self.release.wait, 60)  # set by the test, or by stop()
            if self.hold_mode == "before-accept":
                return "451 4.3.0 Not accepted, try again later"
            return "250 OK"
        self._record(record)
        return "250 OK"

    def _record(self, record: Received) -> None:
        with self.lock:
            self.received.append(record)


class SmtpSink:
    """The server plus helpers to wait for and count what it received."""

    def __init__(self, port: int | None = None, *, login: tuple[str, str] | None = None) -> None:
        self.port = port or free_port()
        self.login = login  # when set, AUTH with exactly this user and password is required
        self.recorder = Recorder()
        self._controller: Controller | None = None

    def _authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        ok = (
            isinstance(auth_data, LoginPassword)
            and self.login is not None
            and (auth_data.login.decode(), auth_data.password.decode()) == self.login
        )
        return AuthResult(success=ok, handled=False)

    @property
    def running(self) -> bool:
        return self._controller is not None

    def start(self) -> SmtpSink:
        auth: dict[str, Any] = {}
        if self.login is not None:
            auth = {
                "authenticator": self._authenticate,
                "auth_required": True,
                "auth_require_tls": False,
            }
        self._controller = Controller(self.recorder, hostname="127.0.0.1", port=self.port, **auth)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self.recorder.release.set()  # never leave a handler waiting
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def received(self) -> list[Received]:
        with self.recorder.lock:
            return list(self.recorder.received)

    def wait_for(self, count: int, timeout: float = 20) -> list[Received]:
        """Block until at least ``count`` messages arrived; fail loudly otherwise."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.received
            if len(got) >= count:
                return got
            time.sleep(0.05)
        raise AssertionError(f"expected {count} message(s), got {len(self.received)}")

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.rcpt_tos]

    def message_id_counts(self) -> Counter[str]:
        return Counter(r.message_id for r in self.received)

    def env(self, **extra: str) -> dict[str, str]:
        """The environment an app or worker needs to send here."""
        return {
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(self.port),
            "SMTP_STARTTLS": "false",
            "MAIL_FROM": "Atoll <atoll@example.com>",
            "CONTACT_TO": "owner@example.com",
        } | extra

    def configure(self, monkeypatch: pytest.MonkeyPatch, **extra: str) -> SmtpSink:
        """Point this process's mail settings here (:meth:`env`) until ``monkeypatch`` undoes them.

        Works on a sink that is not started too: that is an SMTP server that is down.
        """
        for name, value in self.env(**extra).items():
            monkeypatch.setenv(name, value)
        return self
