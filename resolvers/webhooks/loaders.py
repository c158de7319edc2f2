"""Webhook dataloaders, reached as `info.context.get_loaders().webhooks`."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader

from db.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from domain import reads
from domain.pagination import Page, PageRequest
from domain.webhooks import queries
from resolvers.transaction import Transaction

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

#: A page of an endpoint's deliveries: the status filter and the page.
DeliveryArgs = tuple[str | None, PageRequest]


class WebhookLoaders:
    def __init__(self, transaction: Transaction) -> None:
        self._transaction = transaction
        self.endpoint: DataLoader[uuid.UUID, WebhookEndpoint | None] = self._loader(self._endpoints)
        self.delivery: DataLoader[uuid.UUID, WebhookDelivery | None] = self._loader(self._deliveries)
        self.endpoints_of_company: DataLoader[uuid.UUID, list[WebhookEndpoint]] = self._loader(self._of_company)
        self.deliveries_of_endpoint: DataLoader[tuple[uuid.UUID, DeliveryArgs], Page[WebhookDelivery]] = self._loader(
            self._deliveries_of
        )
        self.attempts_of_delivery: DataLoader[uuid.UUID, list[WebhookAttempt]] = self._loader(self._attempts_of)

    def _loader(self, load: Callable[[AsyncSession, list[K]], Awaitable[Sequence[V]]]) -> DataLoader[K, V]:
        async def batch(keys: list[K]) -> Sequence[V]:
            async with self._transaction.exclusive_session() as session:
                return await load(session, keys)

        return DataLoader(load_fn=batch)

    @staticmethod
    async def _endpoints(session: AsyncSession, ids: list[uuid.UUID]) -> list[WebhookEndpoint | None]:
        return await reads.by_ids(session, WebhookEndpoint, ids)

    @staticmethod
    async def _deliveries(session: AsyncSession, ids: list[uuid.UUID]) -> list[WebhookDelivery | None]:
        return await reads.by_ids(session, WebhookDelivery, ids)

    @staticmethod
    async def _of_company(session: AsyncSession, company_ids: list[uuid.UUID]) -> list[list[WebhookEndpoint]]:
        grouped = await queries.endpoints_of(session, company_ids)
        return [grouped[company_id] for company_id in company_ids]

    @staticmethod
    async def _deliveries_of(
        session: AsyncSession, keys: list[tuple[uuid.UUID, DeliveryArgs]]
    ) -> list[Page[WebhookDelivery]]:
        endpoints_by_args: dict[DeliveryArgs, list[uuid.UUID]] = {}
        for endpoint_id, args in keys:
            endpoints_by_args.setdefault(args, []).append(endpoint_id)
        found: dict[tuple[uuid.UUID, DeliveryArgs], Page[WebhookDelivery]] = {}
        for (status, request), endpoint_ids in endpoints_by_args.items():
            pages = await queries.deliveries_per_endpoint(session, endpoint_ids, status, request)
            for endpoint_id, page in pages.items():
                found[(endpoint_id, (status, request))] = page
        return [found[key] for key in keys]

    @staticmethod
    async def _attempts_of(session: AsyncSession, delivery_ids: list[uuid.UUID]) -> list[list[WebhookAttempt]]:
        grouped = await queries.attempts_of(session, delivery_ids)
        return [grouped[delivery_id] for delivery_id in delivery_ids]
