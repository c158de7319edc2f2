"""Below the API: a person's second-factor rows are theirs alone, and a company that requires a second factor
is left out of the membership helper for a session that has not passed one.

Each test runs statements as rhythm_app on a raw connection, naming callers as db.tenant does, rolled back.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import asyncpg
import pytest

from base import clock
from tests.auth.second_factor.flows import Moments, challenge_for, enrolled_person
from tests.auth.sessions import node_uuid
from tests.factories import create_company, invite, sign_up
from tests.graphql import GraphQL

SECOND_FACTOR_TABLES = ["second_factors", "second_factor_recovery_codes", "second_factor_challenges"]


@pytest.fixture
def moments() -> Iterator[Moments]:
    try:
        yield Moments.near_the_wall_clock()
    finally:
        clock.reset()


@asynccontextmanager
async def acting_as(
    owner: asyncpg.Connection, user_id: str = "", *, second_factor: bool = False, api_company_id: str = ""
) -> AsyncIterator[asyncpg.Connection]:
    transaction = owner.transaction()
    await transaction.start()
    try:
        await owner.execute(
            "SELECT set_config('role', 'rhythm_app', true), set_config('rhythm.user_id', $1, true),"
            " set_config('rhythm.second_factor', $2, true), set_config('rhythm.api_company_id', $3, true),"
            " set_config('rhythm.api_scopes', $4, true)",
            user_id,
            "on" if second_factor else "",
            api_company_id,
            "tasks:read tasks:write" if api_company_id else "",
        )
        yield owner
    finally:
        await transaction.rollback()


async def counts(connection: asyncpg.Connection, user_id: str) -> dict[str, int]:
    return {
        table: await connection.fetchval(f"SELECT count(*) FROM {table} WHERE user_id = $1::uuid", user_id)
        for table in SECOND_FACTOR_TABLES
    }


async def test_a_persons_second_factor_rows_are_read_by_them_and_nobody_else(
    graphql: GraphQL, moments: Moments, owner: asyncpg.Connection
) -> None:
    alice = await enrolled_person(graphql, moments, name="Alice Rows")
    await challenge_for(graphql, alice.person)
    bob = await sign_up(graphql, name="Bob Rows")
    # Bob shares a company with Alice, as its owner: still none of her second factor.
    company_id = await create_company(graphql, bob, name="Shared Rows")
    await invite(graphql, bob, company_id=company_id, member=alice.person, role="ADMIN")
    alice_id = node_uuid(alice.person.user_id)

    async with acting_as(owner, alice_id) as connection:
        hers = await counts(connection, alice_id)
    async with acting_as(owner, node_uuid(bob.user_id), second_factor=True) as connection:
        by_bob = await counts(connection, alice_id)
    async with acting_as(owner) as connection:
        by_nobody = await counts(connection, alice_id)
    async with acting_as(owner, api_company_id=node_uuid(company_id)) as connection:
        by_api_key = await counts(connection, alice_id)

    assert hers == {"second_factors": 1, "second_factor_recovery_codes": 10, "second_factor_challenges": 1}
    assert by_bob == by_nobody == by_api_key == dict.fromkeys(SECOND_FACTOR_TABLES, 0)


async def test_another_person_cannot_change_or_delete_them_nor_plant_one(
    graphql: GraphQL, moments: Moments, owner: asyncpg.Connection
) -> None:
    alice = await enrolled_person(graphql, moments, name="Alice Tamper")
    bob = await sign_up(graphql, name="Bob Tamper")
    alice_id, bob_id = node_uuid(alice.person.user_id), node_uuid(bob.user_id)

    async with acting_as(owner, bob_id, second_factor=True) as connection:
        updated = await connection.execute(
            "UPDATE second_factor_recovery_codes SET used_at = NULL, code_hash = 'x' WHERE user_id = $1::uuid",
            alice_id,
        )
        deleted = await connection.execute("DELETE FROM second_factors WHERE user_id = $1::uuid", alice_id)
    async with acting_as(owner, bob_id) as connection:
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await connection.execute(
                "INSERT INTO second_factor_recovery_codes (id, user_id, code_hash) VALUES ($1, $2::uuid, 'known')",
                uuid.uuid4(),
                alice_id,
            )

    assert (updated, deleted) == ("UPDATE 0", "DELETE 0")


async def test_the_membership_helper_leaves_out_a_strict_company_for_a_session_without_a_second_factor(
    graphql: GraphQL, moments: Moments, owner: asyncpg.Connection
) -> None:
    ada = await enrolled_person(graphql, moments, name="Ada Helper")
    company_id = await create_company(graphql, ada.verified, name="Strict Helper")
    await owner.execute("UPDATE companies SET require_second_factor = true WHERE id = $1::uuid", node_uuid(company_id))
    ada_id, strict = node_uuid(ada.person.user_id), uuid.UUID(node_uuid(company_id))
    personal = uuid.UUID(node_uuid(ada.person.personal_company_id))
    helper = "SELECT rhythm.company_ids('tasks', 'read')"

    async with acting_as(owner, ada_id) as connection:
        without = set(await connection.fetchval(helper))
        named = await connection.fetch("SELECT company_id FROM rhythm.companies_requiring_second_factor()")
        projects_without = await connection.fetchval(
            "SELECT count(*) FROM projects WHERE company_id = $1::uuid", strict
        )
    async with acting_as(owner, ada_id, second_factor=True) as connection:
        with_it = set(await connection.fetchval(helper))

    assert without == {personal}
    assert [row["company_id"] for row in named] == [strict]
    assert projects_without == 0
    assert with_it == {personal, strict}


async def test_a_personal_company_cannot_require_a_second_factor(graphql: GraphQL, owner: asyncpg.Connection) -> None:
    ada = await sign_up(graphql, name="Ada Personal Check")

    with pytest.raises(asyncpg.CheckViolationError):
        await owner.execute(
            "UPDATE companies SET require_second_factor = true WHERE id = $1::uuid",
            node_uuid(ada.personal_company_id),
        )


async def test_an_admin_cannot_set_the_requirement_even_in_sql(
    graphql: GraphQL, moments: Moments, owner: asyncpg.Connection
) -> None:
    ada = await enrolled_person(graphql, moments, name="Ada Trigger")
    company_id = await create_company(graphql, ada.verified, name="Trigger Company")
    grace = await sign_up(graphql, name="Grace Trigger")
    await invite(graphql, ada.verified, company_id=company_id, member=grace, role="ADMIN")

    async with acting_as(owner, node_uuid(grace.user_id)) as connection:
        with pytest.raises(asyncpg.PostgresError, match="Only owners decide"):
            await connection.execute(
                "UPDATE companies SET require_second_factor = true WHERE id = $1::uuid", node_uuid(company_id)
            )
