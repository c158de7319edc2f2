"""Consent records and data exports, as the signed-in person sees their own."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

import strawberry

from base.clock import utcnow
from db import models
from db.models import ConsentKind, DataExportState
from domain.accounts.config import AccountConfig
from domain.accounts.exports import state_of

ConsentKindEnum = strawberry.enum(
    ConsentKind,
    name="ConsentKind",
    description="TERMS and PRIVACY: a version of the text accepted; MARKETING_EMAIL: product news by email, on or off.",
)


@strawberry.enum(
    name="DataExportState", description="Where an export stands. EXPIRED: built, but its download time passed unused."
)
class DataExportStateEnum(enum.Enum):
    PENDING = "PENDING"
    READY = "READY"
    DOWNLOADED = "DOWNLOADED"
    EXPIRED = "EXPIRED"


@strawberry.type(description="One record of the person's consent history; the newest of a kind is the current choice.")
class Consent:
    kind: ConsentKind = strawberry.field(description="What the record is about.")
    version: str | None = strawberry.field(description="The version of the terms or privacy notice; none for email.")
    granted: bool = strawberry.field(description="Agreed (true) or declined / withdrawn (false).")
    at: datetime = strawberry.field(description="When it was recorded.")

    @classmethod
    def from_model(cls, row: models.Consent) -> Consent:
        return cls(kind=ConsentKind(row.kind), version=row.version, granted=row.granted, at=row.at)


@strawberry.type(name="DataExport", description="A copy of the person's data, asked for with requestDataExport.")
class DataExport:
    id: strawberry.ID = strawberry.field(description="The export's id, as in its download link.")
    user_id: strawberry.Private[uuid.UUID]
    state: DataExportStateEnum = strawberry.field(description="PENDING, READY, DOWNLOADED or EXPIRED.")
    requested_at: datetime = strawberry.field(description="When it was asked for.")
    ready_at: datetime | None = strawberry.field(description="When it was built.")
    expires_at: datetime | None = strawberry.field(description="Until when the download link works.")
    downloaded_at: datetime | None = strawberry.field(description="When it was downloaded (it works once).")
    size_bytes: int | None = strawberry.field(description="The gzipped JSON archive's size.")
    download_url: str | None = strawberry.field(
        description="While READY: a signed link that downloads the archive once, until expiresAt (no access token "
        "needed: keep it to yourself)."
    )

    @classmethod
    def from_model(cls, row: models.DataExport, config: AccountConfig | None) -> DataExport:
        state = state_of(row, utcnow())
        url = None
        if state == DataExportState.READY.value.upper() and config is not None and row.expires_at is not None:
            url = config.download_url(row.id, row.user_id, row.expires_at)
        return cls(
            id=strawberry.ID(str(row.id)), user_id=row.user_id, state=DataExportStateEnum(state),
            requested_at=row.requested_at,
            ready_at=row.ready_at, expires_at=row.expires_at, downloaded_at=row.downloaded_at,
            size_bytes=row.size_bytes, download_url=url,
        )  # fmt: skip
