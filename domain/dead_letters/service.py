"""Dead letters: the messages the workers gave up on, recorded by the workers and decided on by people.

A replay or a discard is asked for here, in the caller's transaction; the replayer (workers/dead_letters.py) tells
the broker after commit and marks it done. The policies decide who may see and ask: the company's owners, and
platform administrators for every company.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from db.models import DeadLetter, DeadLetterState
from domain.errors import Conflict, NotFound
from domain.pagination import Page, PageRequest, SortKey, page_of, parse_datetime, parse_uuid

Action = Literal["replay", "discard"]
OPEN = (DeadLetterState.DEAD.value, DeadLetterState.REPLAYING.value, DeadLetterState.DISCARDING.value)
ASKED = {"replay": DeadLetterState.REPLAYING.value, "discard": DeadLetterState.DISCARDING.value}

NEWEST_FIRST = SortKey(
    name="dead_letter:failed_at",
    columns=lambda row: [row.failed_at, row.id],
    values=lambda row: [row.failed_at, row.id],
    parsers=[parse_datetime, parse_uuid],
    descending=True,
)


@dataclass(frozen=True, slots=True)
class DeadLetterFilter:
    company_id: uuid.UUID | None = None
    queue: str | None = None
    states: Sequence[str] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class GivenUp:
    """A message the workers gave up on, as the worker saw it."""

    company_id: uuid.UUID
    queue: str
    actor: str
    message_id: str
    broker_message_id: str | None
    message: dict[str, Any]
    reason: str
    attempts: int
    failed_at: datetime


async def record(session: AsyncSession, given_up: GivenUp) -> bool:
    """Record a dead letter as the company's worker; False when the message is recorded and still open."""
    statement = (
        insert(DeadLetter)
        .values(
            id=uuid.uuid4(),
            company_id=given_up.company_id,
            queue=given_up.queue,
            actor=given_up.actor,
            message_id=given_up.message_id,
            broker_message_id=given_up.broker_message_id,
            message=given_up.message,
            reason=given_up.reason,
            attempts=given_up.attempts,
            failed_at=given_up.failed_at,
            updated_at=given_up.failed_at,
        )
        .on_conflict_do_nothing(
            index_elements=["company_id", "message_id"], index_where=col(DeadLetter.state).in_(OPEN)
        )
    )
    result = await session.execute(statement)
    return bool(result.rowcount)  # type: ignore[attr-defined]


def _conditions(where: DeadLetterFilter) -> list[sa.ColumnElement[bool]]:
    conditions: list[sa.ColumnElement[bool]] = []
    if where.company_id is not None:
        conditions.append(col(DeadLetter.company_id) == where.company_id)
    if where.queue is not None:
        conditions.append(col(DeadLetter.queue) == where.queue)
    if where.states:
        conditions.append(col(DeadLetter.state).in_(list(where.states)))
    return conditions


async def page(session: AsyncSession, where: DeadLetterFilter, request: PageRequest) -> Page[DeadLetter]:
    """The dead letters the caller may see, newest first."""
    return await page_of(session, DeadLetter, _conditions(where), NEWEST_FIRST, request)


async def ask(
    session: AsyncSession, dead_letter_id: uuid.UUID, action: Action, *, by: uuid.UUID | None, now: datetime
) -> DeadLetter:
    """Ask for a replay or a discard of one dead letter the caller may decide on."""
    statement = (
        sa.select(DeadLetter)
        .where(col(DeadLetter.id) == dead_letter_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    dead_letter = (await session.execute(statement)).scalar_one_or_none()
    if dead_letter is None:
        raise NotFound("No such DeadLetter.")
    if dead_letter.state != DeadLetterState.DEAD.value:
        raise Conflict(f"The dead letter is {dead_letter.state} already.")
    dead_letter.state = ASKED[action]
    dead_letter.resolved_by = by
    dead_letter.resolved_at = now
    dead_letter.updated_at = now
    await session.flush()
    return dead_letter


async def ask_all(session: AsyncSession, action: Action, where: DeadLetterFilter, *, now: datetime) -> int:
    """Ask for a replay or a discard of every waiting dead letter the caller may decide on; how many."""
    statement = (
        sa.update(DeadLetter)
        .where(col(DeadLetter.state) == DeadLetterState.DEAD.value, *_conditions(where))
        .values(state=ASKED[action], resolved_by=None, resolved_at=now, updated_at=now)
    )
    result = await session.execute(statement)
    return int(result.rowcount)  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class Waiting:
    count: int
    oldest: datetime | None


async def waiting_per_queue(session: AsyncSession) -> dict[str, Waiting]:
    """Dead letters nobody decided on yet, per queue, with the oldest one's time."""
    statement = (
        sa.select(col(DeadLetter.queue), sa.func.count(), sa.func.min(col(DeadLetter.failed_at)))
        .where(col(DeadLetter.state) == DeadLetterState.DEAD.value)
        .group_by(col(DeadLetter.queue))
    )
    return {queue: Waiting(count, oldest) for queue, count, oldest in await session.execute(statement)}


async def caller_is_platform_admin(session: AsyncSession) -> bool:
    """What the policies think of the caller: a platform administrator or not."""
    return bool((await session.execute(sa.text("SELECT rhythm.is_platform_admin()"))).scalar())
