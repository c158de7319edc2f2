"""A Redis that evicts keys under memory pressure drops queued jobs (and the rate limits' counts) silently: the
worker refuses to start on one. Only `noeviction` keeps every key; Redis then refuses writes when full, which
the outbox survives (events wait in PostgreSQL until the broker takes them again)."""

from __future__ import annotations

import redis
import structlog

log = structlog.get_logger("rhythm.worker")
SAFE_POLICY = "noeviction"


class EvictingRedis(Exception):
    pass


def require_noeviction(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    try:
        policy = client.config_get("maxmemory-policy").get("maxmemory-policy")
    except redis.exceptions.ResponseError as error:
        # Some managed services hide CONFIG: the operator must set the policy there (deploy/OPERATIONS.md).
        log.warning("redis_policy_unknown", error=str(error))
        return
    finally:
        client.close()
    if policy != SAFE_POLICY:
        raise EvictingRedis(
            f"Redis's maxmemory-policy is {policy!r}, which may evict queued jobs under memory pressure;"
            f" set it to {SAFE_POLICY!r} (redis-server --maxmemory-policy noeviction)."
        )
