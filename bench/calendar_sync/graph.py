"""The Microsoft half of `python -m bench.calendar_sync --provider microsoft`: an Outlook calendar in the loopback
fake Graph, read through calendarView/delta. Graph v1.0 shows a series inside the window as its occurrences, so
the account holds N items in the sync window (a week back to two months ahead): single events, and for each
weekly series its occurrences in the window, one of them moved (an exception) and one deleted."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.models.calendar_sync import CalendarProvider
from db.tenant import tenant_session
from domain.calendar_sync.connections import person
from tests.calendar_sync.conftest import link_account, sync_context
from tests.calendar_sync.fake_graph import FakeGraph, span
from tests.webhooks.world import make_tenant
from workers.calendar_sync.context import SyncContext
from workers.calendar_sync.sync_runs import sync_connection

#: Occurrences of a weekly series inside the two-month window.
WEEKS = 8


def fill(graph: FakeGraph, events: int, series: int) -> None:
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(days=5)
    singles = events - series * (WEEKS - 1)
    for n in range(singles):
        at = start + timedelta(hours=(7 * n) % (60 * 24))
        graph.user_put({"id": f"single{n:06d}", "subject": f"Meeting {n}", **span(at, 45)})
    for n in range(series):
        at = start + timedelta(days=n % 7, hours=8 + n % 9)
        master = f"series{n:05d}"
        for week in range(WEEKS):
            item: dict[str, Any] = {"id": f"{master}_{week}", "subject": f"Weekly {n}", "type": "occurrence",
                                    "seriesMasterId": master, **span(at + timedelta(weeks=week), 30)}  # fmt: skip
            if week == 3:
                item |= {"type": "exception", **span(at + timedelta(weeks=week, hours=1), 30)}
            if week != 2:  # the third occurrence was deleted
                graph.user_put(item)


async def _timed(ctx: SyncContext, graph: FakeGraph, connection_id: Any, user_id: Any) -> tuple[float, float, int]:
    requests = len(graph.requests)
    wall, cpu = time.perf_counter(), time.thread_time()
    await sync_connection(ctx, connection_id, user_id)
    return time.perf_counter() - wall, time.thread_time() - cpu, len(graph.requests) - requests


async def run_graph(sessions: async_sessionmaker[AsyncSession], events: int, series: int) -> list[str]:
    graph = FakeGraph().start()
    try:
        fill(graph, events, series)
        tenant = await make_tenant(sessions, name="Bench Outlook Person")
        async with httpx.AsyncClient(timeout=60) as http:
            ctx = sync_context(sessions, http, graph=graph, period=timedelta(minutes=15), timeout=60)
            connection = await link_account(
                ctx, graph, provider=CalendarProvider.MICROSOFT, user_id=tenant.user_id, company_id=tenant.company_id,
                account_email=graph.account,
            )  # fmt: skip
            initial = await _timed(ctx, graph, connection.id, tenant.user_id)
            graph.user_put(
                {"id": "changed1", "subject": "One change", **span(datetime.now(UTC) + timedelta(hours=2), 60)}
            )
            incremental = await _timed(ctx, graph, connection.id, tenant.user_id)
        async with tenant_session(sessions, person(tenant.user_id)) as session:
            mirrored = (await session.execute(
                sa.text("SELECT count(*) FROM calendar_events WHERE external_uid IS NOT NULL AND user_id = :u"),
                {"u": tenant.user_id},
            )).scalar_one()  # fmt: skip
    finally:
        graph.stop()
    return [
        f"{'sync':<12} {'wall s':>8} {'cpu s':>8} {'requests':>9}",
        f"{'initial':<12} {initial[0]:>8.2f} {initial[1]:>8.2f} {initial[2]:>9}",
        f"{'incremental':<12} {incremental[0]:>8.3f} {incremental[1]:>8.3f} {incremental[2]:>9}",
        f"mirror rows after the runs: {mirrored}",
    ]
