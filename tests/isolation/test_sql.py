"""Below the API: the policies themselves keep Bob out of company A, whatever SQL reaches the database.

Each test opens a transaction on a raw connection, switches to rhythm_app and names Bob as the caller exactly as
`db.tenant` does, and rolls back at the end.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
import pytest

from tests.isolation.world import Tenants, uuid_of


@pytest.fixture
def tenants(tenants_to_read: Tenants) -> Tenants:
    """Every statement here is rolled back, so these tests share one pair."""
    return tenants_to_read


@asynccontextmanager
async def acting_as(owner: asyncpg.Connection, user_id: str) -> AsyncIterator[asyncpg.Connection]:
    transaction = owner.transaction()
    await transaction.start()
    try:
        await owner.execute(
            "SELECT set_config('role', 'rhythm_app', true), set_config('rhythm.user_id', $1, true)",
            str(uuid_of(user_id)),
        )
        yield owner
    finally:
        await transaction.rollback()


async def title_of_a_task(owner: asyncpg.Connection, tenants: Tenants) -> str:
    async with acting_as(owner, tenants.alice.user_id) as alice:
        title: str = await alice.fetchval("SELECT title FROM tasks WHERE id = $1", uuid_of(tenants.a.task_id))
    return title


async def test_bob_reads_no_row_of_company_a(owner: asyncpg.Connection, tenants: Tenants) -> None:
    company_a = uuid_of(tenants.a.company_id)

    async with acting_as(owner, tenants.bob.user_id) as bob:
        counts = {
            table: await bob.fetchval(f"SELECT count(*) FROM {table} WHERE company_id = $1", company_a)
            for table in ("memberships", "projects", "tasks", "subtasks", "time_entries", "api_keys")
        }
        company = await bob.fetchval("SELECT count(*) FROM companies WHERE id = $1", company_a)
        alice = await bob.fetchval("SELECT count(*) FROM users WHERE id = $1", uuid_of(tenants.alice.user_id))

    assert counts == dict.fromkeys(counts, 0)
    assert (company, alice) == (0, 0)


async def test_bobs_update_of_a_task_of_company_a_changes_no_row(owner: asyncpg.Connection, tenants: Tenants) -> None:
    async with acting_as(owner, tenants.bob.user_id) as bob:
        status = await bob.execute("UPDATE tasks SET title = 'Pwned' WHERE id = $1", uuid_of(tenants.a.task_id))
    async with acting_as(owner, tenants.alice.user_id) as alice:
        # The same statement from Alice does change the row: the zero above is the policy, not a wrong id.
        alices = await alice.execute("UPDATE tasks SET title = 'Hers' WHERE id = $1", uuid_of(tenants.a.task_id))

    assert status == "UPDATE 0"
    assert alices == "UPDATE 1"
    assert await title_of_a_task(owner, tenants) == f"Task {tenants.a.marker}"


async def test_bobs_delete_of_a_task_of_company_a_removes_no_row(owner: asyncpg.Connection, tenants: Tenants) -> None:
    async with acting_as(owner, tenants.bob.user_id) as bob:
        status = await bob.execute("DELETE FROM tasks WHERE id = $1", uuid_of(tenants.a.task_id))

    assert status == "DELETE 0"
    assert await title_of_a_task(owner, tenants) == f"Task {tenants.a.marker}"


async def test_bobs_insert_of_a_task_into_company_a_violates_row_level_security(
    owner: asyncpg.Connection, tenants: Tenants
) -> None:
    async with acting_as(owner, tenants.bob.user_id) as bob:
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="row-level security"):
            await bob.execute(
                "INSERT INTO tasks (id, company_id, title) VALUES ($1, $2, 'Planted')",
                uuid.uuid4(),
                uuid_of(tenants.a.company_id),
            )


async def test_bob_cannot_make_himself_a_member_of_company_a(owner: asyncpg.Connection, tenants: Tenants) -> None:
    async with acting_as(owner, tenants.bob.user_id) as bob:
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="row-level security"):
            await bob.execute(
                "INSERT INTO memberships (company_id, user_id, role) VALUES ($1, $2, 'owner')",
                uuid_of(tenants.a.company_id),
                uuid_of(tenants.bob.user_id),
            )


async def test_bob_cannot_move_his_own_task_into_company_a(owner: asyncpg.Connection, tenants: Tenants) -> None:
    async with acting_as(owner, tenants.bob.user_id) as bob:
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="row-level security"):
            await bob.execute(
                "UPDATE tasks SET company_id = $1, project_id = NULL WHERE id = $2",
                uuid_of(tenants.a.company_id),
                uuid_of(tenants.b.task_id),
            )


async def test_a_member_reads_neither_the_outbox_nor_the_job_ledger_of_their_own_company(
    owner: asyncpg.Connection, tenants: Tenants
) -> None:
    # Events carry snapshots of changes (and only a company's workers act on them); people read the API instead.
    company_a = uuid_of(tenants.a.company_id)
    assert await owner.fetchval("SELECT count(*) FROM outbox WHERE company_id = $1", company_a) > 0

    async with acting_as(owner, tenants.alice.user_id) as alice:
        events = await alice.fetchval("SELECT count(*) FROM outbox WHERE company_id = $1", company_a)
        jobs = await alice.fetchval("SELECT count(*) FROM job_runs WHERE company_id = $1", company_a)

    assert (events, jobs) == (0, 0)


async def test_a_member_cannot_write_the_job_ledger(owner: asyncpg.Connection, tenants: Tenants) -> None:
    async with acting_as(owner, tenants.alice.user_id) as alice:
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await alice.execute(
                "INSERT INTO job_runs (job_key, company_id) VALUES ($1, $2)",
                f"webhooks.fanout:{uuid.uuid4()}",
                uuid_of(tenants.a.company_id),
            )


async def test_leaving_a_company_is_out_of_reach_of_a_request_narrowed_to_another_and_of_an_api_key(
    owner: asyncpg.Connection, tenants: Tenants
) -> None:
    company_a, bob = uuid_of(tenants.a.company_id), uuid_of(tenants.bob.user_id)
    leave = "DELETE FROM memberships WHERE company_id = $1 AND user_id = $2"
    transaction = owner.transaction()
    await transaction.start()
    try:
        # Bob joins company A (as the owner role, below the policies) for this transaction only.
        await owner.execute(
            "INSERT INTO memberships (company_id, user_id, role) VALUES ($1, $2, 'member')", company_a, bob
        )
        await owner.execute(
            "SELECT set_config('role', 'rhythm_app', true), set_config('rhythm.user_id', $1, true),"
            " set_config('rhythm.company_id', $2, true)",
            str(bob),
            str(uuid_of(tenants.bob.personal_company_id)),
        )
        narrowed = await owner.execute(leave, company_a, bob)
        await owner.execute(
            "SELECT set_config('rhythm.company_id', '', true), set_config('rhythm.api_company_id', $1, true),"
            " set_config('rhythm.api_scopes', 'tasks:read tasks:write', true)",
            str(company_a),
        )
        by_key = await owner.execute(leave, company_a, bob)
        await owner.execute(
            "SELECT set_config('rhythm.api_company_id', '', true), set_config('rhythm.api_scopes', '', true)"
        )
        # The same statement, no longer narrowed: Bob may leave A, so the zero above is the policy.
        whole = await owner.execute(leave, company_a, bob)
    finally:
        await transaction.rollback()

    assert narrowed == "DELETE 0"
    assert by_key == "DELETE 0", "no API key scope writes memberships"
    assert whole == "DELETE 1"
