"""`rhythm serve` raises its open-files limit to the hard one, and the connection cap stays below it with room for
the database pool and the rest: each connection is an open file (app/open_files.py)."""

from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path

import pytest

from app.open_files import OTHER_FILES, connection_cap

# A child with Linux's usual start (a soft limit of 1,024 under a higher hard one), raising it as serve does.
RAISE = """
import resource
from app.open_files import connection_cap, open_files_limit, raise_open_files_limit
before = open_files_limit()
raise_open_files_limit()
now = open_files_limit()
print(before, now, resource.getrlimit(resource.RLIMIT_NOFILE)[0], connection_cap(10_000, 20, now))
"""


def _hard_limit() -> int:
    return resource.getrlimit(resource.RLIMIT_NOFILE)[1]


def _with_soft_limit(soft: int) -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, _hard_limit()))


@pytest.mark.skipif(
    _hard_limit() != resource.RLIM_INFINITY and _hard_limit() <= 1024, reason="no hard limit above 1,024 to raise to"
)
def test_a_soft_limit_of_1024_is_raised_to_the_hard_one() -> None:
    child = subprocess.run(
        [sys.executable, "-c", RAISE],
        preexec_fn=lambda: _with_soft_limit(1024),
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],  # the checkout, whose app/ the child imports
    )
    before, raised, now, cap = (int(value) for value in child.stdout.split())
    hard = _hard_limit()
    expected = 1_048_576 if hard == resource.RLIM_INFINITY else hard
    assert (before, raised, now) == (1024, expected, expected)
    assert cap == min(10_000, expected - 20 - OTHER_FILES)


def test_the_cap_leaves_room_for_the_pool_and_the_rest_under_the_limit() -> None:
    # 1,024 files: the pool's 20 and the others leave 876 connections, whatever was configured above that.
    assert connection_cap(10_000, 20, 1024) == 1024 - 20 - OTHER_FILES == 876
    assert connection_cap(500, 20, 1024) == 500
    assert connection_cap(10_000, 20, None) == 10_000  # no limit
    assert connection_cap(10_000, 2000, 1024) == 1  # a pool beyond the limit: one connection, never none
