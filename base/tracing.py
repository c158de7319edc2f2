"""OpenTelemetry: the tracer provider, and trace context carried where a call stack cannot carry it (an outbox
row, a Dramatiq message).

Off unless an OTLP endpoint is configured (RHYTHM_OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_ENDPOINT):
then spans are batched and exported by a background thread, never on a request's critical path. Off, every
tracer is OpenTelemetry's no-op one and a carrier is empty.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from opentelemetry import context, propagate, trace

TRACER_NAME = "rhythm"


def configure_tracing(endpoint: str | None, service_name: str) -> bool:
    """Install a provider exporting to `endpoint` over OTLP/HTTP; False (and nothing installed) without one."""
    if not endpoint:
        return False
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    provider = TracerProvider(resource=Resource.create({"service.name": service_name}))
    traces = endpoint.rstrip("/") + ("" if endpoint.rstrip("/").endswith("/v1/traces") else "/v1/traces")
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=traces)))
    trace.set_tracer_provider(provider)
    return True


def tracer() -> trace.Tracer:
    return trace.get_tracer(TRACER_NAME)


def current_carrier() -> dict[str, str] | None:
    """The current trace context as W3C `traceparent` (and `tracestate`) headers; None outside any trace."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier or None


@contextmanager
def attached(carrier: Mapping[str, str] | None) -> Iterator[None]:
    """Run the block inside the trace context a carrier holds (or the current one, given none)."""
    if not carrier:
        yield
        return
    token = context.attach(propagate.extract(dict(carrier)))
    try:
        yield
    finally:
        context.detach(token)
