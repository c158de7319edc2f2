"""A person's sign-in history: each sign-in and each failed attempt on their account, for them alone to read.

Sign-ins are not company events, so they are kept per person rather than in any company's audit log. A failure
for an email no account has is recorded against nobody; only a log line without the email says it happened.
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
import structlog
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from db.models import SignInEvent
from domain.audit.actions import SignInMethod
from domain.audit.origin import origin_of
from domain.pagination import Page, PageRequest, SortKey, page_of, parse_datetime, parse_uuid
from domain.validation import NUL

log = structlog.get_logger("rhythm.auth")

NEWEST_FIRST = SortKey(
    name="sign_in:occurred_at",
    columns=lambda row: [row.occurred_at, row.id],
    values=lambda row: [row.occurred_at, row.id],
    parsers=[parse_datetime, parse_uuid],
    descending=True,
)


async def record_success(session: AsyncSession, user_id: uuid.UUID, method: SignInMethod) -> None:
    """In the transaction that signed the person in, once it runs as them."""
    origin = origin_of(session)
    await session.execute(
        sa.insert(SignInEvent).values(
            id=uuid.uuid4(),
            user_id=user_id,
            outcome="success",
            method=method.value,
            ip_address=origin.ip_address,
            user_agent=origin.user_agent,
            request_id=origin.request_id,
        )
    )


async def record_failure(session: AsyncSession, email: str, method: SignInMethod) -> None:
    """Against the account of `email`, if one has it; nobody is signed in yet, so a definer function writes it."""
    origin = origin_of(session)
    known = False
    if NUL not in email:
        known = bool(
            (
                await session.execute(
                    sa.text("SELECT rhythm.record_sign_in_failure(:email, :method, CAST(:ip AS inet), :agent, :rid)"),
                    {
                        "email": email.strip(),
                        "method": method.value,
                        "ip": origin.ip_address,
                        "agent": origin.user_agent,
                        "rid": origin.request_id,
                    },
                )
            ).scalar()
        )
    log.info("sign_in_failed", method=method.value, account_known=known, ip_address=origin.ip_address)


async def history(session: AsyncSession, user_id: uuid.UUID, request: PageRequest) -> Page[SignInEvent]:
    # The policy shows a person their own rows only; the filter says so to the planner too.
    return await page_of(session, SignInEvent, [col(SignInEvent.user_id) == user_id], NEWEST_FIRST, request)
