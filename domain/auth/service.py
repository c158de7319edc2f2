"""Signup, login, refresh-token rotation and logout.

These run before the caller is known: they authenticate through SECURITY DEFINER functions, then switch the
transaction to the authenticated person so every later statement is checked by the policies as usual.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import RefreshToken, SignInSession
from db.tenant import Caller, begin_as
from domain.audit import sign_ins
from domain.audit.actions import SignInMethod
from domain.auth.passwords import Passwords
from domain.auth.second_factor import enrolment
from domain.auth.sessions import Device, end_sessions, touch_session
from domain.auth.tokens import (
    RefreshClaims,
    TokenConfig,
    issue_access_token,
    issue_refresh_token,
    read_refresh_token,
)
from domain.db_errors import UNIQUE_VIOLATION, sqlstate
from domain.errors import AuthenticationFailed, Conflict
from domain.validation import NUL, Checks

MIN_PASSWORD_LENGTH = 10


class SignInRefused(AuthenticationFailed):
    """Wrong credentials. The attempt is kept in the account's sign-in history, so this keeps what it wrote."""

    keeps_changes = True
    message = "The email or password is not correct."


class RefreshTokenReused(AuthenticationFailed):
    """A rotated-out refresh token came back: its whole family is revoked, and that must be kept."""

    keeps_changes = True
    message = "This refresh token was already used; every session started from it has been signed out."


@dataclass(frozen=True, slots=True)
class Tokens:
    user_id: uuid.UUID
    access_token: str
    refresh_token: str
    access_token_expires_at: datetime
    second_factor: bool = False


def check_sign_up(email: str, password: str, display_name: str, time_zone: str) -> None:
    checks = Checks()
    checks.email("email", email)
    checks.text("displayName", display_name, max_length=120)
    checks.time_zone("timeZone", time_zone)
    if len(password) < MIN_PASSWORD_LENGTH:
        checks.fail("password", f"Must be at least {MIN_PASSWORD_LENGTH} characters.")
    elif len(password) > 1024:
        checks.fail("password", "Must be at most 1024 characters.")
    checks.raise_if_any()


async def sign_up(
    session: AsyncSession, passwords: Passwords, *, email: str, password: str, display_name: str, time_zone: str
) -> uuid.UUID:
    check_sign_up(email, password, display_name, time_zone)
    user_id, company_id = uuid.uuid4(), uuid.uuid4()
    try:
        await session.execute(
            sa.text("SELECT rhythm.sign_up(:user_id, :company_id, :email, :hash, :name, :tz, :company)"),
            {
                "user_id": user_id,
                "company_id": company_id,
                "email": email.strip(),
                "hash": passwords.hash(password),
                "name": display_name.strip(),
                "tz": time_zone,
                "company": "Personal",
            },
        )
    except DBAPIError as error:
        if sqlstate(error) == UNIQUE_VIOLATION:
            raise Conflict("An account with this email already exists.") from error
        raise
    return user_id


async def log_in(session: AsyncSession, passwords: Passwords, *, email: str, password: str) -> uuid.UUID:
    # No account has a NUL in its email, and PostgreSQL would refuse to compare one.
    row = None
    if NUL not in email:
        row = (
            await session.execute(
                sa.text("SELECT user_id, password_hash FROM rhythm.credentials_for_email(:email)"), {"email": email}
            )
        ).first()
    if not passwords.verify(row.password_hash if row else None, password) or row is None:
        await sign_ins.record_failure(session, email, SignInMethod.PASSWORD)
        raise SignInRefused()
    return uuid.UUID(str(row.user_id))


async def start_session(
    session: AsyncSession,
    config: TokenConfig,
    user_id: uuid.UUID,
    family_id: uuid.UUID | None = None,
    *,
    device: Device | None = None,
    second_factor: bool = False,
) -> Tokens:
    """Continue the transaction as `user_id` and issue an access token and a fresh refresh token: in a new sign-in
    session (a refresh-token family), or in `family_id`'s when refreshing; both say whether the sign-in passed a
    second factor."""
    await begin_as(session, Caller(user_id=user_id, second_factor=second_factor))
    now = datetime.now(UTC)
    expires_at = now + config.refresh_ttl
    if family_id is None:
        family_id = uuid.uuid4()
        device = device or Device()
        session.add(
            SignInSession(
                id=family_id,
                user_id=user_id,
                created_at=now,
                last_used_at=now,
                expires_at=expires_at,
                user_agent=device.user_agent,
                ip_address=device.ip_address,
            )
        )
        await session.flush()
    else:
        await touch_session(session, family_id, now=now, expires_at=expires_at, device=device)
    row = RefreshToken(user_id=user_id, family_id=family_id, expires_at=expires_at, created_at=now)
    session.add(row)
    await session.flush()
    claims = RefreshClaims(user_id=user_id, token_id=row.id, family_id=row.family_id, second_factor=second_factor)
    return Tokens(
        user_id=user_id,
        access_token=issue_access_token(config, user_id, now, session_id=family_id, second_factor=second_factor),
        refresh_token=issue_refresh_token(config, claims, now),
        access_token_expires_at=now + config.access_ttl,
        second_factor=second_factor,
    )


async def _revoke_family(session: AsyncSession, family_id: uuid.UUID, now: datetime) -> None:
    await end_sessions(session, [family_id], now=now)


async def refresh(session: AsyncSession, config: TokenConfig, token: str, device: Device | None = None) -> Tokens:
    claims = read_refresh_token(config, token)
    await begin_as(session, Caller(user_id=claims.user_id))
    now = datetime.now(UTC)
    row = await session.get(RefreshToken, claims.token_id, with_for_update=True)
    if row is None or row.family_id != claims.family_id or row.revoked_at is not None:
        raise AuthenticationFailed("The refresh token is not valid.")
    if row.used_at is not None:
        await _revoke_family(session, row.family_id, now)
        raise RefreshTokenReused()
    row.used_at = now
    await session.flush()
    # A second factor passed at sign-in counts while the person keeps one; disabling it ends that at refresh.
    second_factor = claims.second_factor and await enrolment.is_enabled(session, claims.user_id)
    return await start_session(
        session, config, claims.user_id, family_id=row.family_id, device=device, second_factor=second_factor
    )


async def log_out(session: AsyncSession, config: TokenConfig, token: str) -> None:
    claims = read_refresh_token(config, token)
    await begin_as(session, Caller(user_id=claims.user_id))
    await _revoke_family(session, claims.family_id, datetime.now(UTC))
