"""Projects, tasks and their subtasks: the tenant rows people work on."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlmodel import Field, SQLModel

from db.models._base import empty_list, id_field, tenant_field, timestamp_field


class TaskStatus(enum.StrEnum):
    TODO = "todo"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"


class TaskPriority(enum.IntEnum):
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    URGENT = 4


class Project(SQLModel, table=True):
    __tablename__ = "projects"

    id: uuid.UUID = id_field()
    company_id: uuid.UUID = tenant_field()
    name: str = Field(max_length=200)
    description: str = Field(default="", max_length=10_000)
    archived: bool = False
    created_at: datetime = timestamp_field(default_now=True)
    updated_at: datetime = timestamp_field(default_now=True)


class Task(SQLModel, table=True):
    __tablename__ = "tasks"

    id: uuid.UUID = id_field()
    company_id: uuid.UUID = tenant_field()
    project_id: uuid.UUID | None = None
    title: str = Field(max_length=500)
    description: str = Field(default="", max_length=20_000)
    status: str = TaskStatus.TODO.value
    priority: int = TaskPriority.MEDIUM.value
    effort: int | None = None
    estimated_minutes: int | None = None
    due_at: datetime | None = timestamp_field(nullable=True)
    start_after: datetime | None = timestamp_field(nullable=True)
    assignee_id: uuid.UUID | None = None
    tags: list[str] = Field(default_factory=empty_list, sa_column=sa.Column(postgresql.ARRAY(sa.Text), nullable=False))
    completed_at: datetime | None = timestamp_field(nullable=True)
    created_by: uuid.UUID | None = None
    created_at: datetime = timestamp_field(default_now=True)
    updated_at: datetime = timestamp_field(default_now=True)


class Subtask(SQLModel, table=True):
    __tablename__ = "subtasks"

    id: uuid.UUID = id_field()
    company_id: uuid.UUID = tenant_field()
    task_id: uuid.UUID
    title: str = Field(max_length=500)
    done: bool = False
    position: int = 0
    created_at: datetime = timestamp_field(default_now=True)
