"""An endpoint's health: a success clears its failure streak; a 410 or a sustained streak of failures disables
it, and its owners and admins are told.

There is no in-app notification table yet, so "told" means a `webhook.endpoint_disabled` event in the outbox
(which names the admins, for a notifications area to pick up) and a warning in the log.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
import structlog
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from db.models import Membership, MembershipRole, WebhookEndpoint
from domain import audit
from domain.audit import AuditAction
from domain.events.service import EventType, record
from domain.webhooks.policy import DeliveryPolicy

log = structlog.get_logger("rhythm.webhooks")

GONE = "The endpoint answered 410 Gone."


async def clear_failures(session: AsyncSession, endpoint_id: uuid.UUID) -> None:
    # Conditional, so the usual success locks and writes nothing.
    await session.execute(
        sa.update(WebhookEndpoint)
        .where(col(WebhookEndpoint.id) == endpoint_id, col(WebhookEndpoint.failure_streak) > 0)
        .values(failure_streak=0, failing_since=None)
    )


async def count_failure(
    session: AsyncSession, endpoint_id: uuid.UUID, *, now: datetime, policy: DeliveryPolicy
) -> bool:
    """Add a failure to the streak; True when that disabled the endpoint."""
    row = (
        await session.execute(
            sa.update(WebhookEndpoint)
            .where(col(WebhookEndpoint.id) == endpoint_id, col(WebhookEndpoint.enabled))
            .values(
                failure_streak=col(WebhookEndpoint.failure_streak) + 1,
                failing_since=sa.func.coalesce(col(WebhookEndpoint.failing_since), now),
            )
            .returning(col(WebhookEndpoint.failure_streak), col(WebhookEndpoint.failing_since))
        )
    ).first()
    if row is None or not policy.should_disable(row.failure_streak, row.failing_since, now):
        return False
    reason = f"Disabled after {row.failure_streak} failed attempts in a row since {row.failing_since.isoformat()}."
    return await disable(session, endpoint_id, reason=reason, now=now)


async def disable(session: AsyncSession, endpoint_id: uuid.UUID, *, reason: str, now: datetime) -> bool:
    """Disable the endpoint and tell its admins; False when it was disabled already."""
    endpoint = (
        await session.execute(
            sa.update(WebhookEndpoint)
            .where(col(WebhookEndpoint.id) == endpoint_id, col(WebhookEndpoint.enabled))
            .values(enabled=False, disabled_reason=reason, disabled_at=now, updated_at=now)
            .returning(WebhookEndpoint)
            .execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()
    if endpoint is None:
        return False
    await audit.record(
        session,
        AuditAction.WEBHOOK_ENDPOINT_DISABLED,
        company_id=endpoint.company_id,
        target=("WebhookEndpoint", endpoint.id),
        details={"reason": reason},
    )
    await _notify_admins(session, endpoint)
    return True


async def _notify_admins(session: AsyncSession, endpoint: WebhookEndpoint) -> None:
    admins = list(
        (
            await session.execute(
                sa.select(col(Membership.user_id)).where(
                    col(Membership.company_id) == endpoint.company_id,
                    col(Membership.role).in_([MembershipRole.OWNER.value, MembershipRole.ADMIN.value]),
                )
            )
        ).scalars()
    )
    data = {
        "webhook_endpoint": {
            "id": str(endpoint.id),
            "url": endpoint.url,
            "disabled_reason": endpoint.disabled_reason,
            "disabled_at": endpoint.disabled_at.isoformat() if endpoint.disabled_at else None,
        },
        "admin_user_ids": sorted(str(user_id) for user_id in admins),
    }
    await record(
        session, EventType.WEBHOOK_ENDPOINT_DISABLED, company_id=endpoint.company_id, subject_id=endpoint.id, data=data
    )
    log.warning(
        "webhook_endpoint_disabled",
        endpoint_id=str(endpoint.id),
        company_id=str(endpoint.company_id),
        reason=endpoint.disabled_reason,
        notify_user_ids=data["admin_user_ids"],
    )
