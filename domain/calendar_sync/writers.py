"""Writing one of Rhythm's blocks to a provider, in the terms the write side needs: create (idempotent), update
and delete with the last ETag (412 when stale), read again. Each answer comes back as a `BlockEvent`."""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from domain.calendar_sync.errors import Conflict, ProviderError
from domain.calendar_sync.google import GoogleCalendar
from domain.calendar_sync.google_events import BLOCK_PROPERTY, COMPANY_PROPERTY, BlockEvent, change_of
from domain.calendar_sync.graph import GraphCalendar
from domain.calendar_sync.graph_events import BLOCK_PROPERTY_ID, COMPANY_PROPERTY_ID, change_of_graph


@dataclass(frozen=True, slots=True)
class Wanted:
    """A block as the provider should show it."""

    block_id: uuid.UUID
    company_id: uuid.UUID
    task_id: uuid.UUID | None
    habit_id: uuid.UUID | None
    title: str
    starts_at: datetime
    ends_at: datetime


def event_id_of(block_id: uuid.UUID) -> str:
    """Google event ids are base32hex (a-v, 0-9), 5 to 1024 characters: the block's 16 bytes make 26."""
    return base64.b32hexencode(block_id.bytes).decode().rstrip("=").lower()


class BlockWriter(Protocol):
    async def create(self, calendar_id: str, wanted: Wanted) -> BlockEvent: ...

    async def update(self, calendar_id: str, event_id: str, wanted: Wanted, *, etag: str | None) -> BlockEvent: ...

    async def delete(self, calendar_id: str, event_id: str, *, etag: str | None) -> None: ...

    async def get(self, calendar_id: str, event_id: str) -> BlockEvent: ...


def _parsed(change: object) -> BlockEvent:
    if not isinstance(change, BlockEvent):
        raise ProviderError("The provider answered with an event that is not Rhythm's block.")
    return change


class GoogleWriter:
    """Ids chosen from the block, so a retried insert meets 409 and finds its own event."""

    def __init__(self, google: GoogleCalendar) -> None:
        self.google = google

    @staticmethod
    def _body(wanted: Wanted) -> dict[str, Any]:
        return {
            "summary": wanted.title[:500],
            "start": {"dateTime": wanted.starts_at.astimezone(UTC).isoformat()},
            "end": {"dateTime": wanted.ends_at.astimezone(UTC).isoformat()},
            "transparency": "opaque",
            "extendedProperties": {
                "private": {BLOCK_PROPERTY: str(wanted.block_id), COMPANY_PROPERTY: str(wanted.company_id)}
            },
        }

    @staticmethod
    def _event(event: dict[str, Any]) -> BlockEvent:
        return _parsed(change_of(event, calendar_zone="UTC", known_blocks={str(event.get("id"))}))

    async def create(self, calendar_id: str, wanted: Wanted) -> BlockEvent:
        event_id = event_id_of(wanted.block_id)
        try:
            return self._event(await self.google.insert_event(calendar_id, {"id": event_id, **self._body(wanted)}))
        except Conflict:
            # A retry of an insert that went through: the event is there, with whatever happened to it since.
            return await self.get(calendar_id, event_id)

    async def update(self, calendar_id: str, event_id: str, wanted: Wanted, *, etag: str | None) -> BlockEvent:
        return self._event(await self.google.patch_event(calendar_id, event_id, self._body(wanted), etag=etag))

    async def delete(self, calendar_id: str, event_id: str, *, etag: str | None) -> None:
        await self.google.delete_event(calendar_id, event_id, etag=etag)

    async def get(self, calendar_id: str, event_id: str) -> BlockEvent:
        return self._event(await self.google.get_event(calendar_id, event_id))


class GraphWriter:
    """The block's id as the `transactionId`, so Graph answers a retried create with the event it made."""

    def __init__(self, graph: GraphCalendar) -> None:
        self.graph = graph

    @staticmethod
    def _body(wanted: Wanted) -> dict[str, Any]:
        stamp = "%Y-%m-%dT%H:%M:%S"
        return {
            "subject": wanted.title[:255],
            "start": {"dateTime": wanted.starts_at.astimezone(UTC).strftime(stamp), "timeZone": "UTC"},
            "end": {"dateTime": wanted.ends_at.astimezone(UTC).strftime(stamp), "timeZone": "UTC"},
            "showAs": "busy",
            "singleValueExtendedProperties": [
                {"id": BLOCK_PROPERTY_ID, "value": str(wanted.block_id)},
                {"id": COMPANY_PROPERTY_ID, "value": str(wanted.company_id)},
            ],
        }

    @staticmethod
    def _event(event: dict[str, Any]) -> BlockEvent:
        return _parsed(change_of_graph(event, known_blocks={str(event.get("id"))}))

    async def create(self, calendar_id: str, wanted: Wanted) -> BlockEvent:
        body = {**self._body(wanted), "transactionId": str(wanted.block_id)}
        return self._event(await self.graph.create_event(calendar_id, body))

    async def update(self, calendar_id: str, event_id: str, wanted: Wanted, *, etag: str | None) -> BlockEvent:
        changes = {key: value for key, value in self._body(wanted).items() if key != "singleValueExtendedProperties"}
        return self._event(await self.graph.patch_event(event_id, changes, etag=etag))

    async def delete(self, calendar_id: str, event_id: str, *, etag: str | None) -> None:
        await self.graph.delete_event(event_id, etag=etag)

    async def get(self, calendar_id: str, event_id: str) -> BlockEvent:
        return self._event(await self.graph.get_event(event_id))
