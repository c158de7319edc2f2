"""The policies of migration 0013, as the app role: a person's calendar connection, its calendars, cursors, block
links and push channels are theirs alone; the events mirrored from it follow the rules of every calendar event
(members of the company read them, nobody in another company sees anything of them).

Alice connects an account in company A; Bob is a member of A; Carol works in company B only. Every text of
Alice's carries a canary, so an answer that leaks any of it is caught.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import asyncpg
import pytest

from tests.factories import create_company, invite, sign_up
from tests.graphql import GraphQL
from tests.isolation.world import uuid_of

SYNC_TABLES = (
    "calendar_connections", "external_calendars", "calendar_sync_cursors", "calendar_block_links",
    "calendar_push_channels",
)  # fmt: skip


@asynccontextmanager
async def acting_as(owner: asyncpg.Connection, user_id: uuid.UUID) -> AsyncIterator[asyncpg.Connection]:
    """A transaction as rhythm_app with `user_id` as the caller, exactly as db.tenant names one; rolled back."""
    transaction = owner.transaction()
    await transaction.start()
    try:
        await owner.execute(
            "SELECT set_config('role', 'rhythm_app', true), set_config('rhythm.user_id', $1, true)", str(user_id)
        )
        yield owner
    finally:
        await transaction.rollback()


@dataclass(frozen=True)
class World:
    canary: str
    alice: uuid.UUID
    bob: uuid.UUID
    carol: uuid.UUID
    company_a: uuid.UUID
    channel_id: uuid.UUID
    channel_token: str


async def _connect_alice(db: asyncpg.Connection, *, alice: uuid.UUID, company: uuid.UUID, canary: str) -> uuid.UUID:
    """Alice's connection with one calendar, its mirror and a mirrored event, written under her own policies."""
    connection_id, calendar_id, external_id, channel_id = (uuid.uuid4() for _ in range(4))
    await db.execute(
        "INSERT INTO calendar_connections (id, company_id, user_id, provider, account_email, access_token)"
        " VALUES ($1, $2, $3, 'google', $4, $5)",
        connection_id, company, alice, f"{canary}@gmail.test", b"sealed",
    )  # fmt: skip
    await db.execute(
        "INSERT INTO calendars (id, company_id, owner_id, name, source, external_id)"
        " VALUES ($1, $2, $3, $4, 'external', 'primary')",
        calendar_id, company, alice, f"Calendar {canary}",
    )  # fmt: skip
    await db.execute(
        "INSERT INTO external_calendars (id, company_id, user_id, connection_id, calendar_id, external_id, name,"
        " receives_blocks) VALUES ($1, $2, $3, $4, $5, 'primary', $6, true)",
        external_id, company, alice, connection_id, calendar_id, f"Calendar {canary}",
    )  # fmt: skip
    await db.execute(
        "INSERT INTO calendar_sync_cursors (external_calendar_id, company_id, user_id, cursor) VALUES ($1, $2, $3, $4)",
        external_id, company, alice, f"token-{canary}",
    )  # fmt: skip
    await db.execute(
        "INSERT INTO calendar_block_links (id, company_id, user_id, external_calendar_id, time_block_id,"
        " block_company_id, provider_event_id, etag, starts_at, ends_at)"
        " VALUES ($1, $2, $3, $4, $5, $2, $6, '\"1\"', now(), now() + interval '1 hour')",
        uuid.uuid4(), company, alice, external_id, uuid.uuid4(), f"rhythm{canary}",
    )  # fmt: skip
    await db.execute(
        "INSERT INTO calendar_push_channels (id, company_id, user_id, connection_id, external_calendar_id, token,"
        " expires_at) VALUES ($1, $2, $3, $4, $5, $6, now() + interval '1 day')",
        channel_id, company, alice, connection_id, external_id, f"token-{canary}",
    )  # fmt: skip
    await db.execute(
        "INSERT INTO calendar_events (id, company_id, calendar_id, user_id, title, starts_at, ends_at, external_uid)"
        " VALUES ($1, $2, $3, $4, $5, now(), now() + interval '1 hour', $6)",
        uuid.uuid4(), company, calendar_id, alice, f"Meeting {canary}", f"evt{canary}",
    )  # fmt: skip
    return channel_id


@pytest.fixture(scope="module")
async def world(graphql: GraphQL, database_url: str) -> World:
    """Committed through the app role as Alice, so the insert policies are what let the rows in."""
    canary = f"canary{uuid.uuid4().hex[:10]}"
    alice = await sign_up(graphql, name="Alice Sync")
    bob = await sign_up(graphql, name="Bob Sync")
    carol = await sign_up(graphql, name="Carol Sync")
    company_a = await create_company(graphql, alice, name="Sync A")
    await create_company(graphql, carol, name="Sync B")
    await invite(graphql, alice, company_id=company_a, member=bob)
    from tests.conftest import _plain

    db = await asyncpg.connect(_plain(database_url))
    try:
        async with db.transaction():
            await db.execute(
                "SELECT set_config('role', 'rhythm_app', true), set_config('rhythm.user_id', $1, true)",
                str(uuid_of(alice.user_id)),
            )
            channel_id = await _connect_alice(
                db, alice=uuid_of(alice.user_id), company=uuid_of(company_a), canary=canary
            )
    finally:
        await db.close()
    return World(
        canary=canary, alice=uuid_of(alice.user_id), bob=uuid_of(bob.user_id), carol=uuid_of(carol.user_id),
        company_a=uuid_of(company_a), channel_id=channel_id, channel_token=f"token-{canary}",
    )  # fmt: skip


async def _counts(db: asyncpg.Connection) -> dict[str, int]:
    return {table: await db.fetchval(f"SELECT count(*) FROM {table}") for table in SYNC_TABLES}


async def test_alice_reads_every_row_of_her_own_connection(owner: asyncpg.Connection, world: World) -> None:
    async with acting_as(owner, world.alice) as alice:
        counts = await _counts(alice)

    assert counts == dict.fromkeys(SYNC_TABLES, 1)


async def test_a_colleague_in_the_same_company_reads_nothing_of_her_connection(
    owner: asyncpg.Connection, world: World
) -> None:
    async with acting_as(owner, world.bob) as bob:
        counts = await _counts(bob)
        rows = await bob.fetch("SELECT to_jsonb(c)::text AS row FROM calendar_connections c")

    assert counts == dict.fromkeys(SYNC_TABLES, 0)
    assert not any(world.canary in row["row"] for row in rows)


async def test_a_colleague_in_the_same_company_sees_her_mirrored_event_as_any_other_event(
    owner: asyncpg.Connection, world: World
) -> None:
    async with acting_as(owner, world.bob) as bob:
        titles = await bob.fetch("SELECT title FROM calendar_events WHERE company_id = $1", world.company_a)

    assert [row["title"] for row in titles] == [f"Meeting {world.canary}"]


async def test_someone_in_another_company_sees_nothing_of_her_connection_or_mirror(
    owner: asyncpg.Connection, world: World
) -> None:
    async with acting_as(owner, world.carol) as carol:
        counts = await _counts(carol)
        events = await carol.fetchval("SELECT count(*) FROM calendar_events WHERE company_id = $1", world.company_a)
        calendars = await carol.fetchval("SELECT count(*) FROM calendars WHERE company_id = $1", world.company_a)

    assert counts == dict.fromkeys(SYNC_TABLES, 0)
    assert (events, calendars) == (0, 0)


async def test_a_colleague_cannot_write_a_connection_in_her_name(owner: asyncpg.Connection, world: World) -> None:
    async with acting_as(owner, world.bob) as bob:
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await bob.execute(
                "INSERT INTO calendar_connections (id, company_id, user_id, provider, account_email, access_token)"
                " VALUES ($1, $2, $3, 'google', 'x@gmail.test', '\\x00')",
                uuid.uuid4(), world.company_a, world.alice,
            )  # fmt: skip


async def test_a_colleague_changes_and_deletes_no_row_of_her_connection(
    owner: asyncpg.Connection, world: World
) -> None:
    async with acting_as(owner, world.bob) as bob:
        updated = await bob.execute("UPDATE calendar_connections SET state = 'error'")
        deleted = [await bob.execute(f"DELETE FROM {table}") for table in SYNC_TABLES]
    async with acting_as(owner, world.alice) as alice:
        state = await alice.fetchval("SELECT state FROM calendar_connections")

    assert (updated, deleted, state) == ("UPDATE 0", ["DELETE 0"] * len(SYNC_TABLES), "active")


async def test_a_push_channel_names_its_connection_only_with_its_token(owner: asyncpg.Connection, world: World) -> None:
    async with acting_as(owner, world.carol) as anyone:
        right = await anyone.fetch(
            "SELECT user_id FROM rhythm.calendar_channel_target($1, $2)", world.channel_id, world.channel_token
        )
        wrong = await anyone.fetch("SELECT user_id FROM rhythm.calendar_channel_target($1, 'guess')", world.channel_id)

    assert ([row["user_id"] for row in right], wrong) == ([world.alice], [])
