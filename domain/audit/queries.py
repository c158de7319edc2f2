"""Reading a company's audit log, newest first. The policy decides who reads it (owners and admins); anyone else
gets an empty page."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from db.models import AuditEntry
from domain.audit.actions import AuditAction
from domain.pagination import Page, PageRequest, SortKey, page_of, parse_datetime, parse_uuid

NEWEST_FIRST = SortKey(
    name="audit:occurred_at",
    columns=lambda row: [row.occurred_at, row.id],
    values=lambda row: [row.occurred_at, row.id],
    parsers=[parse_datetime, parse_uuid],
    descending=True,
)


@dataclass(frozen=True, slots=True)
class AuditFilter:
    action: AuditAction | None = None
    # A person's id or an API key's id.
    actor_id: uuid.UUID | None = None
    since: datetime | None = None
    until: datetime | None = None


def _conditions(company_id: uuid.UUID, where: AuditFilter) -> list[ColumnElement[bool]]:
    conditions = [col(AuditEntry.company_id) == company_id]
    if where.action is not None:
        conditions.append(col(AuditEntry.action) == where.action.value)
    if where.actor_id is not None:
        conditions.append(
            (col(AuditEntry.actor_user_id) == where.actor_id) | (col(AuditEntry.actor_api_key_id) == where.actor_id)
        )
    if where.since is not None:
        conditions.append(col(AuditEntry.occurred_at) >= where.since)
    if where.until is not None:
        conditions.append(col(AuditEntry.occurred_at) < where.until)
    return conditions


async def audit_log(
    session: AsyncSession, company_id: uuid.UUID, where: AuditFilter, request: PageRequest
) -> Page[AuditEntry]:
    return await page_of(session, AuditEntry, _conditions(company_id, where), NEWEST_FIRST, request)
