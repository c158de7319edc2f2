"""Webhook actors: `webhooks.deliver` (one attempt), `webhooks.dispatch_due` (hand out due retries and lapsed
leases), and the fan-out reaction that turns every committed event into deliveries and makes their first
attempts."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

import dramatiq
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from base.clock import utcnow
from db.models import OutboxEvent
from domain.events.service import INTERNAL_EVENT_TYPES
from domain.webhooks.deliveries import Due
from domain.webhooks.policy import DeliveryPolicy
from domain.webhooks.transport import Sender
from workers import runtime
from workers.events import reacts
from workers.webhooks import jobs

_sender: Sender | None = None


def delivery_policy() -> DeliveryPolicy:
    settings = runtime.settings()
    timeout = timedelta(seconds=settings.webhooks_timeout_seconds)
    # A lease shorter than an attempt would hand a slow attempt to a second worker: keep it a margin above.
    lease = max(timedelta(seconds=settings.webhooks_lease_seconds), timeout + timedelta(seconds=2))
    return DeliveryPolicy(
        timeout=timeout,
        lease=lease,
        redispatch_after=timedelta(seconds=settings.webhooks_redispatch_after_seconds),
        allow_private_targets=settings.webhooks_allow_private_targets,
    )


def sender() -> Sender:
    """The process's sender, made on the actors' event loop on first use (its connections belong to it)."""
    global _sender
    if _sender is None:
        policy = delivery_policy()
        _sender = Sender(timeout=policy.timeout, allow_private=policy.allow_private_targets)
    return _sender


def enqueue(due: Sequence[Due]) -> None:
    for delivery in due:
        deliver.send(str(delivery.id), str(delivery.company_id))


@reacts
async def fan_out(event: OutboxEvent) -> None:
    if event.type in INTERNAL_EVENT_TYPES:
        return
    policy = delivery_policy()
    made = await jobs.fan_out(runtime.sessions(), event, now=utcnow(), policy=policy)
    # The first attempts are made here, after the fan-out's commit, rather than through a message each: its
    # enqueue, fetch, start count and acknowledgement (Redis round trips and thread hops) cost more than the
    # attempt. Retries, and deliveries this call did not reach (the worker died), go through `webhooks.deliver`
    # once the dispatcher finds them due.
    await asyncio.gather(
        *(jobs.deliver(runtime.sessions(), sender(), due, now=utcnow(), policy=policy) for due in made)
    )


@dramatiq.actor(
    actor_name="webhooks.deliver",
    queue_name="webhooks",
    # The delivery's own schedule retries a failed attempt; these retries cover a crash of the job itself.
    max_retries=3,
    min_backoff=1_000,
    max_backoff=30_000,
    time_limit=120_000,
)
async def deliver(delivery_id: str, company_id: str) -> None:
    due = Due(id=uuid.UUID(delivery_id), company_id=uuid.UUID(company_id))
    await jobs.deliver(runtime.sessions(), sender(), due, now=utcnow(), policy=delivery_policy())


@dramatiq.actor(actor_name="webhooks.dispatch_due", queue_name="webhooks", max_retries=0, time_limit=60_000)
async def dispatch_due(now: str | None = None) -> None:
    at = datetime.fromisoformat(now) if now else utcnow()
    await jobs.dispatch_due(runtime.sessions(), enqueue, now=at, policy=delivery_policy())


async def run_dispatcher(sessions: async_sessionmaker[AsyncSession], stop: asyncio.Event) -> None:
    """The periodic dispatcher each worker process (and the API, running jobs in process) runs beside its relay,
    with the relay's sessions (they belong to the event loop it runs on)."""
    period = runtime.settings().webhooks_dispatch_period_seconds
    await jobs.run_dispatcher(sessions, enqueue, stop, period=period, policy=delivery_policy())
