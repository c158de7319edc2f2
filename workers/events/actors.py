"""`events.dispatch`: one message per committed event, fanned out to the areas that react to it.

The event is done once every reaction ran: that is recorded in the outbox (`completed_at`), and until then the
relay dispatches it again whenever its reaction lease lapses. A repeat of a completed event does nothing; a
repeat of one whose reactions ran in part runs them all again, and each dedupes on the event id itself.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import timedelta
from functools import partial

import dramatiq
import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from base.settings import Settings
from base.tracing import attached
from domain.events.outbox import load_event
from workers.events import REACTIONS
from workers.events.completions import hand_completed
from workers.events.relay import ClaimedEvent, OutboxRelay
from workers.runtime import acting_for

log = structlog.get_logger("rhythm.events")


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
    if event.completed_at is not None:
        return
    for reaction in REACTIONS:
        await reaction(event)
    # Written beside the job, with the completions of the other jobs (workers/events/completions.py).
    hand_completed(event.id)


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


def relay_for(
    broker: dramatiq.Broker, sessions: async_sessionmaker[AsyncSession], database_url: str, settings: Settings
) -> OutboxRelay:
    """The outbox relay (and reconciler) of a worker process, or of the API running jobs in process."""
    return OutboxRelay(
        sessions,
        database_url,
        partial(publish, broker),
        poll_seconds=settings.events_reconcile_period_seconds,
        lease=timedelta(seconds=settings.outbox_lease_seconds),
        reaction_lease=timedelta(seconds=settings.events_reaction_lease_seconds),
        max_dispatches=settings.events_max_dispatches,
    )
