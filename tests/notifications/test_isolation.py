"""A person sees, and marks, their own notifications and preferences only; API keys see none."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
import pytest

from tests.factories import create_task, sign_up
from tests.graphql import GraphQL
from tests.isolation.world import uuid_of
from tests.notifications.documents import NODE, mark_read, notifications, update_preferences, wait_for_notification
from tests.notifications.world import make_team


@asynccontextmanager
async def as_app_role(owner: asyncpg.Connection, **settings: str) -> AsyncIterator[None]:
    """A transaction as rhythm_app with the given `rhythm.*` settings; rolled back at the end."""
    transaction = owner.transaction()
    await transaction.start()
    try:
        await owner.execute("SELECT set_config('role', 'rhythm_app', true)")
        for name, value in settings.items():
            await owner.execute("SELECT set_config($1, $2, true)", f"rhythm.{name}", value)
        yield
    finally:
        await transaction.rollback()


async def test_a_person_never_sees_another_persons_notifications(graphql: GraphQL) -> None:
    team = await make_team(graphql)
    await create_task(graphql, team.alice, company_id=team.company_id, title="For Bob", assigneeId=team.bob.user_id)
    [bobs] = await wait_for_notification(graphql, team.bob, "TASK_ASSIGNED")

    alices = await notifications(graphql, team.alice, first=100)
    node = await graphql(NODE, {"id": bobs["id"]}, caller=team.alice)
    marked = await mark_read(graphql, team.alice, ids=[bobs["id"]])

    assert bobs["id"] not in [item["id"] for item in alices["notifications"]["nodes"]]
    assert node == {"node": None}
    assert marked["markedCount"] == 0
    assert (await graphql(NODE, {"id": bobs["id"]}, caller=team.bob))["node"]["title"] == bobs["title"]
    assert (await notifications(graphql, team.bob, unreadOnly=True))["unreadNotificationCount"] == 2


async def _counts(owner: asyncpg.Connection, user_id: uuid.UUID) -> tuple[int, int]:
    """How many of the person's notifications, and preference rows, the current caller reads."""
    notifications = await owner.fetchval("SELECT count(*) FROM notifications WHERE user_id = $1", user_id)
    preferences = await owner.fetchval("SELECT count(*) FROM notification_preferences WHERE user_id = $1", user_id)
    return int(notifications), int(preferences)


WORKER_SCOPES = "members:read notifications:write tasks:read"


async def test_at_the_database_a_colleague_an_api_key_and_another_companys_worker_read_none(
    graphql: GraphQL, owner: asyncpg.Connection
) -> None:
    team = await make_team(graphql)
    await update_preferences(graphql, team.bob, emailEnabled=False)
    await create_task(graphql, team.alice, company_id=team.company_id, title="Private", assigneeId=team.bob.user_id)
    await wait_for_notification(graphql, team.bob, "TASK_ASSIGNED")
    outsider = await sign_up(graphql, name="Olga Outsider")
    bob, company = uuid_of(team.bob.user_id), str(uuid_of(team.company_id))
    callers = {
        "colleague": {"user_id": str(uuid_of(team.alice.user_id))},
        "api key": {"api_company_id": company, "api_scopes": "members:read tasks:read tasks:write"},
        "other worker": {"api_company_id": str(uuid_of(outsider.personal_company_id)), "api_scopes": WORKER_SCOPES},
        "bob": {"user_id": str(bob)},
        "company worker": {"api_company_id": company, "api_scopes": WORKER_SCOPES},
    }

    seen = {}
    for name, settings in callers.items():
        async with as_app_role(owner, **settings):
            seen[name] = await _counts(owner, bob)

    # Bob has two: being added to the company, and the task.
    assert seen == {
        "colleague": (0, 0),
        "api key": (0, 0),
        "other worker": (0, 0),
        "bob": (2, 1),
        "company worker": (2, 1),
    }


async def test_an_api_key_cannot_write_notifications(graphql: GraphQL, owner: asyncpg.Connection) -> None:
    team = await make_team(graphql)
    company, bob = str(uuid_of(team.company_id)), uuid_of(team.bob.user_id)

    async with as_app_role(owner, api_company_id=company, api_scopes="members:read tasks:write"):
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await owner.execute(
                "INSERT INTO notifications (id, company_id, user_id, type, title, dedupe_key)"
                " VALUES ($1, $2, $3, 'task_assigned', 'Phish', 'forged')",
                uuid.uuid4(),
                uuid.UUID(company),
                bob,
            )
