"""The webhook jobs, apart from Dramatiq: each takes its sessions, its sender and the time it runs at, so the
actors run them on the clock and tests run them on an injected one.

A delivery spans two transactions around the HTTP call, so no connection or lock is held while a receiver
answers: claim (with a lease) and read the signing secrets, post, then record the attempt and what follows.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence
from datetime import datetime

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from base.clock import utcnow
from base.metrics import WEBHOOK_DELIVERIES, WEBHOOK_LATENCY
from db.models import DeliveryStatus, OutboxEvent
from db.tenant import ANONYMOUS, tenant_session, worker_for
from domain.webhooks import deliveries, endpoints, fanout
from domain.webhooks.deliveries import Due
from domain.webhooks.payload import body_of
from domain.webhooks.policy import DeliveryPolicy
from domain.webhooks.signing import signed_headers
from domain.webhooks.transport import Sender
from workers.loop_runs import loop_pass

log = structlog.get_logger("rhythm.webhooks")

Sessions = async_sessionmaker[AsyncSession]
Enqueue = Callable[[Sequence[Due]], None]
DISABLED = "The endpoint is disabled."
DUE_BATCH = 500


async def fan_out(sessions: Sessions, event: OutboxEvent, *, now: datetime, policy: DeliveryPolicy) -> list[Due]:
    """Make the event's deliveries in one transaction as the company's worker; the ones made by this call."""
    async with tenant_session(sessions, worker_for(event.company_id)) as session:
        made = await fanout.create_deliveries(session, event, now=now, hold=policy.redispatch_after)
    return [Due(id=delivery_id, company_id=event.company_id) for delivery_id in made]


async def deliver(
    sessions: Sessions, sender: Sender, due: Due, *, now: datetime, policy: DeliveryPolicy
) -> DeliveryStatus | None:
    """One attempt of a due delivery; its status afterwards, or None when it was not due or taken elsewhere."""
    async with tenant_session(sessions, worker_for(due.company_id)) as session:
        claimed = await deliveries.claim(session, due.id, now=now, policy=policy)
        if claimed is None:
            return None
        target = await endpoints.signing_target(session, claimed.delivery.endpoint_id, now)
        if target is None or not target.enabled:
            await deliveries.abandon(session, claimed, reason=DISABLED, now=now)
            return DeliveryStatus.ABANDONED
    body = body_of(claimed.delivery.payload)
    headers = signed_headers(target.secrets, claimed.delivery.message_id, now, body)
    response = await sender.post(target.url, body.encode(), headers)
    async with tenant_session(sessions, worker_for(due.company_id)) as session:
        status = await deliveries.record(
            session, claimed, response, now=now, policy=policy, endpoint_failing=target.failure_streak > 0
        )
    WEBHOOK_DELIVERIES.labels(status.value).inc()
    if response.latency_ms is not None:
        WEBHOOK_LATENCY.observe(response.latency_ms / 1000)
    log.info(
        "webhook_attempt",
        delivery_id=str(due.id),
        attempt=claimed.attempt,
        response_status=response.status,
        latency_ms=response.latency_ms,
        error=response.error,
        status=status.value,
    )
    return status


async def dispatch_due(sessions: Sessions, enqueue: Enqueue, *, now: datetime, policy: DeliveryPolicy) -> int:
    """Hand every due or lease-expired delivery to the broker; how many were handed."""
    handed = 0
    while True:
        async with tenant_session(sessions, ANONYMOUS) as session:
            due = await deliveries.claim_due(session, now=now, limit=DUE_BATCH, hold=policy.redispatch_after)
        if due:
            # A broker that is down raises here; the deliveries are handed again once their hold lapses.
            await asyncio.to_thread(enqueue, due)
        handed += len(due)
        if len(due) < DUE_BATCH:
            return handed


async def run_dispatcher(
    sessions: Sessions, enqueue: Enqueue, stop: asyncio.Event, *, period: float, policy: DeliveryPolicy
) -> None:
    """`dispatch_due` every `period` seconds until `stop` is set."""
    while not stop.is_set():
        try:
            with loop_pass("webhook_dispatcher"):
                await dispatch_due(sessions, enqueue, now=utcnow(), policy=policy)
        except Exception:
            log.exception("webhook_dispatch_failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), period)
