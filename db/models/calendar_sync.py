"""Calendar sync: connections to Google Calendar and Microsoft Outlook, their calendars, sync cursors, the links
between Rhythm's blocks and the provider's events, and push channels (migration 0013)."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from db.models._base import id_field, tenant_field, timestamp_field


class CalendarProvider(enum.StrEnum):
    GOOGLE = "google"
    MICROSOFT = "microsoft"


class ConnectionState(enum.StrEnum):
    ACTIVE = "active"
    NEEDS_REAUTHORIZATION = "needs_reauthorization"
    ERROR = "error"


class CalendarConnection(SQLModel, table=True):
    __tablename__ = "calendar_connections"

    id: uuid.UUID = id_field()
    company_id: uuid.UUID = tenant_field()
    user_id: uuid.UUID
    provider: str
    account_email: str = Field(max_length=320)
    state: str = ConnectionState.ACTIVE.value
    state_reason: str | None = Field(default=None, max_length=500)
    # Fernet tokens: see domain/calendar_sync/secrets.py.
    access_token: bytes = Field(sa_column=sa.Column(sa.LargeBinary, nullable=False))
    refresh_token: bytes | None = Field(default=None, sa_column=sa.Column(sa.LargeBinary, nullable=True))
    token_expires_at: datetime | None = timestamp_field(nullable=True)
    scopes: str = ""
    last_synced_at: datetime | None = timestamp_field(nullable=True)
    next_sync_at: datetime | None = timestamp_field(nullable=True)
    failures: int = 0
    created_at: datetime = timestamp_field(default_now=True)
    updated_at: datetime = timestamp_field(default_now=True)


class ExternalCalendar(SQLModel, table=True):
    __tablename__ = "external_calendars"

    id: uuid.UUID = id_field()
    company_id: uuid.UUID = tenant_field()
    user_id: uuid.UUID
    connection_id: uuid.UUID
    # The Rhythm calendar (source external) that mirrors it; its affects_availability is the busy choice.
    calendar_id: uuid.UUID
    external_id: str = Field(max_length=1024)
    name: str = Field(max_length=500)
    is_primary: bool = False
    receives_blocks: bool = False
    created_at: datetime = timestamp_field(default_now=True)
    updated_at: datetime = timestamp_field(default_now=True)


class CalendarSyncCursor(SQLModel, table=True):
    __tablename__ = "calendar_sync_cursors"

    external_calendar_id: uuid.UUID = Field(primary_key=True)
    company_id: uuid.UUID = tenant_field()
    user_id: uuid.UUID
    cursor: str
    window_start: datetime | None = timestamp_field(nullable=True)
    window_end: datetime | None = timestamp_field(nullable=True)
    updated_at: datetime = timestamp_field(default_now=True)


class CalendarBlockLink(SQLModel, table=True):
    __tablename__ = "calendar_block_links"

    id: uuid.UUID = id_field()
    company_id: uuid.UUID = tenant_field()
    user_id: uuid.UUID
    external_calendar_id: uuid.UUID
    time_block_id: uuid.UUID
    block_company_id: uuid.UUID
    task_id: uuid.UUID | None = None
    habit_id: uuid.UUID | None = None
    provider_event_id: str = Field(max_length=1024)
    etag: str | None = Field(default=None, max_length=500)
    starts_at: datetime = timestamp_field()
    ends_at: datetime = timestamp_field()
    created_at: datetime = timestamp_field(default_now=True)
    updated_at: datetime = timestamp_field(default_now=True)


class CalendarPushChannel(SQLModel, table=True):
    __tablename__ = "calendar_push_channels"

    id: uuid.UUID = id_field()
    company_id: uuid.UUID = tenant_field()
    user_id: uuid.UUID
    connection_id: uuid.UUID
    external_calendar_id: uuid.UUID | None = None
    resource_id: str | None = Field(default=None, max_length=1024)
    token: str = Field(max_length=200)
    expires_at: datetime = timestamp_field()
    created_at: datetime = timestamp_field(default_now=True)
