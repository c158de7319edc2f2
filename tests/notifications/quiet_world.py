"""People and tasks made straight through the domain, in the database no worker watches, on a fixed clock."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.models import MembershipRole, Notification, TaskStatus
from db.tenant import ANONYMOUS, Caller, tenant_session
from domain.companies import service as companies
from domain.notifications import queries
from domain.notifications.preferences import PreferenceChanges, update_preferences
from domain.pagination import PageRequest
from domain.tasks import service as tasks
from domain.tasks.service import TaskChanges

Sessions = async_sessionmaker[AsyncSession]
# A Monday morning far from the wall clock: every step of a test is an explicit move of this clock.
T0 = datetime(2030, 1, 7, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Someone:
    user_id: uuid.UUID
    company_id: uuid.UUID
    company_name: str

    @property
    def caller(self) -> Caller:
        return Caller(user_id=self.user_id)


async def make_person(sessions: Sessions, name: str = "Rita Reminded", time_zone: str = "UTC") -> Someone:
    """A person and their personal company."""
    user_id, company_id = uuid.uuid4(), uuid.uuid4()
    company_name = f"{name}'s work"
    async with tenant_session(sessions, ANONYMOUS) as session:
        await session.execute(
            sa.text("SELECT rhythm.sign_up(:user, :company, :email, 'x', :name, :zone, :company_name)"),
            {
                "user": user_id,
                "company": company_id,
                "email": f"{user_id.hex}@rhythm.test",
                "name": name,
                "zone": time_zone,
                "company_name": company_name,
            },
        )
    return Someone(user_id=user_id, company_id=company_id, company_name=company_name)


async def make_task(
    sessions: Sessions,
    person: Someone,
    title: str,
    due_at: datetime | None,
    *,
    assigned: bool = True,
    status: TaskStatus = TaskStatus.TODO,
) -> uuid.UUID:
    changes = TaskChanges(title=title, due_at=due_at, assignee_id=person.user_id if assigned else None, status=status)
    async with tenant_session(sessions, person.caller) as session:
        task = await tasks.create_task(
            session, company_id=person.company_id, created_by=person.user_id, changes=changes
        )
    return task.id


async def move_due_date(sessions: Sessions, person: Someone, task_id: uuid.UUID, due_at: datetime) -> None:
    async with tenant_session(sessions, person.caller) as session:
        await tasks.update_task(session, task_id, TaskChanges(due_at=due_at))


async def set_preferences(sessions: Sessions, person: Someone, changes: PreferenceChanges) -> None:
    async with tenant_session(sessions, person.caller) as session:
        await update_preferences(session, person.user_id, changes)


async def notifications_of(sessions: Sessions, person: Someone) -> list[Notification]:
    """What the person sees, oldest first."""
    async with tenant_session(sessions, person.caller) as session:
        page = await queries.notifications_of(session, person.user_id, PageRequest(first=100))
    return list(reversed(page.rows))


async def seen(sessions: Sessions, person: Someone) -> list[tuple[str, str]]:
    return [(row.type, row.title) for row in await notifications_of(sessions, person)]


async def make_company(sessions: Sessions, owner: Someone, name: str, **members: MembershipRole) -> uuid.UUID:
    """A shared company of `owner`, with the given people (by user id hex) in their roles."""
    async with tenant_session(sessions, owner.caller) as session:
        company = await companies.create_company(session, created_by=owner.user_id, name=name)
        for user_hex, role in members.items():
            await companies.invite_member(session, company_id=company.id, email=f"{user_hex}@rhythm.test", role=role)
    return company.id
