"""Sending email through SMTP with aiosmtplib. The password never reaches a log or a repr."""

from __future__ import annotations

from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from typing import Protocol

import aiosmtplib

from domain.notifications.emails import Outgoing


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    host: str
    port: int
    sender: str
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    # None: upgrade with STARTTLS when the server offers it; True: require it; False: never.
    start_tls: bool | None = None
    # TLS from the first byte (SMTPS, usually port 465).
    use_tls: bool = False
    timeout: float = 30.0


class Mailer(Protocol):
    async def send(self, email: Outgoing) -> None: ...


class PermanentFailure(Exception):
    """The server refused the message for good (a 5xx answer): sending it again would not help."""


def message_id(notification_id: object, sender: str) -> str:
    """The same for every attempt at one notification's email, so a repeat can be recognised."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "rhythm.localhost"
    return f"<notification.{notification_id}@{domain}>"


def message_for(email: Outgoing, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = Address(display_name=" ".join(email.to_name.split()), addr_spec=email.to_address)
    # A header may not hold a line break; a task title may.
    message["Subject"] = " ".join(email.subject.split())
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = message_id(email.notification_id, sender)
    # Tells autoresponders not to answer (RFC 3834).
    message["Auto-Submitted"] = "auto-generated"
    message["X-Rhythm-Notification-Type"] = email.notification_type.value
    message.set_content(email.text)
    return message


class SmtpMailer:
    def __init__(self, config: SmtpConfig) -> None:
        self.config = config

    async def send(self, email: Outgoing) -> None:
        await self.deliver(message_for(email, self.config.sender))

    async def deliver(self, message: EmailMessage) -> None:
        """Send a message made elsewhere (account emails); refusals as for notifications."""
        config = self.config
        try:
            await aiosmtplib.send(
                message,
                hostname=config.host,
                port=config.port,
                username=config.username,
                password=config.password,
                start_tls=config.start_tls,
                use_tls=config.use_tls,
                timeout=config.timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as error:
            if all(refusal.code >= 500 for refusal in error.recipients):
                raise PermanentFailure("The mail server refused the recipient.") from None
            raise
        except (aiosmtplib.SMTPRecipientRefused, aiosmtplib.SMTPDataError) as error:
            # Refusals of this message or recipient; others (authentication, the sender) are the configuration's,
            # and are retried until someone fixes it.
            if error.code >= 500:
                raise PermanentFailure(f"The mail server refused the message ({error.code}).") from None
            raise
