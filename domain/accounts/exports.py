"""Data exports: asked for by a person, built in a job as that person (so the policies decide what goes in), kept
gzipped in the database until downloaded once or expired."""

from __future__ import annotations

import gzip
import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer
from sqlmodel import col

from base.clock import utcnow
from db.models import Company, DataExport, DataExportState
from domain.accounts.catalog import EXPORTED
from domain.accounts.links import LinkExpired
from domain.audit import AuditAction, record_for_member
from domain.errors import Conflict, NotFound
from domain.events.service import InternalEventType, record

FORMAT = "rhythm-export/1"
# One waiting export at a time per person: a second request while one is built adds nothing. One whose job never
# finished stops counting after a while, so a lost job cannot keep a person from their data.
PENDING_LIMIT = 1
PENDING_BLOCKS_FOR = timedelta(hours=1)


class ExportUnavailable(NotFound):
    message = "This export is not available: it was downloaded already, or it is gone."


def state_of(export: DataExport, now: datetime) -> str:
    """PENDING, READY, DOWNLOADED or EXPIRED: expiry is read from the time, not stored."""
    if export.state == DataExportState.READY.value and export.expires_at is not None and export.expires_at <= now:
        return "EXPIRED"
    return export.state.upper()


async def personal_company_of(session: AsyncSession, user_id: uuid.UUID) -> uuid.UUID:
    statement = sa.select(col(Company.id)).where(col(Company.is_personal), col(Company.created_by) == user_id)
    company_id = (await session.execute(statement)).scalar_one_or_none()
    if company_id is None:
        raise NotFound("No personal company.")
    return company_id


async def request_export(session: AsyncSession, user_id: uuid.UUID) -> DataExport:
    """A pending export, and the event whose job builds it (in the personal company, where only the person is)."""
    waiting = sa.select(sa.func.count()).where(
        col(DataExport.user_id) == user_id,
        col(DataExport.state) == DataExportState.PENDING.value,
        col(DataExport.requested_at) > utcnow() - PENDING_BLOCKS_FOR,
    )
    if (await session.execute(waiting)).scalar_one() >= PENDING_LIMIT:
        raise Conflict("An export is being built already; it will be ready shortly.")
    export = DataExport(user_id=user_id, requested_at=utcnow())
    session.add(export)
    await session.flush()
    await record(
        session, InternalEventType.DATA_EXPORT_REQUESTED, company_id=await personal_company_of(session, user_id),
        subject_id=export.id, data={"data_export": {"id": str(export.id), "user_id": str(user_id)}},
    )  # fmt: skip
    await record_for_member(session, AuditAction.DATA_EXPORT_REQUESTED, details={"data_export_id": str(export.id)})
    return export


async def exports_of(session: AsyncSession, user_id: uuid.UUID) -> list[DataExport]:
    statement = (
        sa.select(DataExport)
        .where(col(DataExport.user_id) == user_id)
        .order_by(col(DataExport.requested_at).desc(), col(DataExport.id))
        .options(defer(DataExport.archive))  # type: ignore[arg-type]
    )
    return list((await session.execute(statement)).scalars())


async def archive_document(session: AsyncSession, user_id: uuid.UUID, now: datetime) -> dict[str, Any]:
    """Everything the catalog lists that the session's caller may read about `user_id`, table by table."""
    tables: dict[str, Any] = {}
    for table, spec in EXPORTED.items():
        omitted = ", ".join(f"'{column}'" for column in spec.omit)
        row = "to_jsonb(t)" + (f" - ARRAY[{omitted}]::text[]" if spec.omit else "")
        # Table and column names come from the catalog in code, never from input.
        statement = sa.text(f"SELECT coalesce(jsonb_agg({row}), '[]'::jsonb) FROM {table} t WHERE {spec.condition()}")
        tables[table] = (await session.execute(statement, {"me": user_id})).scalar_one()
    return {"format": FORMAT, "generated_at": now.isoformat(), "user_id": str(user_id), "tables": tables}


@dataclass(frozen=True, slots=True)
class Built:
    export: DataExport
    made_now: bool


async def build(session: AsyncSession, export_id: uuid.UUID, ttl: timedelta) -> Built | None:
    """Build a pending export as its person; None when there is no such export (erased meanwhile). A repeat of the
    job finds it built and builds nothing."""
    export = await session.get(DataExport, export_id, with_for_update=True)
    if export is None:
        return None
    if export.state != DataExportState.PENDING.value:
        return Built(export=export, made_now=False)
    now = utcnow()
    await _let_go_of_expired(session, export.user_id, now)
    document = await archive_document(session, export.user_id, now)
    archive = gzip.compress(json.dumps(document, ensure_ascii=False, sort_keys=True).encode(), mtime=0)
    export.state, export.archive, export.size_bytes = DataExportState.READY.value, archive, len(archive)
    export.ready_at, export.expires_at = now, now + ttl
    await session.flush()
    return Built(export=export, made_now=True)


async def _let_go_of_expired(session: AsyncSession, user_id: uuid.UUID, now: datetime) -> None:
    """Archives past their expiry are never handed out again: dropped when the person's next export is built."""
    await session.execute(
        sa.update(DataExport)
        .where(
            col(DataExport.user_id) == user_id, col(DataExport.expires_at) <= now, col(DataExport.archive).is_not(None)
        )
        .values(archive=None)
    )


async def take_download(session: AsyncSession, export_id: uuid.UUID) -> bytes:
    """The archive, once: the row keeps that it was downloaded and lets go of the archive."""
    export = await session.get(DataExport, export_id, with_for_update=True)
    if export is None or export.state != DataExportState.READY.value or export.archive is None:
        raise ExportUnavailable()
    now = utcnow()
    if export.expires_at is None or export.expires_at <= now:
        raise LinkExpired()
    archive = export.archive
    export.state, export.archive, export.downloaded_at = DataExportState.DOWNLOADED.value, None, now
    await session.flush()
    return archive
