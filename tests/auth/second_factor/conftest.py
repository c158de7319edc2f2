from __future__ import annotations

from collections.abc import Iterator

import pytest

from base import clock
from tests.auth.second_factor.flows import Moments


@pytest.fixture
def moments() -> Iterator[Moments]:
    """The app's clock, fixed near the wall clock for the test and back to the wall clock after it."""
    try:
        yield Moments.near_the_wall_clock()
    finally:
        clock.reset()
