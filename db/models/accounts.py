"""A person's consent records and the data exports they asked for (migration 0020)."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from db.models._base import id_field, timestamp_field


class ConsentKind(enum.StrEnum):
    TERMS = "terms"
    PRIVACY = "privacy"
    MARKETING_EMAIL = "marketing_email"


class Consent(SQLModel, table=True):
    """One record of an append-only history: the latest record of a kind is the person's current choice."""

    __tablename__ = "consents"

    id: uuid.UUID = id_field()
    user_id: uuid.UUID
    kind: str
    # The version of the text agreed to; none for marketing email, which is on or off.
    version: str | None = Field(default=None, max_length=40)
    granted: bool
    at: datetime = timestamp_field(default_now=True)


class DataExportState(enum.StrEnum):
    PENDING = "pending"
    READY = "ready"
    DOWNLOADED = "downloaded"


class DataExport(SQLModel, table=True):
    __tablename__ = "data_exports"

    id: uuid.UUID = id_field()
    user_id: uuid.UUID
    state: str = DataExportState.PENDING.value
    requested_at: datetime = timestamp_field(default_now=True)
    ready_at: datetime | None = timestamp_field(nullable=True)
    expires_at: datetime | None = timestamp_field(nullable=True)
    downloaded_at: datetime | None = timestamp_field(nullable=True)
    # gzip of the JSON archive, kept until the download or the expiry.
    archive: bytes | None = Field(default=None, sa_column=sa.Column(sa.LargeBinary, nullable=True))
    size_bytes: int | None = None
