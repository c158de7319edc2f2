"""Endpoints, managed by a company's owners and admins: create (the secret is shown once), change, delete, and
rotate the secret with an overlap during which deliveries carry signatures by both secrets."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from db.models import WebhookEndpoint, WebhookSecret
from domain import audit
from domain.audit import AuditAction
from domain.db_errors import delete_visible, refusals
from domain.errors import Forbidden
from domain.events.service import EventType
from domain.lookups import get_one, require_company
from domain.validation import Checks
from domain.webhooks.signing import new_secret
from domain.webhooks.targets import check_target

REFUSED = Forbidden("Only owners and admins manage webhooks.")
MAX_OVERLAP = timedelta(days=7)
DISABLED_BY_ADMIN = "Disabled by an admin."


@dataclass(frozen=True, slots=True)
class EndpointChanges:
    url: str | None = None
    description: str | None = None
    event_types: Sequence[EventType] | None = None
    enabled: bool | None = None


@dataclass(frozen=True, slots=True)
class IssuedSecret:
    endpoint: WebhookEndpoint
    # Shown once, in the answer that made it; the app role cannot read it back.
    secret: str


def _check(changes: EndpointChanges) -> None:
    checks = Checks()
    checks.text("description", changes.description, max_length=500, required=False)
    if changes.event_types is not None and len(changes.event_types) > len(EventType):
        checks.fail("eventTypes", "Name each event type once.")
    checks.raise_if_any()


async def get_endpoint(session: AsyncSession, endpoint_id: uuid.UUID) -> WebhookEndpoint:
    return await get_one(session, WebhookEndpoint, endpoint_id, what="WebhookEndpoint")


async def create_endpoint(
    session: AsyncSession,
    *,
    company_id: uuid.UUID,
    created_by: uuid.UUID,
    changes: EndpointChanges,
    allow_private: bool,
    now: datetime,
) -> IssuedSecret:
    _check(changes)
    await check_target((changes.url or "").strip(), allow_private=allow_private)
    await require_company(session, company_id)
    endpoint = WebhookEndpoint(company_id=company_id, url="", created_by=created_by, created_at=now, updated_at=now)
    _apply(endpoint, changes, now)
    secret = new_secret()
    async with refusals(refused=REFUSED):
        session.add(endpoint)
        await session.flush()
        session.add(
            WebhookSecret(company_id=company_id, endpoint_id=endpoint.id, generation=1, secret=secret, created_at=now)
        )
        await session.flush()
    await audit.record(
        session,
        AuditAction.WEBHOOK_ENDPOINT_CREATED,
        company_id=company_id,
        target=_target(endpoint),
        details=_described(endpoint),
    )
    return IssuedSecret(endpoint=endpoint, secret=secret)


async def update_endpoint(
    session: AsyncSession, endpoint_id: uuid.UUID, changes: EndpointChanges, *, allow_private: bool, now: datetime
) -> WebhookEndpoint:
    _check(changes)
    if changes.url is not None:
        await check_target(changes.url.strip(), allow_private=allow_private)
    endpoint = await get_endpoint(session, endpoint_id)
    _apply(endpoint, changes, now)
    async with refusals(refused=REFUSED):
        await session.flush()
    await audit.record(
        session,
        AuditAction.WEBHOOK_ENDPOINT_UPDATED,
        company_id=endpoint.company_id,
        target=_target(endpoint),
        details=_described(endpoint),
    )
    return endpoint


def _target(endpoint: WebhookEndpoint) -> audit.Target:
    return ("WebhookEndpoint", endpoint.id)


def _described(endpoint: WebhookEndpoint) -> dict[str, Any]:
    # The URL may carry a token in its query; the audit log keeps the address without it.
    return {"url": endpoint.url.split("?", 1)[0], "event_types": endpoint.event_types, "enabled": endpoint.enabled}


def _apply(endpoint: WebhookEndpoint, changes: EndpointChanges, now: datetime) -> None:
    if changes.url is not None:
        endpoint.url = changes.url.strip()
    if changes.description is not None:
        endpoint.description = changes.description
    if changes.event_types is not None:
        endpoint.event_types = sorted({event_type.value for event_type in changes.event_types})
    if changes.enabled is True and not endpoint.enabled:
        # A fresh start: the streak that disabled it is history.
        endpoint.enabled, endpoint.disabled_reason, endpoint.disabled_at = True, None, None
        endpoint.failure_streak, endpoint.failing_since = 0, None
    elif changes.enabled is False and endpoint.enabled:
        endpoint.enabled, endpoint.disabled_reason, endpoint.disabled_at = False, DISABLED_BY_ADMIN, now
    endpoint.updated_at = now


async def delete_endpoint(session: AsyncSession, endpoint_id: uuid.UUID) -> None:
    endpoint = await get_endpoint(session, endpoint_id)
    await audit.record(
        session,
        AuditAction.WEBHOOK_ENDPOINT_DELETED,
        company_id=endpoint.company_id,
        target=_target(endpoint),
        details=_described(endpoint),
    )
    await delete_visible(session, WebhookEndpoint, endpoint_id, what="WebhookEndpoint", refused=REFUSED)


async def rotate_secret(
    session: AsyncSession, endpoint_id: uuid.UUID, *, overlap: timedelta, now: datetime
) -> IssuedSecret:
    """A new secret; the one it replaces keeps signing for `overlap` (any older one stops at once)."""
    if not timedelta(0) <= overlap <= MAX_OVERLAP:
        checks = Checks()
        checks.fail("overlapSeconds", f"Must be between 0 and {int(MAX_OVERLAP.total_seconds())}.")
        checks.raise_if_any()
    # Locked, so two rotations at once take turns rather than both claiming the next generation.
    endpoint = await get_one(session, WebhookEndpoint, endpoint_id, what="WebhookEndpoint", for_update=True)
    until = now + overlap if overlap > timedelta(0) else None
    endpoint.secret_generation += 1
    endpoint.secret_rotated_at, endpoint.previous_secret_expires_at, endpoint.updated_at = now, until, now
    secret = new_secret()
    row = WebhookSecret(
        company_id=endpoint.company_id,
        endpoint_id=endpoint.id,
        generation=endpoint.secret_generation,
        secret=secret,
        previous_valid_until=until,
        created_at=now,
    )
    async with refusals(refused=REFUSED):
        await session.flush()
        session.add(row)
        await session.flush()
    await audit.record(
        session,
        AuditAction.WEBHOOK_ENDPOINT_SECRET_ROTATED,
        company_id=endpoint.company_id,
        target=_target(endpoint),
        details={"overlap_seconds": int(overlap.total_seconds())},
    )
    return IssuedSecret(endpoint=endpoint, secret=secret)


@dataclass(frozen=True, slots=True)
class SigningTarget:
    """What a worker needs to post a delivery: where, whether it may, and the secrets to sign with."""

    url: str
    enabled: bool
    failure_streak: int
    secrets: list[str]


async def signing_target(session: AsyncSession, endpoint_id: uuid.UUID, now: datetime) -> SigningTarget | None:
    """The endpoint and the secrets a delivery is signed with at `now` (workers only), in one statement: the
    current secret, and the one it replaced while the overlap lasts. Secrets past use are deleted on the way."""
    latest = (
        sa.select(col(WebhookSecret.generation), col(WebhookSecret.secret), col(WebhookSecret.previous_valid_until))
        .where(col(WebhookSecret.endpoint_id) == col(WebhookEndpoint.id))
        .order_by(col(WebhookSecret.generation).desc())
        .limit(3)
        .lateral("latest")
    )
    statement = (
        sa.select(
            col(WebhookEndpoint.url),
            col(WebhookEndpoint.enabled),
            col(WebhookEndpoint.failure_streak),
            latest.c.generation,
            latest.c.secret,
            latest.c.previous_valid_until,
        )
        .select_from(WebhookEndpoint)
        .outerjoin(latest, sa.true())
        .where(col(WebhookEndpoint.id) == endpoint_id)
        .order_by(latest.c.generation.desc())
    )
    rows = (await session.execute(statement)).all()
    if not rows:
        return None
    in_use = _in_use([row for row in rows if row.secret is not None], now)
    if len(in_use) < sum(row.secret is not None for row in rows):
        oldest_in_use = min(generation for generation, _ in in_use)
        await session.execute(
            sa.delete(WebhookSecret).where(
                col(WebhookSecret.endpoint_id) == endpoint_id, col(WebhookSecret.generation) < oldest_in_use
            )
        )
    first = rows[0]
    secrets = [secret for _, secret in in_use]
    return SigningTarget(url=first.url, enabled=first.enabled, failure_streak=first.failure_streak, secrets=secrets)


def _in_use(newest_first: Sequence[sa.Row[Any]], now: datetime) -> list[tuple[int, str]]:
    if not newest_first:
        return []
    current, *older = newest_first
    in_use = [(current.generation, current.secret)]
    overlapping = current.previous_valid_until is not None and current.previous_valid_until > now
    if older and overlapping and older[0].generation == current.generation - 1:
        in_use.append((older[0].generation, older[0].secret))
    return in_use
