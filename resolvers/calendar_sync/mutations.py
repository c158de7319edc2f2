"""Connecting, choosing, syncing and disconnecting calendar accounts: the viewer's own, nobody else's."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay

from db.models.calendar_sync import CalendarProvider
from domain.calendar_sync import service
from resolvers.calendar_sync.types import CalendarConnection, ExternalCalendar
from resolvers.context import Info
from resolvers.errors import ErrorType
from resolvers.ids import uuid_of
from resolvers.mutation import as_person, person


@strawberry.input(description="Connect a calendar account to one of the viewer's companies.")
class ConnectCalendarAccountInput:
    company_id: relay.GlobalID = strawberry.field(description="The company the connection belongs to.")
    provider: CalendarProvider = strawberry.field(description="GOOGLE or MICROSOFT.")


@strawberry.type(description="Where to send the person to give Rhythm access to their calendar.")
class CalendarAuthorization:
    authorization_url: str = strawberry.field(
        description="Open it in the person's browser; the provider sends them back to Rhythm, which connects the "
        "account."
    )
    expires_at: datetime = strawberry.field(description="After this, the link no longer connects anything.")


@strawberry.input(description="Names one calendar connection.")
class CalendarConnectionIdInput:
    id: relay.GlobalID = strawberry.field(description="The connection.")


@strawberry.input(description="The viewer's choices for one calendar of a connected account.")
class SetExternalCalendarInput:
    id: relay.GlobalID = strawberry.field(description="The calendar of the connection.")
    busy: bool | None = strawberry.field(default=None, description="Whether its events count as busy time.")
    receives_blocks: bool | None = strawberry.field(
        default=None, description="True: Rhythm writes planned blocks here (and no longer to the account's others)."
    )


CalendarAuthorizationResult = Annotated[
    CalendarAuthorization | ErrorType,
    strawberry.union("CalendarAuthorizationResult", description="CalendarAuthorization, or a typed error."),
]
CalendarConnectionResult = Annotated[
    CalendarConnection | ErrorType,
    strawberry.union("CalendarSyncConnectionResult", description="CalendarSyncConnection, or a typed error."),
]
ExternalCalendarResult = Annotated[
    ExternalCalendar | ErrorType,
    strawberry.union("ExternalCalendarResult", description="ExternalCalendar, or a typed error."),
]


@strawberry.type
class CalendarSyncMutations:
    @strawberry.mutation(
        description="Start connecting a Google or Microsoft account: returns the provider's consent page (OAuth 2.0 "
        "with PKCE, offline access)."
    )
    async def connect_calendar_account(
        self, info: Info, input: ConnectCalendarAccountInput
    ) -> CalendarAuthorizationResult:
        async def work(session: AsyncSession) -> CalendarAuthorization:
            started = await service.start_consent(
                session, info.context.services.calendar_consent, user_id=person(info),
                company_id=uuid_of(input.company_id, "Company"), provider=input.provider,
            )  # fmt: skip
            return CalendarAuthorization(authorization_url=started.url, expires_at=started.expires_at)

        return await as_person(info, work)

    @strawberry.mutation(description="Sync a connection now (changes also arrive by push and periodically).")
    async def sync_calendar_connection(self, info: Info, input: CalendarConnectionIdInput) -> CalendarConnectionResult:
        async def work(session: AsyncSession) -> CalendarConnection:
            connection_id = uuid_of(input.id, "CalendarSyncConnection")
            return CalendarConnection.from_model(await service.request_sync(session, connection_id))

        return await as_person(info, work)

    @strawberry.mutation(
        description="Disconnect an account: Rhythm stops its push channels, takes its blocks off the provider, "
        "revokes its access and deletes the mirrored events. Done in the background, shortly after."
    )
    async def disconnect_calendar_connection(
        self, info: Info, input: CalendarConnectionIdInput
    ) -> CalendarConnectionResult:
        async def work(session: AsyncSession) -> CalendarConnection:
            connection_id = uuid_of(input.id, "CalendarSyncConnection")
            return CalendarConnection.from_model(await service.request_disconnect(session, connection_id))

        return await as_person(info, work)

    @strawberry.mutation(description="Choose whether a connected calendar counts as busy time or receives blocks.")
    async def set_external_calendar(self, info: Info, input: SetExternalCalendarInput) -> ExternalCalendarResult:
        async def work(session: AsyncSession) -> ExternalCalendar:
            external_id = uuid_of(input.id, "ExternalCalendar")
            chosen = await service.choose(session, external_id, busy=input.busy, receives_blocks=input.receives_blocks)
            return ExternalCalendar.of(*chosen)

        return await as_person(info, work)
