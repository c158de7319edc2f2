"""API keys for integrators and the refresh tokens of people."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlmodel import Field, SQLModel

from db.models._base import id_field, tenant_field, timestamp_field


class ApiScope(enum.StrEnum):
    """What an API key may do inside its company; a write scope implies reading the same resource."""

    TASKS_READ = "tasks:read"
    TASKS_WRITE = "tasks:write"
    PROJECTS_READ = "projects:read"
    PROJECTS_WRITE = "projects:write"
    MEMBERS_READ = "members:read"
    TIME_READ = "time:read"
    TIME_WRITE = "time:write"


class ApiKey(SQLModel, table=True):
    __tablename__ = "api_keys"

    id: uuid.UUID = id_field()
    company_id: uuid.UUID = tenant_field()
    name: str = Field(max_length=120)
    # SHA-256 of the secret part; keys are long random strings, so a slow hash adds nothing.
    secret_hash: str
    scopes: list[str] = Field(sa_column=sa.Column(postgresql.ARRAY(sa.Text), nullable=False))
    created_by: uuid.UUID
    created_at: datetime = timestamp_field(default_now=True)
    expires_at: datetime | None = timestamp_field(nullable=True)
    last_used_at: datetime | None = timestamp_field(nullable=True)
    revoked_at: datetime | None = timestamp_field(nullable=True)


class SignInSession(SQLModel, table=True):
    """One sign-in on one device: a refresh-token family, as `viewer { sessions }` lists it (0016)."""

    __tablename__ = "sign_in_sessions"

    # The family id of its refresh tokens, also carried by its access tokens (`sid`).
    id: uuid.UUID = id_field()
    user_id: uuid.UUID = Field(index=True)
    created_at: datetime = timestamp_field(default_now=True)
    # The sign-in or the latest refresh; with them, the device's user agent and address.
    last_used_at: datetime = timestamp_field(default_now=True)
    expires_at: datetime = timestamp_field()
    user_agent: str | None = Field(default=None, max_length=512)
    ip_address: str | None = Field(default=None, max_length=64)
    revoked_at: datetime | None = timestamp_field(nullable=True)


class RefreshToken(SQLModel, table=True):
    __tablename__ = "refresh_tokens"

    id: uuid.UUID = id_field()
    user_id: uuid.UUID = Field(index=True)
    # Every rotation stays in one family; presenting a used token revokes the whole family.
    family_id: uuid.UUID = Field(index=True)
    expires_at: datetime = timestamp_field()
    used_at: datetime | None = timestamp_field(nullable=True)
    revoked_at: datetime | None = timestamp_field(nullable=True)
    created_at: datetime = timestamp_field(default_now=True)
