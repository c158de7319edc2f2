"""Prometheus metrics, defined once for the API and the workers.

With PROMETHEUS_MULTIPROC_DIR set (required with `rhythm serve --workers N` and for `rhythm worker`), every
process writes its samples to files there and /metrics sums them (app/metrics.py); the folder must be emptied
before the processes start. Labels never carry a person, an email or free text: operation names come from a
bounded set (past the cap, or when not a plain GraphQL name, they are counted as "other").
"""

from __future__ import annotations

import re
import threading

from prometheus_client import Counter, Gauge, Histogram

# Seconds: from a compiled read (a few ms) to the operation budget (10 s).
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

GRAPHQL_OPERATIONS = Counter(
    "rhythm_graphql_operations",
    "GraphQL operations answered, by operation name, type and outcome (ok or error).",
    ["operation", "type", "outcome"],
)
GRAPHQL_DURATION = Histogram(
    "rhythm_graphql_operation_duration_seconds",
    "Time to answer a GraphQL operation, by operation name, type and outcome.",
    ["operation", "type", "outcome"],
    buckets=_LATENCY_BUCKETS,
)
GRAPHQL_ERRORS = Counter("rhythm_graphql_errors", "GraphQL errors answered, by error code.", ["code"])
COMPILED_READS = Counter(
    "rhythm_compiled_reads", "Queries compiled reads answered or declined to the resolvers.", ["result"]
)
DB_POOL_CHECKED_OUT = Gauge(
    "rhythm_db_pool_connections_in_use",
    "Pooled database connections handed out, summed over live processes.",
    multiprocess_mode="livesum",
)
DB_POOL_CONNECTIONS = Gauge(
    "rhythm_db_pool_connections",
    "Database connections the pools hold open, summed over live processes.",
    multiprocess_mode="livesum",
)
# Seconds: a free connection is handed over in microseconds; a wait means the pool is exhausted.
_POOL_WAIT_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
DB_POOL_WAIT = Histogram(
    "rhythm_db_pool_wait_seconds",
    "Time a checkout took to get a database connection from the pool: waiting for a free one when all are in use,"
    " or opening a new one.",
    buckets=_POOL_WAIT_BUCKETS,
)
LIVE_SUBSCRIPTIONS = Gauge(
    "rhythm_live_subscriptions", "Subscriptions open over websockets.", multiprocess_mode="livesum"
)
LIVE_RENDERS = Counter(
    "rhythm_live_renders",
    "Live events rendered: `shared` once for a group of subscribers who see them alike, `own` for one subscriber.",
    ["path"],
)
LIVE_SENT = Counter("rhythm_live_sent", "Live events sent to subscribers, by how they were rendered.", ["path"])
WEBHOOK_DELIVERIES = Counter(
    "rhythm_webhook_delivery_attempts", "Webhook delivery attempts, by the delivery's status after it.", ["outcome"]
)
WEBHOOK_LATENCY = Histogram(
    "rhythm_webhook_delivery_duration_seconds",
    "Time a receiver took to answer a webhook delivery.",
    buckets=_LATENCY_BUCKETS,
)
SCHEDULING_RUNS = Counter("rhythm_scheduling_runs", "Scheduling runs (replans), by outcome.", ["outcome"])
SCHEDULING_DURATION = Histogram(
    "rhythm_scheduling_run_duration_seconds", "Time a scheduling run (a replan) took.", buckets=_LATENCY_BUCKETS
)

_NAME = re.compile(r"^[_A-Za-z][_0-9A-Za-z]{0,63}$")
MAX_OPERATION_NAMES = 200
_names: set[str] = set()
_names_lock = threading.Lock()


def operation_label(name: str | None) -> str:
    """The operation's name as a label: "anonymous" without one, "other" past the cap or when malformed."""
    if not name:
        return "anonymous"
    if name in _names:
        return name
    if not _NAME.match(name):
        return "other"
    with _names_lock:
        if len(_names) >= MAX_OPERATION_NAMES:
            return "other"
        _names.add(name)
    return name
