"""Batched reads by key, for the dataloaders: one statement for any number of ids."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, NamedTuple, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from db.models import ApiKey, Company, Membership, Project
from domain.pagination import (
    Page,
    PageRequest,
    SortKey,
    page_of,
    pages_per_parent,
    parse_datetime,
    parse_uuid,
)

T = TypeVar("T")


def any_of(ids: Sequence[uuid.UUID]) -> Any:
    """`= ANY($1)` with one array parameter: the same SQL text (and prepared statement) for any number of ids."""
    return sa.any_(sa.bindparam("ids", list(ids), type_=postgresql.ARRAY(sa.Uuid)))


async def by_ids(session: AsyncSession, entity: type[T], ids: Sequence[uuid.UUID]) -> list[T | None]:
    """Rows of `entity` in the order of `ids`, None where the caller cannot see one."""
    statement = sa.select(entity).where(entity.id == any_of(ids))  # type: ignore[attr-defined]
    found: dict[uuid.UUID, T] = {row.id: row for row in (await session.execute(statement)).scalars()}  # type: ignore[attr-defined]
    return [found.get(row_id) for row_id in ids]


def created_order(name: str) -> SortKey:
    return SortKey(
        name=f"{name}:created_at",
        columns=lambda row: [row.created_at, row.id],
        values=lambda row: [row.created_at, row.id],
        parsers=[parse_datetime, parse_uuid],
    )


COMPANY_ORDER = created_order("company")
PROJECT_ORDER = created_order("project")
MEMBER_ORDER = SortKey(
    name="member:created_at",
    columns=lambda row: [row.created_at, row.user_id],
    values=lambda row: [row.created_at, row.user_id],
    parsers=[parse_datetime, parse_uuid],
)


async def companies_page(session: AsyncSession, request: PageRequest) -> Page[Company]:
    # The policies leave exactly the caller's companies.
    return await page_of(session, Company, [], COMPANY_ORDER, request)


class ProjectRow(NamedTuple):
    """A project as lists show it: a plain tuple, several times cheaper to read than an ORM instance."""

    id: uuid.UUID
    company_id: uuid.UUID
    name: str
    description: str
    archived: bool
    created_at: datetime
    updated_at: datetime


# The `fields` and `make` of a `Children` level that reads ProjectRow tuples.
PROJECT_ROWS: tuple[Sequence[str], Callable[[Sequence[Any]], ProjectRow]] = (ProjectRow._fields, ProjectRow._make)


def project_conditions(archived: bool | None) -> Callable[[Any], list[Any]]:
    def conditions(project: Any) -> list[Any]:
        return [] if archived is None else [project.archived == archived]

    return conditions


async def projects_per_company(
    session: AsyncSession, company_ids: Sequence[uuid.UUID], archived: bool | None, request: PageRequest
) -> dict[uuid.UUID, Page[Project]]:
    conditions = project_conditions(archived)
    return await pages_per_parent(session, Project, "company_id", company_ids, conditions, PROJECT_ORDER, request)


async def members_per_company(
    session: AsyncSession, company_ids: Sequence[uuid.UUID], request: PageRequest
) -> dict[uuid.UUID, Page[Membership]]:
    return await pages_per_parent(session, Membership, "company_id", company_ids, lambda _: [], MEMBER_ORDER, request)


async def roles_of(session: AsyncSession, user_id: uuid.UUID, company_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
    statement = sa.select(col(Membership.company_id), col(Membership.role)).where(
        col(Membership.user_id) == user_id, col(Membership.company_id) == any_of(company_ids)
    )
    return {company_id: role for company_id, role in await session.execute(statement)}


async def api_keys_of(session: AsyncSession, company_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[ApiKey]]:
    statement = (
        sa.select(ApiKey).where(col(ApiKey.company_id) == any_of(company_ids)).order_by(ApiKey.created_at, ApiKey.id)  # type: ignore[arg-type]
    )
    grouped: dict[uuid.UUID, list[ApiKey]] = {company_id: [] for company_id in company_ids}
    for key in (await session.execute(statement)).scalars():
        grouped[key.company_id].append(key)
    return grouped
