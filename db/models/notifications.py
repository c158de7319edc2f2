"""In-app notifications and each person's notification preferences."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlmodel import Field, SQLModel

from db.models._base import empty_list, id_field, tenant_field, timestamp_field


class NotificationType(enum.StrEnum):
    TASK_ASSIGNED = "task_assigned"
    TASK_COMPLETED = "task_completed"
    TASK_DUE_SOON = "task_due_soon"
    TASK_OVERDUE = "task_overdue"
    MEMBER_ADDED = "member_added"
    WEBHOOK_ENDPOINT_DISABLED = "webhook_endpoint_disabled"
    CALENDAR_NEEDS_REAUTHORIZATION = "calendar_needs_reauthorization"
    DATA_EXPORT_READY = "data_export_ready"


class Notification(SQLModel, table=True):
    __tablename__ = "notifications"

    id: uuid.UUID = id_field()
    company_id: uuid.UUID = tenant_field()
    # The recipient, a member of the company.
    user_id: uuid.UUID
    type: str
    title: str = Field(max_length=300)
    body: str = Field(default="", max_length=2000)
    subject_id: uuid.UUID | None = None
    event_id: uuid.UUID | None = None
    dedupe_key: str = Field(max_length=300)
    read_at: datetime | None = timestamp_field(nullable=True)
    emailed_at: datetime | None = timestamp_field(nullable=True)
    created_at: datetime = timestamp_field(default_now=True)


DEFAULT_DUE_SOON_HOURS = 24


class NotificationPreferences(SQLModel, table=True):
    """No row means the defaults: email on, nothing muted, due soon a day ahead."""

    __tablename__ = "notification_preferences"

    user_id: uuid.UUID = Field(primary_key=True)
    email_enabled: bool = True
    muted_types: list[str] = Field(
        default_factory=empty_list, sa_column=sa.Column(postgresql.ARRAY(sa.Text), nullable=False)
    )
    due_soon_hours: int = DEFAULT_DUE_SOON_HOURS
    updated_at: datetime = timestamp_field(default_now=True)
