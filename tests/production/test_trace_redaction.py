"""A link that is its own credential (a data export's download) keeps its token out of the server span: the
OpenTelemetry ASGI middleware Litestar's plugin runs, with Rhythm's request hook, over a small app."""

from __future__ import annotations

from typing import Annotated

from litestar import Litestar, get
from litestar.params import PathParameter
from litestar.plugins.opentelemetry import OpenTelemetryConfig, OpenTelemetryPlugin
from litestar.testing import AsyncTestClient
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from app.tracing import hide_link_tokens

SECRET = "s3cr3t-link-token"


@get("/account/exports/{export_id:str}")
async def download(export_id: Annotated[str, PathParameter()]) -> str:
    return export_id


async def test_a_links_token_is_hidden_in_the_server_span_and_other_queries_are_kept() -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    config = OpenTelemetryConfig(tracer_provider=provider, server_request_hook_handler=hide_link_tokens)
    app = Litestar([download], plugins=[OpenTelemetryPlugin(config)])

    async with AsyncTestClient(app) as client:
        assert (await client.get(f"/account/exports/e1?token={SECRET}&part=2")).status_code == 200
        assert (await client.get("/account/exports/e2?part=3")).status_code == 200

    servers = [span for span in exporter.get_finished_spans() if span.attributes and "http.url" in span.attributes]
    urls = sorted(str((span.attributes or {})["http.url"]) for span in servers)
    assert len(urls) == 2, urls
    assert SECRET not in repr([span.attributes for span in exporter.get_finished_spans()])
    assert urls[0].endswith("/account/exports/e1?token=REDACTED&part=2"), urls
    assert urls[1].endswith("/account/exports/e2?part=3"), urls
