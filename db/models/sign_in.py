"""Sign in with Google and Microsoft: the OpenID Connect identities linked to a person (migration 0018)."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlmodel import Field, SQLModel

from db.models._base import id_field, timestamp_field


class SignInProvider(enum.StrEnum):
    GOOGLE = "google"
    MICROSOFT = "microsoft"


class SignInIdentity(SQLModel, table=True):
    """One provider account that signs a person in, named by its issuer and subject (never by its email, which
    the person may change at the provider)."""

    __tablename__ = "sign_in_identities"

    id: uuid.UUID = id_field()
    user_id: uuid.UUID
    provider: str
    # The issuer as the token stated it: for Microsoft it names the tenant, so (issuer, subject) is unique.
    issuer: str = Field(max_length=500)
    subject: str = Field(max_length=500)
    email: str | None = Field(default=None, max_length=320)
    email_verified: bool = False
    created_at: datetime = timestamp_field(default_now=True)
    last_used_at: datetime | None = timestamp_field(nullable=True)
