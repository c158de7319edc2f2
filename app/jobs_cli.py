"""`rhythm jobs queues | dead | replay | discard` and `rhythm admin grant | revoke`: operations on the command line.

They act as the operator (db/operator.py): every company's dead letters, and the platform administrator flag.
With REDIS_URL they tell the broker at once; without it, the running `rhythm serve` does within seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from strawberry import relay

from base.settings import Settings

T = TypeVar("T")
Sessions = async_sessionmaker[AsyncSession]


def add_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    jobs = commands.add_parser("jobs", help="Background jobs: queues, dead letters, replays and discards.")
    actions = jobs.add_subparsers(dest="jobs_command", required=True)
    actions.add_parser("queues", help="Each queue's ready, delayed, in-flight and dead messages.")
    dead = actions.add_parser("dead", help="Dead letters waiting for a decision, newest first, with reason and age.")
    dead.add_argument("--queue", default=None, help="Only this queue's.")
    dead.add_argument("--every-state", action="store_true", help="Also the replayed and discarded ones.")
    dead.add_argument("--limit", type=int, default=100)
    for name, verb in (("replay", "Send dead letters again, retries reset"), ("discard", "Drop dead letters")):
        action = actions.add_parser(name, help=f"{verb}.")
        which = action.add_mutually_exclusive_group(required=True)
        which.add_argument("id", nargs="?", default=None, help="A dead letter's id (as `jobs dead` lists it).")
        which.add_argument("--all", action="store_true", help="Every dead letter waiting for a decision.")
        action.add_argument("--queue", default=None, help="With --all: only this queue's.")
    admin = commands.add_parser("admin", help="Platform administrators: who sees every company's jobs.")
    grants = admin.add_subparsers(dest="admin_command", required=True)
    for name in ("grant", "revoke"):
        grants.add_parser(name, help=f"{name.capitalize()} platform administration.").add_argument("email")


def run(args: argparse.Namespace, url: str, settings: Settings) -> None:
    from db.operator import NotAnOperator

    command: Callable[[Sessions], Awaitable[None]]
    if args.command == "admin":
        command = lambda sessions: _grant(sessions, args.email, grant=args.admin_command == "grant")  # noqa: E731
    elif args.jobs_command == "queues":
        command = lambda sessions: _queues(sessions, settings)  # noqa: E731
    elif args.jobs_command == "dead":
        command = lambda sessions: _dead(sessions, args.queue, args.every_state, args.limit)  # noqa: E731
    else:
        command = lambda sessions: _ask(sessions, settings, args.jobs_command, args.id, args.queue)  # noqa: E731
    try:
        asyncio.run(_with_sessions(url, command))
    except NotAnOperator as error:
        sys.exit(f"rhythm: {error}")


async def _with_sessions(url: str, command: Callable[[Sessions], Awaitable[T]]) -> T:
    from db.engine import create_engine, create_sessionmaker

    engine = create_engine(url, pool_size=2)
    try:
        return await command(create_sessionmaker(engine))
    finally:
        await engine.dispose()


def age(at: datetime | None, now: datetime) -> str:
    if at is None:
        return "-"
    seconds = max(int((now - at).total_seconds()), 0)
    for unit, size, smaller, smaller_size in (("d", 86_400, "h", 3_600), ("h", 3_600, "m", 60), ("m", 60, "s", 1)):
        if seconds >= size:
            return f"{seconds // size}{unit} {seconds % size // smaller_size}{smaller}"
    return f"{seconds}s"


def table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) for row in [header, *rows]]
    return "\n".join(line.rstrip() for line in lines)


async def _queues(sessions: Sessions, settings: Settings) -> None:
    from db.operator import operator_session
    from domain.dead_letters import service as dead_letters
    from workers.broker import QUEUES
    from workers.queues import reader

    async with operator_session(sessions) as session:
        waiting = await dead_letters.waiting_per_queue(session)
    now = datetime.now(UTC)
    if settings.redis_url or settings.broker_url:
        read = reader(settings.redis_url, settings.broker_url)
        figures = {figure.queue: figure for figure in await asyncio.to_thread(read)}
    else:
        figures = {}
        print("rhythm: no REDIS_URL: the jobs run inside `rhythm serve`; broker figures are in its GraphQL API.")
    rows = []
    for queue in sorted(set(QUEUES) | set(waiting)):
        found, recorded = figures.get(queue), waiting.get(queue)
        counts = [] if found is None else [found.ready, found.delayed, found.in_flight, found.dead]
        broker = [str(count) for count in counts] or ["-"] * 4
        oldest = age(recorded.oldest, now) if recorded else "-"
        rows.append([queue, *broker, str(recorded.count if recorded else 0), oldest])
    print(table(["QUEUE", "READY", "DELAYED", "IN FLIGHT", "DEAD", "WAITING", "OLDEST"], rows))


async def _dead(sessions: Sessions, queue: str | None, every_state: bool, limit: int) -> None:
    from db.models import DeadLetterState
    from db.operator import operator_session
    from domain.dead_letters import service as dead_letters
    from domain.pagination import PageRequest

    states = () if every_state else (DeadLetterState.DEAD.value,)
    where = dead_letters.DeadLetterFilter(queue=queue, states=states)
    async with operator_session(sessions) as session:
        page = await dead_letters.page(session, where, PageRequest(first=max(1, min(limit, 1000))))
    now = datetime.now(UTC)
    rows = [
        [str(row.id), row.queue, row.actor, str(row.company_id), age(row.failed_at, now), str(row.attempts),
         row.state, row.reason.replace("\n", " ")[:120]]
        for row in page.rows
    ]  # fmt: skip
    print(table(["ID", "QUEUE", "ACTOR", "COMPANY", "AGE", "ATTEMPTS", "STATE", "REASON"], rows))
    if page.has_next_page:
        print(f"... more than {len(page.rows)}; narrow with --queue or raise --limit")


def dead_letter_id(value: str) -> uuid.UUID | None:
    """A plain uuid, or the GraphQL id of a dead letter."""
    try:
        return uuid.UUID(value)
    except ValueError:
        pass
    try:
        global_id = relay.GlobalID.from_id(value)
        return uuid.UUID(global_id.node_id) if global_id.type_name == "DeadLetter" else None
    except Exception:
        return None


async def _ask(sessions: Sessions, settings: Settings, action: str, value: str | None, queue: str | None) -> None:
    from db.operator import operator_session
    from domain.dead_letters import service as dead_letters
    from domain.errors import DomainError

    verb: dead_letters.Action = "replay" if action == "replay" else "discard"
    now = datetime.now(UTC)
    async with operator_session(sessions) as session:
        if value is None:
            count = await dead_letters.ask_all(session, verb, dead_letters.DeadLetterFilter(queue=queue), now=now)
        else:
            found = dead_letter_id(value)
            if found is None:
                sys.exit(f"rhythm: {value!r} is not a dead letter's id.")
            try:
                await dead_letters.ask(session, found, verb, by=None, now=now)
            except DomainError as error:
                sys.exit(f"rhythm: {error.message}")
            count = 1
    if not (settings.redis_url or settings.broker_url):
        print(f"rhythm: {count} asked to {verb}; the running `rhythm serve` does it within seconds.")
        return
    from workers.broker import setup_broker
    from workers.dead_letters import carry_out_asked

    broker = setup_broker(settings.redis_url, broker_url=settings.broker_url)
    done = await carry_out_asked(sessions, broker, hold=timedelta(seconds=30))
    print(f"rhythm: {count} asked to {verb}; {done} carried out now.")


async def _grant(sessions: Sessions, email: str, *, grant: bool) -> None:
    from db.operator import operator_session

    # The column is the operator's alone: rhythm_app may not write it, so the app's User model leaves it out.
    statement = sa.text("UPDATE users SET platform_admin = :grant WHERE lower(email) = lower(:email)")
    async with operator_session(sessions) as session:
        changed = (await session.execute(statement, {"grant": grant, "email": email})).rowcount  # type: ignore[attr-defined]
    if not changed:
        sys.exit(f"rhythm: nobody signed up as {email}.")
    print(f"rhythm: {email} {'is' if grant else 'is no longer'} a platform administrator.")
