"""Calendars and their events, single or recurring; plans treat busy events as time taken."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlmodel import Field, SQLModel

from db.models._base import empty_list, id_field, tenant_field, timestamp_field


class CalendarSource(enum.StrEnum):
    INTERNAL = "internal"
    EXTERNAL = "external"


class Calendar(SQLModel, table=True):
    __tablename__ = "calendars"

    id: uuid.UUID = id_field()
    company_id: uuid.UUID = tenant_field()
    owner_id: uuid.UUID
    name: str = Field(max_length=200)
    source: str = CalendarSource.INTERNAL.value
    external_id: str | None = None
    affects_availability: bool = True
    created_at: datetime = timestamp_field(default_now=True)
    updated_at: datetime = timestamp_field(default_now=True)


class CalendarEvent(SQLModel, table=True):
    __tablename__ = "calendar_events"

    id: uuid.UUID = id_field()
    company_id: uuid.UUID = tenant_field()
    calendar_id: uuid.UUID
    user_id: uuid.UUID
    title: str = Field(max_length=500)
    description: str = ""
    location: str = ""
    all_day: bool = False
    starts_at: datetime | None = timestamp_field(nullable=True)
    ends_at: datetime | None = timestamp_field(nullable=True)
    start_date: date | None = None
    end_date: date | None = None
    transparency: str = "busy"
    response: str | None = None
    cancelled: bool = False
    external_uid: str | None = None
    # A series: an RFC 5545 rule repeating the event's own span on the wall clock of `time_zone`, and the
    # original starts (timed) or dates (all-day) of the occurrences it skips.
    rrule: str | None = Field(default=None, max_length=1000)
    time_zone: str | None = Field(default=None, max_length=64)
    exception_starts: list[datetime] = Field(
        default_factory=empty_list,
        sa_column=sa.Column(postgresql.ARRAY(sa.TIMESTAMP(timezone=True)), nullable=False, server_default="{}"),
    )
    exception_dates: list[date] = Field(
        default_factory=empty_list, sa_column=sa.Column(postgresql.ARRAY(sa.Date), nullable=False, server_default="{}")
    )
    # An override: one occurrence of the series `recurring_event_id`, named by its original start, changed or
    # cancelled.
    recurring_event_id: uuid.UUID | None = None
    original_start: datetime | None = timestamp_field(nullable=True)
    original_date: date | None = None
    created_at: datetime = timestamp_field(default_now=True)
    updated_at: datetime = timestamp_field(default_now=True)
