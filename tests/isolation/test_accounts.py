"""Consent records and data exports below the API: a person's own alone, append-only consents, and an erasure that
can only ever erase its caller. Each test acts as rhythm_app on a raw connection and rolls back."""

from __future__ import annotations

import uuid

import asyncpg
import pytest

from tests.graphql import GraphQL
from tests.isolation.test_sql import acting_as
from tests.isolation.world import Tenants, uuid_of


@pytest.fixture
def tenants(tenants_to_read: Tenants) -> Tenants:
    return tenants_to_read


async def _an_export_of_alice(owner: asyncpg.Connection, tenants: Tenants) -> uuid.UUID:
    export_id = uuid.uuid4()
    await owner.execute(
        "INSERT INTO data_exports (id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        export_id,
        uuid_of(tenants.alice.user_id),
    )
    return export_id


async def test_bob_reads_none_of_alices_consents_or_exports(owner: asyncpg.Connection, tenants: Tenants) -> None:
    await _an_export_of_alice(owner, tenants)
    alice = uuid_of(tenants.alice.user_id)

    async with acting_as(owner, tenants.bob.user_id) as bob:
        consents = await bob.fetchval("SELECT count(*) FROM consents WHERE user_id = $1", alice)
        exports = await bob.fetchval("SELECT count(*) FROM data_exports WHERE user_id = $1", alice)
    async with acting_as(owner, tenants.alice.user_id) as own:
        own_consents = await own.fetchval("SELECT count(*) FROM consents WHERE user_id = $1", alice)

    assert (consents, exports) == (0, 0)
    assert own_consents >= 1


async def test_bob_cannot_record_a_consent_or_ask_for_an_export_in_alices_name(
    owner: asyncpg.Connection, tenants: Tenants
) -> None:
    alice = uuid_of(tenants.alice.user_id)

    for statement in (
        "INSERT INTO consents (id, user_id, kind, granted) VALUES (gen_random_uuid(), $1, 'marketing_email', true)",
        "INSERT INTO data_exports (id, user_id) VALUES (gen_random_uuid(), $1)",
    ):
        async with acting_as(owner, tenants.bob.user_id) as bob:
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await bob.execute(statement, alice)


async def test_bobs_update_of_alices_export_changes_no_row(owner: asyncpg.Connection, tenants: Tenants) -> None:
    export_id = await _an_export_of_alice(owner, tenants)

    async with acting_as(owner, tenants.bob.user_id) as bob:
        changed = await bob.execute("UPDATE data_exports SET state = 'downloaded' WHERE id = $1", export_id)

    assert changed == "UPDATE 0"


async def test_consents_are_append_only_even_for_their_person(owner: asyncpg.Connection, tenants: Tenants) -> None:
    for statement in ("UPDATE consents SET granted = NOT granted", "DELETE FROM consents"):
        async with acting_as(owner, tenants.alice.user_id) as alice:
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await alice.execute(statement)


async def test_erasure_without_a_caller_is_refused_and_erases_nobody(
    owner: asyncpg.Connection, tenants: Tenants, graphql: GraphQL
) -> None:
    transaction = owner.transaction()
    await transaction.start()
    try:
        await owner.execute("SELECT set_config('role', 'rhythm_app', true)")
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await owner.execute("SELECT rhythm.erase_caller()")
    finally:
        await transaction.rollback()

    assert await owner.fetchval("SELECT count(*) FROM users WHERE id = $1", uuid_of(tenants.alice.user_id)) == 1
