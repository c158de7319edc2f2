"""Ordered checklists inside a task. Positions are kept dense (0, 1, 2, ...) within each task."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Subtask
from domain.db_errors import delete_visible, refusals
from domain.lookups import get_one
from domain.tasks.service import REFUSED, get_task
from domain.validation import Checks


def _check_title(title: str | None) -> None:
    checks = Checks()
    checks.text("title", title, max_length=500)
    checks.raise_if_any()


async def _siblings(session: AsyncSession, task_id: uuid.UUID) -> list[Subtask]:
    statement = (
        sa.select(Subtask)
        .where(Subtask.task_id == task_id)  # type: ignore[arg-type]
        .order_by(Subtask.position, Subtask.id)  # type: ignore[arg-type]
        .with_for_update()
    )
    return list((await session.execute(statement)).scalars())


def _place(siblings: list[Subtask], subtask: Subtask, position: int | None) -> None:
    ordered = [s for s in siblings if s.id != subtask.id]
    index = len(ordered) if position is None else max(0, min(position, len(ordered)))
    ordered.insert(index, subtask)
    for number, sibling in enumerate(ordered):
        sibling.position = number


async def add_subtask(session: AsyncSession, *, task_id: uuid.UUID, title: str, position: int | None) -> Subtask:
    _check_title(title)
    task = await get_task(session, task_id)
    siblings = await _siblings(session, task_id)
    subtask = Subtask(company_id=task.company_id, task_id=task_id, title=title.strip())
    _place(siblings, subtask, position)
    async with refusals(refused=REFUSED):
        session.add(subtask)
        await session.flush()
    return subtask


async def update_subtask(
    session: AsyncSession, subtask_id: uuid.UUID, *, title: str | None, done: bool | None, position: int | None
) -> Subtask:
    _check_title(title)
    subtask = await get_one(session, Subtask, subtask_id, what="Subtask")
    if title is not None:
        subtask.title = title.strip()
    if done is not None:
        subtask.done = done
    if position is not None:
        _place(await _siblings(session, subtask.task_id), subtask, position)
    async with refusals(refused=REFUSED):
        await session.flush()
    return subtask


async def delete_subtask(session: AsyncSession, subtask_id: uuid.UUID) -> None:
    subtask = await get_one(session, Subtask, subtask_id, what="Subtask")
    task_id = subtask.task_id
    await delete_visible(session, Subtask, subtask_id, what="Subtask", refused=REFUSED)
    # Close the gap the item leaves, so the positions stay dense.
    for number, sibling in enumerate(await _siblings(session, task_id)):
        sibling.position = number
    async with refusals(refused=REFUSED):
        await session.flush()
