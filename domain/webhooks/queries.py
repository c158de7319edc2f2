"""Reads for the GraphQL layer, batched per parent for the dataloaders."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from db.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from domain.pagination import Page, PageRequest, SortKey, pages_per_parent, parse_datetime, parse_uuid

# Newest first: what an admin debugging an endpoint looks at.
DELIVERY_ORDER = SortKey(
    name="webhook_delivery:created_at",
    columns=lambda row: [row.created_at, row.id],
    values=lambda row: [row.created_at, row.id],
    parsers=[parse_datetime, parse_uuid],
    descending=True,
)


async def endpoints_of(
    session: AsyncSession, company_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[WebhookEndpoint]]:
    statement = (
        sa.select(WebhookEndpoint)
        .where(col(WebhookEndpoint.company_id).in_(company_ids))
        .order_by(col(WebhookEndpoint.created_at), col(WebhookEndpoint.id))
    )
    grouped: dict[uuid.UUID, list[WebhookEndpoint]] = {company_id: [] for company_id in company_ids}
    for endpoint in (await session.execute(statement)).scalars():
        grouped[endpoint.company_id].append(endpoint)
    return grouped


async def deliveries_per_endpoint(
    session: AsyncSession, endpoint_ids: Sequence[uuid.UUID], status: str | None, request: PageRequest
) -> dict[uuid.UUID, Page[WebhookDelivery]]:
    def conditions(delivery: type[WebhookDelivery]) -> list[sa.ColumnElement[bool]]:
        return [] if status is None else [delivery.status == status]  # type: ignore[list-item]

    return await pages_per_parent(
        session, WebhookDelivery, "endpoint_id", endpoint_ids, conditions, DELIVERY_ORDER, request
    )


async def attempts_of(
    session: AsyncSession, delivery_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[WebhookAttempt]]:
    statement = (
        sa.select(WebhookAttempt)
        .where(col(WebhookAttempt.delivery_id).in_(delivery_ids))
        .order_by(col(WebhookAttempt.delivery_id), col(WebhookAttempt.attempt))
    )
    grouped: dict[uuid.UUID, list[WebhookAttempt]] = {delivery_id: [] for delivery_id in delivery_ids}
    for attempt in (await session.execute(statement)).scalars():
        grouped[attempt.delivery_id].append(attempt)
    return grouped
