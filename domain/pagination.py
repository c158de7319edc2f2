"""Keyset pagination: cursors hold the sort key of the last row, so a page costs the same at any depth.

`page_of` pages one list; `pages_per_parent` pages the children of many parents in one statement, with a
LATERAL join that walks each parent's index once (the dataloaders' batched form).
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement

from domain.errors import invalid

T = TypeVar("T")
Parser = Callable[[str], Any]


@dataclass(frozen=True, slots=True)
class SortKey:
    """An ordering: the columns compared (the row id last, as tie-breaker) and how to read them back."""

    name: str
    columns: Callable[[Any], Sequence[ColumnElement[Any]]]
    values: Callable[[Any], Sequence[Any]]
    parsers: Sequence[Parser]
    descending: bool = False


@dataclass(frozen=True, slots=True)
class PageRequest:
    first: int
    after: str | None = None


@dataclass(slots=True)
class Page(Generic[T]):
    rows: list[T]
    cursors: list[str]
    has_next_page: bool
    has_previous_page: bool


def _text(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def encode_cursor(sort: SortKey, row: Any) -> str:
    payload = json.dumps([sort.name, *(_text(value) for value in sort.values(row))], separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode()


def decode_cursor(sort: SortKey, cursor: str) -> list[Any]:
    try:
        name, *raw = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        if name != sort.name or len(raw) != len(sort.parsers):
            raise ValueError("cursor of another ordering")
        return [parse(value) for parse, value in zip(sort.parsers, raw, strict=True)]
    # The payload is the client's JSON: any value may stand where a string was (AttributeError from uuid.UUID).
    except (ValueError, TypeError, AttributeError, OverflowError, binascii.Error, json.JSONDecodeError):
        raise invalid("after", "Is not a cursor of this list in this order.") from None


def _after(sort: SortKey, entity: Any, cursor: str) -> ColumnElement[bool]:
    columns = sa.tuple_(*sort.columns(entity))
    values = sa.tuple_(*decode_cursor(sort, cursor))
    return columns < values if sort.descending else columns > values


def _ordered(sort: SortKey, entity: Any) -> list[ColumnElement[Any]]:
    return [column.desc() if sort.descending else column.asc() for column in sort.columns(entity)]


def _page(sort: SortKey, rows: list[T], request: PageRequest) -> Page[T]:
    kept = rows[: request.first]
    return Page(
        rows=kept,
        cursors=[encode_cursor(sort, row) for row in kept],
        has_next_page=len(rows) > request.first,
        has_previous_page=request.after is not None,
    )


async def page_of(
    session: AsyncSession,
    entity: type[T],
    conditions: Sequence[ColumnElement[bool]],
    sort: SortKey,
    request: PageRequest,
) -> Page[T]:
    where = list(conditions)
    if request.after:
        where.append(_after(sort, entity, request.after))
    statement = sa.select(entity).where(*where).order_by(*_ordered(sort, entity)).limit(request.first + 1)
    rows = list((await session.execute(statement)).scalars())
    return _page(sort, rows, request)


async def pages_per_parent(
    session: AsyncSession,
    entity: type[T],
    parent_column: str,
    parent_ids: Sequence[uuid.UUID],
    conditions: Callable[[Any], Sequence[ColumnElement[bool]]],
    sort: SortKey,
    request: PageRequest,
) -> dict[uuid.UUID, Page[T]]:
    """The first page of children for each parent, in one statement."""
    parents = sa.func.unnest(sa.cast(list(parent_ids), sa.ARRAY(sa.Uuid))).table_valued("id").render_derived()
    child = aliased(entity)
    where = [getattr(child, parent_column) == parents.c.id, *conditions(child)]
    if request.after:
        where.append(_after(sort, child, request.after))
    inner = sa.select(child).where(*where).order_by(*_ordered(sort, child)).limit(request.first + 1).lateral("page")
    page_rows = aliased(entity, inner)
    statement = sa.select(parents.c.id, page_rows).select_from(parents).join(inner, sa.true())
    grouped: dict[uuid.UUID, list[T]] = {parent_id: [] for parent_id in parent_ids}
    for parent_id, row in await session.execute(statement):
        grouped[parent_id].append(row)
    return {parent_id: _page(sort, rows, request) for parent_id, rows in grouped.items()}


def parse_uuid(value: str) -> uuid.UUID:
    return uuid.UUID(value)


def parse_datetime(value: str) -> datetime:
    # In UTC now, so an instant the database cannot take (year 1 at +05:00) fails here with OverflowError.
    parsed = datetime.fromisoformat(value)
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)
