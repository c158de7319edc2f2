"""`rhythm worker` refuses a Redis that may evict queued jobs, and starts on one with `noeviction`."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest
import redis

from workers.redis_policy import EvictingRedis, require_noeviction


@pytest.fixture
def evicting(redis_url: str) -> Iterator[str]:
    client = redis.Redis.from_url(redis_url)
    before = client.config_get("maxmemory-policy")["maxmemory-policy"]
    client.config_set("maxmemory-policy", "allkeys-lru")
    try:
        yield redis_url
    finally:
        client.config_set("maxmemory-policy", before)
        client.close()


def test_a_worker_refuses_to_start_on_an_evicting_redis(evicting: str, database_url: str) -> None:
    environment = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    environment.update(REDIS_URL=evicting, DATABASE_URL=database_url, RHYTHM_JWT_SECRET="x" * 48)

    finished = subprocess.run(
        [sys.executable, "-m", "app.cli", "worker"], env=environment, capture_output=True, text=True, timeout=120
    )

    assert finished.returncode != 0
    assert "maxmemory-policy is 'allkeys-lru'" in finished.stderr


def test_noeviction_passes_and_anything_else_is_refused(redis_url: str, evicting: str) -> None:
    with pytest.raises(EvictingRedis, match="noeviction"):
        require_noeviction(evicting)
    client = redis.Redis.from_url(redis_url)
    client.config_set("maxmemory-policy", "noeviction")
    require_noeviction(redis_url)
    client.close()
