"""Relay connections over keyset pages: `XConnection { edges { cursor node } nodes pageInfo }`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Generic, TypeVar

import strawberry
from strawberry import relay

from domain.errors import invalid
from domain.pagination import Page, PageRequest

NodeT = TypeVar("NodeT")
ModelT = TypeVar("ModelT")

DEFAULT_PAGE_SIZE = 20

First = Annotated[
    int | None,
    strawberry.argument(
        description="How many items to return: 20 unless given, at most the server limit (100 by default)."
    ),
]
After = Annotated[str | None, strawberry.argument(description="Continue after this cursor (an edge's `cursor`).")]
Last = Annotated[
    int | None,
    strawberry.argument(
        description="Going back: how many items to return from the end (or before `before`), in the list's order; "
        "not with `first` or `after`."
    ),
]
Before = Annotated[
    str | None, strawberry.argument(description="Go back from this cursor (an edge's `cursor`), with `last`.")
]


@strawberry.type(description="One item of a connection, with the cursor to continue after it.")
class Edge(Generic[NodeT]):
    cursor: str = strawberry.field(description="Pass as `after` to continue after this item.")
    node: NodeT = strawberry.field(description="The item.")


@strawberry.type(description="A page of a list, in the requested order, with cursors to go on.")
class Connection(Generic[NodeT]):
    edges: list[Edge[NodeT]] = strawberry.field(description="The items of this page with their cursors.")
    page_info: relay.PageInfo = strawberry.field(description="Whether more items follow, and where.")

    @strawberry.field(description="The items of this page, without cursors.")
    def nodes(self) -> list[NodeT]:
        return [edge.node for edge in self.edges]


def page_request(
    first: int | None,
    after: str | None,
    max_page_size: int,
    *,
    last: int | None = None,
    before: str | None = None,
) -> PageRequest:
    if last is None and before is None:
        size = DEFAULT_PAGE_SIZE if first is None else first
        if not 0 <= size <= max_page_size:
            raise invalid("first", f"Must be between 0 and {max_page_size}.")
        return PageRequest(first=size, after=after or None)
    if first is not None or after is not None:
        raise invalid("last", "Give `first` and `after`, or `last` and `before`, not both.")
    size = DEFAULT_PAGE_SIZE if last is None else last
    if not 0 <= size <= max_page_size:
        raise invalid("last", f"Must be between 0 and {max_page_size}.")
    return PageRequest(first=size, before=before or None, backward=True)


def connection_of(page: Page[ModelT], convert: Callable[[ModelT], NodeT]) -> Connection[NodeT]:
    edges = [Edge(cursor=cursor, node=convert(row)) for row, cursor in zip(page.rows, page.cursors, strict=True)]
    return Connection(
        edges=edges,
        page_info=relay.PageInfo(
            has_next_page=page.has_next_page,
            has_previous_page=page.has_previous_page,
            start_cursor=page.cursors[0] if page.cursors else None,
            end_cursor=page.cursors[-1] if page.cursors else None,
        ),
    )
