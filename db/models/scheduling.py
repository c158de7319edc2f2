"""Scheduling profiles and task fields, habits, work hours, time blocks, plan runs and replan requests."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlmodel import Field, SQLModel

from db.models._base import empty_list, id_field, tenant_field, timestamp_field


class SchedulingProfile(SQLModel, table=True):
    __tablename__ = "scheduling_profiles"

    user_id: uuid.UUID = Field(primary_key=True)
    # Wall-clock windows on working days: [["12:00", "13:00"]].
    breaks: list[list[str]] = Field(default_factory=empty_list, sa_column=sa.Column(postgresql.JSONB, nullable=False))
    peak_hours: list[list[str]] = Field(
        default_factory=empty_list, sa_column=sa.Column(postgresql.JSONB, nullable=False)
    )
    buffer_minutes: int = 0
    horizon_days: int = 14
    updated_at: datetime = timestamp_field(default_now=True)


class TaskScheduling(SQLModel, table=True):
    __tablename__ = "task_scheduling"

    task_id: uuid.UUID = Field(primary_key=True)
    company_id: uuid.UUID = tenant_field()
    duration_minutes: int | None = None
    splittable: bool = False
    min_chunk_minutes: int = 30
    max_chunk_minutes: int | None = None
    deadline_kind: str = "soft"
    work_kind: str = "shallow"
    updated_at: datetime = timestamp_field(default_now=True)


class TaskDependency(SQLModel, table=True):
    __tablename__ = "task_dependencies"

    task_id: uuid.UUID = Field(primary_key=True)
    depends_on_id: uuid.UUID = Field(primary_key=True)
    company_id: uuid.UUID = tenant_field()


class TimeBlock(SQLModel, table=True):
    __tablename__ = "time_blocks"

    id: uuid.UUID = id_field()
    company_id: uuid.UUID = tenant_field()
    user_id: uuid.UUID
    # Exactly one of them: the block places a task, or one occurrence of a habit.
    task_id: uuid.UUID | None = None
    habit_id: uuid.UUID | None = None
    starts_at: datetime = timestamp_field()
    ends_at: datetime = timestamp_field()
    state: str = "planned"
    pinned: bool = False
    created_at: datetime = timestamp_field(default_now=True)
    updated_at: datetime = timestamp_field(default_now=True)


class Habit(SQLModel, table=True):
    __tablename__ = "habits"

    id: uuid.UUID = id_field()
    company_id: uuid.UUID = tenant_field()
    user_id: uuid.UUID
    title: str = Field(max_length=500)
    rrule: str = Field(max_length=1000)
    time_zone: str = Field(max_length=64)
    starts_on: date
    window_start: time
    window_end: time
    ideal_time: time | None = None
    duration_minutes: int
    times_per_period: int = 1
    period: str = "week"
    priority: int = 2
    work_kind: str = "shallow"
    active: bool = True
    created_at: datetime = timestamp_field(default_now=True)
    updated_at: datetime = timestamp_field(default_now=True)


class MembershipWorkHours(SQLModel, table=True):
    __tablename__ = "membership_work_hours"

    company_id: uuid.UUID = Field(primary_key=True)
    user_id: uuid.UUID = Field(primary_key=True)
    time_zone: str = Field(max_length=64)
    work_day_start: time
    work_day_end: time
    work_days: list[int] = Field(sa_column=sa.Column(postgresql.ARRAY(sa.SmallInteger), nullable=False))
    updated_at: datetime = timestamp_field(default_now=True)


class ScheduleRun(SQLModel, table=True):
    __tablename__ = "schedule_runs"

    user_id: uuid.UUID = Field(primary_key=True)
    ran_at: datetime = timestamp_field()
    horizon_start: datetime = timestamp_field()
    horizon_end: datetime = timestamp_field()
    objective: int = 0
    lateness: int = 0
    unplaced_cost: int = 0
    offpeak: int = 0
    fragmentation: int = 0
    churn: int = 0
    late_minutes: int = 0
    late_tasks: int = 0
    hard_violations: int = 0
    moved_blocks: int = 0
    strategy: str = ""
    unplaced: list[dict[str, Any]] = Field(
        default_factory=empty_list, sa_column=sa.Column(postgresql.JSONB, nullable=False)
    )


class ReplanRequest(SQLModel, table=True):
    __tablename__ = "replan_requests"

    user_id: uuid.UUID = Field(primary_key=True)
    due_at: datetime = timestamp_field()
    requested_at: datetime = timestamp_field(default_now=True)
