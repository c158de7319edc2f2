"""`live` reaction: every committed event becomes a small message on its company's live channel, or on its
person's alone when it concerns their own things (their schedule)."""

from __future__ import annotations

from db.models import OutboxEvent
from domain.events.service import INTERNAL_EVENT_TYPES
from domain.live.messages import LiveMessage
from workers.events import reacts
from workers.live.publisher import publish


@reacts
async def broadcast(event: OutboxEvent) -> None:
    if event.type in INTERNAL_EVENT_TYPES:
        return
    message = LiveMessage.of_event(event.id, event.type, event.company_id, event.subject_id)
    if message is not None:
        await publish(message)
