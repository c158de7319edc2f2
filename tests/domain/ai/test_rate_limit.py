"""The per-person limit on AI operations: a sliding minute per person."""

from __future__ import annotations

import uuid

from domain.ai.calls import RateLimiter


def test_a_person_past_the_limit_is_refused_and_others_are_not() -> None:
    limiter = RateLimiter(per_minute=3)
    alice, bob = uuid.uuid4(), uuid.uuid4()

    alices = [limiter.allow(alice) for _ in range(4)]

    assert alices == [True, True, True, False]
    assert limiter.allow(bob) is True
