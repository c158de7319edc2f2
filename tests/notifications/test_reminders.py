"""Due-soon and overdue reminders, from the scan a periodic job runs, on an injected clock."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.models import NotificationType, TaskStatus
from db.tenant import ANONYMOUS, tenant_session
from domain.notifications import reminders
from domain.notifications.preferences import PreferenceChanges
from tests.notifications.quiet_world import (
    T0,
    make_person,
    make_task,
    move_due_date,
    notifications_of,
    seen,
    set_preferences,
)
from workers.notifications import jobs

Sessions = async_sessionmaker[AsyncSession]
HOUR = timedelta(hours=1)


async def test_due_soon_and_overdue_assigned_tasks_are_reminded_once(quiet_sessions: Sessions) -> None:
    rita = await make_person(quiet_sessions)
    await make_task(quiet_sessions, rita, "Soon", T0 + 2 * HOUR)
    await make_task(quiet_sessions, rita, "Late", T0 - HOUR)
    await make_task(quiet_sessions, rita, "Next week", T0 + 7 * 24 * HOUR)
    await make_task(quiet_sessions, rita, "Done late", T0 - HOUR, status=TaskStatus.DONE)
    await make_task(quiet_sessions, rita, "Nobody's", T0 - HOUR, assigned=False)
    await make_task(quiet_sessions, rita, "Undated", None)

    first = await jobs.remind(quiet_sessions, now=T0)
    second = await jobs.remind(quiet_sessions, now=T0)

    assert sorted(await seen(quiet_sessions, rita)) == [
        ("task_due_soon", "“Soon” is due soon"),
        ("task_overdue", "“Late” is overdue"),
    ]
    assert len([item for item in first.to_email if item.company_id == rita.company_id]) == 2
    assert [item for item in second.to_email if item.company_id == rita.company_id] == []
    assert len([item for item in first.made if item.user_id == rita.user_id]) == 2
    assert [item for item in second.made if item.user_id == rita.user_id] == []


async def test_a_due_soon_task_is_reminded_again_once_overdue(quiet_sessions: Sessions) -> None:
    rita = await make_person(quiet_sessions)
    await make_task(quiet_sessions, rita, "Report", T0 + 2 * HOUR)

    await jobs.remind(quiet_sessions, now=T0)
    await jobs.remind(quiet_sessions, now=T0 + 3 * HOUR)
    await jobs.remind(quiet_sessions, now=T0 + 4 * HOUR)

    assert await seen(quiet_sessions, rita) == [
        ("task_due_soon", "“Report” is due soon"),
        ("task_overdue", "“Report” is overdue"),
    ]


async def test_the_body_gives_the_due_time_in_the_persons_zone(quiet_sessions: Sessions) -> None:
    rita = await make_person(quiet_sessions, time_zone="Europe/Berlin")
    await make_task(quiet_sessions, rita, "Call", T0 + 2 * HOUR)

    await jobs.remind(quiet_sessions, now=T0)

    [notification] = await notifications_of(quiet_sessions, rita)
    assert notification.body == f"It is due Mon 07 Jan 2030, 12:00 (CET) in {rita.company_name}."


async def test_each_person_has_their_own_due_soon_window(quiet_sessions: Sessions) -> None:
    planner = await make_person(quiet_sessions, "Paula Planner")
    await set_preferences(quiet_sessions, planner, PreferenceChanges(due_soon_hours=72))
    casual = await make_person(quiet_sessions, "Carl Casual")
    for person in (planner, casual):
        await make_task(quiet_sessions, person, "In two days", T0 + 48 * HOUR)

    await jobs.remind(quiet_sessions, now=T0)

    assert await seen(quiet_sessions, planner) == [("task_due_soon", "“In two days” is due soon")]
    assert await seen(quiet_sessions, casual) == []


async def test_a_moved_due_date_is_reminded_again(quiet_sessions: Sessions) -> None:
    rita = await make_person(quiet_sessions)
    task_id = await make_task(quiet_sessions, rita, "Slipping", T0 + 2 * HOUR)
    await jobs.remind(quiet_sessions, now=T0)

    await move_due_date(quiet_sessions, rita, task_id, T0 + 5 * HOUR)
    await jobs.remind(quiet_sessions, now=T0)
    await jobs.remind(quiet_sessions, now=T0)

    assert [kind for kind, _ in await seen(quiet_sessions, rita)] == ["task_due_soon", "task_due_soon"]


async def test_one_scan_reminds_people_in_every_company(quiet_sessions: Sessions) -> None:
    people = [await make_person(quiet_sessions, name) for name in ("Ada One", "Ben Two", "Cy Three")]
    for person in people:
        await make_task(quiet_sessions, person, "Overdue", T0 - 2 * HOUR)

    await jobs.remind(quiet_sessions, now=T0, batch=2)

    assert [await seen(quiet_sessions, person) for person in people] == [[("task_overdue", "“Overdue” is overdue")]] * 3


async def test_a_muted_reminder_is_not_made_and_not_looked_at_again(quiet_sessions: Sessions) -> None:
    rita = await make_person(quiet_sessions)
    await set_preferences(quiet_sessions, rita, PreferenceChanges(muted_types=[NotificationType.TASK_OVERDUE]))
    task_id = await make_task(quiet_sessions, rita, "Ignored", T0 - HOUR)

    await jobs.remind(quiet_sessions, now=T0)

    async with tenant_session(quiet_sessions, ANONYMOUS) as session:
        still_pending = await reminders.pending(session, now=T0, limit=10_000)
    assert await seen(quiet_sessions, rita) == []
    assert task_id not in [reminder.task_id for reminder in still_pending]


async def test_a_long_overdue_task_is_not_announced(quiet_sessions: Sessions) -> None:
    rita = await make_person(quiet_sessions)
    await make_task(quiet_sessions, rita, "Ancient", T0 - reminders.OVERDUE_FOR - HOUR)

    await jobs.remind(quiet_sessions, now=T0)

    assert await seen(quiet_sessions, rita) == []
