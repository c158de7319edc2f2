from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay

from domain.events.service import EventType
from domain.webhooks import deliveries, endpoints
from domain.webhooks.endpoints import EndpointChanges
from resolvers.context import Info
from resolvers.deleted import Deleted
from resolvers.errors import ErrorType
from resolvers.ids import uuid_of
from resolvers.mutation import person, run, signed_in
from resolvers.webhooks.types import WebhookDelivery, WebhookEndpoint, WebhookEndpointCreated, WebhookSecretRotated


@strawberry.input(description="A new webhook endpoint for a company (owners and admins).")
class CreateWebhookEndpointInput:
    company_id: relay.GlobalID = strawberry.field(description="The company whose events are posted.")
    url: str = strawberry.field(description="An http(s) URL that reaches a public address.")
    event_types: list[EventType] = strawberry.field(
        default_factory=list, description="The event types to post; empty (the default) for all."
    )
    description: str = strawberry.field(default="", description="A note to recognise the endpoint by.")
    enabled: bool = strawberry.field(default=True, description="False to make it without posting to it yet.")


@strawberry.input(description="Change a webhook endpoint (owners and admins); omitted fields stay as they are.")
class UpdateWebhookEndpointInput:
    id: relay.GlobalID = strawberry.field(description="The endpoint.")
    url: str | None = strawberry.field(default=None, description="A new URL.")
    event_types: list[EventType] | None = strawberry.field(default=None, description="New event types; empty for all.")
    description: str | None = strawberry.field(default=None, description="A new note.")
    enabled: bool | None = strawberry.field(
        default=None, description="Disable, or enable again (which also clears the failure streak)."
    )


@strawberry.input(description="Delete a webhook endpoint and its delivery log (owners and admins).")
class DeleteWebhookEndpointInput:
    id: relay.GlobalID = strawberry.field(description="The endpoint.")


@strawberry.input(description="Replace an endpoint's signing secret (owners and admins).")
class RotateWebhookSecretInput:
    id: relay.GlobalID = strawberry.field(description="The endpoint.")
    overlap_seconds: int = strawberry.field(
        default=86_400,
        description="How long deliveries also carry a signature by the old secret, so receivers can switch "
        "without dropping any: 0 stops it at once; at most 7 days. One day unless given.",
    )


@strawberry.input(description="Post a delivery again, with the same `webhook-id` (owners and admins).")
class RedeliverWebhookInput:
    delivery_id: relay.GlobalID = strawberry.field(description="The delivery (`WebhookDelivery.id`).")


CreateWebhookEndpointResult = Annotated[
    WebhookEndpointCreated | ErrorType,
    strawberry.union("CreateWebhookEndpointResult", description="WebhookEndpointCreated, or a typed error."),
]
UpdateWebhookEndpointResult = Annotated[
    WebhookEndpoint | ErrorType,
    strawberry.union("UpdateWebhookEndpointResult", description="WebhookEndpoint, or a typed error."),
]
DeleteWebhookEndpointResult = Annotated[
    Deleted | ErrorType, strawberry.union("DeleteWebhookEndpointResult", description="Deleted, or a typed error.")
]
RotateWebhookSecretResult = Annotated[
    WebhookSecretRotated | ErrorType,
    strawberry.union("RotateWebhookSecretResult", description="WebhookSecretRotated, or a typed error."),
]
RedeliverWebhookResult = Annotated[
    WebhookDelivery | ErrorType,
    strawberry.union("RedeliverWebhookResult", description="WebhookDelivery, or a typed error."),
]


def _allow_private(info: Info) -> bool:
    return info.context.services.webhooks_allow_private_targets


@strawberry.type
class WebhookMutations:
    @strawberry.mutation(description="Make a webhook endpoint; its signing secret is returned this once.")
    async def create_webhook_endpoint(
        self, info: Info, input: CreateWebhookEndpointInput
    ) -> CreateWebhookEndpointResult:
        async def work(session: AsyncSession) -> WebhookEndpointCreated:
            changes = EndpointChanges(
                url=input.url, description=input.description, event_types=input.event_types, enabled=input.enabled
            )
            issued = await endpoints.create_endpoint(
                session,
                company_id=uuid_of(input.company_id, "Company"),
                created_by=person(info),
                changes=changes,
                allow_private=_allow_private(info),
                now=datetime.now(UTC),
            )
            return WebhookEndpointCreated(endpoint=WebhookEndpoint.from_model(issued.endpoint), secret=issued.secret)

        signed_in(info)
        return await run(info, work)

    @strawberry.mutation(description="Change a webhook endpoint's URL, event types, note, or whether it is enabled.")
    async def update_webhook_endpoint(
        self, info: Info, input: UpdateWebhookEndpointInput
    ) -> UpdateWebhookEndpointResult:
        async def work(session: AsyncSession) -> WebhookEndpoint:
            person(info)
            changes = EndpointChanges(
                url=input.url, description=input.description, event_types=input.event_types, enabled=input.enabled
            )
            endpoint = await endpoints.update_endpoint(
                session,
                uuid_of(input.id, "WebhookEndpoint"),
                changes,
                allow_private=_allow_private(info),
                now=datetime.now(UTC),
            )
            return WebhookEndpoint.from_model(endpoint)

        signed_in(info)
        return await run(info, work)

    @strawberry.mutation(description="Delete a webhook endpoint, with its deliveries and their log.")
    async def delete_webhook_endpoint(
        self, info: Info, input: DeleteWebhookEndpointInput
    ) -> DeleteWebhookEndpointResult:
        async def work(session: AsyncSession) -> Deleted:
            person(info)
            await endpoints.delete_endpoint(session, uuid_of(input.id, "WebhookEndpoint"))
            return Deleted(id=input.id)

        signed_in(info)
        return await run(info, work)

    @strawberry.mutation(description="Rotate an endpoint's signing secret; the new one is returned this once.")
    async def rotate_webhook_secret(self, info: Info, input: RotateWebhookSecretInput) -> RotateWebhookSecretResult:
        async def work(session: AsyncSession) -> WebhookSecretRotated:
            person(info)
            issued = await endpoints.rotate_secret(
                session,
                uuid_of(input.id, "WebhookEndpoint"),
                overlap=timedelta(seconds=input.overlap_seconds),
                now=datetime.now(UTC),
            )
            return WebhookSecretRotated(endpoint=WebhookEndpoint.from_model(issued.endpoint), secret=issued.secret)

        signed_in(info)
        return await run(info, work)

    @strawberry.mutation(
        description="Post a delivery again now, with the same `webhook-id` and a fresh retry schedule."
    )
    async def redeliver_webhook(self, info: Info, input: RedeliverWebhookInput) -> RedeliverWebhookResult:
        async def work(session: AsyncSession) -> WebhookDelivery:
            person(info)
            delivery = await deliveries.redeliver(
                session, uuid_of(input.delivery_id, "WebhookDelivery"), now=datetime.now(UTC)
            )
            return WebhookDelivery.from_model(delivery)

        signed_in(info)
        return await run(info, work)
