"""Traces, read from an in-process exporter: a span per operation named by the operation, and the job a request
caused (through the outbox, the relay and Dramatiq) in the same trace."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from tests.factories import sign_up
from tests.graphql import GraphQL
from tests.waiting import PATIENCE_SECONDS

CREATE = """mutation CreateTracedTask($input: CreateTaskInput!) {
  createTask(input: $input) { __typename ... on Task { id } }
}"""


@pytest.fixture(scope="module")
def spans() -> Iterator[InMemorySpanExporter]:
    """Rhythm's tracers are looked up when they start a span, so a provider installed now serves the running
    app too. The global provider can be set once per process: later modules reuse this one."""
    exporter = InMemorySpanExporter()
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider()
        trace.set_tracer_provider(provider)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    yield exporter
    exporter.shutdown()


async def finished(exporter: InMemorySpanExporter, name: str, trace_id: int | None = None) -> ReadableSpan:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + PATIENCE_SECONDS
    while loop.time() < deadline:
        for span in exporter.get_finished_spans():
            if span.name == name and (trace_id is None or span.context.trace_id == trace_id):
                return span
        await asyncio.sleep(0.1)
    names = sorted({span.name for span in exporter.get_finished_spans()})
    raise AssertionError(f"no span {name!r} in trace {trace_id}; spans: {names}")


async def test_an_operation_has_a_span_named_by_its_operation(
    spans: InMemorySpanExporter, graphql: GraphQL, plain_graphql: GraphQL
) -> None:
    ada = await sign_up(graphql, name="Ada Spans")
    await graphql("query TracedViewer { viewer { user { id } } }", caller=ada)  # a compiled read
    await plain_graphql("query TracedPlain { viewer { user { id } } }", caller=ada)  # the executor

    for name in ("query TracedViewer", "query TracedPlain"):
        span = await finished(spans, name)
        assert span.attributes is not None
        assert span.attributes["graphql.operation.type"] == "query"
        assert span.attributes["graphql.operation.name"] == name.split()[1]


async def test_the_job_a_request_caused_joins_its_trace(spans: InMemorySpanExporter, graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Traced Job")
    variables = {"input": {"companyId": ada.personal_company_id, "title": "Traced"}}

    await graphql(CREATE, variables, caller=ada)
    request = await finished(spans, "mutation CreateTracedTask")
    job = await finished(spans, "events.dispatch process", request.context.trace_id)

    assert job.context.trace_id == request.context.trace_id
    assert job.kind == trace.SpanKind.CONSUMER
    assert job.attributes is not None
    assert job.attributes["messaging.system"] == "dramatiq"
