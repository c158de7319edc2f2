"""A small team for the notification tests: Alice owns a company, Bob is a member of it."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

import asyncpg

from db.models import OutboxEvent
from tests.factories import Person, create_company, invite, sign_up
from tests.graphql import GraphQL
from tests.isolation.world import uuid_of


@dataclass(frozen=True)
class Team:
    alice: Person
    bob: Person
    company_id: str


async def make_team(graphql: GraphQL) -> Team:
    alice = await sign_up(graphql, name="Alice Owner")
    bob = await sign_up(graphql, name="Bob Member")
    company_id = await create_company(graphql, alice, name="Acme Notifications")
    await invite(graphql, alice, company_id=company_id, member=bob)
    return Team(alice=alice, bob=bob, company_id=company_id)


async def event_of(owner: asyncpg.Connection, event_type: str, subject_global_id: str) -> OutboxEvent:
    """The committed event of a type about a subject, as the relay hands it to the jobs."""
    row = await owner.fetchrow(
        "SELECT * FROM outbox WHERE type = $1 AND subject_id = $2 ORDER BY created_at DESC LIMIT 1",
        event_type,
        uuid_of(subject_global_id),
    )
    assert row is not None, f"no {event_type} event for {subject_global_id}"
    payload = row["payload"]
    return OutboxEvent(
        id=row["id"],
        company_id=row["company_id"],
        type=row["type"],
        subject_id=row["subject_id"],
        actor_user_id=row["actor_user_id"],
        payload=json.loads(payload) if isinstance(payload, str) else payload,
        created_at=row["created_at"],
    )


async def notifications_in_database(owner: asyncpg.Connection, user_id: uuid.UUID, type_name: str) -> int:
    """Counted as the table owner, which policies do not filter: what exists, not what someone may see."""
    return int(
        await owner.fetchval("SELECT count(*) FROM notifications WHERE user_id = $1 AND type = $2", user_id, type_name)
    )
