"""`schedule.updated`: what a change to a person's time blocks tells the rest of Rhythm, recorded in the change's
transaction.

Blocks belong to their task's company, and a plan spans all the person's companies, so a change yields one event
per company whose blocks changed, each counting only that company's blocks: a company's webhooks and workers
learn nothing of the person's time elsewhere. The subject is the person. The payload holds counts, the span
the changed blocks cover and how the change came about (`cause`: `apply` or `replan` for a plan, `pin`,
`unpin`, `done`, `missed` for one block); no task, title or focus detail.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import TimeBlock
from domain.events.service import EventType, record


@dataclass(frozen=True, slots=True)
class Span:
    """Where a block sits, in its company."""

    company_id: uuid.UUID
    #: What it places (a task); None when it places nothing a span can name.
    task_id: uuid.UUID | None
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True, slots=True)
class Counts:
    added: int = 0
    moved: int = 0
    removed: int = 0
    #: Blocks changed in place: pinned, unpinned, done, missed.
    updated: int = 0


def _counts(removed: Sequence[Span], added: Sequence[Span]) -> Counts:
    # A block of a task that went and one of the same task that came is that block moved.
    gone = Counter(span.task_id for span in removed if span.task_id is not None)
    came = Counter(span.task_id for span in added if span.task_id is not None)
    moved = sum(min(count, came[task_id]) for task_id, count in gone.items())
    return Counts(added=len(added) - moved, moved=moved, removed=len(removed) - moved)


async def record_plan(
    session: AsyncSession,
    user_id: uuid.UUID,
    *,
    removed: Sequence[Span],
    added: Sequence[Span],
    cause: str,
    run_id: uuid.UUID,
) -> None:
    """One event per company whose blocks an applied plan added, moved or removed; none where nothing changed."""
    for company_id in sorted({span.company_id for span in (*removed, *added)}):
        gone = [span for span in removed if span.company_id == company_id]
        came = [span for span in added if span.company_id == company_id]
        await _record(session, user_id, company_id, [*gone, *came], _counts(gone, came), cause, run_id)


async def record_block(session: AsyncSession, block: TimeBlock, cause: str) -> None:
    """A block changed in place (pinned, unpinned, done, missed)."""
    span = Span(block.company_id, block.task_id, block.starts_at, block.ends_at)
    await _record(session, block.user_id, block.company_id, [span], Counts(updated=1), cause, None)


async def _record(
    session: AsyncSession,
    user_id: uuid.UUID,
    company_id: uuid.UUID,
    spans: Sequence[Span],
    counts: Counts,
    cause: str,
    run_id: uuid.UUID | None,
) -> None:
    data = {
        "schedule": {
            "user_id": str(user_id),
            "cause": cause,
            "run_id": None if run_id is None else str(run_id),
            "added": counts.added,
            "moved": counts.moved,
            "removed": counts.removed,
            "updated": counts.updated,
            "starts_at": min(span.starts_at for span in spans).astimezone(UTC).isoformat(),
            "ends_at": max(span.ends_at for span in spans).astimezone(UTC).isoformat(),
        }
    }
    await record(session, EventType.SCHEDULE_UPDATED, company_id=company_id, subject_id=user_id, data=data)
