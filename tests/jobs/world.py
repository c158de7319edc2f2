"""The people, the failing job and the helpers the jobs tests share."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from redis import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.models import Notification
from db.tenant import tenant_session, worker_for
from tests.factories import Person, create_company, invite, sign_up
from tests.graphql import GraphQL
from tests.isolation.world import uuid_of

DEAD_LETTERS = """
query($state: [DeadLetterState!]) {
  jobs {
    deadLetters(state: $state) {
      nodes { id queue actor messageId reason attempts failedAt ageSeconds state replayCount company { id } }
    }
  }
}
"""
QUEUES = "{ jobs { queues { name ready delayed inFlight dead waitingDeadLetters oldestWaitingAt } } }"
ASK = """
mutation($input: %sDeadLetterInput!) {
  %sDeadLetter(input: $input) {
    __typename
    ... on DeadLetter { id state }
    ... on Error { message }
  }
}
"""


@dataclass(frozen=True)
class Rhythm:
    graphql: GraphQL
    sessions: async_sessionmaker[AsyncSession]
    database_url: str
    redis_url: str
    smtp_port: int
    root: Path

    def dead_in_broker(self, queue: str = "notifications") -> int:
        return int(Redis.from_url(self.redis_url).zcard(f"rhythm:{queue}.XQ"))

    def cli(self, *args: str) -> str:
        """`rhythm ARGS` as the operator would run it; its output, after checking it succeeded."""
        environment = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
        environment.update(DATABASE_URL=self.database_url, REDIS_URL=self.redis_url, RHYTHM_LOG_LEVEL="WARNING")
        done = subprocess.run(
            [sys.executable, "-m", "app.cli", *args], env=environment, cwd=self.root, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout


@dataclass(frozen=True)
class World:
    owner: Person
    member: Person
    outsider: Person
    company_id: str


async def make_world(graphql: GraphQL) -> World:
    owner = await sign_up(graphql, name="Olive Owner")
    member = await sign_up(graphql, name="Mona Member")
    outsider = await sign_up(graphql, name="Otto Outsider")
    company_id = await create_company(graphql, owner, name="Jobs Company")
    await invite(graphql, owner, company_id=company_id, member=member)
    await create_company(graphql, outsider, name="Elsewhere")
    return World(owner=owner, member=member, outsider=outsider, company_id=company_id)


async def send_failing_email(rhythm: Rhythm, world: World) -> str:
    """A notification for the owner, and the job that emails it: it fails while the mail server is down, and is
    retried once before it is given up. The message id."""
    company_id = uuid_of(world.company_id)
    notification = Notification(
        company_id=company_id,
        user_id=uuid_of(world.owner.user_id),
        type="member_added",
        title="Something happened",
        dedupe_key=f"jobs-test:{uuid.uuid4()}",
    )
    async with tenant_session(rhythm.sessions, worker_for(company_id)) as session:
        session.add(notification)
    broker = RedisBroker(url=rhythm.redis_url, namespace="rhythm")
    message: dramatiq.Message[Any] = dramatiq.Message(
        queue_name="notifications",
        actor_name="notifications.email",
        args=(str(notification.id), str(company_id)),
        kwargs={},
        options={"max_retries": 1, "min_backoff": 10, "max_backoff": 20},
    )
    await asyncio.to_thread(broker.enqueue, message)
    return message.message_id


async def dead_letters(rhythm: Rhythm, person: Person, state: list[str] | None = None) -> list[dict[str, Any]]:
    data = await rhythm.graphql(DEAD_LETTERS, {"state": state}, caller=person)
    nodes: list[dict[str, Any]] = data["jobs"]["deadLetters"]["nodes"]
    return nodes


async def ask(rhythm: Rhythm, person: Person, action: str, dead_letter_id: str) -> dict[str, Any]:
    verb = action.capitalize()
    data = await rhythm.graphql(ASK % (verb, action), {"input": {"id": dead_letter_id}}, caller=person)
    result: dict[str, Any] = data[f"{action}DeadLetter"]
    return result
