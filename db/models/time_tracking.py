from __future__ import annotations

import uuid
from datetime import datetime

from sqlmodel import Field, SQLModel

from db.models._base import id_field, tenant_field, timestamp_field


class TimeEntry(SQLModel, table=True):
    __tablename__ = "time_entries"

    id: uuid.UUID = id_field()
    company_id: uuid.UUID = tenant_field()
    user_id: uuid.UUID
    task_id: uuid.UUID | None = None
    started_at: datetime = timestamp_field(default_now=True)
    # A running timer has no end; the database allows one per person.
    ended_at: datetime | None = timestamp_field(nullable=True)
    note: str = Field(default="", max_length=2000)
    created_at: datetime = timestamp_field(default_now=True)
