"""Usage records: one per AI answer, written in the transaction of the answer's result."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import AiFeature, AiReason, AiSource, AiUsage


@dataclass(slots=True)
class Metered:
    """What one AI answer cost; the heuristic's answers are recorded too, at zero tokens."""

    feature: AiFeature
    model: str = ""
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: Decimal = Decimal(0)
    latency_ms: int = 0
    source: AiSource = AiSource.HEURISTIC
    reason: AiReason | None = None


async def record_usage(
    session: AsyncSession, metered: Metered, *, company_id: uuid.UUID, user_id: uuid.UUID | None
) -> AiUsage:
    row = AiUsage(
        company_id=company_id,
        user_id=user_id,
        feature=metered.feature.value,
        model=metered.model,
        tokens_in=metered.tokens_in,
        tokens_out=metered.tokens_out,
        cost_usd=metered.cost_usd,
        latency_ms=metered.latency_ms,
        source=metered.source.value,
        reason=None if metered.reason is None else metered.reason.value,
    )
    session.add(row)
    await session.flush()
    return row


GROUPS = {
    "DAY": "to_char(date_trunc('day', created_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD')",
    "FEATURE": "feature",
    "PERSON": "coalesce(user_id::text, '')",
}


@dataclass(frozen=True, slots=True)
class UsageGroup:
    key: str
    calls: int
    model_calls: int
    tokens_in: int
    tokens_out: int
    cost_usd: Decimal


async def usage_groups(
    session: AsyncSession, *, company_id: uuid.UUID, start: datetime, end: datetime, group_by: str
) -> list[UsageGroup]:
    """Usage in [start, end) grouped by day, feature or person: the rows the caller may see (the policies decide:
    everyone their own, owners and admins the company's)."""
    key = GROUPS[group_by]
    rows = await session.execute(
        text(
            f"SELECT {key} AS key, count(*) AS calls, count(*) FILTER (WHERE source = 'MODEL') AS model_calls,"
            " coalesce(sum(tokens_in), 0) AS tokens_in, coalesce(sum(tokens_out), 0) AS tokens_out,"
            " coalesce(sum(cost_usd), 0) AS cost FROM ai_usage"
            " WHERE company_id = :company_id AND created_at >= :start AND created_at < :end"
            " GROUP BY 1 ORDER BY 1"
        ),
        {"company_id": company_id, "start": start, "end": end},
    )
    return [
        UsageGroup(row.key, row.calls, row.model_calls, int(row.tokens_in), int(row.tokens_out), Decimal(row.cost))
        for row in rows
    ]
