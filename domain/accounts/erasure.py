"""Erasing an account, in the caller's transaction: refused while the person is the last owner of a company with
other members; otherwise their calendar grants are handed to a job that revokes them at the provider (after
commit, through the outbox), and `rhythm.erase_caller()` (migration 0020) deletes what is theirs and anonymises
what they authored in shared companies."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from db.models.calendar_sync import CalendarConnection
from db.tenant import caller_of
from domain.accounts.confirmation import Confirmer, Proof, confirm_identity
from domain.db_errors import refusals
from domain.errors import Conflict, Forbidden
from domain.events.service import InternalEventType, record


@dataclass(frozen=True, slots=True)
class NamedCompany:
    id: uuid.UUID
    name: str


class LastOwner(Conflict):
    """The person is the only owner of companies that others still belong to."""

    def __init__(self, companies: Sequence[NamedCompany]) -> None:
        names = ", ".join(company.name for company in companies)
        super().__init__(
            f"You are the last owner of {names}: make someone else an owner, or remove its members, first."
        )
        self.companies = list(companies)


HELD_ALONE = sa.text(
    """
    SELECT c.id, c.name FROM companies c
    JOIN memberships mine ON mine.company_id = c.id AND mine.user_id = :me AND mine.role = 'owner'
    WHERE EXISTS (SELECT 1 FROM memberships o WHERE o.company_id = c.id AND o.user_id <> :me)
      AND NOT EXISTS (SELECT 1 FROM memberships o WHERE o.company_id = c.id AND o.user_id <> :me AND o.role = 'owner')
    ORDER BY c.name, c.id
    """
)


async def companies_held_alone(session: AsyncSession, user_id: uuid.UUID) -> list[NamedCompany]:
    """Companies the person owns alone while others belong to them (read through the policies: a person sees the
    memberships of their companies)."""
    return [NamedCompany(id=row.id, name=row.name) for row in await session.execute(HELD_ALONE, {"me": user_id})]


async def _hand_over_calendar_grants(session: AsyncSession, user_id: uuid.UUID) -> None:
    """One event per connection for the job that revokes the grant at the provider; the refresh token travels as
    stored (encrypted with a key the database never holds), since the connection is gone by the time it runs."""
    connections = (
        await session.execute(sa.select(CalendarConnection).where(col(CalendarConnection.user_id) == user_id))
    ).scalars()
    for connection in connections:
        token = connection.refresh_token
        await record(
            session, InternalEventType.CALENDAR_GRANT_REVOKED, company_id=connection.company_id, subject_id=None,
            data={"calendar_grant": {
                "provider": connection.provider,
                "refresh_token": None if token is None else base64.b64encode(token).decode(),
            }},
        )  # fmt: skip


async def erase_account(
    session: AsyncSession, user_id: uuid.UUID, proof: Proof, confirmers: Sequence[Confirmer]
) -> None:
    if caller_of(session).company_id is not None:
        # Narrowed to one company, the person would not see (so not hand over) what they hold in the others.
        raise Forbidden("Erase your account without naming a company (no X-Company-Id header).")
    await confirm_identity(session, proof, confirmers)
    held = await companies_held_alone(session, user_id)
    if held:
        raise LastOwner(held)
    await _hand_over_calendar_grants(session, user_id)
    async with refusals():
        await session.execute(sa.text("SELECT rhythm.erase_caller()"))
    # Nothing the session holds describes a living row any more.
    session.expunge_all()
