"""Traces for the API: OTLP export when configured (base/tracing.py), HTTP server spans from Litestar's
OpenTelemetry plugin, and client spans for SQL, Redis and outgoing HTTP (webhooks, providers)."""

from __future__ import annotations

from litestar.plugins import PluginProtocol
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from sqlalchemy.ext.asyncio import AsyncEngine

from base.settings import Settings
from base.tracing import configure_tracing


def tracing_active() -> bool:
    """Whether spans go anywhere: a provider was installed (by configuration, or by a test's exporter)."""
    return isinstance(trace.get_tracer_provider(), TracerProvider)


def instrument(settings: Settings, engine: AsyncEngine) -> list[PluginProtocol]:
    if not tracing_active():
        configure_tracing(settings.otel_exporter_otlp_endpoint, settings.otel_service_name)
    if not tracing_active():
        return []
    from litestar.plugins.opentelemetry import OpenTelemetryConfig, OpenTelemetryPlugin
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
    from opentelemetry.instrumentation.redis import RedisInstrumentor
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

    SQLAlchemyInstrumentor().instrument(engine=engine.sync_engine)
    if not HTTPXClientInstrumentor().is_instrumented_by_opentelemetry:
        HTTPXClientInstrumentor().instrument()
    if not RedisInstrumentor().is_instrumented_by_opentelemetry:
        RedisInstrumentor().instrument()
    # /metrics and the probes are scraped every few seconds: no span each time.
    return [OpenTelemetryPlugin(OpenTelemetryConfig(exclude=["/metrics", "/health", "/ready"]))]
