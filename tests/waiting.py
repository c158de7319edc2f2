"""How long a test waits for work that happens after a commit (a worker's job, a relay's hand-off, a live event).

A cap, never a speed target: a condition is polled until it holds, so a quiet machine answers in moments and a busy
one (both cores taken by another test run) still passes. Speed belongs in bench/.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")

PATIENCE_SECONDS = 180.0
# A subscription is known to listen once a probe change arrives: one probe a second, until the cap.
PROBE_SECONDS = 1.0
PROBES = int(PATIENCE_SECONDS / PROBE_SECONDS)


async def until(
    condition: Callable[[], Awaitable[T | None]],
    *,
    what: str,
    seconds: float = PATIENCE_SECONDS,
    log: Callable[[], str] | None = None,
) -> T:
    """The first truthy answer of `condition`, polled until `seconds` pass; past them, fail saying `what` (and, with
    `log`, the end of what the process doing the work logged)."""
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        answer = await condition()
        if answer:
            return answer
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not within {seconds} s: {what}" + (f"\n{log()[-3000:]}" if log else ""))
        await asyncio.sleep(0.1)
