from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.webhooks.receiver import Receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A webhook receiver on a loopback port of its own, answering 200."""
    running = Receiver().start()
    yield running
    running.stop()
