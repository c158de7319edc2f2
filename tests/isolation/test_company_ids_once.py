"""Below the API: `rhythm.company_ids` decides a caller's companies once per transaction (migration 0024), and
whatever changes the answer within the transaction counts from its next statement.

Each test acts as rhythm_app on a raw connection, naming callers as db.tenant does, and reads both the helper
and a policied table (`companies`), so what the policies decide follows what the helper answers.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import asyncpg
import pytest

from tests.auth.sessions import node_uuid
from tests.conftest import _plain as plain_url
from tests.factories import Person, create_company, invite, sign_up
from tests.graphql import GraphQL

KEPT = ("rhythm.company_ids_kept_member", "rhythm.company_ids_kept_admin", "rhythm.company_ids_kept_owner")


@dataclass(frozen=True)
class Shared:
    """Bob owns a company; Alice is one of its admins."""

    company_id: uuid.UUID
    bob: str
    alice: str


@pytest.fixture
async def shared(graphql: GraphQL) -> Shared:
    bob = await sign_up(graphql, name="Bob Once")
    alice: Person = await sign_up(graphql, name="Alice Once")
    company_id = await create_company(graphql, bob, name="Once Shared")
    await invite(graphql, bob, company_id=company_id, member=alice, role="ADMIN")
    return Shared(uuid.UUID(node_uuid(company_id)), node_uuid(bob.user_id), node_uuid(alice.user_id))


@asynccontextmanager
async def acting_as(owner: asyncpg.Connection, user_id: str) -> AsyncIterator[asyncpg.Connection]:
    transaction = owner.transaction()
    await transaction.start()
    try:
        await name_caller(owner, user_id)
        yield owner
    finally:
        await transaction.rollback()


async def name_caller(connection: asyncpg.Connection, user_id: str) -> None:
    await connection.execute(
        "SELECT set_config('role', 'rhythm_app', true), set_config('rhythm.user_id', $1, true),"
        " set_config('rhythm.company_id', '', true), set_config('rhythm.api_company_id', '', true),"
        " set_config('rhythm.api_scopes', '', true), set_config('rhythm.second_factor', '', true)",
        user_id,
    )


async def reaches(connection: asyncpg.Connection, company_id: uuid.UUID, access: str = "read") -> bool:
    """Whether the helper names the company for `access`; for reading, the companies policy must agree."""
    named = bool(await connection.fetchval("SELECT $1 = ANY (rhythm.company_ids('tasks', $2))", company_id, access))
    if access == "read":
        shown = await connection.fetchval("SELECT count(*) FROM companies WHERE id = $1", company_id)
        assert named == (shown == 1), (named, shown)
    return named


async def test_a_membership_another_transaction_removes_counts_from_the_callers_next_transaction(
    shared: Shared, owner: asyncpg.Connection, database_url: str
) -> None:
    other = await asyncpg.connect(plain_url(database_url))
    try:
        async with acting_as(owner, shared.alice) as alice:
            assert await reaches(alice, shared.company_id)
            await other.execute(
                "DELETE FROM memberships WHERE company_id = $1 AND user_id = $2::uuid", shared.company_id, shared.alice
            )
            # Decided once, at the transaction's first question: the rest of it answers alike.
            assert await reaches(alice, shared.company_id)
        async with acting_as(owner, shared.alice) as alice:
            assert not await reaches(alice, shared.company_id)
    finally:
        await other.close()


async def test_leaving_a_company_counts_from_the_next_statement_of_the_same_transaction(
    shared: Shared, owner: asyncpg.Connection
) -> None:
    async with acting_as(owner, shared.alice) as alice:
        assert await reaches(alice, shared.company_id)
        left = await alice.execute(
            "DELETE FROM memberships WHERE company_id = $1 AND user_id = $2::uuid", shared.company_id, shared.alice
        )
        assert left == "DELETE 1"
        assert not await reaches(alice, shared.company_id)


async def test_a_role_given_up_in_the_transaction_counts_from_its_next_statement(
    shared: Shared, owner: asyncpg.Connection
) -> None:
    async with acting_as(owner, shared.alice) as alice:
        assert await reaches(alice, shared.company_id, "admin")
        await alice.execute(
            "UPDATE memberships SET role = 'member' WHERE company_id = $1 AND user_id = $2::uuid",
            shared.company_id,
            shared.alice,
        )
        assert not await reaches(alice, shared.company_id, "admin")
        assert await reaches(alice, shared.company_id)


async def test_a_second_factor_required_in_the_transaction_hides_the_company_from_its_next_statement(
    shared: Shared, owner: asyncpg.Connection
) -> None:
    async with acting_as(owner, shared.bob) as bob:
        assert await reaches(bob, shared.company_id)
        await bob.execute("UPDATE companies SET require_second_factor = true WHERE id = $1", shared.company_id)
        assert not await reaches(bob, shared.company_id)
        await bob.execute("SELECT set_config('rhythm.second_factor', 'on', true)")
        assert await reaches(bob, shared.company_id)


async def test_another_caller_named_in_the_transaction_gets_their_own_answer(
    shared: Shared, graphql: GraphQL, owner: asyncpg.Connection
) -> None:
    stranger = await sign_up(graphql, name="Carol Once")
    async with acting_as(owner, shared.alice) as connection:
        assert await reaches(connection, shared.company_id)
        await name_caller(connection, node_uuid(stranger.user_id))
        assert not await reaches(connection, shared.company_id)
        await name_caller(connection, shared.alice)
        assert await reaches(connection, shared.company_id)
        await connection.execute("SELECT set_config('rhythm.company_id', $1, true)", str(uuid.uuid4()))
        assert not await reaches(connection, shared.company_id)


async def test_a_savepoint_rolled_back_restores_the_answer_it_changed(
    shared: Shared, owner: asyncpg.Connection
) -> None:
    async with acting_as(owner, shared.alice) as alice:
        assert await reaches(alice, shared.company_id)
        await alice.execute("SAVEPOINT before_leaving")
        await alice.execute(
            "DELETE FROM memberships WHERE company_id = $1 AND user_id = $2::uuid", shared.company_id, shared.alice
        )
        assert not await reaches(alice, shared.company_id)
        await alice.execute("ROLLBACK TO SAVEPOINT before_leaving")
        assert await reaches(alice, shared.company_id)


async def test_nothing_kept_outlives_its_transaction(shared: Shared, owner: asyncpg.Connection) -> None:
    async with acting_as(owner, shared.alice) as alice:
        assert await reaches(alice, shared.company_id)
        assert await alice.fetchval("SELECT current_setting($1, true)", KEPT[0])
    for setting in KEPT:
        assert not await owner.fetchval("SELECT current_setting($1, true)", setting)
