"""Waking the outbox relays after a commit, for writers that skip the NOTIFY in their own transaction.

A transaction that sends NOTIFY holds a database-wide lock from its commit until the commit is flushed, so writers
that each notify commit one at a time (migration 0025). A writer that sets `WOKEN_AFTER_COMMIT` in its transaction
skips the trigger's NOTIFY and calls `committed` once its COMMIT succeeded: a relay running on this process's event
loop is woken directly (the API with its jobs in process), and otherwise one NOTIFY goes out in a transaction of its
own, which has nothing to flush, `WINDOW` after the first commit that asked: every write that commits meanwhile
shares it, so a busy process sends at most one NOTIFY per window, whatever its rate of writes (one per write, over
HTTP, cost the API about what it saved PostgreSQL). A process that dies between its COMMIT and the wake
leaves the event to the relays' poll, which finds every open event.
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from collections.abc import Callable, Iterator

import asyncpg
import structlog
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.util import greenlet_spawn

log = structlog.get_logger("rhythm.outbox_wake")

#: The transaction-local setting that tells the outbox trigger this transaction wakes the relays after its commit.
WOKEN_AFTER_COMMIT = "rhythm.relay_woken_after_commit"
NOTIFY = "SELECT pg_notify('rhythm_outbox', '')"
#: How long a NOTIFY waits for more commits to share it: the most a relay in another process hears of an event later.
WINDOW = 0.01

# The relays running on this process's event loops, each by its wake-up.
_relays: dict[int, tuple[asyncio.AbstractEventLoop, Callable[[], None]]] = {}


@contextlib.contextmanager
def relay_running(wake: Callable[[], None]) -> Iterator[None]:
    """While the block runs, `committed` wakes this relay (on the calling event loop) rather than sending NOTIFY."""
    key = id(wake)
    _relays[key] = (asyncio.get_running_loop(), wake)
    try:
        yield
    finally:
        _relays.pop(key, None)


class _Notifier:
    """One NOTIFY at a time on one engine's pool, `WINDOW` after the first commit that asked, and again while
    more commits asked for it."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._wanted = False
        self._sending: asyncio.Task[None] | None = None

    def request(self) -> None:
        self._wanted = True
        if self._sending is None or self._sending.done():
            self._sending = asyncio.get_running_loop().create_task(self._send())

    async def _send(self) -> None:
        while self._wanted:
            await asyncio.sleep(WINDOW)
            self._wanted = False
            try:
                pooled = await self._engine.raw_connection()
                try:
                    driver = pooled.driver_connection
                    assert isinstance(driver, asyncpg.Connection)
                    await driver.execute(NOTIFY)
                finally:
                    await greenlet_spawn(pooled.close)
            except Exception as error:  # the relays poll, and find the events anyway
                log.warning("outbox_wake_failed", error=type(error).__name__)
                return

    async def settle(self) -> None:
        if self._sending is not None:
            await asyncio.shield(self._sending)


_notifiers: weakref.WeakKeyDictionary[AsyncEngine, _Notifier] = weakref.WeakKeyDictionary()


def committed(engine: AsyncEngine) -> None:
    """A transaction on `engine` that set `WOKEN_AFTER_COMMIT` committed: wake a relay. Never raises: the write
    has committed, whatever happens to its wake-up."""
    if _woke_a_relay_here():
        return
    notifier = _notifiers.get(engine)
    if notifier is None:
        notifier = _notifiers[engine] = _Notifier(engine)
    notifier.request()


def _woke_a_relay_here() -> bool:
    here = asyncio.get_running_loop()
    woke = False
    for key, (loop, wake) in list(_relays.items()):
        if loop.is_closed():
            _relays.pop(key, None)  # its relay ended with its event loop
            continue
        if loop is here:
            wake()
            woke = True
            continue
        with contextlib.suppress(RuntimeError):  # that loop closed meanwhile
            loop.call_soon_threadsafe(wake)
            woke = True
    return woke


async def settle(engine: AsyncEngine) -> None:
    """Wait for the NOTIFY being sent on `engine`'s pool, if any (before the pool is disposed)."""
    notifier = _notifiers.get(engine)
    if notifier is not None:
        with contextlib.suppress(Exception):
            await notifier.settle()
