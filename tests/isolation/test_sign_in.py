"""The policies of migration 0018, as the app role: a person's sign-in identities are theirs alone (no colleague,
no owner of a shared company, nobody without a caller reads or changes them), and the started sign-ins are
written only by the definer functions, each readable by the person who started it to link and by nobody else.

Alice and Bob share company A (Bob is its owner); every text of Alice's carries a canary.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
import pytest

from tests.factories import create_company, invite, sign_up
from tests.graphql import GraphQL
from tests.isolation.world import uuid_of


@asynccontextmanager
async def transaction(owner: asyncpg.Connection) -> AsyncIterator[asyncpg.Connection]:
    """One transaction as rhythm_app, rolled back; `caller` switches who is calling inside it."""
    started = owner.transaction()
    await started.start()
    try:
        await owner.execute("SELECT set_config('role', 'rhythm_app', true)")
        yield owner
    finally:
        await started.rollback()


async def caller(db: asyncpg.Connection, user_id: uuid.UUID | None) -> None:
    await db.execute("SELECT set_config('rhythm.user_id', $1, true)", "" if user_id is None else str(user_id))


async def _people(graphql: GraphQL) -> tuple[uuid.UUID, uuid.UUID]:
    alice, bob = await sign_up(graphql, name="Alice Identity"), await sign_up(graphql, name="Bob Owner")
    company = await create_company(graphql, bob, name="Shared A")
    await invite(graphql, bob, company_id=company, member=alice)
    return uuid_of(alice.user_id), uuid_of(bob.user_id)


async def _alice_identity(db: asyncpg.Connection, alice: uuid.UUID, canary: str) -> uuid.UUID:
    identity = uuid.uuid4()
    await caller(db, alice)
    await db.execute(
        "INSERT INTO sign_in_identities (id, user_id, provider, issuer, subject, email, email_verified)"
        " VALUES ($1, $2, 'google', 'https://issuer.test', $3, $4, true)",
        identity, alice, f"sub-{canary}", f"{canary}@provider.test",
    )  # fmt: skip
    return identity


async def test_a_persons_identities_are_read_by_them_alone(owner: asyncpg.Connection, graphql: GraphQL) -> None:
    alice, bob = await _people(graphql)
    canary = uuid.uuid4().hex

    async with transaction(owner) as db:
        await _alice_identity(db, alice, canary)
        seen_by_alice = await db.fetchval("SELECT count(*) FROM sign_in_identities WHERE email LIKE $1", f"{canary}%")
        await caller(db, bob)
        seen_by_bob = await db.fetchval("SELECT count(*) FROM sign_in_identities WHERE email LIKE $1", f"{canary}%")
        await caller(db, None)
        seen_by_nobody = await db.fetchval("SELECT count(*) FROM sign_in_identities")

    assert (seen_by_alice, seen_by_bob, seen_by_nobody) == (1, 0, 0)


async def test_nobody_writes_another_persons_identities(owner: asyncpg.Connection, graphql: GraphQL) -> None:
    alice, bob = await _people(graphql)
    canary = uuid.uuid4().hex

    async with transaction(owner) as db:
        identity = await _alice_identity(db, alice, canary)
        await caller(db, bob)
        updated = await db.execute("UPDATE sign_in_identities SET last_used_at = now() WHERE id = $1", identity)
        deleted = await db.execute("DELETE FROM sign_in_identities WHERE id = $1", identity)
        await caller(db, alice)
        still_there = await db.fetchval("SELECT count(*) FROM sign_in_identities WHERE id = $1", identity)

    assert (updated, deleted, still_there) == ("UPDATE 0", "DELETE 0", 1)


async def test_nobody_links_an_identity_to_someone_else(owner: asyncpg.Connection, graphql: GraphQL) -> None:
    alice, bob = await _people(graphql)

    async with transaction(owner) as db:
        await caller(db, bob)
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await db.execute(
                "INSERT INTO sign_in_identities (id, user_id, provider, issuer, subject)"
                " VALUES ($1, $2, 'google', 'https://issuer.test', 'bobs-google')",
                uuid.uuid4(), alice,
            )  # fmt: skip


async def test_an_identity_cannot_be_moved_to_another_person(owner: asyncpg.Connection, graphql: GraphQL) -> None:
    alice, bob = await _people(graphql)

    async with transaction(owner) as db:
        identity = await _alice_identity(db, alice, uuid.uuid4().hex)
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await db.execute("UPDATE sign_in_identities SET user_id = $1 WHERE id = $2", bob, identity)


async def test_started_sign_ins_are_written_by_the_definer_functions_only(
    owner: asyncpg.Connection, graphql: GraphQL
) -> None:
    alice, bob = await _people(graphql)
    state = hashlib.sha256(uuid.uuid4().bytes).hexdigest()

    async with transaction(owner) as db:
        await caller(db, alice)
        await db.execute("SELECT rhythm.begin_sign_in($1, 'google', 600)", state)
        seen_by_alice = await db.fetchval("SELECT count(*) FROM sign_in_attempts WHERE state_hash = $1", state)
        await caller(db, bob)
        seen_by_bob = await db.fetchval("SELECT count(*) FROM sign_in_attempts")
        taken_by_wrong_hash = await db.fetch("SELECT * FROM rhythm.take_sign_in($1)", "0" * 64)
        taken = await db.fetch("SELECT * FROM rhythm.take_sign_in($1)", state)
        taken_again = await db.fetch("SELECT * FROM rhythm.take_sign_in($1)", state)
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await db.execute(
                "INSERT INTO sign_in_attempts (state_hash, provider, expires_at) VALUES ($1, 'google', now())", "1" * 64
            )

    assert (seen_by_alice, seen_by_bob) == (1, 0)
    assert taken_by_wrong_hash == []
    assert [(row["provider"], row["user_id"]) for row in taken] == [("google", alice)]
    assert taken_again == []


async def test_a_lapsed_sign_in_cannot_be_taken(owner: asyncpg.Connection) -> None:
    state = hashlib.sha256(uuid.uuid4().bytes).hexdigest()
    # Two committed transactions: now() stands still within one.
    async with owner.transaction():
        await owner.execute("SELECT set_config('role', 'rhythm_app', true)")
        await owner.execute("SELECT rhythm.begin_sign_in($1, 'microsoft', 0)", state)

    async with owner.transaction():
        await owner.execute("SELECT set_config('role', 'rhythm_app', true)")
        taken = await owner.fetch("SELECT * FROM rhythm.take_sign_in($1)", state)
        # Starting another sign-in sweeps the lapsed ones away.
        await owner.execute("SELECT rhythm.begin_sign_in($1, 'google', 600)", "f" * 64)
        await owner.execute("SELECT rhythm.take_sign_in($1)", "f" * 64)
    left = await owner.fetchval("SELECT count(*) FROM sign_in_attempts WHERE state_hash = $1", state)

    assert taken == []
    assert left == 0
