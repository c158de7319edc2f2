"""Focus sessions: one person's pomodoro, deep-work or custom sessions, their pauses and ratings."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlmodel import Field, SQLModel

from db.models._base import id_field, tenant_field, timestamp_field


class FocusKind(enum.StrEnum):
    POMODORO = "pomodoro"
    DEEP_WORK = "deep_work"
    CUSTOM = "custom"


class FocusState(enum.StrEnum):
    RUNNING = "running"
    PAUSED = "paused"
    COMPLETED = "completed"
    ABANDONED = "abandoned"


class FocusSession(SQLModel, table=True):
    __tablename__ = "focus_sessions"

    id: uuid.UUID = id_field()
    company_id: uuid.UUID = tenant_field()
    user_id: uuid.UUID
    task_id: uuid.UUID | None = None
    kind: str = FocusKind.POMODORO.value
    planned_minutes: int = 25
    state: str = FocusState.RUNNING.value
    started_at: datetime = timestamp_field(default_now=True)
    # While paused: when the pause began. Earlier pauses are summed in `paused_seconds`.
    paused_at: datetime | None = timestamp_field(nullable=True)
    paused_seconds: int = 0
    ended_at: datetime | None = timestamp_field(nullable=True)
    focus_rating: int | None = None
    productivity_rating: int | None = None
    note: str = Field(default="", max_length=2000)
    # The finished time entry a completed session on a task recorded.
    time_entry_id: uuid.UUID | None = None
    created_at: datetime = timestamp_field(default_now=True)
    updated_at: datetime = timestamp_field(default_now=True)
