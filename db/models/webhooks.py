"""Webhook endpoints of a company, their signing secrets, the deliveries made for events and each attempt."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlmodel import Field, SQLModel

from db.models._base import empty_dict, empty_list, id_field, tenant_field, timestamp_field


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"
    DELIVERING = "delivering"
    SUCCEEDED = "succeeded"
    # The last attempt failed; another is scheduled.
    FAILED = "failed"
    # No more attempts: the schedule ran out, or the endpoint is gone or disabled.
    ABANDONED = "abandoned"


class WebhookEndpoint(SQLModel, table=True):
    __tablename__ = "webhook_endpoints"

    id: uuid.UUID = id_field()
    company_id: uuid.UUID = tenant_field()
    url: str = Field(max_length=2000)
    description: str = Field(default="", max_length=500)
    event_types: list[str] = Field(
        default_factory=empty_list, sa_column=sa.Column(postgresql.ARRAY(sa.Text), nullable=False)
    )
    enabled: bool = True
    disabled_reason: str | None = None
    disabled_at: datetime | None = timestamp_field(nullable=True)
    failure_streak: int = 0
    failing_since: datetime | None = timestamp_field(nullable=True)
    secret_generation: int = 1
    secret_rotated_at: datetime | None = timestamp_field(nullable=True)
    previous_secret_expires_at: datetime | None = timestamp_field(nullable=True)
    created_by: uuid.UUID | None = None
    created_at: datetime = timestamp_field(default_now=True)
    updated_at: datetime = timestamp_field(default_now=True)


class WebhookSecret(SQLModel, table=True):
    """Readable by the company's workers only; admins write one and see it in that answer alone."""

    __tablename__ = "webhook_secrets"

    id: uuid.UUID = id_field()
    company_id: uuid.UUID = tenant_field()
    endpoint_id: uuid.UUID
    generation: int
    secret: str
    previous_valid_until: datetime | None = timestamp_field(nullable=True)
    created_at: datetime = timestamp_field(default_now=True)


class WebhookDelivery(SQLModel, table=True):
    __tablename__ = "webhook_deliveries"

    id: uuid.UUID = id_field()
    company_id: uuid.UUID = tenant_field()
    endpoint_id: uuid.UUID
    event_id: uuid.UUID
    event_type: str
    payload: dict[str, Any] = Field(default_factory=empty_dict, sa_column=sa.Column(postgresql.JSONB, nullable=False))
    status: str = DeliveryStatus.PENDING.value
    attempts: int = 0
    failures: int = 0
    next_attempt_at: datetime | None = timestamp_field(nullable=True)
    lease_until: datetime | None = timestamp_field(nullable=True)
    dispatched_until: datetime | None = timestamp_field(nullable=True)
    last_attempt_at: datetime | None = timestamp_field(nullable=True)
    last_response_status: int | None = None
    last_latency_ms: int | None = None
    last_error: str | None = None
    succeeded_at: datetime | None = timestamp_field(nullable=True)
    created_at: datetime = timestamp_field(default_now=True)
    updated_at: datetime = timestamp_field(default_now=True)

    @property
    def message_id(self) -> str:
        """The Standard Webhooks `webhook-id`: the same for every attempt, so receivers can dedupe on it."""
        return f"msg_{self.id.hex}"


class WebhookAttempt(SQLModel, table=True):
    __tablename__ = "webhook_attempts"

    id: uuid.UUID = id_field()
    company_id: uuid.UUID = tenant_field()
    delivery_id: uuid.UUID
    attempt: int
    started_at: datetime = timestamp_field()
    latency_ms: int | None = None
    response_status: int | None = None
    error: str | None = None
    succeeded: bool = False
