"""`rhythm.live_readers`, the one statement that decides which of an event's subscribers may read it: as the app
role, with the policies' own function, each context gets the answer it would get alone, and the statement leaves
the caller it ran as unchanged."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
import pytest

from tests.isolation.world import Tenants, uuid_of

READERS = "SELECT rhythm.live_readers($1, $2, $3, $4, $5)"
SETTINGS = (
    "SELECT current_setting('rhythm.user_id', true), current_setting('rhythm.company_id', true),"
    " current_setting('rhythm.api_company_id', true), current_setting('rhythm.api_scopes', true)"
)


@pytest.fixture
def tenants(tenants_to_read: Tenants) -> Tenants:
    """Every statement here is rolled back, so these tests share one pair."""
    return tenants_to_read


@asynccontextmanager
async def as_app(owner: asyncpg.Connection, user_id: str = "") -> AsyncIterator[asyncpg.Connection]:
    transaction = owner.transaction()
    await transaction.start()
    try:
        # Every setting, as db.tenant names a caller.
        await owner.execute(
            "SELECT set_config('role', 'rhythm_app', true), set_config('rhythm.user_id', $1, true),"
            " set_config('rhythm.company_id', '', true), set_config('rhythm.api_company_id', '', true),"
            " set_config('rhythm.api_scopes', '', true)",
            user_id,
        )
        yield owner
    finally:
        await transaction.rollback()


async def test_only_members_of_the_events_company_read_its_tasks(owner: asyncpg.Connection, tenants: Tenants) -> None:
    alice, bob = uuid_of(tenants.alice.user_id), uuid_of(tenants.bob.user_id)
    stranger = uuid.uuid4()

    async with as_app(owner) as app:
        roles = await app.fetchval(
            READERS, "tasks", uuid_of(tenants.a.company_id), [alice, bob, stranger], [None] * 3, [""] * 3
        )

    assert roles == ["owner", None, None]


async def test_an_api_key_reads_its_own_companys_tasks_only_with_a_tasks_scope(
    owner: asyncpg.Connection, tenants: Tenants
) -> None:
    company_a, company_b = uuid_of(tenants.a.company_id), uuid_of(tenants.b.company_id)
    keys = [company_a, company_a, company_a, company_b]
    scopes = ["tasks:read", "projects:read members:read", "tasks:write", "tasks:read"]

    async with as_app(owner) as app:
        roles = await app.fetchval(READERS, "tasks", company_a, [None] * 4, keys, scopes)

    assert roles == ["api_key", None, "api_key", None]


async def test_the_role_named_is_the_members_own(owner: asyncpg.Connection, tenants: Tenants) -> None:
    company_a = uuid_of(tenants.a.company_id)
    bob = uuid_of(tenants.bob.user_id)
    await owner.execute("INSERT INTO memberships (company_id, user_id, role) VALUES ($1, $2, 'admin')", company_a, bob)
    try:
        async with as_app(owner) as app:
            roles = await app.fetchval(READERS, "members", company_a, [bob], [None], [""])
    finally:
        await owner.execute("DELETE FROM memberships WHERE company_id = $1 AND user_id = $2", company_a, bob)

    assert roles == ["admin"]


async def test_the_caller_it_ran_as_is_named_again_afterwards(owner: asyncpg.Connection, tenants: Tenants) -> None:
    bob = tenants.bob.user_id

    async with as_app(owner, str(uuid_of(bob))) as app:
        before = await app.fetchrow(SETTINGS)
        await app.fetchval(
            READERS, "tasks", uuid_of(tenants.a.company_id), [uuid_of(tenants.alice.user_id), None],
            [None, uuid_of(tenants.a.company_id)], ["", "tasks:read"],
        )  # fmt: skip
        after = await app.fetchrow(SETTINGS)
        # Still Bob: company A's tasks stay out of reach.
        visible = await app.fetchval("SELECT count(*) FROM tasks WHERE company_id = $1", uuid_of(tenants.a.company_id))

    assert tuple(after) == tuple(before)
    assert visible == 0


async def test_nobody_but_the_app_role_may_call_it(owner: asyncpg.Connection) -> None:
    granted = await owner.fetchval(
        "SELECT has_function_privilege('public', 'rhythm.live_readers(text, uuid, uuid[], uuid[], text[])', 'EXECUTE')"
    )
    assert granted is False
