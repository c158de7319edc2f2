"""Column helpers shared by every table."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field

from base.clock import utcnow


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
