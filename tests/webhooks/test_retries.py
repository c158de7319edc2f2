"""Failed deliveries are retried on the schedule, driven by an injected clock: no test here sleeps."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.models import DeliveryStatus
from domain.events.service import EventType
from domain.webhooks.policy import RETRY_SCHEDULE
from domain.webhooks.transport import Sender
from tests.webhooks.receiver import Answer, Receiver, verify_at
from tests.webhooks.world import T0, attempts, deliver, delivery, fan_out, make_endpoint, make_task_event, make_tenant

Sessions = async_sessionmaker[AsyncSession]


async def test_deliveries_resume_on_the_retry_schedule_once_the_receiver_is_back(
    quiet: Sessions, sender: Sender, receiver: Receiver
) -> None:
    tenant = await make_tenant(quiet)
    _, secret = await make_endpoint(quiet, tenant, receiver.url, EventType.TASK_CREATED)
    due = [due for n in range(3) for due in await fan_out(quiet, await make_task_event(quiet, tenant, f"Task {n}"))]
    receiver.stop()

    first = [await deliver(quiet, sender, d, T0) for d in due]
    early = [await deliver(quiet, sender, d, T0 + timedelta(seconds=4)) for d in due]
    second = [await deliver(quiet, sender, d, T0 + timedelta(seconds=5)) for d in due]
    waiting = [await delivery(quiet, tenant, d.id) for d in due]
    receiver.start()
    back = T0 + timedelta(seconds=5) + timedelta(minutes=5)
    third = [await deliver(quiet, sender, d, back) for d in due]

    assert first == second == [DeliveryStatus.FAILED] * 3
    assert early == [None] * 3, "not due before the schedule says"
    assert [row.next_attempt_at for row in waiting] == [back] * 3
    assert third == [DeliveryStatus.SUCCEEDED] * 3
    assert receiver.unique() == 3 == len(receiver.received)
    for received in receiver.received:
        assert verify_at(secret, received, back)["type"] == "task.created"
    log = await attempts(quiet, tenant, due[0].id)
    assert [(a.attempt, a.started_at - T0, a.succeeded, a.response_status) for a in log] == [
        (1, timedelta(0), False, None),
        (2, timedelta(seconds=5), False, None),
        (3, back - T0, True, 200),
    ]
    assert log[0].error is not None
    assert "ConnectError" in log[0].error


async def test_the_schedule_spans_about_three_days_then_the_delivery_is_abandoned(
    quiet: Sessions, sender: Sender, receiver: Receiver
) -> None:
    tenant = await make_tenant(quiet)
    await make_endpoint(quiet, tenant, receiver.url)
    [due] = await fan_out(quiet, await make_task_event(quiet, tenant))
    receiver.answer = Answer(status=500)

    now, statuses = T0, []
    for wait in (timedelta(0), *RETRY_SCHEDULE):
        now += wait
        statuses.append(await deliver(quiet, sender, due, now))

    assert statuses == [DeliveryStatus.FAILED] * len(RETRY_SCHEDULE) + [DeliveryStatus.ABANDONED]
    assert timedelta(days=2, hours=20) <= now - T0 <= timedelta(days=3, hours=2)
    assert len(receiver.received) == len(RETRY_SCHEDULE) + 1
    assert (await delivery(quiet, tenant, due.id)).next_attempt_at is None


async def test_a_429_with_a_longer_retry_after_is_honoured(quiet: Sessions, sender: Sender, receiver: Receiver) -> None:
    tenant = await make_tenant(quiet)
    await make_endpoint(quiet, tenant, receiver.url)
    [due] = await fan_out(quiet, await make_task_event(quiet, tenant))
    receiver.answer = Answer(status=429, headers={"Retry-After": "600"})

    await deliver(quiet, sender, due, T0)

    row = await delivery(quiet, tenant, due.id)
    assert (row.status, row.last_response_status) == (DeliveryStatus.FAILED, 429)
    assert row.next_attempt_at == T0 + timedelta(seconds=600)


async def test_a_503_with_a_shorter_retry_after_keeps_the_schedule(
    quiet: Sessions, sender: Sender, receiver: Receiver
) -> None:
    tenant = await make_tenant(quiet)
    await make_endpoint(quiet, tenant, receiver.url)
    [due] = await fan_out(quiet, await make_task_event(quiet, tenant))
    receiver.answer = Answer(status=503, headers={"Retry-After": "1"})

    await deliver(quiet, sender, due, T0)

    assert (await delivery(quiet, tenant, due.id)).next_attempt_at == T0 + RETRY_SCHEDULE[0]


async def test_a_4xx_is_retried_but_its_retry_after_is_not_honoured(
    quiet: Sessions, sender: Sender, receiver: Receiver
) -> None:
    tenant = await make_tenant(quiet)
    await make_endpoint(quiet, tenant, receiver.url)
    [due] = await fan_out(quiet, await make_task_event(quiet, tenant))
    receiver.answer = Answer(status=400, headers={"Retry-After": "3600"})

    await deliver(quiet, sender, due, T0)

    row = await delivery(quiet, tenant, due.id)
    assert (row.status, row.next_attempt_at) == (DeliveryStatus.FAILED, T0 + RETRY_SCHEDULE[0])


async def test_a_timeout_is_a_failed_attempt(quiet: Sessions, receiver: Receiver) -> None:
    tenant = await make_tenant(quiet)
    await make_endpoint(quiet, tenant, receiver.url)
    [due] = await fan_out(quiet, await make_task_event(quiet, tenant))
    receiver.answer = Answer(delay=1.0)
    impatient = Sender(timeout=timedelta(seconds=0.2), allow_private=True)

    try:
        status = await deliver(quiet, impatient, due, T0)
    finally:
        await impatient.close()

    row = await delivery(quiet, tenant, due.id)
    assert status == DeliveryStatus.FAILED
    assert row.last_error is not None
    assert row.last_error.startswith("Timed out")
