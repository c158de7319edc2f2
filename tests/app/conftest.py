from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.app.rhythm_process import free_port, start, stop, wait_ready


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real `rhythm serve` on loopback, on a fresh data folder, seeded with the demo: its GraphQL URL. Shared by
    the tests that read the demo as a newcomer does; they add to it but change none of it."""
    data_dir: Path = tmp_path_factory.mktemp("demo") / ".rhythm"
    port = free_port()
    process = start(data_dir, port)
    try:
        wait_ready(process, port)
        yield f"http://127.0.0.1:{port}/graphql"
    finally:
        stop(process)
