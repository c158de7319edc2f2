"""The sign-in step between the password and the code.

A password that checks out for a person with a second factor yields a challenge instead of tokens: a signed token
naming a row that makes it single use, short lived (by the clock) and dead after `MAX_FAILURES` wrong codes.
Wrong codes are kept even though the operation answers with an error, so retrying cannot reset the count.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from base import clock
from db.models import SecondFactorChallenge, User
from db.tenant import Caller, begin_as
from domain.auth.second_factor import enrolment
from domain.auth.tokens import ChallengeClaims, TokenConfig, issue_challenge_token, read_challenge_token
from domain.calendar_sync.secrets import TokenCipher
from domain.errors import AuthenticationFailed

TTL = timedelta(minutes=5)
MAX_FAILURES = 5


LOCKED = "Too many wrong codes: this sign-in is locked. Sign in again with your password."


class SecondFactorRefused(AuthenticationFailed):
    """A wrong (or replayed) code, or a challenge locked by them: the failure it counted must stay counted, and
    the rate limits count it against the account (`account`, its email) as a failed sign-in."""

    keeps_changes = True

    def __init__(self, message: str, *, account: str, locked: bool) -> None:
        super().__init__(message)
        self.account = account
        self.locked = locked


@dataclass(frozen=True, slots=True)
class Challenge:
    token: str
    expires_at: datetime


async def challenge_if_enabled(session: AsyncSession, config: TokenConfig, user_id: uuid.UUID) -> Challenge | None:
    """A challenge for the person who just gave their password, or None when they have no second factor."""
    await begin_as(session, Caller(user_id=user_id))
    if not await enrolment.is_enabled(session, user_id):
        return None
    now = clock.utcnow()
    row = SecondFactorChallenge(user_id=user_id, expires_at=now + TTL, created_at=now)
    session.add(row)
    await session.flush()
    token = issue_challenge_token(config, ChallengeClaims(user_id=user_id, challenge_id=row.id), TTL, now)
    return Challenge(token=token, expires_at=row.expires_at)


async def answer(session: AsyncSession, config: TokenConfig, cipher: TokenCipher, token: str, code: str) -> uuid.UUID:
    """The person, when `code` answers the challenge; the challenge is spent either way it ends."""
    claims = read_challenge_token(config, token)
    await begin_as(session, Caller(user_id=claims.user_id))
    row = await session.get(SecondFactorChallenge, claims.challenge_id, with_for_update=True)
    if row is None or row.user_id != claims.user_id or row.used_at is not None:
        raise AuthenticationFailed("This sign-in challenge was already used or is not valid; sign in again.")
    now = clock.utcnow()
    if row.expires_at <= now:
        raise AuthenticationFailed("The sign-in challenge has expired; sign in again.")
    if row.failures >= MAX_FAILURES:
        raise SecondFactorRefused(LOCKED, account=await _account(session, claims.user_id), locked=True)
    verdict = await enrolment.verify(session, cipher, claims.user_id, code)
    if not verdict.accepted:
        row.failures += 1
        await session.flush()
        account = await _account(session, claims.user_id)
        if row.failures >= MAX_FAILURES:
            raise SecondFactorRefused(LOCKED, account=account, locked=True)
        left = MAX_FAILURES - row.failures
        message = f"{verdict.reason} {left} attempt{'s' if left != 1 else ''} left."
        raise SecondFactorRefused(message, account=account, locked=False)
    row.used_at = now
    await session.flush()
    return claims.user_id


async def _account(session: AsyncSession, user_id: uuid.UUID) -> str:
    user = await session.get(User, user_id)
    return "" if user is None else user.email
