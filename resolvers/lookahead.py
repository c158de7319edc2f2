"""Look-ahead for lists: load what the items' fields will ask for before the items resolve.

A list resolver that knows its items' selection warms the dataloaders with every item's keys in one batch. The
items' fields then find their rows already loaded and resolve synchronously: no coroutine, future or task per
item, which is most of what GraphQL execution costs on a nested list. A field resolved outside such a list (a
node by id, a mutation's payload) still loads through the dataloader, batched with its siblings.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Iterable
from inspect import isawaitable
from typing import TypeVar

from strawberry.dataloader import DataLoader
from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField, Selection

from resolvers.context import Info

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
R = TypeVar("R")

# The fields of a connection whose selections are the items': `nodes { ... }` and `edges { node { ... } }`.
_ITEM_PATHS: dict[str, tuple[str, ...]] = {"nodes": (), "edges": ("node",)}


def _fields(selections: Iterable[Selection]) -> list[SelectedField]:
    """The fields of a selection set, with fragments (named and inline) flattened into it."""
    found: list[SelectedField] = []
    for selection in selections:
        if isinstance(selection, SelectedField):
            found.append(selection)
        elif isinstance(selection, FragmentSpread | InlineFragment):
            found.extend(_fields(selection.selections))
    return found


def item_selections(info: Info) -> list[SelectedField]:
    """The fields selected on the items of the connection being resolved, as many times as selected.

    A field under `@include` or `@skip` is left out: loading ahead for it might load what is not asked for.
    """
    found: list[SelectedField] = []
    for connection in _fields(info.selected_fields):
        for field in _fields(connection.selections):
            path = _ITEM_PATHS.get(field.name)
            if path is None:
                continue
            level = [field]
            for step in path:
                level = [child for parent in level for child in _fields(parent.selections) if child.name == step]
            found.extend(child for parent in level for child in _fields(parent.selections) if not child.directives)
    return found


def item_fields(info: Info) -> frozenset[str]:
    """The names (as in the schema) of the fields selected on the items of the connection being resolved."""
    return frozenset(field.name for field in item_selections(info))


async def warm(loader: DataLoader[K, V], keys: Iterable[K | None]) -> None:
    """Load every key (None skipped) in one batch, so later `loaded` calls find them."""
    distinct = list(dict.fromkeys(key for key in keys if key is not None))
    if distinct:
        await loader.load_many(distinct)


def loaded(loader: DataLoader[K, V], key: K) -> V | Awaitable[V]:
    """The value when an earlier batch has loaded it; otherwise the dataloader's awaitable, batched as usual."""
    future = loader.cache_map.get(key)
    if future is not None and future.done() and not future.cancelled() and future.exception() is None:
        return future.result()
    return loader.load(key)


def then(value: V | Awaitable[V], convert: Callable[[V], R]) -> R | Awaitable[R]:
    """`convert(value)` now, or once the awaitable is done: a resolver stays synchronous when its data is there."""
    if isawaitable(value):
        return _converted(value, convert)
    return convert(value)


async def _converted(value: Awaitable[V], convert: Callable[[V], R]) -> R:
    return convert(await value)
