"""In-app notifications through the API: what makes one, the connection, the unread count, marking read."""

from __future__ import annotations

import asyncpg
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.events.service import EventType
from domain.notifications.service import Notified
from tests.factories import create_task
from tests.graphql import GraphQL
from tests.isolation.world import uuid_of
from tests.notifications.documents import (
    complete_task,
    mark_read,
    notifications,
    reassign,
    wait_for_notification,
)
from tests.notifications.world import event_of, make_team, notifications_in_database
from workers.notifications import jobs


async def test_a_task_assigned_to_someone_else_notifies_the_assignee(graphql: GraphQL) -> None:
    team = await make_team(graphql)

    task = await create_task(
        graphql, team.alice, company_id=team.company_id, title="Write the report", assigneeId=team.bob.user_id
    )

    [notification] = await wait_for_notification(graphql, team.bob, "TASK_ASSIGNED")
    assert notification["title"] == "Alice Owner assigned you “Write the report”"
    assert notification["body"] == "In Acme Notifications."
    assert notification["task"] == {"id": task["id"], "title": "Write the report"}
    assert notification["company"] == {"id": team.company_id}
    assert notification["read"] is False


async def test_changing_the_assignee_notifies_the_new_one(graphql: GraphQL) -> None:
    team = await make_team(graphql)
    task = await create_task(graphql, team.bob, company_id=team.company_id, title="Ship it")

    await reassign(graphql, team.bob, task["id"], team.alice.user_id)

    [notification] = await wait_for_notification(graphql, team.alice, "TASK_ASSIGNED")
    assert notification["title"] == "Bob Member assigned you “Ship it”"


async def test_being_added_to_a_company_notifies_the_member(graphql: GraphQL) -> None:
    team = await make_team(graphql)

    [notification] = await wait_for_notification(graphql, team.bob, "MEMBER_ADDED")

    assert notification["title"] == "Alice Owner added you to Acme Notifications"
    assert notification["body"] == "Your role: member."


async def test_a_task_completed_by_someone_else_notifies_its_creator(graphql: GraphQL) -> None:
    team = await make_team(graphql)
    task = await create_task(
        graphql, team.alice, company_id=team.company_id, title="Review", assigneeId=team.bob.user_id
    )

    await complete_task(graphql, team.bob, task["id"])

    [notification] = await wait_for_notification(graphql, team.alice, "TASK_COMPLETED")
    assert notification["title"] == "Bob Member completed “Review”"
    assert notification["task"]["id"] == task["id"]


async def test_nobody_is_notified_of_their_own_action(
    graphql: GraphQL, owner: asyncpg.Connection, sessions: async_sessionmaker[AsyncSession]
) -> None:
    team = await make_team(graphql)
    task = await create_task(
        graphql, team.alice, company_id=team.company_id, title="Mine", assigneeId=team.alice.user_id
    )
    await complete_task(graphql, team.alice, task["id"])

    # The reactions run here too, to the end, so the assertions do not race the in-process workers.
    for event_type in ("task.created", "task.completed"):
        assert await jobs.react(sessions, await event_of(owner, event_type, task["id"])) == Notified()

    alice = uuid_of(team.alice.user_id)
    assert await notifications_in_database(owner, alice, "task_assigned") == 0
    assert await notifications_in_database(owner, alice, "task_completed") == 0


async def test_a_redelivered_event_notifies_once(
    graphql: GraphQL, owner: asyncpg.Connection, sessions: async_sessionmaker[AsyncSession]
) -> None:
    team = await make_team(graphql)
    task = await create_task(graphql, team.alice, company_id=team.company_id, title="Once", assigneeId=team.bob.user_id)
    event = await event_of(owner, "task.created", task["id"])

    await jobs.react(sessions, event)
    again = await jobs.react(sessions, event)

    await wait_for_notification(graphql, team.bob, "TASK_ASSIGNED")
    assert await notifications_in_database(owner, uuid_of(team.bob.user_id), "task_assigned") == 1
    # Nor is it announced live twice: only a run that made the notification tells its recipient.
    assert again.made == []


async def test_notifications_come_newest_first_in_pages_with_an_unread_count(graphql: GraphQL) -> None:
    team = await make_team(graphql)
    for title in ("First", "Second", "Third"):
        await create_task(graphql, team.alice, company_id=team.company_id, title=title, assigneeId=team.bob.user_id)
    await wait_for_notification(graphql, team.bob, "TASK_ASSIGNED", count=3)

    first_page = await notifications(graphql, team.bob, first=2)
    rest = await notifications(graphql, team.bob, first=2, after=first_page["notifications"]["pageInfo"]["endCursor"])

    pages = first_page["notifications"]["nodes"] + rest["notifications"]["nodes"]
    created = [node["createdAt"] for node in pages]
    assert created == sorted(created, reverse=True)
    assert len(pages) == 4  # three assignments and being added to the company
    assert first_page["notifications"]["pageInfo"]["hasNextPage"] is True
    assert rest["notifications"]["pageInfo"]["hasNextPage"] is False
    assert first_page["unreadNotificationCount"] == 4


async def test_marking_some_read_lowers_the_unread_count_and_filters_them_out(graphql: GraphQL) -> None:
    team = await make_team(graphql)
    await create_task(graphql, team.alice, company_id=team.company_id, title="Read me", assigneeId=team.bob.user_id)
    [assigned] = await wait_for_notification(graphql, team.bob, "TASK_ASSIGNED")

    result = await mark_read(graphql, team.bob, ids=[assigned["id"]])
    again = await mark_read(graphql, team.bob, ids=[assigned["id"]])

    unread = await notifications(graphql, team.bob, unreadOnly=True)
    assert result == {"__typename": "NotificationsMarkedRead", "markedCount": 1, "unreadCount": 1}
    assert again["markedCount"] == 0
    assert [node["type"] for node in unread["notifications"]["nodes"]] == ["MEMBER_ADDED"]
    assert unread["unreadNotificationCount"] == 1


async def test_marking_all_read(graphql: GraphQL) -> None:
    team = await make_team(graphql)
    await create_task(graphql, team.alice, company_id=team.company_id, title="All", assigneeId=team.bob.user_id)
    await wait_for_notification(graphql, team.bob, "TASK_ASSIGNED")

    result = await mark_read(graphql, team.bob, all=True)

    viewer = await notifications(graphql, team.bob)
    assert result == {"__typename": "NotificationsMarkedRead", "markedCount": 2, "unreadCount": 0}
    assert all(node["read"] and node["readAt"] for node in viewer["notifications"]["nodes"])


async def test_marking_read_needs_ids_or_all(graphql: GraphQL) -> None:
    team = await make_team(graphql)

    result = await mark_read(graphql, team.bob)

    assert result["__typename"] == "ValidationFailed"
    assert [field["field"] for field in result["fields"]] == ["ids"]


async def test_saving_a_task_with_the_assignee_it_had_is_no_news(
    graphql: GraphQL, owner: asyncpg.Connection, sessions: async_sessionmaker[AsyncSession]
) -> None:
    team = await make_team(graphql)
    task = await create_task(graphql, team.alice, company_id=team.company_id, title="Same", assigneeId=team.bob.user_id)
    await wait_for_notification(graphql, team.bob, "TASK_ASSIGNED")

    await reassign(graphql, team.alice, task["id"], team.bob.user_id)

    assert await jobs.react(sessions, await event_of(owner, "task.updated", task["id"])) == Notified()
    assert await notifications_in_database(owner, uuid_of(team.bob.user_id), "task_assigned") == 1


async def test_a_notification_is_no_domain_event(graphql: GraphQL, owner: asyncpg.Connection) -> None:
    """Its recipient is told live straight from the job, never through the outbox: webhooks never see it."""
    team = await make_team(graphql)
    await create_task(graphql, team.alice, company_id=team.company_id, title="Quiet", assigneeId=team.bob.user_id)

    await wait_for_notification(graphql, team.bob, "TASK_ASSIGNED")

    recorded = await owner.fetchval(
        "SELECT count(*) FROM outbox WHERE company_id = $1 AND type LIKE 'notification.%'", uuid_of(team.company_id)
    )
    assert recorded == 0
    assert not [kind for kind in EventType if kind.value.startswith("notification.")]
