"""The record of dead-lettered messages: what the workers gave up on, and what people decided about it."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlmodel import Field, SQLModel

from db.models._base import empty_dict, id_field, tenant_field, timestamp_field


class DeadLetterState(enum.StrEnum):
    DEAD = "dead"
    REPLAYING = "replaying"
    REPLAYED = "replayed"
    DISCARDING = "discarding"
    DISCARDED = "discarded"


class DeadLetter(SQLModel, table=True):
    __tablename__ = "dead_letters"

    id: uuid.UUID = id_field()
    company_id: uuid.UUID = tenant_field()
    queue: str
    actor: str
    message_id: str
    broker_message_id: str | None = None
    message: dict[str, Any] = Field(default_factory=empty_dict, sa_column=sa.Column(postgresql.JSONB, nullable=False))
    reason: str = Field(max_length=1000)
    attempts: int = 0
    failed_at: datetime = timestamp_field(default_now=True)
    state: str = DeadLetterState.DEAD.value
    replay_count: int = 0
    resolved_by: uuid.UUID | None = None
    resolved_at: datetime | None = timestamp_field(nullable=True)
    claimed_until: datetime | None = timestamp_field(nullable=True)
    updated_at: datetime = timestamp_field(default_now=True)
