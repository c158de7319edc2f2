"""The emails of account flows: a verification link, a password reset link. Made by the `accounts.email` job."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from urllib.parse import urlencode

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from domain.auth.account_tokens import TokenPurpose, new_token

# Where a link leads, under the links' base URL: a page of the client that posts the token to the mutation.
PATHS = {TokenPurpose.VERIFY_EMAIL: "/verify-email", TokenPurpose.RESET_PASSWORD: "/reset-password"}


@dataclass(frozen=True, slots=True)
class Link:
    user_id: uuid.UUID
    to_address: str
    to_name: str
    purpose: TokenPurpose
    token: str = ""


async def issue_link(session: AsyncSession, event_id: uuid.UUID, ttls: dict[TokenPurpose, timedelta]) -> Link | None:
    """Issue the link an `account.*` event asks for, as a worker of the person's personal company; None when
    there is nothing to send (no such event, an address already verified)."""
    token, token_hash = new_token()
    # The event decides the purpose; the lifetime follows it, so it is asked for after a look at the type.
    kind = (
        await session.execute(sa.text("SELECT type FROM outbox WHERE id = :id"), {"id": event_id})
    ).scalar_one_or_none()
    purpose = TokenPurpose.RESET_PASSWORD if kind == "account.password_reset_requested" else TokenPurpose.VERIFY_EMAIL
    row = (
        await session.execute(
            sa.text("SELECT * FROM rhythm.issue_account_token(:event, :hash, :ttl)"),
            {"event": event_id, "hash": token_hash, "ttl": ttls[purpose]},
        )
    ).first()
    if row is None:
        return None
    return Link(
        user_id=uuid.UUID(str(row.user_id)),
        to_address=str(row.email),
        to_name=str(row.display_name),
        purpose=TokenPurpose(row.purpose),
        token=token,
    )


def _minutes(ttl: timedelta) -> str:
    minutes = int(ttl.total_seconds() // 60)
    if minutes % 60 == 0 and minutes >= 60:
        hours = minutes // 60
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{minutes} minutes"


def link_url(base_url: str, link: Link) -> str:
    return f"{base_url.rstrip('/')}{PATHS[link.purpose]}?{urlencode({'token': link.token})}"


def message_for_link(link: Link, *, sender: str, base_url: str, ttl: timedelta) -> EmailMessage:
    url = link_url(base_url, link)
    if link.purpose is TokenPurpose.VERIFY_EMAIL:
        subject = "Confirm your email address for Rhythm"
        lines = [
            f"Hello {link.to_name},",
            f"please confirm that {link.to_address} is your email address for Rhythm:",
            url,
            f"The link works once, for {_minutes(ttl)}. If you did not ask for it, ignore this email.",
        ]
    else:
        subject = "Reset your Rhythm password"
        lines = [
            f"Hello {link.to_name},",
            "someone (we hope you) asked to reset your Rhythm password. Choose a new one here:",
            url,
            f"The link works once, for {_minutes(ttl)}, and signs you out everywhere. If you did not ask for it,"
            " ignore this email: your password stays as it is.",
        ]
    message = EmailMessage()
    message["From"] = sender
    message["To"] = Address(display_name=" ".join(link.to_name.split()), addr_spec=link.to_address)
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = make_msgid(domain=parseaddr(sender)[1].rpartition("@")[2] or "rhythm.localhost")
    message["Auto-Submitted"] = "auto-generated"
    message["X-Rhythm-Account-Email"] = link.purpose.value
    message.set_content("\n\n".join(lines) + "\n")
    return message
