"""A delivery is leased while attempted: a worker that dies mid-attempt leaves it to be tried again once the
lease lapses, and the periodic dispatcher hands out due and lapsed deliveries once each."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.models import DeliveryStatus
from db.tenant import tenant_session, worker_for
from domain.webhooks import deliveries
from domain.webhooks.deliveries import Due
from domain.webhooks.transport import Sender
from tests.webhooks.receiver import Receiver
from tests.webhooks.world import (
    POLICY,
    T0,
    attempts,
    deliver,
    delivery,
    fan_out,
    make_endpoint,
    make_task_event,
    make_tenant,
)
from workers.webhooks import jobs as webhook_jobs

Sessions = async_sessionmaker[AsyncSession]


async def claim_and_die(sessions: Sessions, due: Due) -> None:
    """What a worker killed between its claim and its record leaves behind."""
    async with tenant_session(sessions, worker_for(due.company_id)) as session:
        assert await deliveries.claim(session, due.id, now=T0, policy=POLICY) is not None


async def test_a_delivery_whose_worker_died_is_tried_again_when_its_lease_lapses(
    quiet: Sessions, sender: Sender, receiver: Receiver
) -> None:
    tenant = await make_tenant(quiet)
    await make_endpoint(quiet, tenant, receiver.url)
    [due] = await fan_out(quiet, await make_task_event(quiet, tenant))
    await claim_and_die(quiet, due)

    while_leased = await deliver(quiet, sender, due, T0 + POLICY.lease - timedelta(seconds=1))
    after_lease = await deliver(quiet, sender, due, T0 + POLICY.lease)

    log = await attempts(quiet, tenant, due.id)
    assert while_leased is None
    assert after_lease == DeliveryStatus.SUCCEEDED
    assert len(receiver.received) == 1
    assert [(a.attempt, a.succeeded, a.error) for a in log] == [
        (1, False, deliveries.INTERRUPTED),
        (2, True, None),
    ]


async def test_a_late_answer_from_a_worker_that_lost_its_lease_does_not_undo_the_newer_attempt(
    quiet: Sessions, sender: Sender, receiver: Receiver
) -> None:
    tenant = await make_tenant(quiet)
    await make_endpoint(quiet, tenant, receiver.url)
    [due] = await fan_out(quiet, await make_task_event(quiet, tenant))
    async with tenant_session(quiet, worker_for(due.company_id)) as session:
        stale = await deliveries.claim(session, due.id, now=T0, policy=POLICY)
    assert stale is not None
    await deliver(quiet, sender, due, T0 + POLICY.lease)

    async with tenant_session(quiet, worker_for(due.company_id)) as session:
        late = await deliveries.record(
            session, stale, deliveries.Response(500, 10), now=T0 + POLICY.lease, policy=POLICY
        )

    assert late == DeliveryStatus.SUCCEEDED
    assert (await delivery(quiet, tenant, due.id)).status == DeliveryStatus.SUCCEEDED


async def test_the_dispatcher_hands_out_due_and_lapsed_deliveries_once_until_their_hold_lapses(
    quiet: Sessions, sender: Sender, receiver: Receiver
) -> None:
    tenant = await make_tenant(quiet)
    await make_endpoint(quiet, tenant, receiver.url)
    due = [d for n in range(2) for d in await fan_out(quiet, await make_task_event(quiet, tenant, f"Task {n}"))]
    await claim_and_die(quiet, due[0])
    handed: list[Due] = []

    def enqueue(batch: Sequence[Due]) -> None:
        handed.extend(d for d in batch if d.company_id == tenant.company_id)

    # Fan-out holds new deliveries (it enqueues them itself); the lapsed lease and the hold end together here.
    later = T0 + max(POLICY.lease, POLICY.redispatch_after)
    await webhook_jobs.dispatch_due(quiet, enqueue, now=later, policy=POLICY)
    first = sorted(d.id for d in handed)
    await webhook_jobs.dispatch_due(quiet, enqueue, now=later, policy=POLICY)
    repeated = len(handed)
    await webhook_jobs.dispatch_due(quiet, enqueue, now=later + POLICY.redispatch_after, policy=POLICY)

    assert first == sorted(d.id for d in due)
    assert repeated == 2, "held: not handed out twice"
    assert len(handed) == 4, "handed again once the hold lapsed, as they are still due"
