"""The outbox of domain events and the ledger of jobs that took effect."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlmodel import Field, SQLModel

from db.models._base import empty_dict, id_field, tenant_field, timestamp_field


class OutboxEvent(SQLModel, table=True):
    __tablename__ = "outbox"

    id: uuid.UUID = id_field()
    company_id: uuid.UUID = tenant_field()
    type: str
    subject_id: uuid.UUID | None = None
    actor_user_id: uuid.UUID | None = None
    payload: dict[str, Any] = Field(default_factory=empty_dict, sa_column=sa.Column(postgresql.JSONB, nullable=False))
    created_at: datetime = timestamp_field(default_now=True)
    claimed_until: datetime | None = timestamp_field(nullable=True)
    # First handed to the broker; `completed_at` once every reaction ran (the event is done only then).
    published_at: datetime | None = timestamp_field(nullable=True)
    completed_at: datetime | None = timestamp_field(nullable=True)
    # Dispatched `dispatches` times without completing, then given up (and recorded as a dead letter).
    given_up_at: datetime | None = timestamp_field(nullable=True)
    dispatches: int = 0
    # The W3C trace context of the request that wrote it, handed on to the jobs it causes (0015).
    trace_context: dict[str, str] | None = Field(default=None, sa_column=sa.Column(postgresql.JSONB, nullable=True))


class JobRun(SQLModel, table=True):
    __tablename__ = "job_runs"

    job_key: str = Field(primary_key=True)
    company_id: uuid.UUID = tenant_field()
    created_at: datetime = timestamp_field(default_now=True)
