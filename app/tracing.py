"""Traces for the API: OTLP export when configured (base/tracing.py), HTTP server spans from Litestar's
OpenTelemetry plugin, and client spans for SQL, Redis and outgoing HTTP (webhooks, providers)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from litestar.plugins import PluginProtocol
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import Span
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
    config = OpenTelemetryConfig(
        exclude=["/metrics", "/health", "/ready"], server_request_hook_handler=hide_link_tokens
    )
    return [OpenTelemetryPlugin(config)]


# A link that is its own credential carries it in the query string (a data export's download); OpenTelemetry
# redacts only the signature parameters it knows of.
LINK_CREDENTIALS = frozenset({"token"})
# Where the server span keeps the query: the whole URL (the older conventions) or the query alone (the newer).
QUERY_ATTRIBUTES = ("http.url", "url.full", "url.query")


def _without_credentials(text: str, whole_url: bool) -> str:
    parts = urlsplit(text) if whole_url else None
    query = parts.query if parts is not None else text
    pairs = parse_qsl(query, keep_blank_values=True)
    hidden = urlencode([(name, "REDACTED" if name in LINK_CREDENTIALS else value) for name, value in pairs])
    return urlunsplit(parts._replace(query=hidden)) if parts is not None else hidden


def hide_link_tokens(span: Span, scope: Any) -> None:
    """The server span of a request whose query string names a credential keeps the URL with its value hidden."""
    query = scope.get("query_string") or b""
    if not any(f"{name}=".encode() in query for name in LINK_CREDENTIALS):
        return
    attributes = getattr(span, "attributes", None) or {}
    for name in QUERY_ATTRIBUTES:
        value = attributes.get(name)
        if isinstance(value, str):
            span.set_attribute(name, _without_credentials(value, whole_url=name != "url.query"))
