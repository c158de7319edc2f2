"""The SMTP mailer on its own, against real SMTP servers on loopback."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from db.models import NotificationType
from domain.notifications.emails import Outgoing
from domain.notifications.mailer import PermanentFailure, SmtpConfig, SmtpMailer, message_for
from tests.notifications.mailbox import Mailbox, free_port

SENDER = "Rhythm <notifications@rhythm.test>"


def outgoing(subject: str = "Alice assigned you “Plan”", to: str = "bob@rhythm.test") -> Outgoing:
    return Outgoing(
        notification_id=uuid.uuid4(),
        notification_type=NotificationType.TASK_ASSIGNED,
        to_address=to,
        to_name="Bob Müller",
        subject=subject,
        text="Alice assigned you “Plan”\n",
    )


class RefusesEveryone:
    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        return "550 5.1.1 No such mailbox"


@pytest.fixture
def refusing() -> Iterator[int]:
    port = free_port()
    controller = Controller(RefusesEveryone(), hostname="127.0.0.1", port=port)
    controller.start()
    yield port
    controller.stop()


async def test_a_message_arrives_with_a_message_id_made_from_the_notification() -> None:
    mailbox = Mailbox().start()
    try:
        email = outgoing()
        await SmtpMailer(SmtpConfig(host="127.0.0.1", port=mailbox.port, sender=SENDER)).send(email)
        [message] = await mailbox.wait_for("bob@rhythm.test")
    finally:
        mailbox.stop()

    assert message["Message-ID"] == f"<notification.{email.notification_id}@rhythm.test>"
    assert str(message["To"]) == "Bob Müller <bob@rhythm.test>"
    assert message.get_content().splitlines() == ["Alice assigned you “Plan”"]


def test_a_title_with_line_breaks_makes_a_one_line_subject() -> None:
    message = message_for(outgoing(subject="Two\nlines\r\n and more"), SENDER)

    assert message["Subject"] == "Two lines and more"


async def test_a_recipient_refused_for_good_is_a_permanent_failure(refusing: int) -> None:
    mailer = SmtpMailer(SmtpConfig(host="127.0.0.1", port=refusing, sender=SENDER))

    with pytest.raises(PermanentFailure):
        await mailer.send(outgoing())
