from __future__ import annotations

import uuid
from datetime import datetime, time

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlmodel import Field, SQLModel

from db.models._base import id_field, timestamp_field


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: uuid.UUID = id_field()
    email: str = Field(max_length=320)
    display_name: str = Field(max_length=120)
    time_zone: str = Field(default="UTC", max_length=64)
    work_day_start: time = Field(default=time(9, 0))
    work_day_end: time = Field(default=time(17, 0))
    # ISO weekdays, Monday = 1.
    work_days: list[int] = Field(
        default_factory=lambda: [1, 2, 3, 4, 5],
        sa_column=sa.Column(postgresql.ARRAY(sa.SmallInteger), nullable=False),
    )
    created_at: datetime = timestamp_field(default_now=True)
    updated_at: datetime = timestamp_field(default_now=True)
    # Set by a verification link (or a reset link sent to the address); only definer functions write it (0016).
    email_verified_at: datetime | None = timestamp_field(nullable=True)


class UserCredentials(SQLModel, table=True):
    """Password hashes, kept apart from `users` because the app role may never read them."""

    __tablename__ = "user_credentials"

    user_id: uuid.UUID = Field(primary_key=True, foreign_key="users.id")
    password_hash: str
    updated_at: datetime = timestamp_field(default_now=True)
