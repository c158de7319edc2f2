"""`rhythm serve | worker | migrate | seed | export-schema | jobs | admin`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from app import jobs_cli
from base.settings import Settings, get_settings

# How long `serve --workers N` waits for a new API process to answer its supervisor (see `serve`).
WORKER_ANSWER_SECONDS = 60


@contextmanager
def database(settings: Settings) -> Iterator[str]:
    """DATABASE_URL when given; otherwise an embedded PostgreSQL under the data folder, for as long as needed."""
    if settings.database_url:
        yield settings.database_url
        return
    from db import embedded

    try:
        server = embedded.start(settings.data_dir)
    except embedded.DataDirInUse as error:
        sys.exit(f"rhythm: {error}")
    try:
        asyncio.run(embedded.ensure_database(server.url("postgres"), embedded.DATABASE))
        yield server.url()
    finally:
        server.stop()


def _migrate(url: str) -> None:
    from db import migrate

    migrate.upgrade(url)


def _seed(url: str, settings: Settings) -> bool:
    from app.seed import seed_demo
    from db.engine import create_engine, create_sessionmaker
    from domain.auth.passwords import Passwords

    async def run() -> bool:
        engine = create_engine(url, pool_size=2)
        try:
            passwords = Passwords(time_cost=settings.argon2_time_cost, memory_cost_kib=settings.argon2_memory_cost_kib)
            return await seed_demo(create_sessionmaker(engine), passwords)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def serve(args: argparse.Namespace) -> None:
    import structlog
    import uvicorn

    from app import spread
    from app.http_protocol import GuardedHttpProtocol
    from app.open_files import connection_cap, open_files_limit, raise_open_files_limit
    from base.logs import configure_logging

    settings = get_settings()
    configure_logging(settings.log_level, json=settings.log_json)
    # Before the workers start, which inherit it: each connection is an open file (app/open_files.py).
    raise_open_files_limit()
    open_files = open_files_limit()
    cap = connection_cap(settings.http_max_connections, 2 * settings.database_pool_size, open_files)
    if cap < settings.http_max_connections:
        structlog.get_logger("rhythm.http").warning(
            "http_connections_capped", configured=settings.http_max_connections, cap=cap, open_files=open_files
        )
    embedded = not settings.database_url
    with database(settings) as url:
        if embedded or settings.migrate_on_start:
            _migrate(url)
        seed = settings.seed_demo if settings.seed_demo is not None else embedded
        if seed and _seed(url, settings):
            print("rhythm: seeded the demo; sign in as ada@rhythm.example / rhythm-demo-password", flush=True)
        # Worker processes read the URL and the secret from the environment.
        os.environ["DATABASE_URL"] = url
        os.environ.setdefault("RHYTHM_JWT_SECRET", settings.resolved_jwt_secret())
        get_settings.cache_clear()
        host, port = args.host or settings.host, args.port if args.port is not None else settings.port
        print(f"rhythm: GraphiQL at http://{host}:{port}/graphql", flush=True)
        options: dict[str, Any] = {
            "factory": True,
            "host": host,
            "port": port,
            "workers": args.workers,
            "log_config": None,
            "loop": "auto",
            # uvicorn's HTTP protocol with deadlines for a request's head and body and a connection cap.
            "http": GuardedHttpProtocol,
            # Rhythm reads X-Forwarded-For itself, from the proxies it is told to trust (app/client_address.py).
            "proxy_headers": False,
            # With --workers, uvicorn replaces a process that has not answered its supervisor in time. A process
            # answers once it has imported Rhythm, which takes longer than uvicorn's 5 s on a busy machine: a
            # supervisor with that default kills every new process and never serves.
            "timeout_worker_healthcheck": WORKER_ANSWER_SECONDS,
            # No permessage-deflate on WebSockets: a live message rendered once for many sockets was compressed once
            # per socket, about a sixth of a delivery's CPU (bench.live); the messages are small JSON.
            "ws_per_message_deflate": False,
            # A WebSocket message is held to what a request body may be (uvicorn's own limit is 16 MiB): an operation
            # sent over the socket is no larger than one POSTed. A larger one closes the socket (1009).
            "ws_max_size": settings.http_max_body_bytes,
        }
        if args.workers > 1 and spread.available():
            # A listening socket per worker, so connections spread evenly over them (app/spread.py).
            spread.run(uvicorn.Config("app.main:create_app_from_env", **options))
        else:
            uvicorn.run("app.main:create_app_from_env", **options)


def worker(args: argparse.Namespace) -> None:
    settings = get_settings()
    if not (settings.redis_url or settings.broker_url) or not settings.database_url:
        sys.exit(
            "rhythm worker needs DATABASE_URL and a broker (REDIS_URL or RHYTHM_BROKER_URL);"
            " without one, `rhythm serve` runs the jobs itself."
        )
    from dramatiq.cli import main as dramatiq_main
    from dramatiq.cli import make_argument_parser

    from workers.redis_policy import EvictingRedis, require_noeviction

    if settings.redis_url:  # with RabbitMQ as the broker, Redis (if any) carries no jobs
        try:
            require_noeviction(settings.redis_url)
        except EvictingRedis as error:
            sys.exit(f"rhythm worker: {error}")

    dramatiq_args = ["workers.main", "--processes", str(args.processes), "--threads", str(args.threads)]
    with contextlib.ExitStack() as folders:
        if settings.worker_metrics_port is not None:
            folders.enter_context(_metrics_folder())
            # A process of its own beside the workers answers Prometheus' scrapes (workers/exposition.py).
            dramatiq_args += ["--fork-function", "workers.exposition:serve"]
        # Dramatiq returns once every process it forked has stopped.
        code = dramatiq_main(make_argument_parser().parse_args(dramatiq_args))
    sys.exit(code)


@contextlib.contextmanager
def _metrics_folder() -> Iterator[None]:
    """The worker processes write their samples to PROMETHEUS_MULTIPROC_DIR; without one, a fresh folder of this
    worker's own, removed when the worker stops (its samples mean nothing to the next one). Set before Dramatiq
    forks its processes, which read it when they first import prometheus_client."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        yield
        return
    import tempfile

    with tempfile.TemporaryDirectory(prefix="rhythm-worker-metrics-", ignore_cleanup_errors=True) as folder:
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder
        try:
            yield
        finally:
            del os.environ["PROMETHEUS_MULTIPROC_DIR"]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="rhythm", description="Rhythm: tasks and time across companies.")
    commands = parser.add_subparsers(dest="command", required=True)
    serve_parser = commands.add_parser("serve", help="Run the API (embedded PostgreSQL without DATABASE_URL).")
    serve_parser.add_argument("--host", default=None)
    serve_parser.add_argument("--port", type=int, default=None)
    serve_parser.add_argument("--workers", type=int, default=1, help="API processes (one per core in production).")
    worker_parser = commands.add_parser("worker", help="Run background workers against Redis (REDIS_URL).")
    worker_parser.add_argument("--processes", type=int, default=2)
    worker_parser.add_argument("--threads", type=int, default=4)
    commands.add_parser("migrate", help="Apply the database migrations.")
    commands.add_parser("seed", help="Load the demo data unless it is there.")
    commands.add_parser("export-schema", help="Print the GraphQL schema (SDL).")
    jobs_cli.add_commands(commands)
    args = parser.parse_args(argv)

    if args.command == "export-schema":
        from resolvers.schema import build_schema

        sys.stdout.write(build_schema().as_str() + "\n")
    elif args.command == "serve":
        serve(args)
    elif args.command == "worker":
        worker(args)
    else:
        settings = get_settings()
        with database(settings) as url:
            _migrate(url)
            if args.command == "seed":
                print("rhythm: seeded" if _seed(url, settings) else "rhythm: the demo is there already")
            elif args.command in ("jobs", "admin"):
                jobs_cli.run(args, url, settings)


if __name__ == "__main__":
    main()
