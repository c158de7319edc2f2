"""The relay as reconciler: an event is handed to the broker until its reactions completed, with a lease that
doubles, and given up (a dead letter owners may replay) after a bounded number of dispatches. A database of its
own, so no other relay takes these events; the broker is a list the test reads."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.engine import create_engine, create_sessionmaker
from db.models import DeadLetter, OutboxEvent
from db.tenant import tenant_session
from domain.events.outbox import complete
from tests.databases import own_database
from tests.webhooks.world import Tenant, make_task_event, make_tenant
from workers.events.completions import Completions
from workers.events.relay import ClaimedEvent, OutboxRelay

Sessions = async_sessionmaker[AsyncSession]
LEASE = timedelta(milliseconds=300)


@pytest.fixture(scope="module")
def reconciler_database_url(server_url: str) -> Iterator[str]:
    with own_database(server_url, "reconciler") as url:
        yield url


@pytest.fixture
async def db(reconciler_database_url: str) -> AsyncIterator[Sessions]:
    engine = create_engine(reconciler_database_url, pool_size=2)
    yield create_sessionmaker(engine)
    await engine.dispose()


class Broker:
    """Takes messages and loses them all, as a Redis restarted without persistence would."""

    def __init__(self) -> None:
        self.sent: list[uuid.UUID] = []

    def publish(self, events: Sequence[ClaimedEvent]) -> None:
        self.sent.extend(event.id for event in events)


def relay(db: Sessions, url: str, broker: Broker, *, max_dispatches: int = 8) -> OutboxRelay:
    return OutboxRelay(db, url, broker.publish, reaction_lease=LEASE, max_dispatches=max_dispatches)


async def outbox_row(db: Sessions, tenant: Tenant, event_id: uuid.UUID) -> OutboxEvent:
    async with tenant_session(db, tenant.worker) as session:
        row = await session.get(OutboxEvent, event_id, populate_existing=True)
        assert row is not None
        return row


async def test_an_event_whose_reactions_did_not_complete_is_dispatched_again_once_its_lease_lapses(
    db: Sessions, reconciler_database_url: str
) -> None:
    tenant = await make_tenant(db)
    event = await make_task_event(db, tenant, "Lost by the broker")
    broker = Broker()
    relaying = relay(db, reconciler_database_url, broker)

    await relaying.drain()
    assert broker.sent.count(event.id) == 1
    await relaying.drain()
    assert broker.sent.count(event.id) == 1, "held for the reaction lease"
    published = await outbox_row(db, tenant, event.id)
    assert published.published_at is not None
    assert published.completed_at is None
    assert published.dispatches == 1

    await asyncio.sleep(LEASE.total_seconds() * 1.5)
    await relaying.drain()
    assert broker.sent.count(event.id) == 2, "dispatched again: the broker lost it"
    again = await outbox_row(db, tenant, event.id)
    assert again.claimed_until is not None
    assert again.dispatches == 2
    # The second hold is twice the first.
    assert again.claimed_until - again.published_at >= 2 * LEASE  # type: ignore[operator]


async def test_a_completed_event_is_not_dispatched_again(db: Sessions, reconciler_database_url: str) -> None:
    tenant = await make_tenant(db)
    event = await make_task_event(db, tenant, "Done")
    broker = Broker()
    relaying = relay(db, reconciler_database_url, broker)
    await relaying.drain()
    async with tenant_session(db, tenant.worker) as session:
        await complete(session, [event.id])

    await asyncio.sleep(LEASE.total_seconds() * 1.5)
    await relaying.drain()
    assert broker.sent.count(event.id) == 1
    row = await outbox_row(db, tenant, event.id)
    assert row.completed_at is not None
    assert row.claimed_until is None


async def test_an_event_that_never_completes_is_given_up_as_a_dead_letter_that_can_be_replayed(
    db: Sessions, reconciler_database_url: str
) -> None:
    tenant = await make_tenant(db)
    event = await make_task_event(db, tenant, "Never completes")
    broker = Broker()
    relaying = relay(db, reconciler_database_url, broker, max_dispatches=2)

    await relaying.drain()
    await asyncio.sleep(LEASE.total_seconds() * 1.5)
    await relaying.drain()
    # The second hold is two leases.
    await asyncio.sleep(LEASE.total_seconds() * 3)
    await relaying.drain()
    await asyncio.sleep(LEASE.total_seconds() * 5)
    await relaying.drain()

    assert broker.sent.count(event.id) == 2
    row = await outbox_row(db, tenant, event.id)
    assert row.given_up_at is not None
    assert row.completed_at is None
    async with tenant_session(db, tenant.worker) as session:
        statement = sa.select(DeadLetter).where(DeadLetter.message_id == str(event.id))  # type: ignore[arg-type]
        [dead] = (await session.execute(statement)).scalars()
    assert dead.company_id == tenant.company_id
    assert dead.queue == "events"
    assert dead.actor == "events.dispatch"
    assert dead.message["args"] == [str(event.id), str(tenant.company_id)]
    assert "Dispatched 2 times" in dead.reason


async def test_completions_handed_together_are_recorded_together(db: Sessions) -> None:
    tenant = await make_tenant(db)
    events = [await make_task_event(db, tenant, f"Together {n}") for n in range(40)]
    completions = Completions(lambda: db)

    for event in events:
        completions.hand(event.id)
    await completions.written()

    for event in events:
        assert (await outbox_row(db, tenant, event.id)).completed_at is not None
    assert completions.writes < len(events) / 4, "grouped, not one transaction each"
