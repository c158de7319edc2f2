"""People, companies, endpoints and events made straight through the domain services, for tests that drive the
webhook jobs themselves on an injected clock in a database no worker watches."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.models import DeliveryStatus, OutboxEvent, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from db.tenant import ANONYMOUS, Caller, tenant_session, worker_for
from domain.events.service import EventType
from domain.tasks import service as tasks
from domain.tasks.service import TaskChanges
from domain.webhooks import endpoints
from domain.webhooks.deliveries import Due
from domain.webhooks.endpoints import EndpointChanges
from domain.webhooks.policy import DeliveryPolicy
from domain.webhooks.transport import Sender
from workers.webhooks import jobs as webhook_jobs

Sessions = async_sessionmaker[AsyncSession]
POLICY = DeliveryPolicy(timeout=timedelta(seconds=5), allow_private_targets=True)
# A fixed instant, far from the wall clock: every step of a test is an explicit move of this clock.
T0 = datetime(2030, 1, 7, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Tenant:
    user_id: uuid.UUID
    company_id: uuid.UUID

    @property
    def person(self) -> Caller:
        return Caller(user_id=self.user_id)

    @property
    def worker(self) -> Caller:
        return worker_for(self.company_id)


async def make_tenant(sessions: Sessions, name: str = "Hook Owner") -> Tenant:
    """A person and their personal company, of which they are the owner."""
    user_id, company_id = uuid.uuid4(), uuid.uuid4()
    async with tenant_session(sessions, ANONYMOUS) as session:
        await session.execute(
            sa.text("SELECT rhythm.sign_up(:user, :company, :email, 'x', :name, 'UTC', :company_name)"),
            {
                "user": user_id,
                "company": company_id,
                "email": f"{user_id.hex}@rhythm.test",
                "name": name,
                "company_name": f"{name}'s work",
            },
        )
    return Tenant(user_id=user_id, company_id=company_id)


async def make_endpoint(
    sessions: Sessions, tenant: Tenant, url: str, *event_types: EventType, now: datetime = T0
) -> tuple[uuid.UUID, str]:
    async with tenant_session(sessions, tenant.person) as session:
        issued = await endpoints.create_endpoint(
            session,
            company_id=tenant.company_id,
            created_by=tenant.user_id,
            changes=EndpointChanges(url=url, event_types=list(event_types)),
            allow_private=True,
            now=now,
        )
    return issued.endpoint.id, issued.secret


async def make_task_event(sessions: Sessions, tenant: Tenant, title: str = "A task") -> OutboxEvent:
    """A committed task.created event, as the API would leave it in the outbox."""
    async with tenant_session(sessions, tenant.person) as session:
        task = await tasks.create_task(
            session, company_id=tenant.company_id, created_by=tenant.user_id, changes=TaskChanges(title=title)
        )
    # Only the company's workers read the outbox back.
    async with tenant_session(sessions, tenant.worker) as session:
        statement = sa.select(OutboxEvent).where(OutboxEvent.subject_id == task.id)  # type: ignore[arg-type]
        return (await session.execute(statement)).scalars().one()


async def fan_out(sessions: Sessions, event: OutboxEvent, now: datetime = T0) -> list[Due]:
    return await webhook_jobs.fan_out(sessions, event, now=now, policy=POLICY)


async def deliver(
    sessions: Sessions, sender: Sender, due: Due, now: datetime, policy: DeliveryPolicy = POLICY
) -> DeliveryStatus | None:
    return await webhook_jobs.deliver(sessions, sender, due, now=now, policy=policy)


async def delivery(sessions: Sessions, tenant: Tenant, delivery_id: uuid.UUID) -> WebhookDelivery:
    async with tenant_session(sessions, tenant.worker) as session:
        found = await session.get(WebhookDelivery, delivery_id)
        assert found is not None
        return found


async def endpoint(sessions: Sessions, tenant: Tenant, endpoint_id: uuid.UUID) -> WebhookEndpoint:
    async with tenant_session(sessions, tenant.worker) as session:
        found = await session.get(WebhookEndpoint, endpoint_id)
        assert found is not None
        return found


async def attempts(sessions: Sessions, tenant: Tenant, delivery_id: uuid.UUID) -> list[WebhookAttempt]:
    async with tenant_session(sessions, tenant.worker) as session:
        statement = (
            sa.select(WebhookAttempt)
            .where(WebhookAttempt.delivery_id == delivery_id)  # type: ignore[arg-type]
            .order_by(WebhookAttempt.attempt)  # type: ignore[arg-type]
        )
        return list((await session.execute(statement)).scalars())


async def events_of(sessions: Sessions, tenant: Tenant, event_type: EventType) -> list[OutboxEvent]:
    async with tenant_session(sessions, tenant.worker) as session:
        statement = sa.select(OutboxEvent).where(
            OutboxEvent.company_id == tenant.company_id,  # type: ignore[arg-type]
            OutboxEvent.type == event_type.value,  # type: ignore[arg-type]
        )
        return list((await session.execute(statement)).scalars())
