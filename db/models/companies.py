from __future__ import annotations

import enum
import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from db.models._base import id_field, timestamp_field


class MembershipRole(enum.StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    MEMBER = "member"


class Company(SQLModel, table=True):
    __tablename__ = "companies"

    id: uuid.UUID = id_field()
    name: str = Field(max_length=120)
    # A person's private work lives in their personal company, made at signup.
    is_personal: bool = False
    # Members reach the company only from a session that passed a second factor (never a personal company).
    require_second_factor: bool = False
    # None once the person who made a shared company erased their account (0020).
    created_by: uuid.UUID | None = Field(default=None, foreign_key="users.id", index=True)
    created_at: datetime = timestamp_field(default_now=True)


class Membership(SQLModel, table=True):
    __tablename__ = "memberships"

    company_id: uuid.UUID = Field(foreign_key="companies.id", primary_key=True)
    user_id: uuid.UUID = Field(foreign_key="users.id", primary_key=True, index=True)
    role: str = Field(default=MembershipRole.MEMBER.value, sa_column_kwargs={"nullable": False})
    created_at: datetime = timestamp_field(default_now=True)

    __table_args__ = (sa.CheckConstraint("role IN ('owner', 'admin', 'member')", name="memberships_role"),)
