"""Fan-out: one delivery per enabled endpoint of the event's company that subscribes to its type.

Idempotent: the (endpoint, event) key makes a redelivered event find its deliveries made, so the events
dispatcher may run a reaction as often as the broker hands it the event.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from db.models import DeliveryStatus, OutboxEvent, WebhookDelivery, WebhookEndpoint
from domain.webhooks.payload import webhook_payload


async def subscribed_endpoints(session: AsyncSession, company_id: uuid.UUID, event_type: str) -> list[uuid.UUID]:
    subscribed = sa.or_(
        sa.func.cardinality(col(WebhookEndpoint.event_types)) == 0,
        col(WebhookEndpoint.event_types).any_() == event_type,
    )
    statement = sa.select(col(WebhookEndpoint.id)).where(
        col(WebhookEndpoint.company_id) == company_id, col(WebhookEndpoint.enabled), subscribed
    )
    return list((await session.execute(statement)).scalars())


async def create_deliveries(
    session: AsyncSession, event: OutboxEvent, *, now: datetime, hold: timedelta
) -> list[uuid.UUID]:
    """The deliveries this call made (none on a repeat). They are due at once and held for `hold`, since the
    caller hands them to the broker itself after commit; the periodic dispatcher takes them if it could not."""
    endpoint_ids = await subscribed_endpoints(session, event.company_id, event.type)
    if not endpoint_ids:
        return []
    payload = webhook_payload(event)
    rows = [
        {
            "id": uuid.uuid4(),
            "company_id": event.company_id,
            "endpoint_id": endpoint_id,
            "event_id": event.id,
            "event_type": event.type,
            "payload": payload,
            "status": DeliveryStatus.PENDING.value,
            "next_attempt_at": now,
            "dispatched_until": now + hold,
            "created_at": now,
            "updated_at": now,
        }
        for endpoint_id in endpoint_ids
    ]
    statement = (
        insert(WebhookDelivery)
        .values(rows)
        .on_conflict_do_nothing(constraint="webhook_deliveries_once_per_event")
        .returning(col(WebhookDelivery.id))
    )
    return list((await session.execute(statement)).scalars())
