"""A person's second factor: the TOTP secret (encrypted), recovery codes (hashed) and sign-in challenges.

Each row is its person's alone (policies on `user_id`, migration 0017); none belongs to a company.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from db.models._base import id_field, timestamp_field


class SecondFactor(SQLModel, table=True):
    __tablename__ = "second_factors"

    user_id: uuid.UUID = Field(primary_key=True, foreign_key="users.id")
    # A Fernet token of the base32 secret: see domain/auth/second_factor/secrets.py.
    secret_encrypted: bytes = Field(sa_column=sa.Column(sa.LargeBinary, nullable=False))
    # Null between enrolment and the first confirmed code.
    enabled_at: datetime | None = timestamp_field(nullable=True)
    # The last accepted time step: a code of this step or an earlier one is refused as a replay.
    last_used_step: int | None = Field(default=None, sa_column=sa.Column(sa.BigInteger, nullable=True))
    created_at: datetime = timestamp_field(default_now=True)
    updated_at: datetime = timestamp_field(default_now=True)


class RecoveryCode(SQLModel, table=True):
    __tablename__ = "second_factor_recovery_codes"

    id: uuid.UUID = id_field()
    user_id: uuid.UUID = Field(foreign_key="users.id")
    # SHA-256 of the code: codes are random (60 bits), so a slow hash adds nothing.
    code_hash: str
    used_at: datetime | None = timestamp_field(nullable=True)
    created_at: datetime = timestamp_field(default_now=True)


class SecondFactorChallenge(SQLModel, table=True):
    __tablename__ = "second_factor_challenges"

    id: uuid.UUID = id_field()
    user_id: uuid.UUID = Field(foreign_key="users.id", index=True)
    expires_at: datetime = timestamp_field()
    failures: int = 0
    used_at: datetime | None = timestamp_field(nullable=True)
    created_at: datetime = timestamp_field(default_now=True)
