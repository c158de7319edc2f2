"""Below the API: sign-in sessions and one-time links stay their person's, whatever SQL reaches the database as
the app role. Bob acts exactly as `db.tenant` names a caller; every statement is rolled back."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import asyncpg
import pytest

from db.tenant import WORKER_SCOPES
from tests.isolation.world import Tenants, uuid_of

ISSUE = "SELECT * FROM rhythm.issue_account_token($1, 'forged', interval '1 hour')"


@pytest.fixture
def tenants(tenants_to_read: Tenants) -> Tenants:
    return tenants_to_read


@asynccontextmanager
async def acting(owner: asyncpg.Connection, **settings: str) -> AsyncIterator[asyncpg.Connection]:
    transaction = owner.transaction()
    await transaction.start()
    try:
        await owner.execute("SELECT set_config('role', 'rhythm_app', true)")
        for name, value in settings.items():
            await owner.execute("SELECT set_config($1, $2, true)", f"rhythm.{name}", value)
        yield owner
    finally:
        await transaction.rollback()


def as_person(owner: asyncpg.Connection, user_id: str) -> AbstractAsyncContextManager[asyncpg.Connection]:
    return acting(owner, user_id=str(uuid_of(user_id)))


def as_worker(owner: asyncpg.Connection, company_id: str) -> AbstractAsyncContextManager[asyncpg.Connection]:
    """A job's caller, as `db.tenant.worker_for` names it: its company and the scopes only workers hold."""
    return acting(owner, api_company_id=str(uuid_of(company_id)), api_scopes=" ".join(sorted(WORKER_SCOPES)))


async def test_bob_neither_sees_nor_ends_alices_sessions(owner: asyncpg.Connection, tenants: Tenants) -> None:
    alice = uuid_of(tenants.alice.user_id)

    async with as_person(owner, tenants.bob.user_id) as bob:
        seen = await bob.fetchval("SELECT count(*) FROM sign_in_sessions WHERE user_id = $1", alice)
        ended = await bob.execute("UPDATE sign_in_sessions SET revoked_at = now() WHERE user_id = $1", alice)
    async with as_person(owner, tenants.alice.user_id) as alice_herself:
        hers = await alice_herself.fetchval("SELECT count(*) FROM sign_in_sessions WHERE revoked_at IS NULL")

    assert (seen, ended) == (0, "UPDATE 0")
    assert hers >= 1


async def test_bob_cannot_start_a_session_in_alices_name(owner: asyncpg.Connection, tenants: Tenants) -> None:
    async with as_person(owner, tenants.bob.user_id) as bob:
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await bob.execute(
                "INSERT INTO sign_in_sessions (id, user_id, expires_at) VALUES ($1, $2, now() + interval '1 day')",
                uuid.uuid4(),
                uuid_of(tenants.alice.user_id),
            )


async def test_a_worker_of_another_company_cannot_issue_a_link_for_alice(
    owner: asyncpg.Connection, tenants: Tenants
) -> None:
    event_id = await _reset_requested(owner, tenants)

    async with as_worker(owner, tenants.b.company_id) as bobs_worker:
        issued = await bobs_worker.fetch(ISSUE, event_id)
    async with as_person(owner, tenants.alice.user_id) as alice:
        as_herself = await alice.fetch(ISSUE, event_id)
    async with as_worker(owner, tenants.alice.personal_company_id) as her_worker:
        by_her_worker = await her_worker.fetch(ISSUE, event_id)

    assert (issued, as_herself) == ([], [])
    # The control: the worker of her personal company, which the email job runs as, may.
    assert [(row["email"], row["purpose"]) for row in by_her_worker] == [(tenants.alice.email, "reset_password")]
    assert await owner.fetchval("SELECT count(*) FROM account_tokens WHERE token_hash = 'forged'") == 0


async def test_an_event_bob_writes_naming_alice_issues_no_link(owner: asyncpg.Connection, tenants: Tenants) -> None:
    """Bob may record events in his own company; one that names Alice and an address of his still sends nothing:
    links follow events of the person's own personal company only."""
    event_id = uuid.uuid4()
    bobs_company = tenants.bob.personal_company_id
    async with as_person(owner, tenants.bob.user_id) as bob:
        await bob.execute(
            "INSERT INTO outbox (id, company_id, type, subject_id, payload) VALUES ($1, $2, $3, $4, $5::jsonb)",
            event_id,
            uuid_of(bobs_company),
            "account.email_verification_requested",
            uuid_of(tenants.alice.user_id),
            json.dumps({"email": "bob-takes-over@rhythm.test"}),
        )
        await bob.execute("SELECT set_config('rhythm.user_id', '', true)")
        await bob.execute("SELECT set_config('rhythm.api_company_id', $1, true)", str(uuid_of(bobs_company)))
        await bob.execute("SELECT set_config('rhythm.api_scopes', $1, true)", " ".join(sorted(WORKER_SCOPES)))
        issued = await bob.fetch(ISSUE, event_id)

    assert issued == []


async def test_the_app_role_cannot_read_a_link_even_its_own(owner: asyncpg.Connection, tenants: Tenants) -> None:
    async with as_person(owner, tenants.alice.user_id) as alice:
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await alice.fetch("SELECT token_hash FROM account_tokens")


async def _reset_requested(owner: asyncpg.Connection, tenants: Tenants) -> uuid.UUID:
    """A password reset asked for Alice: the event the definer function writes in her personal company."""
    await owner.execute("SELECT rhythm.request_password_reset($1, NULL)", tenants.alice.email)
    event_id: uuid.UUID = await owner.fetchval(
        "SELECT id FROM outbox WHERE type = 'account.password_reset_requested' AND subject_id = $1"
        " ORDER BY created_at DESC LIMIT 1",
        uuid_of(tenants.alice.user_id),
    )
    return event_id
