"""A company's monthly AI budget: a call reserves its maximum beforehand and settles to what it used.

The month's row is locked while a reservation is weighed against the limits, so concurrent calls queue on it
and each sees what those before it reserved: together they can never reserve past the budget. A reservation
whose call died is released by the next reservation once it is stale.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession


@dataclass(frozen=True, slots=True)
class Reservation:
    id: uuid.UUID
    company_id: uuid.UUID
    month: date
    tokens: int
    cost_usd: Decimal


def month_of(now: datetime) -> date:
    return date(now.year, now.month, 1)


async def reserve(
    session: AsyncSession,
    *,
    company_id: uuid.UUID,
    tokens: int,
    cost_usd: Decimal,
    now: datetime,
    stale_after: timedelta,
) -> Reservation | None:
    """A reservation of `tokens` and `cost_usd`, or None when it would take the month past a limit."""
    month = month_of(now)
    keys = {"company_id": company_id, "month": month}
    await session.execute(
        text("INSERT INTO ai_budget_months (company_id, month) VALUES (:company_id, :month) ON CONFLICT DO NOTHING"),
        keys,
    )
    totals = (
        await session.execute(
            text(
                "SELECT spent_tokens, spent_cost_usd, reserved_tokens, reserved_cost_usd FROM ai_budget_months"
                " WHERE company_id = :company_id AND month = :month FOR UPDATE"
            ),
            keys,
        )
    ).one()
    released = await _release_stale(session, company_id, month, now - stale_after)
    limits = (
        await session.execute(
            text(
                "SELECT monthly_token_limit, monthly_cost_limit_usd FROM ai_company_settings"
                " WHERE company_id = :company_id"
            ),
            {"company_id": company_id},
        )
    ).one_or_none()
    used_tokens = totals.spent_tokens + totals.reserved_tokens - released[0] + tokens
    used_cost = totals.spent_cost_usd + totals.reserved_cost_usd - released[1] + cost_usd
    if limits is not None and (
        (limits.monthly_token_limit is not None and used_tokens > limits.monthly_token_limit)
        or (limits.monthly_cost_limit_usd is not None and used_cost > limits.monthly_cost_limit_usd)
    ):
        return None
    reservation = Reservation(uuid.uuid4(), company_id, month, tokens, cost_usd)
    await session.execute(
        text(
            "INSERT INTO ai_budget_reservations (id, company_id, month, tokens, cost_usd, created_at)"
            " VALUES (:id, :company_id, :month, :tokens, :cost, :now)"
        ),
        {**keys, "id": reservation.id, "tokens": tokens, "cost": cost_usd, "now": now},
    )
    await _add(session, company_id, month, reserved=(tokens, cost_usd))
    return reservation


async def settle(session: AsyncSession, reservation: Reservation, *, tokens: int, cost_usd: Decimal) -> None:
    """Turn the reservation into what the call really spent (released already if it went stale)."""
    held = (
        await session.execute(
            text("DELETE FROM ai_budget_reservations WHERE id = :id RETURNING tokens, cost_usd"),
            {"id": reservation.id},
        )
    ).one_or_none()
    reserved = (-held.tokens, -held.cost_usd) if held is not None else (0, Decimal(0))
    await _add(session, reservation.company_id, reservation.month, reserved=reserved, spent=(tokens, cost_usd))


async def _release_stale(
    session: AsyncSession, company_id: uuid.UUID, month: date, before: datetime
) -> tuple[int, Decimal]:
    stale = (
        await session.execute(
            text(
                "WITH gone AS (DELETE FROM ai_budget_reservations WHERE company_id = :company_id AND month = :month"
                " AND created_at < :before RETURNING tokens, cost_usd)"
                " SELECT coalesce(sum(tokens), 0) AS tokens, coalesce(sum(cost_usd), 0) AS cost FROM gone"
            ),
            {"company_id": company_id, "month": month, "before": before},
        )
    ).one()
    tokens, cost = int(stale.tokens), Decimal(stale.cost)
    if tokens or cost:
        await _add(session, company_id, month, reserved=(-tokens, -cost))
    return tokens, cost


async def _add(
    session: AsyncSession,
    company_id: uuid.UUID,
    month: date,
    *,
    reserved: tuple[int, Decimal],
    spent: tuple[int, Decimal] = (0, Decimal(0)),
) -> None:
    await session.execute(
        text(
            "UPDATE ai_budget_months SET reserved_tokens = greatest(reserved_tokens + :rt, 0),"
            " reserved_cost_usd = greatest(reserved_cost_usd + :rc, 0),"
            " spent_tokens = spent_tokens + :st, spent_cost_usd = spent_cost_usd + :sc"
            " WHERE company_id = :company_id AND month = :month"
        ),
        {"company_id": company_id, "month": month, "rt": reserved[0], "rc": reserved[1], "st": spent[0],
         "sc": spent[1]},
    )  # fmt: skip
