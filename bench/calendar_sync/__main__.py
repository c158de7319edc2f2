"""`python -m bench.calendar_sync`: Google Calendar sync against the loopback fake Google Calendar (with
`--provider microsoft`, the initial and incremental syncs against the fake Graph: bench/calendar_sync/graph.py).

Three measurements, on a fresh migrated database (embedded PostgreSQL unless --database-url):
- initial sync of an account with N events (200 of them weekly series with an EXDATE and a moved occurrence):
  wall time, CPU of the syncing thread (the fake server runs on threads of its own), HTTP requests;
- incremental sync of one change: the same figures;
- from a provider's push notification to an applied replan of that person: the fake posts its header-only
  notification to a loopback receiver, then the sync reads the change into the mirror and the plan is redone
  (`domain.schedules.plans.apply`); p50 and p95 over the runs. In production the replan waits for the person's
  changes to settle (`workers/scheduling.py`, REPLAN_DELAY) on top of this.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import sqlalchemy as sa

from bench.calendar_sync.graph import run_graph
from bench.dashboard.database import running_server
from bench.dashboard.report import percentile
from bench.webhooks.setup import fresh_database
from db.engine import create_engine, create_sessionmaker
from db.models.calendar_sync import CalendarProvider
from db.tenant import Caller, tenant_session
from domain.calendar_sync.connections import person
from domain.schedules import plans
from domain.tasks import service as tasks
from domain.tasks.service import TaskChanges
from tests.calendar_sync.conftest import link_account, sync_context
from tests.calendar_sync.fake_google import FakeGoogle
from tests.calendar_sync.receiver import Receiver
from tests.webhooks.world import make_tenant
from workers.calendar_sync.context import SyncContext
from workers.calendar_sync.sync_runs import sync_connection

PRIMARY = "person@gmail.test"


def _options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.calendar_sync", description=__doc__)
    parser.add_argument("--events", type=int, default=10_000, help="Events in the account (default: %(default)s).")
    parser.add_argument("--series", type=int, default=200, help="Of them, weekly series (default: %(default)s).")
    parser.add_argument("--pushes", type=int, default=40, help="Push-to-replan runs (default: %(default)s).")
    parser.add_argument(
        "--provider", choices=("google", "microsoft"), default="google", help="Which fake provider (default: google)."
    )
    parser.add_argument("--database-url", help="A PostgreSQL server (superuser); embedded when not given.")
    parser.add_argument("--data-dir", type=Path, default=Path(tempfile.gettempdir()) / "rhythm-bench-calendar")
    return parser.parse_args()


def _fill(google: FakeGoogle, events: int, series: int) -> None:
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(days=180)
    for n in range(events - 2 * series):
        at = start + timedelta(hours=7 * n % (365 * 24))
        google.user_put(PRIMARY, {"id": f"single{n:06d}", "summary": f"Meeting {n}",
                                  "start": {"dateTime": at.isoformat()},
                                  "end": {"dateTime": (at + timedelta(minutes=45)).isoformat()}})  # fmt: skip
    for n in range(series):
        at = start + timedelta(days=n % 7, hours=8 + n % 9)
        skipped = (at + timedelta(weeks=2)).strftime("%Y%m%dT%H%M%SZ")
        google.user_put(PRIMARY, {
            "id": f"series{n:05d}", "summary": f"Weekly {n}", "recurrence": ["RRULE:FREQ=WEEKLY", f"EXDATE:{skipped}"],
            "start": {"dateTime": at.isoformat(), "timeZone": "Europe/Berlin"},
            "end": {"dateTime": (at + timedelta(minutes=30)).isoformat(), "timeZone": "Europe/Berlin"},
        })  # fmt: skip
        original = at + timedelta(weeks=3)
        moved = original + timedelta(hours=1)
        google.user_put(PRIMARY, {
            "id": f"series{n:05d}_{original.strftime('%Y%m%dT%H%M%SZ')}", "recurringEventId": f"series{n:05d}",
            "originalStartTime": {"dateTime": original.isoformat()}, "summary": f"Weekly {n} (moved)",
            "start": {"dateTime": moved.isoformat()}, "end": {"dateTime": (moved + timedelta(minutes=30)).isoformat()},
        })  # fmt: skip


async def _timed(
    ctx: SyncContext, google: FakeGoogle, connection_id: object, user_id: object
) -> tuple[float, float, int]:
    requests = len(google.requests)
    wall, cpu = time.perf_counter(), time.thread_time()
    await sync_connection(ctx, connection_id, user_id)  # type: ignore[arg-type]
    return time.perf_counter() - wall, time.thread_time() - cpu, len(google.requests) - requests


async def run(options: argparse.Namespace, admin_url: str) -> list[str]:
    url = await fresh_database(admin_url, "rhythm_bench_calendar")
    engine = create_engine(url, pool_size=4)
    sessions = create_sessionmaker(engine)
    google = FakeGoogle(account=PRIMARY).start()
    receiver = Receiver().start()
    try:
        _fill(google, options.events, options.series)
        tenant = await make_tenant(sessions, name="Bench Person")
        async with httpx.AsyncClient(timeout=60) as http:
            ctx = sync_context(sessions, http, google=google, period=timedelta(minutes=15), timeout=60,
                               public_base_url=receiver.url)  # fmt: skip
            connection = await link_account(
                ctx, google, provider=CalendarProvider.GOOGLE, user_id=tenant.user_id, company_id=tenant.company_id,
                account_email=PRIMARY,
            )  # fmt: skip
            async with tenant_session(sessions, person(tenant.user_id)) as session:
                await tasks.create_task(
                    session, company_id=tenant.company_id, created_by=tenant.user_id,
                    changes=TaskChanges(title="Bench task", estimated_minutes=120, assignee_id=tenant.user_id),
                )  # fmt: skip
            initial = await _timed(ctx, google, connection.id, tenant.user_id)
            soon = datetime.now(UTC) + timedelta(hours=2)
            later = soon + timedelta(hours=1)
            span = {"start": {"dateTime": soon.isoformat()}, "end": {"dateTime": later.isoformat()}}
            google.user_put(PRIMARY, {"id": "changed1", "summary": "One change", **span})
            incremental = await _timed(ctx, google, connection.id, tenant.user_id)
            pushing = dataclasses.replace(ctx, push_enabled=True)
            await sync_connection(pushing, connection.id, tenant.user_id)  # makes the watch channel
            await asyncio.to_thread(receiver.wait_for, 1)
            latencies = []
            for n in range(options.pushes):
                seen = len(receiver.received)
                at = datetime.now(UTC) + timedelta(hours=1 + n % 24)
                began = time.perf_counter()
                google.user_put(PRIMARY, {"id": f"push{n:05d}", "summary": "Pushed",
                                          "start": {"dateTime": at.isoformat()},
                                          "end": {"dateTime": (at + timedelta(minutes=30)).isoformat()}})  # fmt: skip
                await asyncio.to_thread(receiver.wait_for, seen + 1)
                await sync_connection(pushing, connection.id, tenant.user_id)
                async with tenant_session(sessions, Caller(user_id=tenant.user_id)) as session:
                    await plans.apply(session, tenant.user_id, datetime.now(UTC))
                latencies.append(time.perf_counter() - began)
        async with tenant_session(sessions, person(tenant.user_id)) as session:
            mirrored = (await session.execute(
                sa.text("SELECT count(*) FROM calendar_events WHERE external_uid IS NOT NULL")
            )).scalar_one()  # fmt: skip
    finally:
        receiver.stop()
        google.stop()
        await engine.dispose()
    p50, p95 = percentile(latencies, 0.5) * 1000, percentile(latencies, 0.95) * 1000
    return [
        f"{'sync':<12} {'wall s':>8} {'cpu s':>8} {'requests':>9}",
        f"{'initial':<12} {initial[0]:>8.2f} {initial[1]:>8.2f} {initial[2]:>9}",
        f"{'incremental':<12} {incremental[0]:>8.3f} {incremental[1]:>8.3f} {incremental[2]:>9}",
        f"mirror rows after the runs: {mirrored}",
        f"push -> applied replan over {len(latencies)} runs: p50 {p50:.0f} ms, p95 {p95:.0f} ms",
    ]


async def run_provider(options: argparse.Namespace, admin_url: str) -> list[str]:
    if options.provider == "google":
        return await run(options, admin_url)
    url = await fresh_database(admin_url, "rhythm_bench_calendar_graph")
    engine = create_engine(url, pool_size=4)
    try:
        return await run_graph(create_sessionmaker(engine), options.events, options.series)
    finally:
        await engine.dispose()


def main() -> None:
    options = _options()
    options.data_dir.mkdir(parents=True, exist_ok=True)
    with running_server(options.database_url, options.data_dir / "pg") as server:
        lines = asyncio.run(run_provider(options, server.admin_url))
    cores, load = os.cpu_count(), os.getloadavg()[0]
    print(
        f"calendar sync bench: {options.events} events ({options.series} weekly series); {cores} cores, load {load:.1f}"
    )
    if options.provider == "microsoft":
        print(f"postgres: {server.label}; fake Microsoft Graph on loopback (calendarView/delta, occurrences)")
    else:
        print(f"postgres: {server.label}; fake Google Calendar on loopback (250 events a page)")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
