from __future__ import annotations

import uuid

import strawberry

from domain.companies import queries as company_queries
from domain.time_tracking import queries as time_queries
from domain.time_tracking.service import running_timer
from resolvers.accounts.viewer import ViewerAccount
from resolvers.audit.viewer import ViewerSignIns
from resolvers.auth.second_factor_viewer import ViewerSecondFactor
from resolvers.auth.viewer import ViewerAccount as ViewerSessions
from resolvers.calendar_sync.types import ViewerCalendarSync
from resolvers.companies.types import Company
from resolvers.connections import After, Connection, First, connection_of, page_request
from resolvers.context import Info
from resolvers.focus.viewer import ViewerFocus
from resolvers.nodes import required
from resolvers.notifications.viewer import ViewerNotifications
from resolvers.scheduling.viewer import ViewerSchedule
from resolvers.sign_in.types import ViewerSignIn
from resolvers.time_tracking.types import TimeEntry
from resolvers.users.types import User


@strawberry.type(description="The signed-in person, with what is theirs across all their companies.")
class Viewer(
    ViewerNotifications,
    ViewerSchedule,
    ViewerFocus,
    ViewerCalendarSync,
    ViewerSignIn,
    ViewerAccount,
    ViewerSignIns,
    ViewerSessions,
    ViewerSecondFactor,
):
    user_id: strawberry.Private[uuid.UUID]

    @strawberry.field(description="The person.")
    async def user(self, info: Info) -> User:
        return User.from_model(required(await info.context.get_loaders().user.load(self.user_id)))

    @strawberry.field(description="The companies the person belongs to, their personal one included.")
    async def companies(self, info: Info, first: First = None, after: After = None) -> Connection[Company]:
        request = page_request(first, after, info.context.services.max_page_size)
        async with info.context.transaction.exclusive_session() as session:
            page = await company_queries.companies_page(session, request)
        return connection_of(page, Company.from_model)

    @strawberry.field(description="The running timer, if any.")
    async def running_timer(self, info: Info) -> TimeEntry | None:
        async with info.context.transaction.exclusive_session() as session:
            entry = await running_timer(session, self.user_id)
        return None if entry is None else TimeEntry.from_model(entry)

    @strawberry.field(description="The person's time entries, most recent first.")
    async def time_entries(self, info: Info, first: First = None, after: After = None) -> Connection[TimeEntry]:
        request = page_request(first, after, info.context.services.max_page_size)
        async with info.context.transaction.exclusive_session() as session:
            page = await time_queries.time_entries_of(session, self.user_id, request)
        return connection_of(page, TimeEntry.from_model)
