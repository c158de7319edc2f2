"""Rotating a secret: during the overlap each delivery carries a signature by the new and by the old secret, so
a receiver verifies with either; afterwards only the new one signs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from standardwebhooks import WebhookVerificationError

from db.tenant import tenant_session
from domain.errors import ValidationFailed
from domain.webhooks import endpoints
from domain.webhooks.transport import Sender
from tests.webhooks.receiver import Receiver, verify_at
from tests.webhooks.world import T0, deliver, fan_out, make_endpoint, make_task_event, make_tenant

Sessions = async_sessionmaker[AsyncSession]


async def test_during_the_overlap_deliveries_verify_with_the_old_and_the_new_secret(
    quiet: Sessions, sender: Sender, receiver: Receiver
) -> None:
    tenant = await make_tenant(quiet)
    endpoint_id, old = await make_endpoint(quiet, tenant, receiver.url)
    async with tenant_session(quiet, tenant.person) as session:
        rotated = await endpoints.rotate_secret(session, endpoint_id, overlap=timedelta(hours=1), now=T0)
    new = rotated.secret

    [during] = await fan_out(quiet, await make_task_event(quiet, tenant, "During"))
    [after] = await fan_out(quiet, await make_task_event(quiet, tenant, "After"))
    await deliver(quiet, sender, during, T0 + timedelta(minutes=59))
    await deliver(quiet, sender, after, T0 + timedelta(hours=1))

    signed_during, signed_after = receiver.received
    assert new != old
    assert rotated.endpoint.previous_secret_expires_at == T0 + timedelta(hours=1)
    assert len(signed_during.headers["webhook-signature"].split(" ")) == 2
    verify_at(old, signed_during, T0 + timedelta(minutes=59))
    verify_at(new, signed_during, T0 + timedelta(minutes=59))
    assert len(signed_after.headers["webhook-signature"].split(" ")) == 1
    verify_at(new, signed_after, T0 + timedelta(hours=1))
    with pytest.raises(WebhookVerificationError, match="No matching signature"):
        verify_at(old, signed_after, T0 + timedelta(hours=1))


async def test_a_rotation_without_overlap_stops_the_old_secret_at_once(
    quiet: Sessions, sender: Sender, receiver: Receiver
) -> None:
    tenant = await make_tenant(quiet)
    endpoint_id, old = await make_endpoint(quiet, tenant, receiver.url)
    async with tenant_session(quiet, tenant.person) as session:
        new = (await endpoints.rotate_secret(session, endpoint_id, overlap=timedelta(0), now=T0)).secret
    [due] = await fan_out(quiet, await make_task_event(quiet, tenant))

    await deliver(quiet, sender, due, T0)

    [received] = receiver.received
    verify_at(new, received, T0)
    with pytest.raises(WebhookVerificationError):
        verify_at(old, received, T0)


async def test_rotating_twice_keeps_only_the_secret_replaced_last_in_the_overlap(
    quiet: Sessions, sender: Sender, receiver: Receiver
) -> None:
    tenant = await make_tenant(quiet)
    endpoint_id, first = await make_endpoint(quiet, tenant, receiver.url)
    async with tenant_session(quiet, tenant.person) as session:
        second = (await endpoints.rotate_secret(session, endpoint_id, overlap=timedelta(hours=1), now=T0)).secret
    async with tenant_session(quiet, tenant.person) as session:
        third = (await endpoints.rotate_secret(session, endpoint_id, overlap=timedelta(hours=1), now=T0)).secret
    [due] = await fan_out(quiet, await make_task_event(quiet, tenant))

    await deliver(quiet, sender, due, T0 + timedelta(minutes=1))

    [received] = receiver.received
    verify_at(second, received, T0 + timedelta(minutes=1))
    verify_at(third, received, T0 + timedelta(minutes=1))
    with pytest.raises(WebhookVerificationError):
        verify_at(first, received, T0 + timedelta(minutes=1))


async def test_an_overlap_longer_than_a_week_is_refused(quiet: Sessions, receiver: Receiver) -> None:
    tenant = await make_tenant(quiet)
    endpoint_id, _ = await make_endpoint(quiet, tenant, receiver.url)

    with pytest.raises(ValidationFailed) as refused:
        async with tenant_session(quiet, tenant.person) as session:
            await endpoints.rotate_secret(session, endpoint_id, overlap=timedelta(days=8), now=T0)

    assert set(refused.value.fields) == {"overlapSeconds"}
