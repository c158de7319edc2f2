"""Shared pieces of Node types: loading by global id through the dataloaders."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from strawberry.dataloader import DataLoader

from resolvers.ids import parse_uuid

ModelT = TypeVar("ModelT")
NodeT = TypeVar("NodeT")


async def nodes_by_ids(
    loader: DataLoader[Any, ModelT | None], node_ids: Iterable[str], convert: Callable[[ModelT], NodeT]
) -> list[NodeT | None]:
    """Nodes in the order of `node_ids`; None for an id that is malformed or that the caller cannot see."""
    ids = [parse_uuid(node_id) for node_id in node_ids]
    rows = await loader.load_many([row_id for row_id in ids if row_id is not None])
    found = iter(rows)
    return [None if row_id is None else _convert(next(found), convert) for row_id in ids]


def _convert(row: ModelT | None, convert: Callable[[ModelT], NodeT]) -> NodeT | None:
    return None if row is None else convert(row)


def required(row: ModelT | None) -> ModelT:
    # A row the caller can see always refers to rows the caller can see; if not, it is a bug worth a 500.
    if row is None:
        raise LookupError("A related row is not visible to the caller.")
    return row
