"""A dead letter of company A belongs to A's owners: outsiders neither see it nor replay or discard it, and the
broker's queue figures are for platform administrators only."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.tenant import tenant_session, worker_for
from domain.dead_letters import service as dead_letters
from domain.pagination import PageRequest
from tests.graphql import GraphQL
from tests.isolation.documents import mutation_document
from tests.isolation.world import Tenants, global_id, uuid_of

JOBS = "{ jobs { deadLetters { nodes { id reason } } queues { name } } }"


async def dead_letter_of_a(sessions: async_sessionmaker[AsyncSession], tenants: Tenants) -> str:
    """A dead letter recorded the way the workers record one, as company A's worker."""
    company_id = uuid_of(tenants.a.company_id)
    given_up = dead_letters.GivenUp(
        company_id=company_id,
        queue="notifications",
        actor="notifications.email",
        message_id=str(uuid.uuid4()),
        broker_message_id=None,
        message={"args": [], "kwargs": {}, "options": {}},
        reason=f"RuntimeError: {tenants.a.marker}",
        attempts=3,
        failed_at=datetime.now(UTC),
    )
    async with tenant_session(sessions, worker_for(company_id)) as session:
        assert await dead_letters.record(session, given_up)
        page = await dead_letters.page(
            session, dead_letters.DeadLetterFilter(company_id=company_id), PageRequest(first=1)
        )
    return global_id("DeadLetter", page.rows[0].id)


async def test_outsiders_cannot_see_replay_or_discard_a_dead_letter_of_company_a(
    graphql: GraphQL, tenants: Tenants, sessions: async_sessionmaker[AsyncSession]
) -> None:
    dead_letter_id = await dead_letter_of_a(sessions, tenants)
    key = tenants.b.api_key.caller()

    seen_by_alice = await graphql(JOBS, caller=tenants.alice)
    seen_by_bob = await graphql(JOBS, caller=tenants.bob)
    seen_by_key = await graphql(JOBS, caller=key)
    target = {"input": {"id": dead_letter_id}}
    answers = {
        (mutation, name): await graphql(mutation_document(mutation), target, caller=caller)
        for mutation in ("replayDeadLetter", "discardDeadLetter")
        for name, caller in (("bob", tenants.bob), ("key", key))
    }

    assert dead_letter_id in [node["id"] for node in seen_by_alice["jobs"]["deadLetters"]["nodes"]]
    assert seen_by_bob == seen_by_key == {"jobs": {"deadLetters": {"nodes": []}, "queues": None}}
    assert seen_by_alice["jobs"]["queues"] is None
    for (mutation, name), answer in answers.items():
        assert answer[mutation]["__typename"] == ("NotFound" if name == "bob" else "Forbidden"), answer
        assert tenants.a.marker not in str(answer)
    still = await graphql(JOBS, caller=tenants.alice)
    assert still == seen_by_alice
