"""A delivery the dispatcher hands out a second time while its first message still waits (it waited longer than
the redispatch delay) is posted once: the message that comes second finds it claimed or done."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.models import DeliveryStatus
from domain.webhooks.deliveries import Due
from domain.webhooks.transport import Sender
from tests.webhooks.receiver import Receiver
from tests.webhooks.world import POLICY, T0, attempts, deliver, fan_out, make_endpoint, make_task_event, make_tenant
from workers.webhooks import jobs as webhook_jobs

Sessions = async_sessionmaker[AsyncSession]


async def handed_again(sessions: Sessions, due: Due) -> list[Due]:
    """What the dispatcher hands out once the delivery's hold lapsed with its message still in the queue."""
    handed: list[Due] = []

    def enqueue(batch: Sequence[Due]) -> None:
        handed.extend(d for d in batch if d.company_id == due.company_id)

    await webhook_jobs.dispatch_due(sessions, enqueue, now=T0 + POLICY.redispatch_after, policy=POLICY)
    return handed


async def test_a_delivery_queued_longer_than_the_redispatch_delay_is_posted_once(
    quiet: Sessions, sender: Sender, receiver: Receiver
) -> None:
    tenant = await make_tenant(quiet)
    await make_endpoint(quiet, tenant, receiver.url)
    [due] = await fan_out(quiet, await make_task_event(quiet, tenant))
    handed = await handed_again(quiet, due)

    first = await deliver(quiet, sender, due, T0 + POLICY.redispatch_after + timedelta(seconds=1))
    second = await deliver(quiet, sender, handed[0], T0 + POLICY.redispatch_after + timedelta(seconds=2))

    assert handed == [due]
    assert (first, second) == (DeliveryStatus.SUCCEEDED, None)
    assert len(receiver.received) == 1
    assert [a.attempt for a in await attempts(quiet, tenant, due.id)] == [1]


async def test_two_messages_of_one_delivery_run_at_once_post_it_once(
    quiet: Sessions, sender: Sender, receiver: Receiver
) -> None:
    tenant = await make_tenant(quiet)
    await make_endpoint(quiet, tenant, receiver.url)
    [due] = await fan_out(quiet, await make_task_event(quiet, tenant))
    handed = await handed_again(quiet, due)

    at = T0 + POLICY.redispatch_after + timedelta(seconds=1)
    outcomes = await asyncio.gather(deliver(quiet, sender, due, at), deliver(quiet, sender, handed[0], at))

    assert sorted(outcomes, key=str) == sorted([DeliveryStatus.SUCCEEDED, None], key=str)
    assert len(receiver.received) == 1
    assert [a.attempt for a in await attempts(quiet, tenant, due.id)] == [1]
