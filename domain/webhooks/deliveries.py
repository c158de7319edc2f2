"""Deliveries: claimed with a lease, attempted, recorded; retried on the schedule; redelivered on request.

A delivery is driven by the database, not by the broker: the broker only says "look at this one now". A claim
succeeds for a delivery that is due, or whose lease lapsed (its worker died mid-attempt), and bumps the attempt
number, which fences off a late answer from a worker that lost its lease.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import Insert, insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from db.models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from domain.db_errors import refusals
from domain.errors import Conflict, Forbidden
from domain.lookups import get_one
from domain.webhooks import health
from domain.webhooks.policy import DeliveryPolicy, honours_retry_after, parse_retry_after
from domain.webhooks.transport import ERROR_LIMIT, Response

WAITING = (DeliveryStatus.PENDING.value, DeliveryStatus.FAILED.value)
INTERRUPTED = "The worker stopped before the attempt finished."


@dataclass(frozen=True, slots=True)
class Claim:
    delivery: WebhookDelivery
    attempt: int


@dataclass(frozen=True, slots=True)
class Due:
    id: uuid.UUID
    company_id: uuid.UUID


async def claim(
    session: AsyncSession, delivery_id: uuid.UUID, *, now: datetime, policy: DeliveryPolicy
) -> Claim | None:
    """Lease a due delivery for one attempt; None when it is not due, or another worker holds it."""
    claimed = await _claim_waiting(session, delivery_id, now=now, policy=policy)
    if claimed is not None:
        return claimed
    return await _take_over_lapsed(session, delivery_id, now=now, policy=policy)


async def _claim_waiting(
    session: AsyncSession, delivery_id: uuid.UUID, *, now: datetime, policy: DeliveryPolicy
) -> Claim | None:
    """The usual claim, of a pending or failed delivery that is due, in one statement."""
    due = (
        sa.select(col(WebhookDelivery.id))
        .where(
            col(WebhookDelivery.id) == delivery_id,
            col(WebhookDelivery.status).in_(WAITING),
            col(WebhookDelivery.next_attempt_at) <= now,
        )
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    statement = (
        sa.update(WebhookDelivery)
        .where(col(WebhookDelivery.id) == due)
        .values(
            attempts=col(WebhookDelivery.attempts) + 1,
            status=DeliveryStatus.DELIVERING.value,
            lease_until=now + policy.lease,
            dispatched_until=None,
            updated_at=now,
        )
        .returning(WebhookDelivery)
        .execution_options(synchronize_session=False, populate_existing=True)
    )
    delivery = (await session.execute(statement)).scalar_one_or_none()
    return None if delivery is None else Claim(delivery=delivery, attempt=delivery.attempts)


async def _take_over_lapsed(
    session: AsyncSession, delivery_id: uuid.UUID, *, now: datetime, policy: DeliveryPolicy
) -> Claim | None:
    """Claim a delivery whose last attempt's worker died (its lease lapsed): log that attempt as interrupted, and
    count it, so a delivery that kills workers runs out."""
    statement = (
        sa.select(WebhookDelivery)
        .where(
            col(WebhookDelivery.id) == delivery_id,
            col(WebhookDelivery.status) == DeliveryStatus.DELIVERING.value,
            col(WebhookDelivery.lease_until) <= now,
        )
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    )
    delivery = (await session.execute(statement)).scalar_one_or_none()
    if delivery is None:
        return None
    await _log_attempt(session, delivery, delivery.attempts, now, Response(None, 0, INTERRUPTED))
    delivery.failures += 1
    if policy.retry_delay(delivery.failures) is None:
        _finish(delivery, DeliveryStatus.ABANDONED, now, error=INTERRUPTED)
        await session.flush()
        return None
    delivery.attempts += 1
    delivery.lease_until = now + policy.lease
    delivery.dispatched_until = None
    delivery.updated_at = now
    await session.flush()
    return Claim(delivery=delivery, attempt=delivery.attempts)


async def abandon(session: AsyncSession, claimed: Claim, *, reason: str, now: datetime) -> None:
    """Give up without sending (the endpoint is gone or disabled)."""
    _finish(claimed.delivery, DeliveryStatus.ABANDONED, now, error=reason)
    await session.flush()


async def record(
    session: AsyncSession,
    claimed: Claim,
    response: Response,
    *,
    now: datetime,
    policy: DeliveryPolicy,
    endpoint_failing: bool = True,
) -> DeliveryStatus:
    """Log the attempt and decide what follows it; the delivery's status after it. `endpoint_failing` False
    (the endpoint had no failure streak when claimed) spares a success the write that clears one."""
    if response.succeeded and await _record_success(session, claimed, response, now, endpoint_failing):
        return DeliveryStatus.SUCCEEDED
    delivery = await session.get(WebhookDelivery, claimed.delivery.id, with_for_update=True, populate_existing=True)
    if delivery is None:
        # Its endpoint was deleted meanwhile, and its log with it.
        return DeliveryStatus.ABANDONED
    await _log_attempt(session, delivery, claimed.attempt, now, response)
    if delivery.attempts != claimed.attempt or delivery.status != DeliveryStatus.DELIVERING:
        # The lease lapsed and another worker took over: its attempt decides.
        return DeliveryStatus(delivery.status)
    _note_response(delivery, response, now)
    if response.status == 410:
        _finish(delivery, DeliveryStatus.ABANDONED, now, error=health.GONE)
        await health.disable(session, delivery.endpoint_id, reason=health.GONE, now=now)
    else:
        _schedule_retry(delivery, response, now, policy)
        await health.count_failure(session, delivery.endpoint_id, now=now, policy=policy)
    await session.flush()
    return DeliveryStatus(delivery.status)


async def _record_success(
    session: AsyncSession, claimed: Claim, response: Response, now: datetime, endpoint_failing: bool
) -> bool:
    """The usual case in one statement, a fenced UPDATE that logs the attempt as it succeeds; False when another
    attempt took over (or the delivery is gone)."""
    done = (
        sa.update(WebhookDelivery)
        .where(
            col(WebhookDelivery.id) == claimed.delivery.id,
            col(WebhookDelivery.attempts) == claimed.attempt,
            col(WebhookDelivery.status) == DeliveryStatus.DELIVERING.value,
        )
        .values(
            status=DeliveryStatus.SUCCEEDED.value,
            succeeded_at=now,
            next_attempt_at=None,
            lease_until=None,
            dispatched_until=None,
            updated_at=now,
            last_attempt_at=now,
            last_response_status=response.status,
            last_latency_ms=response.latency_ms,
            last_error=None,
        )
        .returning(col(WebhookDelivery.endpoint_id))
        .cte("done")
    )
    logged = _attempt_insert(claimed.delivery, claimed.attempt, now, response, only_if=done).cte("logged")
    statement = sa.select(done.c.endpoint_id).add_cte(logged)
    endpoint_id = (await session.execute(statement)).scalar_one_or_none()
    if endpoint_id is None:
        return False
    if endpoint_failing:
        await health.clear_failures(session, endpoint_id)
    return True


def _note_response(delivery: WebhookDelivery, response: Response, now: datetime) -> None:
    delivery.last_attempt_at = now
    delivery.last_response_status = response.status
    delivery.last_latency_ms = response.latency_ms
    delivery.last_error = response.error


def _schedule_retry(delivery: WebhookDelivery, response: Response, now: datetime, policy: DeliveryPolicy) -> None:
    delivery.failures += 1
    retry_after = parse_retry_after(response.retry_after, now) if honours_retry_after(response.status) else None
    delay = policy.retry_delay(delivery.failures, retry_after)
    if delay is None:
        _finish(delivery, DeliveryStatus.ABANDONED, now, error=response.error)
        return
    delivery.status = DeliveryStatus.FAILED.value
    delivery.next_attempt_at = now + delay
    delivery.lease_until = None


def _finish(delivery: WebhookDelivery, status: DeliveryStatus, now: datetime, *, error: str | None = None) -> None:
    delivery.status = status.value
    delivery.next_attempt_at = None
    delivery.lease_until = None
    delivery.dispatched_until = None
    delivery.updated_at = now
    if error is not None:
        delivery.last_error = error[:ERROR_LIMIT]


async def _log_attempt(
    session: AsyncSession, delivery: WebhookDelivery, attempt: int, now: datetime, response: Response
) -> None:
    await session.execute(_attempt_insert(delivery, attempt, now, response))


def _attempt_insert(
    delivery: WebhookDelivery, attempt: int, now: datetime, response: Response, *, only_if: sa.CTE | None = None
) -> Insert:
    """The attempt's log row; with `only_if`, written only when that statement returned a row."""
    values = {
        "id": uuid.uuid4(),
        "company_id": delivery.company_id,
        "delivery_id": delivery.id,
        "attempt": attempt,
        "started_at": now,
        "latency_ms": response.latency_ms,
        "response_status": response.status,
        "error": None if response.error is None else response.error[:ERROR_LIMIT],
        "succeeded": response.succeeded,
    }
    if only_if is None:
        statement = insert(WebhookAttempt).values(**values)
    else:
        columns = WebhookAttempt.__table__.c  # type: ignore[attr-defined]
        row = sa.select(*(sa.literal(value, columns[name].type) for name, value in values.items()))
        statement = insert(WebhookAttempt).from_select(list(values), row.select_from(only_if))
    # A worker that lost its lease and the one that took over may both log an attempt number; the first stays.
    return statement.on_conflict_do_nothing(constraint="webhook_attempts_once_key")


async def redeliver(session: AsyncSession, delivery_id: uuid.UUID, *, now: datetime) -> WebhookDelivery:
    """Send a delivery again (admins), with the same `webhook-id` and a fresh retry schedule."""
    delivery = await get_one(session, WebhookDelivery, delivery_id, what="WebhookDelivery")
    if delivery.status == DeliveryStatus.DELIVERING:
        raise Conflict("The delivery is being attempted right now.")
    endpoint = await session.get(WebhookEndpoint, delivery.endpoint_id)
    if endpoint is None or not endpoint.enabled:
        raise Conflict("Enable the webhook endpoint before redelivering to it.")
    delivery.status = DeliveryStatus.PENDING.value
    delivery.next_attempt_at = now
    delivery.failures = 0
    delivery.dispatched_until = None
    delivery.updated_at = now
    async with refusals(refused=Forbidden("Only owners and admins redeliver webhooks.")):
        await session.flush()
    return delivery


async def claim_due(session: AsyncSession, *, now: datetime, limit: int, hold: timedelta) -> list[Due]:
    """Due and lease-expired deliveries of every company, each held for `hold` so it is handed out once."""
    rows = await session.execute(
        sa.text("SELECT id, company_id FROM rhythm.claim_due_webhook_deliveries(:now, :limit, :hold)"),
        {"now": now, "limit": limit, "hold": hold},
    )
    return [Due(id=row.id, company_id=row.company_id) for row in rows]
