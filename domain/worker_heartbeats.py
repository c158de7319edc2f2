"""The worker processes the broker has heard from, for platform administrators."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class LoopRun:
    """The latest pass of one of a worker's periodic loops (the outbox relay, the webhook dispatcher...)."""

    #: The loop's name, e.g. `outbox_relay` (workers/loops.py lists them).
    loop: str
    started_at: datetime
    #: None while the pass runs.
    finished_at: datetime | None
    #: `running`, `ok` or `failed`.
    outcome: str
    #: The exception's class when it failed (never its message, which may carry data).
    error: str | None = None


@dataclass(frozen=True, slots=True)
class WorkerBeat:
    #: The broker's id for the worker process.
    worker_id: str
    #: When it last told the broker it is alive.
    last_beat_at: datetime
    #: Whether that was within the broker's heartbeat timeout (past it, its unacknowledged messages are requeued).
    alive: bool
    #: The latest pass of each of its loops, as it last published them (none yet: empty).
    loops: tuple[LoopRun, ...] = ()


#: Reads every worker's last heartbeat from the broker; raises when the broker cannot be reached.
WorkerReader = Callable[[], Sequence[WorkerBeat]]
