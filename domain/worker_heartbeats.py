"""The worker processes the broker has heard from, for platform administrators."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class WorkerBeat:
    #: The broker's id for the worker process.
    worker_id: str
    #: When it last told the broker it is alive.
    last_beat_at: datetime
    #: Whether that was within the broker's heartbeat timeout (past it, its unacknowledged messages are requeued).
    alive: bool


#: Reads every worker's last heartbeat from the broker; raises when the broker cannot be reached.
WorkerReader = Callable[[], Sequence[WorkerBeat]]
