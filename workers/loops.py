"""The loops every worker process (and the API, running jobs in process) runs beside its actors, on their event
loop: the outbox relay (also the reconciler), the webhook dispatcher, the reminder and calendar-sync scans, the
dead-letter replayer and the broker's maintenance. Several processes may run them all: relays, dispatchers and
replayers skip each other's rows, reminders dedupe in the job ledger, and each calendar connection syncs one at a
time."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

import dramatiq
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from base.settings import Settings
from workers import dead_letters
from workers.calendar_sync.actors import run_due_scans
from workers.events.actors import relay_for
from workers.loop_runs import run_publisher
from workers.maintenance import run_maintenance
from workers.notifications.actors import run_reminders
from workers.webhooks.actors import run_dispatcher


def background_loops(
    broker: dramatiq.Broker,
    sessions: async_sessionmaker[AsyncSession],
    database_url: str,
    settings: Settings,
    stop: asyncio.Event,
) -> list[Coroutine[Any, Any, None]]:
    """One coroutine per loop, each returning once `stop` is set."""
    relay = relay_for(broker, sessions, database_url, settings)
    return [
        relay.run(stop),
        run_dispatcher(sessions, stop),
        run_reminders(stop),
        run_due_scans(stop),
        dead_letters.run_replayer(sessions, broker, stop),
        run_maintenance(broker, stop, period=settings.broker_maintenance_period_seconds),
        # Each loop's latest pass, for the workers' admin view (workers/loop_runs.py).
        run_publisher(broker, stop, period=settings.broker_maintenance_period_seconds),
    ]
