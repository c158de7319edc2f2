"""Events: `events.dispatch` (actors.py), the outbox relay that is also the reconciler (relay.py) and the writer
of completed events (completions.py).

The registry of reactions lives here, in the package, so an area's actors join it with
`from workers.events import reacts` without importing the dispatch actor, the relay or the broker.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from db.models import OutboxEvent

Reaction = Callable[[OutboxEvent], Awaitable[None]]
#: Areas register what they do with an event; each reaction dedupes on the event id itself.
REACTIONS: list[Reaction] = []


def reacts(reaction: Reaction) -> Reaction:
    REACTIONS.append(reaction)
    return reaction
