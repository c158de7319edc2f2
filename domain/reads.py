"""What the areas' reads share: rows by ids in one statement, `= ANY` of an id array, the created-at order."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession

from domain.pagination import (
    SortKey,
    parse_datetime,
    parse_uuid,
)

T = TypeVar("T")


def any_of(ids: Sequence[uuid.UUID]) -> Any:
    """`= ANY($1)` with one array parameter: the same SQL text (and prepared statement) for any number of ids."""
    return sa.any_(sa.bindparam("ids", list(ids), type_=postgresql.ARRAY(sa.Uuid)))


async def by_ids(session: AsyncSession, entity: type[T], ids: Sequence[uuid.UUID]) -> list[T | None]:
    """Rows of `entity` in the order of `ids`, None where the caller cannot see one."""
    statement = sa.select(entity).where(entity.id == any_of(ids))  # type: ignore[attr-defined]
    found: dict[uuid.UUID, T] = {row.id: row for row in (await session.execute(statement)).scalars()}  # type: ignore[attr-defined]
    return [found.get(row_id) for row_id in ids]


def created_order(name: str) -> SortKey:
    return SortKey(
        name=f"{name}:created_at",
        columns=lambda row: [row.created_at, row.id],
        values=lambda row: [row.created_at, row.id],
        parsers=[parse_datetime, parse_uuid],
    )
