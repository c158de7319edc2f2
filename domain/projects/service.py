from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Project
from domain.db_errors import delete_visible, refusals
from domain.errors import Forbidden
from domain.events.service import EventType, record, snapshot
from domain.lookups import get_one, require_company
from domain.validation import Checks


@dataclass(frozen=True, slots=True)
class ProjectChanges:
    name: str | None = None
    description: str | None = None
    archived: bool | None = None


def _check(changes: ProjectChanges) -> None:
    checks = Checks()
    checks.text("name", changes.name, max_length=200)
    checks.text("description", changes.description, max_length=10_000, required=False)
    checks.raise_if_any()


async def create_project(session: AsyncSession, *, company_id: uuid.UUID, name: str, description: str = "") -> Project:
    _check(ProjectChanges(name=name, description=description))
    await require_company(session, company_id)
    project = Project(company_id=company_id, name=name.strip(), description=description)
    async with refusals(refused=Forbidden("You may not create projects in this company.")):
        session.add(project)
        await session.flush()
    await _record(session, EventType.PROJECT_CREATED, project)
    return project


async def get_project(session: AsyncSession, project_id: uuid.UUID) -> Project:
    return await get_one(session, Project, project_id, what="Project")


async def update_project(session: AsyncSession, project_id: uuid.UUID, changes: ProjectChanges) -> Project:
    _check(changes)
    project = await get_project(session, project_id)
    if changes.name is not None:
        project.name = changes.name.strip()
    if changes.description is not None:
        project.description = changes.description
    if changes.archived is not None:
        project.archived = changes.archived
    project.updated_at = datetime.now(UTC)
    async with refusals(refused=Forbidden("You may not change projects in this company.")):
        await session.flush()
    await _record(session, EventType.PROJECT_UPDATED, project)
    return project


async def delete_project(session: AsyncSession, project_id: uuid.UUID) -> None:
    await _record(session, EventType.PROJECT_DELETED, await get_project(session, project_id))
    await delete_visible(
        session, Project, project_id, what="Project", refused=Forbidden("You may not delete projects here.")
    )


async def _record(session: AsyncSession, event_type: EventType, project: Project) -> None:
    data = {"project": snapshot(project, ("id", "company_id", "name", "description", "archived", "updated_at"))}
    await record(session, event_type, company_id=project.company_id, subject_id=project.id, data=data)
