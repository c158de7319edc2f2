"""An operation as one server spells it, and a row's operations by server."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from typing import Any

from bench.dashboard.queries import Case

# A client-made id, new in every request that carries it: PostGraphile's createTask names the new row's id (the
# `tasks.id` column has no default). wrk.lua fills it in the same way.
FRESH_ID = "@FRESH-UUID@"
_FRESH_ID = FRESH_ID.encode()


def with_fresh_ids(body: bytes) -> bytes:
    return body.replace(_FRESH_ID, str(uuid.uuid4()).encode()) if _FRESH_ID in body else body


@dataclass(frozen=True, slots=True)
class Cursor:
    """A cursor variable that only the running server can fill: the `endCursor` of `first_page`'s answer to the
    same variables (without this one), asked once during setup. PostGraphile's cursors are its own format."""

    first_page: str
    variable: str


@dataclass(frozen=True, slots=True)
class Operation:
    document: str
    variables: tuple[dict[str, Any], ...]
    # One document for each set of variables, when the operation mixes them (reads and writes).
    documents: tuple[str, ...] | None = None
    cursor: Cursor | None = None

    def bodies(self) -> list[tuple[str, dict[str, Any]]]:
        documents = self.documents or (self.document,) * len(self.variables)
        return list(zip(documents, self.variables, strict=True))

    def with_cursors(self, cursors: list[str | None]) -> Operation:
        """The operation with its cursor variable filled, one cursor for each set of variables."""
        if self.cursor is None:
            return self
        name = self.cursor.variable
        filled = tuple(variables | {name: cursor} for variables, cursor in zip(self.variables, cursors, strict=True))
        return replace(self, variables=filled, cursor=None)


@dataclass(frozen=True, slots=True)
class Pair:
    """One operation as each server spells it, run by the same person."""

    name: str
    email: str
    by_server: dict[str, Operation]
    # SQL run by the superuser after the row, to take out what its writes added (created tasks, timers), so the
    # rows after it and the next run read the data set as loaded.
    cleanup: str | None = None
    # The most clients the row makes sense for: one person starts one timer at a time (the next stops it), so
    # sixteen of one person's clients at once measure waits on that person's running timer, which no frontend does.
    max_clients: int | None = None


def rhythm_only(case: Case) -> Pair:
    """A row that PostGraphile has no document for: Rhythm's figures alone."""
    return Pair(name=case.name, email=case.email, by_server={"rhythm": Operation(case.document, case.variables)})


def end_cursor(data: Any) -> str | None:
    """The `endCursor` of the one `pageInfo` in an answer."""
    if isinstance(data, dict):
        info = data.get("pageInfo")
        if isinstance(info, dict) and "endCursor" in info:
            return info["endCursor"]  # type: ignore[no-any-return]
        values: Any = data.values()
    elif isinstance(data, list):
        values = data
    else:
        return None
    for value in values:
        found = end_cursor(value)
        if found is not None:
            return found
    return None
