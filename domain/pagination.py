"""Keyset pagination: cursors hold the sort key of the last row, so a page costs the same at any depth.

`page_of` pages one list; `pages_per_parent` pages the children of many parents in one statement, with a
LATERAL join that walks each parent's index once (the dataloaders' batched form); `rows_per_parent` does the
same with tuples for rows, and `pages_two_levels_down` pages children and, for each child, its own children,
with a second LATERAL join in the same statement.
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
    """`first` rows after `after`; or, `backward`, the last `first` rows (before `before`, when given)."""

    first: int
    after: str | None = None
    before: str | None = None
    backward: bool = False


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


def decode_cursor(sort: SortKey, cursor: str, field: str = "after") -> list[Any]:
    try:
        name, *raw = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        if name != sort.name or len(raw) != len(sort.parsers):
            raise ValueError("cursor of another ordering")
        return [parse(value) for parse, value in zip(sort.parsers, raw, strict=True)]
    # The payload is the client's JSON: any value may stand where a string was (AttributeError from uuid.UUID).
    except (ValueError, TypeError, AttributeError, OverflowError, binascii.Error, json.JSONDecodeError):
        raise invalid(field, "Is not a cursor of this list in this order.") from None


_ALIASES: dict[tuple[type[Any], str], Any] = {}


def alias_of(entity: type[Any], role: str) -> Any:
    """One alias of `entity` per role in a statement (a LATERAL page, its sub-page), made once: a fresh alias
    builds a proxy of every column it touches, about a millisecond per request, several times the cost of
    the rest of the statement's construction. An alias holds no state of its own, so requests share it."""
    found = _ALIASES.get((entity, role))
    if found is None:
        found = _ALIASES[(entity, role)] = aliased(entity)
    return found


def _keyset(sort: SortKey, entity: Any, request: PageRequest) -> list[ColumnElement[bool]]:
    """The rows beyond the request's cursor, in the direction it walks."""
    cursor, field = (request.before, "before") if request.backward else (request.after, "after")
    if not cursor:
        return []
    columns = sa.tuple_(*sort.columns(entity))
    values = sa.tuple_(*decode_cursor(sort, cursor, field))
    # Ascending and forward, or descending and backward: the larger keys.
    return [columns > values if sort.descending == request.backward else columns < values]


def _ordered(sort: SortKey, entity: Any, backward: bool = False) -> list[ColumnElement[Any]]:
    """The list's order; backward, its reverse (nearest the `before` cursor first)."""
    descending = sort.descending != backward
    return [column.desc() if descending else column.asc() for column in sort.columns(entity)]


def _page(sort: SortKey, rows: list[T], request: PageRequest) -> Page[T]:
    kept = rows[: request.first]
    more = len(rows) > request.first
    if request.backward:
        kept.reverse()  # read nearest the cursor first, shown in the list's order
    return Page(
        rows=kept,
        cursors=[encode_cursor(sort, row) for row in kept],
        has_next_page=request.before is not None if request.backward else more,
        has_previous_page=more if request.backward else request.after is not None,
    )


async def page_of(
    session: AsyncSession,
    entity: type[T],
    conditions: Sequence[ColumnElement[bool]],
    sort: SortKey,
    request: PageRequest,
) -> Page[T]:
    where = [*conditions, *_keyset(sort, entity, request)]
    ordered = _ordered(sort, entity, request.backward)
    statement = sa.select(entity).where(*where).order_by(*ordered).limit(request.first + 1)
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
    child = alias_of(entity, "page")
    where = [getattr(child, parent_column) == parents.c.id, *conditions(child), *_keyset(sort, child, request)]
    ordered = _ordered(sort, child, request.backward)
    inner = sa.select(child).where(*where).order_by(*ordered).limit(request.first + 1).lateral("page")
    page_rows = aliased(entity, inner)
    statement = sa.select(parents.c.id, page_rows).select_from(parents).join(inner, sa.true())
    grouped: dict[uuid.UUID, list[T]] = {parent_id: [] for parent_id in parent_ids}
    for parent_id, row in await session.execute(statement):
        grouped[parent_id].append(row)
    return {parent_id: _page(sort, rows, request) for parent_id, rows in grouped.items()}


R = TypeVar("R")
G = TypeVar("G")


@dataclass(frozen=True, slots=True)
class Children(Generic[R]):
    """One level of a nested page: which rows, under which parent column, filtered and ordered how, read as
    plain tuples (`make` builds one from `fields`, the entity's attribute names): a list shows its rows and
    throws them away, and an ORM instance costs several times the tuple."""

    entity: type[Any]
    parent_column: str
    conditions: Callable[[Any], Sequence[ColumnElement[bool]]]
    sort: SortKey
    request: PageRequest
    fields: Sequence[str]
    make: Callable[[Sequence[Any]], R]

    def lateral(self, parent_id: Any, name: str) -> Any:
        child = alias_of(self.entity, name)
        where = [
            getattr(child, self.parent_column) == parent_id,
            *self.conditions(child),
            *_keyset(self.sort, child, self.request),
        ]
        columns = [getattr(child, field) for field in self.fields]
        ordered = sa.select(*columns).where(*where).order_by(*_ordered(self.sort, child, self.request.backward))
        return ordered.limit(self.request.first + 1).lateral(name)


def _parents(parent_ids: Sequence[uuid.UUID]) -> Any:
    return sa.func.unnest(sa.cast(list(parent_ids), sa.ARRAY(sa.Uuid))).table_valued("id").render_derived()


async def rows_per_parent(
    session: AsyncSession, parent_ids: Sequence[uuid.UUID], children: Children[R]
) -> dict[uuid.UUID, Page[R]]:
    """`pages_per_parent`, with the rows as tuples."""
    parents = _parents(parent_ids)
    page = children.lateral(parents.c.id, "page")
    statement = sa.select(parents.c.id, page).select_from(parents).join(page, sa.true())
    grouped: dict[uuid.UUID, list[R]] = {parent_id: [] for parent_id in parent_ids}
    for parent_id, *values in await session.execute(statement):
        grouped[parent_id].append(children.make(values))
    return {parent_id: _page(children.sort, rows, children.request) for parent_id, rows in grouped.items()}


async def pages_two_levels_down(
    session: AsyncSession, parent_ids: Sequence[uuid.UUID], children: Children[R], grandchildren: Children[G]
) -> tuple[dict[uuid.UUID, Page[R]], dict[uuid.UUID, Page[G]]]:
    """The first page of children of each parent and the first page of grandchildren of each child shown, in one
    statement: the children's LATERAL page, and inside it each child's (a left join: a child may have none).

    Children are keyed by parent id, grandchildren by child id (the child's `id`, its first field).
    """
    parents = _parents(parent_ids)
    child_page = children.lateral(parents.c.id, "page")
    grandchild_page = grandchildren.lateral(child_page.c.id, "subpage")
    statement = (
        sa.select(parents.c.id, child_page, grandchild_page)
        .select_from(parents)
        .join(child_page, sa.true())
        .outerjoin(grandchild_page, sa.true())
    )
    width = len(children.fields)
    child_rows: dict[uuid.UUID, list[R]] = {parent_id: [] for parent_id in parent_ids}
    child_ids: dict[uuid.UUID, list[uuid.UUID]] = {parent_id: [] for parent_id in parent_ids}
    grandchild_rows: dict[uuid.UUID, list[G]] = {}
    for parent_id, *values in await session.execute(statement):
        child_id: uuid.UUID = values[0]
        if child_id not in grandchild_rows:
            # The LATERAL joins keep each page's order; a child repeats once per grandchild.
            child_rows[parent_id].append(children.make(values[:width]))
            child_ids[parent_id].append(child_id)
            grandchild_rows[child_id] = []
        if values[width] is not None:
            grandchild_rows[child_id].append(grandchildren.make(values[width:]))
    child_pages = {parent_id: _page(children.sort, rows, children.request) for parent_id, rows in child_rows.items()}
    # Only the children shown: the one read to learn whether more follow is not on the page.
    shown = (child_id for ids in child_ids.values() for child_id in ids[: children.request.first])
    grandchild_pages = {
        child_id: _page(grandchildren.sort, grandchild_rows[child_id], grandchildren.request) for child_id in shown
    }
    return child_pages, grandchild_pages


def parse_uuid(value: str) -> uuid.UUID:
    return uuid.UUID(value)


def parse_datetime(value: str) -> datetime:
    # In UTC now, so an instant the database cannot take (year 1 at +05:00) fails here with OverflowError.
    parsed = datetime.fromisoformat(value)
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)
