"""The Litestar application: GraphQL, health and readiness, request ids and typed 401s."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import asyncpg
import redis.exceptions
import structlog
from litestar import Litestar, Request, Response
from litestar.datastructures import State
from litestar.exceptions import NotAuthorizedException
from sqlalchemy.exc import SQLAlchemyError

from app.calendar_sync import google_push, microsoft_push, oauth_callback
from app.client_address import networks
from app.exports import download_export
from app.graphiql import graphiql_assets
from app.graphql import graphql_controller
from app.health import Readiness, health, ready
from app.live import LiveChannels
from app.metrics import metrics
from app.production import cors, security_headers
from app.request_id import request_id_middleware, request_id_of
from app.tracing import instrument
from base.logs import configure_logging
from base.settings import Settings, get_settings
from db import outbox_wake
from db.engine import create_engine, create_sessionmaker
from db.pool_metrics import watch_pool
from domain.accounts.config import account_config_of
from domain.ai.calls import AiRuntime
from domain.auth.passwords import Passwords
from domain.auth.tokens import TokenConfig
from domain.calendar_sync.context import consent_config_of
from domain.sign_in.runtime import SignInRuntime
from resolvers.compiled.mutations import CompiledMutations
from resolvers.compiled.reads import CompiledReads
from resolvers.context import Services
from resolvers.extensions import INTERNAL
from resolvers.outages import RETRY_AFTER_SECONDS, UNAVAILABLE, UNAVAILABLE_MESSAGE, is_outage
from resolvers.rate_limiter import Policies, RateLimiter, storage_for
from resolvers.schema import Limits, build_schema
from workers.heartbeats import reader as heartbeat_reader
from workers.queues import reader as queue_reader

log = structlog.get_logger("rhythm.http")


def _unauthenticated(request: Request[Any, Any, Any], error: NotAuthorizedException) -> Response[object]:
    body = {
        "data": None,
        "errors": [
            {
                "message": error.detail,
                "extensions": {"code": "UNAUTHENTICATED", "requestId": request_id_of(request.scope)},
            }
        ],
    }
    return Response(body, status_code=401, headers={"WWW-Authenticate": "Bearer"})


def _dependency_failed(request: Request[Any, Any, Any], error: Exception) -> Response[object]:
    """An error raised outside GraphQL's own error handling (checking an API key before the operation, say):
    503 when a dependency is unreachable, else the masked 500 every unexpected error gets."""
    request_id = request_id_of(request.scope)
    if not is_outage(error):
        log.error("unexpected_error", request_id=request_id, exc_info=error)
        internal = {"message": "Internal server error.", "extensions": {"code": INTERNAL, "requestId": request_id}}
        return Response({"data": None, "errors": [internal]}, status_code=500)
    log.warning("dependency_unavailable", request_id=request_id, error=repr(error))
    error_body = {"message": UNAVAILABLE_MESSAGE, "extensions": {"code": UNAVAILABLE, "requestId": request_id}}
    return Response(
        {"data": None, "errors": [error_body]},
        status_code=503,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


# What a dependency that cannot be reached raises, wherever it surfaces.
_DEPENDENCY_ERRORS: tuple[type[Exception], ...] = (
    OSError,
    SQLAlchemyError,
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
)


def rate_limiter(settings: Settings) -> RateLimiter | None:
    if not settings.rate_limits_enabled:
        return None
    policies = Policies(
        requests=settings.rate_limit_requests,
        requests_per_address=settings.rate_limit_requests_per_address,
        auth_attempts=settings.rate_limit_auth_attempts,
        sign_in_failures=settings.rate_limit_sign_in_failures,
    )
    return RateLimiter(storage_for(settings.redis_url), policies)


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or get_settings()
    if not settings.database_url:
        raise RuntimeError("DATABASE_URL is not set; `rhythm serve` starts an embedded database when it is not.")
    configure_logging(settings.log_level, json=settings.log_json)
    database_url = settings.database_url
    engine = create_engine(
        database_url,
        pool_size=settings.database_pool_size,
        pre_ping=settings.database_pool_pre_ping,
        recycle_seconds=settings.database_pool_recycle_seconds,
        # A second past the operation's budget: the budget abandons an operation cleanly first; PostgreSQL's guard
        # catches what it cannot, a statement still running while Python is busy.
        statement_timeout_ms=round(settings.graphql_operation_timeout_seconds * 1000) + 1000,
        connect_timeout_seconds=settings.database_connect_timeout_seconds,
    )
    watch_pool(engine)
    traced = instrument(settings, engine)
    live = LiveChannels(settings.redis_url)
    calendar_consent = consent_config_of(settings)
    services = Services(
        sessions=create_sessionmaker(engine),
        tokens=TokenConfig(
            secret=settings.resolved_jwt_secret(),
            access_ttl=timedelta(seconds=settings.access_token_ttl_seconds),
            refresh_ttl=timedelta(days=settings.refresh_token_ttl_days),
        ),
        passwords=Passwords(time_cost=settings.argon2_time_cost, memory_cost_kib=settings.argon2_memory_cost_kib),
        max_page_size=settings.graphql_max_page_size,
        webhooks_allow_private_targets=settings.webhooks_allow_private_targets,
        live=live.hub,
        queues=queue_reader(settings.redis_url, settings.broker_url),
        calendar_consent=calendar_consent,
        ai=AiRuntime.from_settings(settings),
        workers=heartbeat_reader(settings.redis_url, settings.broker_heartbeat_timeout_ms),
        rate_limiter=rate_limiter(settings),
        sign_in=SignInRuntime.from_settings(settings),
        accounts=account_config_of(settings),
        secret_cipher=calendar_consent.cipher,
    )
    schema = build_schema(
        Limits(
            max_depth=settings.graphql_max_depth,
            max_tokens=settings.graphql_max_tokens,
            max_fields=settings.graphql_max_fields,
            operation_seconds=settings.graphql_operation_timeout_seconds,
            max_aliases=settings.graphql_max_aliases,
            max_cost=settings.graphql_max_cost,
            max_page_size=settings.graphql_max_page_size,
            introspection=settings.enabled_outside_production(settings.graphql_introspection),
            field_suggestions=settings.enabled_outside_production(settings.graphql_field_suggestions),
        )
    )
    graphiql = settings.enabled_outside_production(settings.graphiql)
    compiled = CompiledReads(schema, settings.graphql_max_page_size) if settings.graphql_compiled_reads else None
    mutations = CompiledMutations(schema) if settings.graphql_compiled_mutations else None

    readiness = Readiness(engine, settings.redis_url)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        app.state.engine = engine
        app.state.readiness = readiness
        workers = None
        if settings.in_process_workers:
            from workers.inprocess import InProcessWorkers

            workers = InProcessWorkers(database_url, settings.redis_url, settings=settings)
            await workers.start()
        try:
            yield
        finally:
            if workers is not None:
                await workers.stop()
            await readiness.close()
            await outbox_wake.settle(engine)  # a NOTIFY on its way for the last writes
            await engine.dispose()

    return Litestar(
        route_handlers=[
            graphql_controller(
                schema,
                services,
                compiled,
                mutations,
                graphiql=graphiql,
                trusted_proxies=networks(settings.trusted_proxies),
            ),
            *([graphiql_assets()] if graphiql else []),
            health,
            ready,
            metrics,
            oauth_callback,
            google_push,
            microsoft_push,
            download_export,
        ],
        middleware=[request_id_middleware],
        exception_handlers={
            NotAuthorizedException: _unauthenticated,
            **dict.fromkeys(_DEPENDENCY_ERRORS, _dependency_failed),
        },
        lifespan=[lifespan, live.lifespan],
        plugins=[live.plugin, *traced],
        # Logging is configured once by configure_logging, with structured output.
        logging_config=None,
        state=State(
            {
                "compiled_reads": compiled,
                "compiled_mutations": mutations,
                "queues": services.queues,
                "calendar_consent": calendar_consent,
                "calendar_sessions": services.sessions,
                "calendar_settings": settings,
                "export_links": services.accounts.links if services.accounts else None,
                "export_sessions": services.sessions,
            }
        ),
        cors_config=cors(settings),
        response_headers=security_headers(settings),
        request_max_body_size=settings.http_max_body_bytes,
    )


# A GraphQL response allocates tens of thousands of short-lived objects; with the default threshold (700) the
# young generation is collected dozens of times per request.
GC_YOUNG_THRESHOLD = 20_000


def settle_heap() -> None:
    """Tune the garbage collector for serving, once the app is built.

    Everything built at start-up (modules, the schema, the mappers) lives as long as the process: frozen, the
    collector no longer walks it on every full collection. A higher young-generation threshold trades a little
    memory for far fewer collections. Together they take about 30 % off the CPU time of a nested query.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, 20, 100)


def create_app_from_env() -> Litestar:
    """The factory uvicorn's worker processes import (`rhythm serve --workers N`)."""
    app = create_app()
    settle_heap()
    return app
