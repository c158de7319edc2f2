"""Notifications by email: a real SMTP server on loopback receives them, as each person's preferences allow."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

import asyncpg
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from base.settings import Settings
from domain.notifications.emails import Outgoing
from domain.notifications.mailer import SmtpConfig
from domain.notifications.service import Notified
from tests.factories import create_task
from tests.graphql import Caller, GraphQL
from tests.isolation.world import uuid_of
from tests.notifications.documents import complete_task, notifications, update_preferences, wait_for_notification
from tests.notifications.mailbox import Mailbox
from tests.notifications.world import event_of, make_team, notifications_in_database
from tests.waiting import PATIENCE_SECONDS
from workers.notifications import jobs
from workers.notifications.actors import smtp_config


class RecordingMailer:
    def __init__(self) -> None:
        self.sent: list[Outgoing] = []

    async def send(self, email: Outgoing) -> None:
        self.sent.append(email)


async def wait_until_emailed(
    graphql: GraphQL, person: Caller, notification_id: str, seconds: float = PATIENCE_SECONDS
) -> str:
    deadline = time.monotonic() + seconds
    while True:
        nodes = (await notifications(graphql, person, first=100))["notifications"]["nodes"]
        emailed_at = next(node["emailedAt"] for node in nodes if node["id"] == notification_id)
        if emailed_at:
            return str(emailed_at)
        assert time.monotonic() < deadline, "the notification was not marked emailed"
        await asyncio.sleep(0.1)


async def test_an_assignment_is_emailed_to_the_assignee(graphql: GraphQL, mailbox: Mailbox) -> None:
    team = await make_team(graphql)

    await create_task(graphql, team.alice, company_id=team.company_id, title="Send it", assigneeId=team.bob.user_id)

    [message] = await mailbox.wait_for(team.bob.email, "task_assigned")
    [notification] = await wait_for_notification(graphql, team.bob, "TASK_ASSIGNED")
    assert message["Subject"] == "Alice Owner assigned you “Send it”"
    assert message["From"] == "Rhythm <notifications@rhythm.test>"
    assert message["To"].addresses[0].addr_spec == team.bob.email
    assert message["Message-ID"] == f"<notification.{uuid_of(notification['id'])}@rhythm.test>"
    assert message["Auto-Submitted"] == "auto-generated"
    assert "In Acme Notifications." in message.get_content()
    assert await wait_until_emailed(graphql, team.bob, notification["id"])


async def test_with_email_off_a_notification_stays_in_the_app(
    graphql: GraphQL, mailbox: Mailbox, sessions: async_sessionmaker[AsyncSession]
) -> None:
    team = await make_team(graphql)
    await update_preferences(graphql, team.bob, emailEnabled=False)

    await create_task(graphql, team.alice, company_id=team.company_id, title="Quiet", assigneeId=team.bob.user_id)
    [notification] = await wait_for_notification(graphql, team.bob, "TASK_ASSIGNED")
    # Asked directly, the email job declines too; and Alice, whose email is on, is emailed meanwhile.
    mailer = RecordingMailer()
    sent = await jobs.send_email(
        sessions, mailer, uuid_of(notification["id"]), uuid_of(team.company_id), now=datetime.now(UTC)
    )
    await create_task(graphql, team.bob, company_id=team.company_id, title="Back", assigneeId=team.alice.user_id)
    await mailbox.wait_for(team.alice.email, "task_assigned")

    assert (sent, mailer.sent) == (False, [])
    assert mailbox.to(team.bob.email, "task_assigned") == []
    assert notification["emailedAt"] is None


async def test_a_muted_type_is_neither_shown_nor_emailed(
    graphql: GraphQL, mailbox: Mailbox, owner: asyncpg.Connection, sessions: async_sessionmaker[AsyncSession]
) -> None:
    team = await make_team(graphql)
    await update_preferences(graphql, team.bob, mutedTypes=["TASK_ASSIGNED"])
    task = await create_task(
        graphql, team.alice, company_id=team.company_id, title="Muted", assigneeId=team.bob.user_id
    )
    # Other kinds still come: Bob's own task, completed by Alice.
    own = await create_task(graphql, team.bob, company_id=team.company_id, title="Bob's own")
    await complete_task(graphql, team.alice, own["id"])

    await wait_for_notification(graphql, team.bob, "TASK_COMPLETED")
    await mailbox.wait_for(team.bob.email, "task_completed")
    # The assignment's reaction, run here to the end, makes nothing.
    assert await jobs.react(sessions, await event_of(owner, "task.created", task["id"])) == Notified()

    assert await notifications_in_database(owner, uuid_of(team.bob.user_id), "task_assigned") == 0
    assert mailbox.to(team.bob.email, "task_assigned") == []


def test_without_an_smtp_host_nothing_is_emailed(settings: Settings) -> None:
    assert smtp_config(settings.model_copy(update={"smtp_host": None})) is None
    assert smtp_config(settings) is not None


def test_the_smtp_password_is_kept_out_of_reprs() -> None:
    config = SmtpConfig(host="smtp.example", port=587, sender="a@b.example", username="u", password="s3cret-pass")

    assert "s3cret-pass" not in repr(config)
