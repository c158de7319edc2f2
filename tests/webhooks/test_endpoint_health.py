"""A 410 or a sustained streak of failures disables an endpoint, and its owners and admins are told."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.models import DeliveryStatus
from db.tenant import tenant_session
from domain.events.service import EventType
from domain.webhooks import endpoints
from domain.webhooks.endpoints import EndpointChanges
from domain.webhooks.policy import DeliveryPolicy
from domain.webhooks.transport import Sender
from tests.webhooks.receiver import Answer, Receiver
from tests.webhooks.world import (
    POLICY,
    T0,
    deliver,
    endpoint,
    events_of,
    fan_out,
    make_endpoint,
    make_task_event,
    make_tenant,
)

Sessions = async_sessionmaker[AsyncSession]
IMPATIENT = DeliveryPolicy(
    timeout=POLICY.timeout, allow_private_targets=True, disable_after_failures=3, disable_after=timedelta(hours=1)
)


async def test_a_410_disables_the_endpoint_and_abandons_its_deliveries(
    quiet: Sessions, sender: Sender, receiver: Receiver
) -> None:
    tenant = await make_tenant(quiet)
    endpoint_id, _ = await make_endpoint(quiet, tenant, receiver.url)
    [first] = await fan_out(quiet, await make_task_event(quiet, tenant, "First"))
    [second] = await fan_out(quiet, await make_task_event(quiet, tenant, "Second"))
    receiver.answer = Answer(status=410)

    gone = await deliver(quiet, sender, first, T0)
    untried = await deliver(quiet, sender, second, T0)
    later = await fan_out(quiet, await make_task_event(quiet, tenant, "Third"))

    disabled = await endpoint(quiet, tenant, endpoint_id)
    assert (gone, untried) == (DeliveryStatus.ABANDONED, DeliveryStatus.ABANDONED)
    assert len(receiver.received) == 1, "nothing more is posted to an endpoint that is gone"
    assert later == []
    assert not disabled.enabled
    assert disabled.disabled_reason == "The endpoint answered 410 Gone."
    assert len(await events_of(quiet, tenant, EventType.WEBHOOK_ENDPOINT_DISABLED)) == 1


async def test_a_sustained_streak_of_failures_disables_the_endpoint_and_notifies_its_admins(
    quiet: Sessions, sender: Sender, receiver: Receiver
) -> None:
    tenant = await make_tenant(quiet)
    endpoint_id, _ = await make_endpoint(quiet, tenant, receiver.url)
    due = [d for n in range(3) for d in await fan_out(quiet, await make_task_event(quiet, tenant, f"Task {n}"))]
    receiver.answer = Answer(status=502)

    # Three failures inside the hour leave it enabled: the streak must also last.
    for d in due:
        await deliver(quiet, sender, d, T0, IMPATIENT)
    still_enabled = (await endpoint(quiet, tenant, endpoint_id)).enabled
    await deliver(quiet, sender, due[0], T0 + timedelta(hours=1), IMPATIENT)

    disabled = await endpoint(quiet, tenant, endpoint_id)
    [event] = await events_of(quiet, tenant, EventType.WEBHOOK_ENDPOINT_DISABLED)
    assert still_enabled
    assert not disabled.enabled
    assert disabled.disabled_reason is not None
    assert "4 failed attempts in a row" in disabled.disabled_reason
    assert event.subject_id == endpoint_id
    assert event.payload["admin_user_ids"] == [str(tenant.user_id)]
    assert event.payload["webhook_endpoint"]["id"] == str(endpoint_id)
    assert await deliver(quiet, sender, due[1], T0 + timedelta(days=1), IMPATIENT) == DeliveryStatus.ABANDONED


async def test_a_success_clears_the_streak(quiet: Sessions, sender: Sender, receiver: Receiver) -> None:
    tenant = await make_tenant(quiet)
    endpoint_id, _ = await make_endpoint(quiet, tenant, receiver.url)
    due = [d for n in range(2) for d in await fan_out(quiet, await make_task_event(quiet, tenant, f"Task {n}"))]
    receiver.answer = Answer(status=500)
    await deliver(quiet, sender, due[0], T0, IMPATIENT)
    failing = (await endpoint(quiet, tenant, endpoint_id)).failure_streak
    receiver.answer = Answer(status=204)

    await deliver(quiet, sender, due[1], T0, IMPATIENT)

    healthy = await endpoint(quiet, tenant, endpoint_id)
    assert failing == 1
    assert (healthy.failure_streak, healthy.failing_since) == (0, None)


async def test_enabling_again_clears_the_reason_and_the_streak(
    quiet: Sessions, sender: Sender, receiver: Receiver
) -> None:
    tenant = await make_tenant(quiet)
    endpoint_id, _ = await make_endpoint(quiet, tenant, receiver.url)
    [due] = await fan_out(quiet, await make_task_event(quiet, tenant))
    receiver.answer = Answer(status=410)
    await deliver(quiet, sender, due, T0)

    async with tenant_session(quiet, tenant.person) as session:
        enabled = await endpoints.update_endpoint(
            session, endpoint_id, EndpointChanges(enabled=True), allow_private=True, now=T0
        )

    assert (enabled.enabled, enabled.disabled_reason, enabled.failure_streak) == (True, None, 0)
    assert await fan_out(quiet, await make_task_event(quiet, tenant, "After")) != []
