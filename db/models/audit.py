"""The audit log of each company, each person's sign-in history, and feature flags (migration 0019)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlmodel import Field, SQLModel

from db.models._base import empty_dict, id_field, tenant_field, timestamp_field


class AuditEntry(SQLModel, table=True):
    """One thing done in a company: append-only for the app role, readable by the company's owners and admins."""

    __tablename__ = "audit_log"

    id: uuid.UUID = id_field()
    company_id: uuid.UUID = tenant_field()
    actor_user_id: uuid.UUID | None = None
    actor_api_key_id: uuid.UUID | None = None
    action: str
    target_type: str | None = None
    target_id: uuid.UUID | None = None
    details: dict[str, Any] = Field(default_factory=empty_dict, sa_column=sa.Column(postgresql.JSONB, nullable=False))
    ip_address: str | None = Field(default=None, sa_column=sa.Column(postgresql.INET, nullable=True))
    user_agent: str | None = Field(default=None, max_length=512)
    request_id: str | None = Field(default=None, max_length=64)
    occurred_at: datetime = timestamp_field(default_now=True)


class SignInEvent(SQLModel, table=True):
    """A sign-in or a failed attempt on a person's account: theirs alone to read."""

    __tablename__ = "sign_in_events"

    id: uuid.UUID = id_field()
    user_id: uuid.UUID = Field(index=True)
    outcome: str
    method: str
    ip_address: str | None = Field(default=None, sa_column=sa.Column(postgresql.INET, nullable=True))
    user_agent: str | None = Field(default=None, max_length=512)
    request_id: str | None = Field(default=None, max_length=64)
    occurred_at: datetime = timestamp_field(default_now=True)


class FeatureFlag(SQLModel, table=True):
    """A flag's global default, set by platform administrators."""

    __tablename__ = "feature_flags"

    name: str = Field(primary_key=True)
    description: str = Field(default="", max_length=500)
    enabled: bool = False
    updated_by: uuid.UUID | None = None
    updated_at: datetime = timestamp_field(default_now=True)


class CompanyFeatureFlag(SQLModel, table=True):
    """A company's override of a flag's default."""

    __tablename__ = "company_feature_flags"

    company_id: uuid.UUID = Field(primary_key=True)
    flag: str = Field(primary_key=True)
    enabled: bool
    updated_by: uuid.UUID | None = None
    updated_at: datetime = timestamp_field(default_now=True)
