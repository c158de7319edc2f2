"""Demo data for a first run: two companies, a few people, projects and tasks. Run once per database."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.models import MembershipRole, TaskPriority, TaskStatus
from db.tenant import ANONYMOUS, Caller, tenant_session
from domain.auth import service as auth
from domain.auth.passwords import Passwords
from domain.companies import service as companies
from domain.projects import service as projects
from domain.tasks import service as tasks
from domain.tasks import subtasks
from domain.tasks.service import TaskChanges

DEMO_PASSWORD = "rhythm-demo-password"  # noqa: S105  (published in the README for the demo)
PEOPLE = [
    ("ada@rhythm.example", "Ada Lovelace", "Europe/London"),
    ("grace@rhythm.example", "Grace Hopper", "America/New_York"),
    ("linus@rhythm.example", "Linus Torvalds", "Europe/Helsinki"),
    ("margaret@rhythm.example", "Margaret Hamilton", "America/Los_Angeles"),
]
COMPANIES = {
    "Acme Studio": {"ada": "owner", "grace": "admin", "margaret": "member"},
    "Globex Labs": {"linus": "owner", "ada": "member", "margaret": "admin"},
}
PROJECTS = {
    "Acme Studio": {
        "Website relaunch": ["Write the copy", "Pick a colour palette", "Set up analytics", "Launch checklist"],
        "Quarterly planning": ["Draft OKRs", "Review budget", "Book the offsite"],
    },
    "Globex Labs": {
        "Kernel scheduler": ["Benchmark the fair queue", "Fix the priority inversion", "Write the design note"],
        "Hiring": ["Screen applicants", "Plan interview loop"],
    },
}


async def is_seeded(sessions: async_sessionmaker[AsyncSession]) -> bool:
    async with tenant_session(sessions, ANONYMOUS) as session:
        found = await session.execute(
            sa.text("SELECT 1 FROM rhythm.credentials_for_email(:email)"), {"email": PEOPLE[0][0]}
        )
        return found.first() is not None


async def _people(sessions: async_sessionmaker[AsyncSession], passwords: Passwords) -> dict[str, uuid.UUID]:
    ids: dict[str, uuid.UUID] = {}
    for email, name, zone in PEOPLE:
        async with tenant_session(sessions, ANONYMOUS) as session:
            ids[email.split("@")[0]] = await auth.sign_up(
                session, passwords, email=email, password=DEMO_PASSWORD, display_name=name, time_zone=zone
            )
    return ids


async def _company(
    sessions: async_sessionmaker[AsyncSession], people: dict[str, uuid.UUID], name: str, roles: dict[str, str]
) -> None:
    owner = next(person for person, role in roles.items() if role == "owner")
    as_owner = Caller(user_id=people[owner])
    async with tenant_session(sessions, as_owner) as session:
        company = await companies.create_company(session, created_by=people[owner], name=name)
        for person, role in roles.items():
            if role != "owner":
                email = next(email for email, *_ in PEOPLE if email.startswith(person + "@"))
                await companies.invite_member(session, company_id=company.id, email=email, role=MembershipRole(role))
        members = [people[person] for person in roles]
        now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
        for project_index, (project_name, titles) in enumerate(PROJECTS[name].items()):
            project = await projects.create_project(session, company_id=company.id, name=project_name)
            for index, title in enumerate(titles):
                changes = TaskChanges(
                    title=title,
                    project_id=project.id,
                    assignee_id=members[(index + project_index) % len(members)],
                    priority=TaskPriority(1 + (index + project_index) % 4),
                    effort=1 + index % 5,
                    estimated_minutes=30 * (1 + index % 4),
                    due_at=now + timedelta(days=2 + 3 * index),
                    status=TaskStatus.DONE if index == 0 and project_index == 0 else TaskStatus.TODO,
                    tags=["demo", project_name.split()[0].lower()],
                )
                task = await tasks.create_task(
                    session, company_id=company.id, created_by=people[owner], changes=changes
                )
                for step in ("Outline", "Do it", "Review"):
                    await subtasks.add_subtask(session, task_id=task.id, title=step, position=None)


async def seed_demo(sessions: async_sessionmaker[AsyncSession], passwords: Passwords) -> bool:
    """Seed the demo unless it is there already; True when it seeded."""
    if await is_seeded(sessions):
        return False
    people = await _people(sessions, passwords)
    for name, roles in COMPANIES.items():
        await _company(sessions, people, name, roles)
    return True
