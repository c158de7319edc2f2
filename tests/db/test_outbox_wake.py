"""The outbox relays hear of every committed event: by the trigger's NOTIFY at commit, or, for a transaction that
says it wakes them itself (`rhythm.relay_woken_after_commit`, migration 0025), from the writer once its COMMIT
succeeded: a relay on the writer's own event loop directly, any other by one NOTIFY of its own.

Notifications arrive in commit order, so a marker sent after a transaction shows what that transaction sent: a
transaction that notified is heard before the marker, one that did not is not."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator

import asyncpg
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from db import outbox_wake
from db.tenant import Caller, write_as
from tests.conftest import _plain as plain_url
from tests.databases import own_database
from tests.db.pooled import NOTE, written
from tests.waiting import PATIENCE_SECONDS

CHANNEL = "rhythm_outbox"
MARKER = "marker"
EVENT = "INSERT INTO outbox (id, company_id, type) VALUES ($1, $2, 'task.updated')"
ADA = Caller(user_id=uuid.uuid4(), company_id=uuid.uuid4())
# A scope that is no plain literal takes the parameterised caller settings rather than the one-message BEGIN.
ODD = Caller(company_id=uuid.uuid4(), api_key_id=uuid.uuid4(), api_scopes=frozenset({"tasks:write", "it's"}))
SETTING = f"SELECT current_setting('{outbox_wake.WOKEN_AFTER_COMMIT}', true)"


@pytest.fixture(scope="module")
def database_url(server_url: str) -> Iterator[str]:
    """A database of this module's own: no other test's background jobs write events, and notify, meanwhile."""
    with own_database(server_url, "outbox_wake") as url:
        yield url


@pytest.fixture
def no_relay_here(monkeypatch: pytest.MonkeyPatch) -> None:
    """This process as if no relay ran in it: the suite's in-process app runs one on the same event loop."""
    monkeypatch.setattr(outbox_wake, "_relays", {})


@pytest.fixture
async def heard(database_url: str) -> AsyncIterator[asyncio.Queue[str]]:
    """The payloads of the relays' channel, as a relay's LISTEN connection receives them."""
    queue: asyncio.Queue[str] = asyncio.Queue()
    listener = await asyncpg.connect(plain_url(database_url))
    await listener.add_listener(CHANNEL, lambda *args: queue.put_nowait(args[3]))
    try:
        yield queue
    finally:
        await listener.close()


async def _next(heard: asyncio.Queue[str]) -> str:
    return await asyncio.wait_for(heard.get(), PATIENCE_SECONDS)


async def _heard_before_marker(owner: asyncpg.Connection, heard: asyncio.Queue[str]) -> list[str]:
    await owner.execute(f"SELECT pg_notify('{CHANNEL}', '{MARKER}')")
    before: list[str] = []
    while (payload := await _next(heard)) != MARKER:
        before.append(payload)
    return before


@pytest.mark.parametrize(("setting", "notified"), [(None, True), ("on", False), ("off", True)])
async def test_an_event_notifies_at_commit_unless_its_writer_wakes_the_relays(
    owner: asyncpg.Connection, heard: asyncio.Queue[str], setting: str | None, notified: bool
) -> None:
    event_id = uuid.uuid4()
    try:
        async with owner.transaction():
            if setting is not None:
                await owner.execute(f"SELECT set_config('{outbox_wake.WOKEN_AFTER_COMMIT}', '{setting}', true)")
            await owner.execute(EVENT, event_id, uuid.uuid4())
        assert await _heard_before_marker(owner, heard) == ([""] if notified else [])
    finally:
        await owner.execute("DELETE FROM outbox WHERE id = $1", event_id)


async def test_a_rolled_back_event_wakes_nobody(owner: asyncpg.Connection, heard: asyncio.Queue[str]) -> None:
    transaction = owner.transaction()
    await transaction.start()
    await owner.execute(EVENT, uuid.uuid4(), uuid.uuid4())
    await transaction.rollback()
    assert await _heard_before_marker(owner, heard) == []


@pytest.mark.parametrize("caller", [ADA, ODD], ids=["one message", "parameterised"])
async def test_a_write_wakes_the_relay_of_its_own_loop_once_committed(
    one_connection: AsyncEngine, notes: asyncpg.Connection, heard: asyncio.Queue[str], caller: Caller
) -> None:
    woken = asyncio.Event()

    async def work(connection: asyncpg.Connection) -> None:
        await connection.execute(NOTE, 1)
        # Its events' trigger will not notify; nothing is committed yet, and nobody was woken.
        assert await connection.fetchval(SETTING) == "on"
        assert not woken.is_set()
        assert await written(notes) == []

    with outbox_wake.relay_running(woken.set):
        await write_as(one_connection, caller, work)
        assert woken.is_set()
    assert await _heard_before_marker(notes, heard) == []  # no NOTIFY: the relay here was woken


async def test_a_failed_write_wakes_nobody(
    one_connection: AsyncEngine, notes: asyncpg.Connection, heard: asyncio.Queue[str]
) -> None:
    woken = asyncio.Event()

    async def work(connection: asyncpg.Connection) -> None:
        await connection.execute(NOTE, 1)
        raise LookupError("nothing to answer")

    with outbox_wake.relay_running(woken.set), pytest.raises(LookupError):
        await write_as(one_connection, ADA, work)
    assert not woken.is_set()
    assert await _heard_before_marker(notes, heard) == []


@pytest.mark.usefixtures("no_relay_here")
async def test_without_a_relay_here_a_write_sends_one_notify_after_its_commit(
    one_connection: AsyncEngine, notes: asyncpg.Connection, heard: asyncio.Queue[str]
) -> None:
    async def work(connection: asyncpg.Connection) -> None:
        await connection.execute(NOTE, 1)

    await write_as(one_connection, ADA, work)
    assert await _next(heard) == ""  # the wake, sent on the pool once the write committed
    assert await written(notes) == [(1, f"{ADA.user_id}rhythm_app")]
    await outbox_wake.settle(one_connection)


@pytest.mark.usefixtures("no_relay_here")
async def test_a_relay_whose_event_loop_ended_is_not_woken_and_the_write_notifies_instead(
    one_connection: AsyncEngine, notes: asyncpg.Connection, heard: asyncio.Queue[str]
) -> None:
    woken: list[bool] = []
    running = outbox_wake.relay_running(lambda: woken.append(True))

    async def register() -> None:
        # Registered on a loop that then closes without the relay leaving (a process tearing down).
        running.__enter__()

    async def work(connection: asyncpg.Connection) -> None:
        await connection.execute(NOTE, 1)

    await asyncio.to_thread(asyncio.run, register())
    try:
        await write_as(one_connection, ADA, work)
        assert await _next(heard) == ""
        assert woken == []
    finally:
        running.__exit__(None, None, None)
        await outbox_wake.settle(one_connection)
