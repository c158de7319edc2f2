"""A span per GraphQL operation, named as the semantic conventions ask (`query Dashboard`), with the operation's
name and type as attributes; never the document or its variables, which may hold secrets."""

from __future__ import annotations

from collections.abc import Iterator

from opentelemetry.trace import Span, Status, StatusCode
from strawberry.extensions import SchemaExtension

from base.metrics import operation_label
from base.tracing import tracer


def describe(span: Span, name: str | None, kind: str, errors: list[object] | None) -> None:
    label = operation_label(name)
    span.update_name(f"{kind} {name}" if name and label == name else kind)
    span.set_attribute("graphql.operation.type", kind)
    if name:
        span.set_attribute("graphql.operation.name", name)
    if errors:
        span.set_status(Status(StatusCode.ERROR))
        span.set_attribute("rhythm.graphql.errors", len(errors))


class OperationSpan(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        with tracer().start_as_current_span("graphql") as span:
            yield
            if not span.is_recording():
                return
            execution = self.execution_context
            try:
                kind = execution.operation_type.value
            except Exception:
                kind = "graphql"
            result = execution.result
            errors = getattr(result, "errors", None) or execution.pre_execution_errors
            describe(span, execution.operation_name, kind, list(errors or ()))
