"""Trace context through Dramatiq: put in a message's options when it is enqueued, taken out when a worker
processes it, so a job's spans (its SQL, its webhook's HTTP call) join the trace of the request that caused it.

Dramatiq's AsyncIO middleware runs an actor's coroutine on its event loop thread; the context attached here, on
the worker thread, travels with it (asyncio copies the calling thread's context when it schedules the task).
"""

from __future__ import annotations

import contextlib
from typing import Any

import dramatiq
from opentelemetry import context, propagate, trace
from opentelemetry.trace import SpanKind, Status, StatusCode

from base.tracing import tracer

OPTION = "trace_context"


class TraceContext(dramatiq.Middleware):
    def __init__(self) -> None:
        self._open: dict[str, tuple[trace.Span, object]] = {}

    def before_enqueue(self, broker: dramatiq.Broker, message: dramatiq.Message[Any], delay: int | None) -> None:
        carrier: dict[str, str] = {}
        propagate.inject(carrier)
        if carrier:
            message.options[OPTION] = carrier
        else:
            message.options.pop(OPTION, None)

    def before_process_message(self, broker: dramatiq.Broker, message: Any) -> None:
        parent = propagate.extract(message.options.get(OPTION) or {})
        span = tracer().start_span(
            f"{message.actor_name} process",
            context=parent,
            kind=SpanKind.CONSUMER,
            attributes={
                "messaging.system": "dramatiq",
                "messaging.operation.type": "process",
                "messaging.destination.name": message.queue_name,
                "messaging.message.id": message.message_id,
            },
        )
        token = context.attach(trace.set_span_in_context(span, parent))
        self._open[message.message_id] = (span, token)

    def _close(self, message: dramatiq.Message[Any], exception: BaseException | None) -> None:
        opened = self._open.pop(message.message_id, None)
        if opened is None:
            return
        span, token = opened
        if exception is not None:
            span.record_exception(exception)
            span.set_status(Status(StatusCode.ERROR, type(exception).__name__))
        span.end()
        # Detached on another thread than the one that attached: the span is ended all the same.
        with contextlib.suppress(ValueError):
            context.detach(token)  # type: ignore[arg-type]

    def after_process_message(
        self,
        broker: dramatiq.Broker,
        message: Any,
        *,
        result: Any = None,
        exception: BaseException | None = None,
    ) -> None:
        self._close(message, exception)

    def after_skip_message(self, broker: dramatiq.Broker, message: Any) -> None:
        self._close(message, None)


def instrument_clients() -> None:
    """Client spans in a worker process: SQL (every engine), outgoing HTTP (webhooks, providers) and Redis."""
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
    from opentelemetry.instrumentation.redis import RedisInstrumentor
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

    SQLAlchemyInstrumentor().instrument()
    HTTPXClientInstrumentor().instrument()
    RedisInstrumentor().instrument()
