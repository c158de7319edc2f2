from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay

from db import models
from db.models import DeliveryStatus
from domain.events.service import EventType
from domain.webhooks.payload import body_of
from resolvers.connections import After, Connection, First, connection_of, page_request
from resolvers.context import Info
from resolvers.ids import global_id
from resolvers.nodes import nodes_by_ids, required

if TYPE_CHECKING:
    from resolvers.companies.types import Company

WebhookEventTypeEnum = strawberry.enum(
    EventType, name="WebhookEventType", description="A kind of event an endpoint can subscribe to."
)
WebhookDeliveryStatusEnum = strawberry.enum(
    DeliveryStatus,
    name="WebhookDeliveryStatus",
    description="Where a delivery stands: PENDING and FAILED wait for an attempt (FAILED after a failed one), "
    "DELIVERING is being attempted, SUCCEEDED got a 2xx, ABANDONED will not be tried again.",
)


@strawberry.type(
    description="Where a company's events are posted, signed as the Standard Webhooks spec says "
    "(`webhook-id`, `webhook-timestamp`, `webhook-signature`). Visible to owners and admins only."
)
class WebhookEndpoint(relay.Node):
    id: relay.NodeID[uuid.UUID]
    company_id: strawberry.Private[uuid.UUID]
    url: str = strawberry.field(description="The URL deliveries are posted to.")
    description: str = strawberry.field(description="A note to recognise the endpoint by.")
    event_types: list[EventType] = strawberry.field(description="The event types posted here; empty for all.")
    enabled: bool = strawberry.field(description="False while nothing is posted here.")
    disabled_reason: str | None = strawberry.field(description="Why the endpoint was disabled, if it is.")
    disabled_at: datetime | None = strawberry.field(description="When the endpoint was disabled, if it is.")
    failure_streak: int = strawberry.field(
        description="Failed attempts in a row; a success resets it. A long streak disables the endpoint."
    )
    secret_rotated_at: datetime | None = strawberry.field(description="When the signing secret was last rotated.")
    previous_secret_expires_at: datetime | None = strawberry.field(
        description="Until when deliveries also carry a signature by the secret replaced last."
    )
    created_at: datetime = strawberry.field(description="When the endpoint was made.")
    updated_at: datetime = strawberry.field(description="When the endpoint last changed.")

    @classmethod
    def from_model(cls, row: models.WebhookEndpoint) -> WebhookEndpoint:
        return cls(
            id=row.id,
            company_id=row.company_id,
            url=row.url,
            description=row.description,
            event_types=[EventType(value) for value in row.event_types],
            enabled=row.enabled,
            disabled_reason=row.disabled_reason,
            disabled_at=row.disabled_at,
            failure_streak=row.failure_streak,
            secret_rotated_at=row.secret_rotated_at,
            previous_secret_expires_at=row.previous_secret_expires_at,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[WebhookEndpoint | None]:
        return await nodes_by_ids(info.context.get_loaders().webhooks.endpoint, node_ids, cls.from_model)

    @strawberry.field(description="The company whose events are posted here.")
    async def company(self, info: Info) -> Annotated[Company, strawberry.lazy("resolvers.companies.types")]:
        from resolvers.companies.types import Company

        return Company.from_model(required(await info.context.get_loaders().company.load(self.company_id)))

    @strawberry.field(description="The deliveries to this endpoint, newest first.")
    async def deliveries(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        status: Annotated[
            DeliveryStatus | None, strawberry.argument(description="Only deliveries in this status.")
        ] = None,
    ) -> Connection[WebhookDelivery]:
        request = page_request(first, after, info.context.services.max_page_size)
        args = (None if status is None else status.value, request)
        page = await info.context.get_loaders().webhooks.deliveries_of_endpoint.load((self.id, args))
        return connection_of(page, WebhookDelivery.from_model)


@strawberry.type(description="One event's delivery to one endpoint, and every attempt at it.")
class WebhookDelivery:
    row_id: strawberry.Private[uuid.UUID]
    endpoint_id: strawberry.Private[uuid.UUID]
    id: relay.GlobalID = strawberry.field(description="The delivery's id, to ask for a redelivery.")
    webhook_id: str = strawberry.field(
        description="The `webhook-id` header: the same on every attempt, so receivers can ignore repeats."
    )
    event_type: EventType = strawberry.field(description="What happened.")
    payload: str = strawberry.field(description="The JSON body posted, exactly as signed.")
    status: DeliveryStatus = strawberry.field(description="Where the delivery stands.")
    attempt_count: int = strawberry.field(description="How many attempts were made.")
    next_attempt_at: datetime | None = strawberry.field(description="When the next attempt is due, if one is.")
    last_attempt_at: datetime | None = strawberry.field(description="When the last attempt started.")
    last_response_status: int | None = strawberry.field(description="The HTTP status of the last answer.")
    last_latency_ms: int | None = strawberry.field(description="How long the last attempt took, in milliseconds.")
    last_error: str | None = strawberry.field(description="Why the last attempt failed, if it did.")
    succeeded_at: datetime | None = strawberry.field(description="When an attempt succeeded.")
    created_at: datetime = strawberry.field(description="When the delivery was made for its event.")

    @classmethod
    def from_model(cls, row: models.WebhookDelivery) -> WebhookDelivery:
        return cls(
            row_id=row.id,
            endpoint_id=row.endpoint_id,
            id=global_id("WebhookDelivery", row.id),
            webhook_id=row.message_id,
            event_type=EventType(row.event_type),
            payload=body_of(row.payload),
            status=DeliveryStatus(row.status),
            attempt_count=row.attempts,
            next_attempt_at=row.next_attempt_at,
            last_attempt_at=row.last_attempt_at,
            last_response_status=row.last_response_status,
            last_latency_ms=row.last_latency_ms,
            last_error=row.last_error,
            succeeded_at=row.succeeded_at,
            created_at=row.created_at,
        )

    @strawberry.field(description="Every attempt, first to last.")
    async def attempts(self, info: Info) -> list[WebhookAttempt]:
        rows = await info.context.get_loaders().webhooks.attempts_of_delivery.load(self.row_id)
        return [WebhookAttempt.from_model(row) for row in rows]

    @strawberry.field(description="The endpoint the delivery goes to.")
    async def endpoint(self, info: Info) -> WebhookEndpoint:
        row = required(await info.context.get_loaders().webhooks.endpoint.load(self.endpoint_id))
        return WebhookEndpoint.from_model(row)


@strawberry.type(description="One attempt at a delivery: what the endpoint answered, and how fast.")
class WebhookAttempt:
    attempt: int = strawberry.field(description="The attempt's number, from 1.")
    started_at: datetime = strawberry.field(description="When the attempt started.")
    latency_ms: int | None = strawberry.field(description="How long it took, in milliseconds.")
    response_status: int | None = strawberry.field(description="The HTTP status answered, if any.")
    error: str | None = strawberry.field(description="Why it failed without an answer (timeout, refused...).")
    succeeded: bool = strawberry.field(description="True for a 2xx answer.")

    @classmethod
    def from_model(cls, row: models.WebhookAttempt) -> WebhookAttempt:
        return cls(
            attempt=row.attempt,
            started_at=row.started_at,
            latency_ms=row.latency_ms,
            response_status=row.response_status,
            error=row.error,
            succeeded=row.succeeded,
        )


@strawberry.type(description="A new webhook endpoint. The signing secret is shown this once.")
class WebhookEndpointCreated:
    endpoint: WebhookEndpoint = strawberry.field(description="The endpoint.")
    secret: str = strawberry.field(description="The `whsec_` signing secret, to verify deliveries with.")


@strawberry.type(description="A rotated signing secret, shown this once.")
class WebhookSecretRotated:
    endpoint: WebhookEndpoint = strawberry.field(description="The endpoint.")
    secret: str = strawberry.field(
        description="The new `whsec_` secret. Until `previousSecretExpiresAt`, deliveries carry signatures by "
        "both the new and the old secret."
    )
