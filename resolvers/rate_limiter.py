"""The counting behind rate limits (resolvers/rate_limits.py): policies, fixed windows counted by the `limits`
library in Redis (shared by every API process) or in memory, and what a refusal says."""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

import structlog
from graphql import GraphQLError
from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import FixedWindowRateLimiter
from limits.errors import StorageError

RATE_LIMITED = "RATE_LIMITED"
log = structlog.get_logger("rhythm.rate_limits")


@dataclass(frozen=True, slots=True)
class Policies:
    requests: str = "1000/15 minutes"
    requests_per_address: str = "3000/15 minutes"
    auth_attempts: str = "30/15 minutes"
    sign_in_failures: str = "5/15 minutes"


@dataclass(frozen=True, slots=True)
class Refusal:
    name: str
    limit: int
    window_seconds: int
    retry_after: int

    def error(self, request_id: str | None) -> GraphQLError:
        return GraphQLError(
            f"Too many requests ({self.name}: {self.limit} per {self.window_seconds} seconds). Try again in"
            f" {self.retry_after} seconds.",
            extensions={"code": RATE_LIMITED, "retryAfter": self.retry_after, "requestId": request_id},
        )


@dataclass(slots=True)
class Attempts:
    """The operation's auth fields by name, and the emails its `logIn` fields sign in with."""

    fields: Counter[str] = field(default_factory=Counter)
    emails: Counter[str] = field(default_factory=Counter)


def storage_for(redis_url: str | None) -> Storage:
    if redis_url is None:
        return MemoryStorage()
    scheme, _, rest = redis_url.partition("://")
    # Storage errors come wrapped in StorageError, so an unreachable Redis is told apart from a refusal.
    return RedisStorage(
        f"async+{scheme}://{rest}", implementation="redispy", key_prefix="rhythm-rate", wrap_exceptions=True
    )


class RateLimiter:
    def __init__(self, storage: Storage, policies: Policies) -> None:
        self._strategy = FixedWindowRateLimiter(storage)
        self.storage = storage
        self.requests = parse(policies.requests)
        self.requests_per_address = parse(policies.requests_per_address)
        self.auth_attempts = parse(policies.auth_attempts)
        self.sign_in_failures = parse(policies.sign_in_failures)

    async def _refusal(self, name: str, item: RateLimitItem, key: str) -> Refusal:
        stats = await self._strategy.get_window_stats(item, name, key)
        retry_after = max(1, math.ceil(stats.reset_time - time.time()))
        return Refusal(name, item.amount, item.get_expiry(), retry_after)

    async def _take(self, name: str, item: RateLimitItem, key: str, cost: int = 1) -> Refusal | None:
        if cost <= 0 or await self._strategy.hit(item, name, key, cost=cost):
            return None
        return await self._refusal(name, item, key)

    async def _room(self, name: str, item: RateLimitItem, key: str, cost: int) -> Refusal | None:
        if cost <= 0 or await self._strategy.test(item, name, key, cost=cost):
            return None
        return await self._refusal(name, item, key)

    async def admit_request(self, caller: str, address: str) -> Refusal | None:
        """A refusal past the request limits. With the counters out of reach the request is let through: an outage
        of Redis must not stop an API that can still serve (sign-in attempts, below, stay refused meanwhile)."""
        try:
            return await self._take("requests", self.requests, caller) or await self._take(
                "requests-per-address", self.requests_per_address, address
            )
        except StorageError:
            log.warning("rate_limit_counters_unreachable", limit="requests")
            return None

    async def admit_attempts(self, attempts: Attempts, address: str) -> Refusal | None:
        total = sum(attempts.fields.values())
        refusal = await self._take("auth", self.auth_attempts, address, total)
        if refusal is not None:
            return refusal
        tries = attempts.fields["logIn"]
        refusal = await self._room("sign-in-failures-per-address", self.sign_in_failures, address, tries)
        for email, count in attempts.emails.items():
            refusal = refusal or await self._room("sign-in-failures", self.sign_in_failures, email, count)
        return refusal

    async def count_failures(self, emails: Iterable[str], address: str) -> None:
        for email in emails:
            await self._strategy.hit(self.sign_in_failures, "sign-in-failures", email)
            await self._strategy.hit(self.sign_in_failures, "sign-in-failures-per-address", address)
