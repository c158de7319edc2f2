"""Sign-in sessions: one per refresh-token family, that is one sign-in on one device.

Every statement here runs as the signed-in person, and the policy on `sign_in_sessions` (and `refresh_tokens`)
admits their own rows only: ending someone else's session finds no row, whatever id is asked for.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from db.models import RefreshToken, SignInSession
from domain.errors import NotFound

USER_AGENT_LENGTH = 512


@dataclass(frozen=True, slots=True)
class Device:
    """What a sign-in or refresh request tells about the device: its user agent and the client's address."""

    user_agent: str | None = None
    ip_address: str | None = None

    @classmethod
    def of(cls, user_agent: str | None, ip_address: str | None) -> Device:
        agent = " ".join((user_agent or "").split())[:USER_AGENT_LENGTH] or None
        address = ip_address if ip_address and ip_address != "unknown" else None
        return cls(user_agent=agent, ip_address=address[:64] if address else None)


async def touch_session(
    session: AsyncSession, session_id: uuid.UUID, *, now: datetime, expires_at: datetime, device: Device | None
) -> None:
    """A refresh: the session was used now, lives another refresh lifetime, from this device and address."""
    values: dict[str, object] = {"last_used_at": now, "expires_at": expires_at}
    if device is not None:
        values |= {"user_agent": device.user_agent, "ip_address": device.ip_address}
    await session.execute(sa.update(SignInSession).where(col(SignInSession.id) == session_id).values(**values))


async def end_sessions(session: AsyncSession, session_ids: Sequence[uuid.UUID], *, now: datetime) -> list[uuid.UUID]:
    """Revoke these sessions and every refresh token of them; the ids the caller could end (their own)."""
    ended = (
        await session.execute(
            sa.update(SignInSession)
            .where(col(SignInSession.id).in_(session_ids), col(SignInSession.revoked_at).is_(None))
            .values(revoked_at=now)
            .returning(col(SignInSession.id))
        )
    ).scalars()
    ended_ids = list(ended)
    await session.execute(
        sa.update(RefreshToken)
        .where(col(RefreshToken.family_id).in_(session_ids), col(RefreshToken.revoked_at).is_(None))
        .values(revoked_at=now)
    )
    return ended_ids


async def revoke_session(session: AsyncSession, session_id: uuid.UUID, *, now: datetime) -> None:
    """End one of the caller's sessions; NotFound for an id that is not one of their open sessions."""
    if not await end_sessions(session, [session_id], now=now):
        raise NotFound("No such Session.")


async def end_other_sessions(
    session: AsyncSession, user_id: uuid.UUID, keep: uuid.UUID | None, *, now: datetime
) -> list[uuid.UUID]:
    """End every open session of the person but `keep` (the one the request came from)."""
    statement = sa.select(col(SignInSession.id)).where(
        col(SignInSession.user_id) == user_id, col(SignInSession.revoked_at).is_(None)
    )
    if keep is not None:
        statement = statement.where(col(SignInSession.id) != keep)
    others = list((await session.execute(statement)).scalars())
    return await end_sessions(session, others, now=now) if others else []


async def open_sessions(session: AsyncSession, user_id: uuid.UUID, *, now: datetime) -> list[SignInSession]:
    """The person's sessions still signed in, most recently used first."""
    statement = (
        sa.select(SignInSession)
        .where(
            col(SignInSession.user_id) == user_id,
            col(SignInSession.revoked_at).is_(None),
            col(SignInSession.expires_at) > now,
        )
        .order_by(col(SignInSession.last_used_at).desc(), col(SignInSession.id))
        .limit(500)
    )
    return list((await session.execute(statement)).scalars())
