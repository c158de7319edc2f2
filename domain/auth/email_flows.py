"""Email verification, email change, password reset and password change.

Nothing here sends email. A request records an `account.*` event in the person's personal company, in the same
transaction; after commit the outbox hands it to the `accounts.email` job, which issues the link's token and sends
it (workers/accounts). So a response never waits on SMTP, and the raw token exists only in the email.

Unverified accounts may sign in: `viewer { emailVerified }` shows the state, and features that trust an address
(linking a sign-in provider by email) ask for a verified one.
"""

from __future__ import annotations

import enum
import json
import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from base.tracing import current_carrier
from db.models import Company, OutboxEvent, User
from db.tenant import caller_of
from domain.auth.account_tokens import TokenPurpose, check_outcome, hash_token, usable
from domain.auth.passwords import Passwords
from domain.auth.sessions import end_other_sessions
from domain.db_errors import UNIQUE_VIOLATION, sqlstate
from domain.errors import AuthenticationFailed, Conflict, NotFound, invalid
from domain.validation import NUL, Checks

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024


class AccountEvent(enum.StrEnum):
    """Events of a person's account. They are no webhook event types: only the email job reacts to them."""

    EMAIL_VERIFICATION_REQUESTED = "account.email_verification_requested"
    PASSWORD_RESET_REQUESTED = "account.password_reset_requested"  # noqa: S105 (an event type)


def check_new_password(checks: Checks, field: str, password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        checks.fail(field, f"Must be at least {MIN_PASSWORD_LENGTH} characters.")
    elif len(password) > MAX_PASSWORD_LENGTH:
        checks.fail(field, f"Must be at most {MAX_PASSWORD_LENGTH} characters.")


async def _personal_company(session: AsyncSession, user_id: uuid.UUID) -> uuid.UUID:
    statement = sa.select(col(Company.id)).where(col(Company.created_by) == user_id, col(Company.is_personal))
    company_id = (await session.execute(statement)).scalar_one_or_none()
    if company_id is None:
        raise NotFound("No personal company.")
    return company_id


async def request_email_verification(session: AsyncSession, user_id: uuid.UUID, email: str | None = None) -> None:
    """Have a verification link sent, as the person: to `email` for a change, else to their current address."""
    event = OutboxEvent(
        company_id=await _personal_company(session, user_id),
        type=AccountEvent.EMAIL_VERIFICATION_REQUESTED.value,
        subject_id=user_id,
        actor_user_id=user_id,
        payload={} if email is None else {"email": email},
        trace_context=current_carrier(),
    )
    session.add(event)
    await session.flush()


async def request_password_reset(session: AsyncSession, email: str) -> None:
    """Have a reset link sent if an account has this address. Answers alike either way: the same statement runs,
    and the email goes out from a job."""
    address = email.strip()
    if NUL in address or len(address) > 320:
        address = ""  # no account has it; the statement still runs
    if caller_of(session).is_anonymous:
        # A commit that wrote waits for its WAL flush (a millisecond or more); one that wrote nothing does not, and
        # that difference would tell which addresses have accounts. Without the wait both answer alike; a crash
        # may lose a committed request (the person asks again). An anonymous operation writes nothing else.
        await session.execute(sa.text("SET LOCAL synchronous_commit = off"))
    await session.execute(
        sa.text("SELECT rhythm.request_password_reset(:email, CAST(:trace AS jsonb))"),
        {"email": address, "trace": None if (carrier := current_carrier()) is None else json.dumps(carrier)},
    )


async def _check_password(session: AsyncSession, passwords: Passwords, password: str, field: str) -> None:
    current = (await session.execute(sa.text("SELECT rhythm.password_hash_of_caller()"))).scalar_one_or_none()
    if current is None or not passwords.verify(str(current), password):
        raise AuthenticationFailed(f"The {field} is not correct.")


async def request_email_change(
    session: AsyncSession, passwords: Passwords, user_id: uuid.UUID, *, new_email: str, password: str
) -> None:
    """Send a verification link to `new_email`; the account's email switches only once it is used."""
    new_email = new_email.strip()
    checks = Checks()
    checks.email("newEmail", new_email)
    checks.raise_if_any()
    user = await session.get(User, user_id)
    if user is None:
        raise NotFound("No such User.")
    if user.email.lower() == new_email.lower():
        raise invalid("newEmail", "This is already the account's email.")
    await _check_password(session, passwords, password, "password")
    await request_email_verification(session, user_id, new_email)


async def verify_email(session: AsyncSession, token: str) -> uuid.UUID:
    """Use a verification link; the person whose address it proved. An address taken meanwhile is a Conflict."""
    if not usable(token):
        check_outcome("unknown")
    try:
        row = (
            await session.execute(
                sa.text("SELECT user_id, outcome FROM rhythm.redeem_account_token(:purpose, :hash)"),
                {"purpose": TokenPurpose.VERIFY_EMAIL.value, "hash": hash_token(token)},
            )
        ).one()
    except DBAPIError as error:
        if sqlstate(error) == UNIQUE_VIOLATION:
            raise Conflict("Another account uses this email address now.") from error
        raise
    check_outcome(row.outcome)
    return uuid.UUID(str(row.user_id))


async def reset_password(session: AsyncSession, passwords: Passwords, token: str, new_password: str) -> None:
    """Use a reset link: set the password and sign the person out of every session."""
    checks = Checks()
    check_new_password(checks, "newPassword", new_password)
    checks.raise_if_any()
    if not usable(token):
        check_outcome("unknown")
    outcome = (
        await session.execute(
            sa.text("SELECT rhythm.reset_password(:hash, :password_hash)"),
            {"hash": hash_token(token), "password_hash": passwords.hash(new_password)},
        )
    ).scalar_one()
    check_outcome(outcome)


async def change_password(
    session: AsyncSession,
    passwords: Passwords,
    user_id: uuid.UUID,
    *,
    current_password: str,
    new_password: str,
    keep_session: uuid.UUID | None,
    now: datetime,
) -> list[uuid.UUID]:
    """Change the caller's password (the current one first) and end every other session of theirs; the ended."""
    checks = Checks()
    check_new_password(checks, "newPassword", new_password)
    checks.raise_if_any()
    await _check_password(session, passwords, current_password, "current password")
    await session.execute(
        sa.text("SELECT rhythm.set_caller_password_hash(:hash)"), {"hash": passwords.hash(new_password)}
    )
    return await end_other_sessions(session, user_id, keep_session, now=now)
