"""One AI call: rate limit, reserve, ask the model outside any transaction, validate, fall back, meter.

The boundary (a resolver or an actor) owns the transactions: it reads as the caller and calls `reserve` in one,
commits, awaits `ask_json` with none open, then writes the result with `settle_and_record` in another.
"""

from __future__ import annotations

import time
import uuid
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from base.settings import Settings
from db.models import AiFeature, AiReason, AiSource
from domain.ai import budget
from domain.ai.budget import Reservation
from domain.ai.client import ModelClient, ModelUnavailable, model_client
from domain.ai.prompts import estimate_tokens
from domain.ai.usage import Metered, record_usage

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")


class RateLimiter:
    """At most `per_minute` AI operations per person in this process (a sliding minute)."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._calls: dict[uuid.UUID, deque[float]] = defaultdict(deque)

    def allow(self, person: uuid.UUID) -> bool:
        now = time.monotonic()
        calls = self._calls[person]
        while calls and calls[0] <= now - 60:
            calls.popleft()
        if len(calls) >= self.per_minute:
            return False
        calls.append(now)
        return True


@dataclass
class AiRuntime:
    """Built once per process: the model client (None: heuristic mode) and the per-person limiter."""

    client: ModelClient | None
    limiter: RateLimiter
    stale_after: timedelta = timedelta(minutes=15)

    @classmethod
    def from_settings(cls, settings: Settings) -> AiRuntime:
        return cls(
            client=model_client(settings),
            limiter=RateLimiter(settings.ai_calls_per_minute),
            stale_after=timedelta(seconds=settings.ai_reservation_stale_seconds),
        )


def heuristic_only() -> AiRuntime:
    return AiRuntime(client=None, limiter=RateLimiter(1_000_000))


@dataclass
class Call:
    """One call's state from its reservation to its usage record."""

    feature: AiFeature
    company_id: uuid.UUID
    user_id: uuid.UUID | None
    messages: list[dict[str, str]]
    metered: Metered = field(init=False)
    reservation: Reservation | None = None

    def __post_init__(self) -> None:
        self.metered = Metered(feature=self.feature)


@dataclass
class Answer(Generic[T]):
    value: T
    source: AiSource
    reason: AiReason | None


async def reserve(session: AsyncSession, runtime: AiRuntime, call: Call, now: datetime) -> None:
    """In the caller's first transaction: decide whether the model may be asked, and reserve its maximum."""
    if runtime.client is None:
        call.metered.reason = AiReason.NO_MODEL
        return
    if call.user_id is not None and not runtime.limiter.allow(call.user_id):
        call.metered.reason = AiReason.RATE_LIMITED
        return
    tokens_in = estimate_tokens(call.messages)
    tokens = tokens_in + runtime.client.max_output_tokens
    cost = runtime.client.prices.cost(tokens_in, runtime.client.max_output_tokens)
    call.reservation = await budget.reserve(
        session, company_id=call.company_id, tokens=tokens, cost_usd=cost, now=now, stale_after=runtime.stale_after
    )
    if call.reservation is None:
        call.metered.reason = AiReason.BUDGET_REACHED


async def ask_json(
    runtime: AiRuntime,
    call: Call,
    schema: type[M],
    response_format: dict[str, Any],
    convert: Callable[[M], T],
    heuristic: Callable[[], T],
) -> Answer[T]:
    """With no transaction open: the model's answer validated (retried once when invalid), else the heuristic."""
    client = runtime.client
    if client is None or call.reservation is None:
        return Answer(heuristic(), AiSource.HEURISTIC, call.metered.reason or AiReason.NO_MODEL)
    call.metered.model = client.model
    for _attempt in range(2):
        try:
            reply = await client.complete_json(call.messages, response_format)
        except ModelUnavailable as error:
            call.metered.reason = error.reason
            return Answer(heuristic(), AiSource.HEURISTIC, error.reason)
        _meter(call, client, reply.tokens_in, reply.tokens_out, reply.latency_ms)
        try:
            value = convert(schema.model_validate_json(reply.content))
        except (ValidationError, ValueError):
            call.metered.reason = AiReason.INVALID_OUTPUT
            continue
        call.metered.source, call.metered.reason = AiSource.MODEL, None
        return Answer(value, AiSource.MODEL, None)
    return Answer(heuristic(), AiSource.HEURISTIC, AiReason.INVALID_OUTPUT)


def _meter(call: Call, client: ModelClient, tokens_in: int, tokens_out: int, latency_ms: int) -> None:
    metered = call.metered
    metered.tokens_in += tokens_in
    metered.tokens_out += tokens_out
    metered.latency_ms += latency_ms
    metered.cost_usd = client.prices.cost(metered.tokens_in, metered.tokens_out)


def meter_stream(call: Call, client: ModelClient, tokens_in: int, tokens_out: int, latency_ms: int) -> None:
    call.metered.model = client.model
    _meter(call, client, tokens_in, tokens_out, latency_ms)


async def settle_and_record(session: AsyncSession, call: Call) -> None:
    """In the transaction of the answer's result: settle the reservation and record the usage."""
    if call.reservation is not None:
        await budget.settle(
            session,
            call.reservation,
            tokens=call.metered.tokens_in + call.metered.tokens_out,
            cost_usd=call.metered.cost_usd,
        )
    if call.metered.source == AiSource.HEURISTIC and call.metered.reason is None:
        call.metered.reason = AiReason.NO_MODEL
    await record_usage(session, call.metered, company_id=call.company_id, user_id=call.user_id)
