"""`events.dispatch`: one message per committed event, fanned out to the areas that react to it."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence

import dramatiq
import structlog

from base.tracing import attached
from db.models import OutboxEvent
from domain.events.jobs import load_event
from workers.relay import ClaimedEvent
from workers.runtime import acting_for

log = structlog.get_logger("rhythm.events")

Reaction = Callable[[OutboxEvent], Awaitable[None]]
#: Areas register what they do with an event; each reaction dedupes on the event id itself.
REACTIONS: list[Reaction] = []


def reacts(reaction: Reaction) -> Reaction:
    REACTIONS.append(reaction)
    return reaction


@dramatiq.actor(
    actor_name="events.dispatch",
    queue_name="events",
    max_retries=10,
    min_backoff=1_000,
    max_backoff=300_000,
    time_limit=60_000,
)
async def dispatch(event_id: str, company_id: str) -> None:
    async with acting_for(uuid.UUID(company_id)) as session:
        event = await load_event(session, uuid.UUID(event_id))
    if event is None:
        log.warning("event_missing", event_id=event_id)
        return
    for reaction in REACTIONS:
        await reaction(event)


def publish(broker: dramatiq.Broker, events: Sequence[ClaimedEvent]) -> None:
    """Hand claimed events to the broker; the event id is the message id, so a repeat is recognisable."""
    for event in events:
        # Inside the writing request's trace: the tracing middleware puts it in the message (workers/tracing.py).
        with attached(event.trace_context):
            broker.enqueue(
                dramatiq.Message(
                    queue_name="events",
                    actor_name="events.dispatch",
                    args=(str(event.id), str(event.company_id)),
                    kwargs={},
                    options={},
                    message_id=str(event.id),
                )
            )
