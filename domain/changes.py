"""A marker for "leave this field as it is", distinct from None ("clear this field")."""

from __future__ import annotations

import enum
from typing import TypeVar, Union

T = TypeVar("T")


class Unchanged(enum.Enum):
    UNCHANGED = "unchanged"


UNCHANGED = Unchanged.UNCHANGED

Change = Union[T, Unchanged]  # noqa: UP007  (a generic alias mypy can read)
