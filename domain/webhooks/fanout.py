"""Fan-out: one delivery per enabled endpoint of the event's company that subscribes to its type.

Idempotent: the (endpoint, event) key makes a redelivered event find its deliveries made, so the events
dispatcher may run a reaction as often as the broker hands it the event.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from db.models import DeliveryStatus, OutboxEvent, WebhookDelivery, WebhookEndpoint
from domain.db_errors import FOREIGN_KEY_VIOLATION, constraint_name, sqlstate
from domain.events.service import EventType
from domain.webhooks.payload import webhook_payload

ENDPOINT_KEY = "webhook_deliveries_endpoint_fkey"
# Each try reads the endpoints afresh, so only an endpoint deleted during that very statement makes another.
TRIES = 5
# What integrators may receive. Other events in the outbox (a person's `account.*` requests) are for Rhythm's own
# jobs: an endpoint that subscribes to every type must not learn that someone asked for a password reset.
WEBHOOK_EVENT_TYPES = frozenset(kind.value for kind in EventType)


def _subscribed(company_id: uuid.UUID, event_type: str) -> sa.ColumnElement[bool]:
    return sa.and_(
        col(WebhookEndpoint.company_id) == company_id,
        col(WebhookEndpoint.enabled),
        sa.or_(
            sa.func.cardinality(col(WebhookEndpoint.event_types)) == 0,
            col(WebhookEndpoint.event_types).any_() == event_type,
        ),
    )


async def create_deliveries(
    session: AsyncSession, event: OutboxEvent, *, now: datetime, hold: timedelta
) -> list[uuid.UUID]:
    """The deliveries this call made (none on a repeat), in one statement whatever the number of endpoints. They
    are due at once and held for `hold`, since the caller attempts them itself after commit; the periodic
    dispatcher takes them if it could not."""
    if event.type not in WEBHOOK_EVENT_TYPES:
        return []
    columns = WebhookDelivery.__table__.c  # type: ignore[attr-defined]
    same = {
        "company_id": event.company_id,
        "event_id": event.id,
        "event_type": event.type,
        "payload": webhook_payload(event),
        "status": DeliveryStatus.PENDING.value,
        "next_attempt_at": now,
        "dispatched_until": now + hold,
        "created_at": now,
        "updated_at": now,
    }
    rows = sa.select(
        sa.func.gen_random_uuid(),
        col(WebhookEndpoint.id),
        *(sa.literal(value, columns[name].type) for name, value in same.items()),
    ).where(_subscribed(event.company_id, event.type))
    statement = (
        insert(WebhookDelivery)
        .from_select(["id", "endpoint_id", *same], rows)
        .on_conflict_do_nothing(constraint="webhook_deliveries_once_per_event")
        .returning(col(WebhookDelivery.id))
    )
    for _ in range(TRIES - 1):
        try:
            async with session.begin_nested():
                return list((await session.execute(statement)).scalars())
        except IntegrityError as error:
            if not _endpoint_vanished(error):
                raise
    return list((await session.execute(statement)).scalars())


def _endpoint_vanished(error: IntegrityError) -> bool:
    # An endpoint deleted after the statement read it (committed while it ran) fails the delivery's foreign key:
    # a vanished endpoint has nothing to deliver, so the next try, which no longer sees it, is the answer.
    return sqlstate(error) == FOREIGN_KEY_VIOLATION and constraint_name(error) == ENDPOINT_KEY
