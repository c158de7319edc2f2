"""A person's calendar connections and the account's calendars, as the person sees them (no one else can)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa
import strawberry
from sqlmodel import col
from strawberry import relay

from db.models import Calendar as CalendarRow
from db.models.calendar_sync import CalendarConnection as ConnectionRow
from db.models.calendar_sync import CalendarProvider, ConnectionState
from db.models.calendar_sync import ExternalCalendar as ExternalCalendarRow
from domain.calendar_sync import service
from resolvers.calendars.types import Calendar
from resolvers.context import Info

CalendarProviderEnum = strawberry.enum(
    CalendarProvider, name="CalendarProvider", description="A calendar service Rhythm syncs with."
)
ConnectionStateEnum = strawberry.enum(
    ConnectionState,
    name="CalendarConnectionState",
    description="ACTIVE: syncing. NEEDS_REAUTHORIZATION: the provider no longer accepts Rhythm's access, connect "
    "the account again. ERROR: syncs keep failing (see the reason); Rhythm keeps trying.",
)


@strawberry.type(description="One calendar of a connected account, and the person's choices for it.")
class ExternalCalendar(relay.Node):
    id: relay.NodeID[uuid.UUID]
    calendar_id: strawberry.Private[uuid.UUID]
    name: str = strawberry.field(description="The calendar's name at the provider.")
    external_id: str = strawberry.field(description="The provider's id of the calendar.")
    is_primary: bool = strawberry.field(description="Whether it is the account's main calendar.")
    busy: bool = strawberry.field(description="Whether its events count as busy time for planning.")
    receives_blocks: bool = strawberry.field(description="Whether Rhythm writes the person's planned blocks here.")

    @classmethod
    def of(cls, external: ExternalCalendarRow, calendar: CalendarRow) -> ExternalCalendar:
        return cls(
            id=external.id, calendar_id=external.calendar_id, name=external.name, external_id=external.external_id,
            is_primary=external.is_primary, busy=calendar.affects_availability,
            receives_blocks=external.receives_blocks,
        )  # fmt: skip

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[ExternalCalendar | None]:
        wanted = [uuid.UUID(node_id) for node_id in node_ids]
        async with info.context.transaction.lock:
            session = await info.context.transaction.session()
            rows = await session.execute(
                sa.select(ExternalCalendarRow, CalendarRow)
                .join(CalendarRow, col(CalendarRow.id) == col(ExternalCalendarRow.calendar_id))
                .where(col(ExternalCalendarRow.id).in_(wanted))
            )
            found = {external.id: cls.of(external, calendar) for external, calendar in rows.all()}
        return [found.get(node_id) for node_id in wanted]

    @strawberry.field(description="The Rhythm calendar that mirrors it (its events are the provider's).")
    async def calendar(self, info: Info) -> Calendar | None:
        row = await info.context.get_loaders().scheduling.calendar.load(self.calendar_id)
        return None if row is None else Calendar.from_model(row)


@strawberry.type(
    name="CalendarSyncConnection",
    description="A Google or Microsoft account a person connected to one of their companies.",
)
class CalendarConnection(relay.Node):
    id: relay.NodeID[uuid.UUID]
    provider: CalendarProvider = strawberry.field(description="Google or Microsoft.")
    account_email: str = strawberry.field(description="The account's address.")
    state: ConnectionState = strawberry.field(description="Whether it syncs.")
    state_reason: str | None = strawberry.field(description="Why it does not, when it does not.")
    last_synced_at: datetime | None = strawberry.field(description="When the last sync succeeded.")
    next_sync_at: datetime | None = strawberry.field(description="When the next sync is planned at the latest.")
    created_at: datetime = strawberry.field(description="When the account was connected.")

    @classmethod
    def from_model(cls, row: ConnectionRow) -> CalendarConnection:
        return cls(
            id=row.id, provider=CalendarProvider(row.provider), account_email=row.account_email,
            state=ConnectionState(row.state), state_reason=row.state_reason, last_synced_at=row.last_synced_at,
            next_sync_at=row.next_sync_at, created_at=row.created_at,
        )  # fmt: skip

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[CalendarConnection | None]:
        wanted = [uuid.UUID(node_id) for node_id in node_ids]
        async with info.context.transaction.lock:
            session = await info.context.transaction.session()
            rows = await session.execute(sa.select(ConnectionRow).where(col(ConnectionRow.id).in_(wanted)))
            found = {row.id: cls.from_model(row) for row in rows.scalars()}
        return [found.get(node_id) for node_id in wanted]

    @strawberry.field(description="The account's calendars, the main one first.")
    async def calendars(self, info: Info) -> list[ExternalCalendar]:
        async with info.context.transaction.lock:
            session = await info.context.transaction.session()
            found = await service.calendars_of(session, [self.id])
        return [ExternalCalendar.of(external, calendar) for external, calendar in found[self.id]]


@strawberry.type
class ViewerCalendarSync:
    user_id: strawberry.Private[uuid.UUID]

    @strawberry.field(description="The person's connected calendar accounts, in every company, oldest first.")
    async def calendar_connections(self, info: Info) -> list[CalendarConnection]:
        async with info.context.transaction.lock:
            rows = await service.connections_of(await info.context.transaction.session(), self.user_id)
        return [CalendarConnection.from_model(row) for row in rows]
