"""Column helpers shared by every table."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field

from base.clock import utcnow


# Default factories written in Python: pydantic inspects a factory's signature each time a model is built, and
# for a builtin such as `list` that means parsing its text signature (about half of building a Task).
def empty_list() -> list[Any]:
    return []


def empty_dict() -> dict[str, Any]:
    return {}


def id_field() -> Any:
    # Keys are made in Python so an INSERT needs no RETURNING, which RLS would check against SELECT policies.
    return Field(default_factory=uuid.uuid4, primary_key=True)


def timestamp_field(*, nullable: bool = False, default_now: bool = False) -> Any:
    column = sa.Column(sa.DateTime(timezone=True), nullable=nullable)
    if default_now:
        return Field(default_factory=utcnow, sa_column=column)
    return Field(default=None, sa_column=column)


def tenant_field() -> Any:
    return Field(sa_column=sa.Column(sa.Uuid, nullable=False, index=True))
