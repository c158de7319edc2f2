"""The reminder job as the app runs it: the actor, on the wall clock, with the reminder emailed."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from tests.factories import create_task
from tests.graphql import GraphQL
from tests.notifications.documents import wait_for_notification
from tests.notifications.mailbox import Mailbox
from tests.notifications.world import make_team
from workers.notifications import actors as notifications


async def test_the_remind_actor_notifies_and_emails_an_assignee_of_a_task_due_soon(
    graphql: GraphQL, mailbox: Mailbox
) -> None:
    team = await make_team(graphql)
    due = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    await create_task(
        graphql, team.alice, company_id=team.company_id, title="Due today", dueAt=due, assigneeId=team.bob.user_id
    )

    # What the periodic loop does every few minutes, done now.
    await asyncio.to_thread(notifications.remind.send)

    [notification] = await wait_for_notification(graphql, team.bob, "TASK_DUE_SOON")
    [message] = await mailbox.wait_for(team.bob.email, "task_due_soon")
    assert notification["title"] == "“Due today” is due soon"
    assert message["Subject"] == notification["title"]
