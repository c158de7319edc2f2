"""In-process execution: the app's schema and services, as `create_app` builds them, with a real context.

This times what the resolvers, the dataloaders and the database cost, without HTTP and JSON; or, for the
`compiled` executor, what compiled reads cost (the resolvers answering whatever they decline, as in the app).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import orjson
import strawberry

from app.main import settle_heap
from base.settings import Settings
from bench.dashboard.counting import Statement, StatementCounter, Tally
from bench.dashboard.queries import Case, shape_of
from bench.dashboard.report import Measurement
from db.engine import create_engine, create_sessionmaker
from db.tenant import Caller
from domain.auth.passwords import Passwords
from domain.auth.tokens import TokenConfig
from resolvers.compiled.reads import CompiledReads
from resolvers.context import Services, new_context
from resolvers.schema import Limits, build_schema

WARMUP_RUNS = 5
MIN_RUNS = 10


@dataclass(frozen=True, slots=True)
class InProcess:
    measurement: Measurement
    statements: list[Statement]  # of the last run, for EXPLAIN
    response: str


@dataclass(frozen=True, slots=True)
class App:
    schema: strawberry.Schema
    services: Services
    counter: StatementCounter
    compiled: CompiledReads


@asynccontextmanager
async def app(url: str) -> AsyncIterator[App]:
    settings = Settings(database_url=url, jwt_secret=secrets.token_urlsafe(48))
    engine = create_engine(
        url,
        pool_size=settings.database_pool_size,
        pre_ping=settings.database_pool_pre_ping,
        recycle_seconds=settings.database_pool_recycle_seconds,
    )
    services = Services(
        sessions=create_sessionmaker(engine),
        tokens=TokenConfig(
            secret=settings.resolved_jwt_secret(),
            access_ttl=timedelta(seconds=settings.access_token_ttl_seconds),
            refresh_ttl=timedelta(days=settings.refresh_token_ttl_days),
        ),
        passwords=Passwords(time_cost=settings.argon2_time_cost, memory_cost_kib=settings.argon2_memory_cost_kib),
        max_page_size=settings.graphql_max_page_size,
    )
    schema = build_schema(Limits(max_depth=settings.graphql_max_depth, max_tokens=settings.graphql_max_tokens))
    # As `rhythm serve` does once the app is built.
    settle_heap()
    try:
        compiled = CompiledReads(schema, settings.graphql_max_page_size)
        yield App(schema=schema, services=services, counter=StatementCounter(engine), compiled=compiled)
    finally:
        await engine.dispose()


EXECUTORS = ("resolvers", "compiled")


async def _execute(target: App, case: Case, number: int, executor: str) -> tuple[float, Any]:
    context = new_context(target.services, f"bench-{number}", Caller(user_id=case.user_id))
    variables = case.variables[number % len(case.variables)]
    started = time.perf_counter()
    try:
        result = None
        if executor == "compiled":
            result = await target.compiled.execute(context, case.document, variables, None)
        if result is None:
            result = await target.schema.execute(case.document, variable_values=variables, context_value=context)
    finally:
        await context.transaction.finish(commit=False)
    return time.perf_counter() - started, result


def _data(result: Any) -> Any:
    data = None if result is None else result.data
    return orjson.loads(orjson.dumps(data)) if isinstance(data, orjson.Fragment) else data


async def measure(target: App, case: Case, runs: int, seconds: float, executor: str = "resolvers") -> InProcess:
    """`runs` sequential executions, or fewer (but at least MIN_RUNS) when they take longer than `seconds`."""
    for number in range(WARMUP_RUNS):
        await _execute(target, case, number, executor)
    latencies: list[float] = []
    tallies: list[Tally] = []
    errors = 0
    result: Any = None
    cpu, started = time.process_time(), time.perf_counter()
    with target.counter.attached() as counter:
        counter.take()
        for number in range(runs):
            if number >= MIN_RUNS and time.perf_counter() - started > seconds:
                break
            latency, result = await _execute(target, case, number, executor)
            tallies.append(counter.take())
            if result.errors:
                errors += 1
            else:
                latencies.append(latency)
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu
    if result is not None and result.errors:
        print(f"bench: {case.name} failed in process: {result.errors[0]}")
    count = len(tallies) or 1
    measurement = Measurement(
        query=case.name,
        mode=f"in-process, {executor}",
        latencies=latencies,
        elapsed=elapsed,
        errors=errors,
        statements=sum(len(tally.statements) for tally in tallies) / count,
        round_trips=sum(tally.round_trips for tally in tallies) / count,
        db_seconds=sum(tally.db_seconds for tally in tallies) / count,
        app_cpu=cpu / count,
    )
    last = tallies[-1].statements if tallies else []
    return InProcess(measurement, last, shape_of(_data(result)))
