"""GET /metrics, scraped over HTTP and read with Prometheus' own text parser: operations by name and outcome,
error codes, compiled reads, the pool; across two server processes in multi-process mode."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
from litestar import Litestar
from litestar.testing import AsyncTestClient
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from tests.app.rhythm_process import environment, free_port, stop, wait_ready
from tests.conftest import JWT_SECRET
from tests.factories import sign_up
from tests.graphql import GraphQL


def samples(text: str) -> list[Sample]:
    return [sample for family in text_string_to_metric_families(text) for sample in family.samples]


def value(text: str, name: str, **labels: str) -> float:
    return sum(s.value for s in samples(text) if s.name == name and labels.items() <= s.labels.items())


async def scrape(client: AsyncTestClient[Litestar]) -> str:
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return response.text


async def test_operations_are_counted_by_name_and_outcome(client: AsyncTestClient[Litestar], graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Metrics")
    before = await scrape(client)

    for _ in range(3):
        await graphql("query MetricsProbe { viewer { user { id } } }", caller=ada)
    await graphql.post("query MetricsBroken { viewer { nope } }", caller=ada)
    after = await scrape(client)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("rhythm_graphql_operations_total", operation="MetricsProbe", type="query", outcome="ok") == 3
    assert delta("rhythm_graphql_operation_duration_seconds_count", operation="MetricsProbe") == 3
    assert delta("rhythm_graphql_operations_total", operation="MetricsBroken", outcome="error") == 1
    assert delta("rhythm_graphql_errors_total", code="GRAPHQL_VALIDATION_FAILED") >= 1
    assert delta("rhythm_compiled_reads_total", result="answered") >= 3
    assert value(after, "rhythm_db_pool_connections") >= 1
    assert value(after, "rhythm_outbox_lag_seconds") >= 0
    assert any(sample.name == "rhythm_outbox_lag_seconds" for sample in samples(after))


async def test_no_label_carries_an_email_or_a_user_id(client: AsyncTestClient[Litestar], graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Labels")
    await graphql.post("query ada_example_com { viewer { user { id } } }", caller=ada)

    text = await scrape(client)

    values = {value for sample in samples(text) for value in sample.labels.values()}
    assert ada.email not in text
    assert not any("@" in value for value in values)
    assert not any(ada.user_id in value for value in values)


def test_two_server_processes_count_into_one_multiprocess_folder(database_url: str, tmp_path: Path) -> None:
    folder = tmp_path / "prometheus"
    folder.mkdir()
    port = free_port()
    env = environment(tmp_path / ".rhythm") | {
        "DATABASE_URL": database_url,
        "RHYTHM_JWT_SECRET": JWT_SECRET,
        "RHYTHM_SEED_DEMO": "false",
        "RHYTHM_RUN_WORKERS_IN_PROCESS": "false",
        "PROMETHEUS_MULTIPROC_DIR": str(folder),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port), "--workers", "2"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_ready(process, port)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            # New connections each time, so both processes answer some of them.
            for _ in range(20):
                client.post("/graphql", json={"query": "query Ping { __typename }"}, headers={"Connection": "close"})
            text = client.get("/metrics").text
        written = {path.name for path in folder.iterdir()}
    finally:
        stop(process)

    assert value(text, "rhythm_graphql_operations_total", operation="Ping", outcome="ok") == 20
    # Samples went to files there (one per process and kind), which every process's /metrics sums: the count
    # is whole whichever of the two answered each ping and the scrape.
    assert any(name.startswith("counter_") for name in written), written
    assert os.environ.get("PROMETHEUS_MULTIPROC_DIR") is None
