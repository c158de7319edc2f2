"""Real worker processes on a real Redis: deliveries survive a `kill -9` of a worker mid-way and a broker that
is down when the change commits. A database of their own, so the in-process relay of the test app stays out."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from standardwebhooks import Webhook

from db.engine import create_engine, create_sessionmaker
from db.models import DeliveryStatus, OutboxEvent, WebhookDelivery
from db.tenant import tenant_session
from domain.events.service import EventType
from tests.databases import own_database
from tests.webhooks.documents import until
from tests.webhooks.processes import RedisServer, Worker
from tests.webhooks.receiver import Receiver
from tests.webhooks.world import Tenant, make_endpoint, make_task_event, make_tenant

Sessions = async_sessionmaker[AsyncSession]
EVENTS = 1_000


@pytest.fixture(scope="module")
def workers_database_url(server_url: str) -> Iterator[str]:
    with own_database(server_url, "workers") as url:
        yield url


@pytest.fixture(scope="module")
async def workers_db(workers_database_url: str) -> AsyncIterator[Sessions]:
    engine = create_engine(workers_database_url, pool_size=4)
    yield create_sessionmaker(engine)
    await engine.dispose()


async def commit_events(sessions: Sessions, tenant: Tenant, count: int) -> None:
    """`count` committed task.created events at once, as a burst of mutations leaves them in the outbox."""
    async with tenant_session(sessions, tenant.person) as session:
        for n in range(count):
            task_id = uuid.uuid4()
            data = {"task": {"id": str(task_id), "company_id": str(tenant.company_id), "title": f"Task {n}"}}
            session.add(
                OutboxEvent(
                    company_id=tenant.company_id,
                    type=EventType.TASK_CREATED.value,
                    subject_id=task_id,
                    actor_user_id=tenant.user_id,
                    payload=data,
                )
            )
        await session.flush()


async def deliveries_of(sessions: Sessions, tenant: Tenant) -> list[WebhookDelivery]:
    async with tenant_session(sessions, tenant.worker) as session:
        statement = sa.select(WebhookDelivery).where(WebhookDelivery.company_id == tenant.company_id)  # type: ignore[arg-type]
        return list((await session.execute(statement)).scalars())


async def test_every_event_is_delivered_when_a_worker_is_killed_mid_way_and_each_id_is_processed_once(
    workers_database_url: str, workers_db: Sessions, redis_url: str, tmp_path: Path, receiver: Receiver
) -> None:
    tenant = await make_tenant(workers_db)
    _, secret = await make_endpoint(workers_db, tenant, receiver.url, EventType.TASK_CREATED)
    doomed = Worker(workers_database_url, redis_url, tmp_path / "doomed.log").start()
    survivor = Worker(workers_database_url, redis_url, tmp_path / "survivor.log").start()
    try:
        await asyncio.to_thread(doomed.wait_ready)
        await asyncio.to_thread(survivor.wait_ready)
        await commit_events(workers_db, tenant, EVENTS)
        await until(lambda: receiver.unique() >= EVENTS // 5, 60, "a fifth of the deliveries")
        doomed.kill()
        at_kill = receiver.unique()

        async def all_succeeded() -> bool:
            rows = await deliveries_of(workers_db, tenant)
            return len(rows) == EVENTS and all(row.status == DeliveryStatus.SUCCEEDED for row in rows)

        # Bounded: a busy two-core machine delivers about 30 a second with one worker left.
        await until(lambda: receiver.unique() == EVENTS, 90, "every delivery")
        await until(all_succeeded, 30, "every delivery recorded as succeeded")
    finally:
        doomed.kill()
        survivor.stop()

    rows = await deliveries_of(workers_db, tenant)
    processed = set(receiver.counts)
    assert at_kill < EVENTS, "the worker was killed mid-way"
    assert len({row.event_id for row in rows}) == EVENTS, "one delivery per event"
    assert processed == {row.message_id for row in rows}, "each event's webhook-id processed once after dedupe"
    assert all(Webhook(secret).verify(r.body, r.headers)["type"] == "task.created" for r in receiver.received)


async def test_a_change_committed_while_the_broker_is_down_is_delivered_once_it_is_back(
    workers_database_url: str, workers_db: Sessions, tmp_path: Path, receiver: Receiver
) -> None:
    redis = RedisServer(tmp_path).start()
    worker = Worker(workers_database_url, redis.url, tmp_path / "worker.log", threads=2).start()
    tenant = await make_tenant(workers_db)
    await make_endpoint(workers_db, tenant, receiver.url, EventType.TASK_CREATED)
    try:
        await asyncio.to_thread(worker.wait_ready)
        await make_task_event(workers_db, tenant, "Before the outage")
        await until(lambda: len(receiver.received) == 1, 30, "the delivery before the outage")
        redis.stop()

        event = await make_task_event(workers_db, tenant, "While the broker was down")

        async def tried_to_publish() -> bool:
            async with tenant_session(workers_db, tenant.worker) as session:
                row = await session.get(OutboxEvent, event.id, populate_existing=True)
                return row is not None and row.claimed_until is not None

        await until(tried_to_publish, 30, "the relay to try the broker")
        unpublished = await _published_at(workers_db, tenant, event)
        redis.start()
        await until(lambda: len(receiver.received) == 2, 60, "the delivery once the broker is back")
    finally:
        worker.stop()
        redis.stop()

    assert unpublished is None
    assert b"While the broker was down" in receiver.received[1].body
    assert receiver.unique() == 2


async def _published_at(sessions: Sessions, tenant: Tenant, event: OutboxEvent) -> object:
    async with tenant_session(sessions, tenant.worker) as session:
        row = await session.get(OutboxEvent, event.id, populate_existing=True)
        return None if row is None else row.published_at
