"""Each operation's count, latency and error codes (base/metrics.py), on the executor's path and on compiled
reads' alike. Recorded once per operation, never per field."""

from __future__ import annotations

import time
from collections.abc import Iterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from base.metrics import GRAPHQL_DURATION, GRAPHQL_ERRORS, GRAPHQL_OPERATIONS, operation_label


def record(name: str | None, kind: str, errors: list[GraphQLError] | None, seconds: float) -> None:
    outcome = "error" if errors else "ok"
    label = operation_label(name)
    GRAPHQL_OPERATIONS.labels(label, kind, outcome).inc()
    GRAPHQL_DURATION.labels(label, kind, outcome).observe(seconds)
    for error in errors or ():
        # Codes are Rhythm's own constants (ErrorFormatter sets one on every error): a bounded set.
        GRAPHQL_ERRORS.labels(str((error.extensions or {}).get("code", "UNKNOWN"))).inc()


class OperationMetrics(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        yield
        execution = self.execution_context
        try:
            kind = execution.operation_type.value
        except Exception:
            kind = "unknown"  # the document did not parse, or names no operation it has
        result = execution.result
        errors = getattr(result, "errors", None) or execution.pre_execution_errors
        record(execution.operation_name, kind, errors, time.perf_counter() - started)
