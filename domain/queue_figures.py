"""The broker's figures for one queue, read by the workers' side and shown to platform administrators."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class QueueFigures:
    queue: str
    #: Messages waiting to be taken.
    ready: int
    #: Messages waiting for their time (retries with backoff, delayed sends).
    delayed: int
    #: Messages taken by a worker and not yet acknowledged.
    in_flight: int
    #: Messages in the broker's dead-letter queue.
    dead: int


#: Reads every queue's figures from the broker; raises when the broker cannot be reached.
QueueReader = Callable[[], Sequence[QueueFigures]]
