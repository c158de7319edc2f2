"""A real SMTP server (aiosmtpd) on a free loopback port that keeps every message it is sent."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from tests.waiting import PATIENCE_SECONDS


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Mailbox:
    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self._received: list[tuple[list[str], EmailMessage]] = []
        self._lock = threading.Lock()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    # aiosmtpd calls this, on its own thread, for each message accepted.
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        with self._lock:
            self._received.append(([address.lower() for address in envelope.rcpt_tos], message))
        return "250 Message accepted for delivery"

    def start(self) -> Mailbox:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def to(self, address: str, kind: str | None = None) -> list[EmailMessage]:
        """The messages to `address`, of one kind if given: a notification's ("task_assigned") or an account email's
        ("verify_email", "reset_password")."""
        with self._lock:
            received = list(self._received)
        return [
            message
            for recipients, message in received
            if address.lower() in recipients
            and kind in (None, message["X-Rhythm-Notification-Type"], message["X-Rhythm-Account-Email"])
        ]

    async def wait_for(
        self, address: str, kind: str | None = None, *, count: int = 1, seconds: float = PATIENCE_SECONDS
    ) -> list[EmailMessage]:
        """The messages to `address` (of `kind`) once there are `count` of them; fails after `seconds`."""
        deadline = time.monotonic() + seconds
        while len(found := self.to(address, kind)) < count:
            assert time.monotonic() < deadline, f"{len(found)} of {count} {kind or ''} emails to {address} arrived"
            await asyncio.sleep(0.05)
        return found
