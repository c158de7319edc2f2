"""Each operation's count, latency and error codes (base/metrics.py), on the executor's path and on compiled
reads' alike. Recorded once per operation, never per field."""

from __future__ import annotations

import time
from collections.abc import Iterator

from graphql import GraphQLError
from prometheus_client import Counter, Histogram
from strawberry.extensions import SchemaExtension

from base.metrics import GRAPHQL_DURATION, GRAPHQL_ERRORS, GRAPHQL_OPERATIONS, operation_label

# Each (operation, kind, outcome)'s count and latency series. `labels()` checks and joins its values and takes a
# lock on every call (half of recording an operation); the series of a label set never changes, and the label
# sets are bounded (operation_label caps the names), so each is looked up once.
_series: dict[tuple[str, str, str], tuple[Counter, Histogram]] = {}


def record(name: str | None, kind: str, errors: list[GraphQLError] | None, seconds: float) -> None:
    outcome = "error" if errors else "ok"
    key = (operation_label(name), kind, outcome)
    series = _series.get(key)
    if series is None:
        series = _series.setdefault(key, (GRAPHQL_OPERATIONS.labels(*key), GRAPHQL_DURATION.labels(*key)))
    count, duration = series
    count.inc()
    duration.observe(seconds)
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
