"""The signed-in person's scheduling fields, mixed into `Viewer`: the week, calendars, the last plan, the profile."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

import strawberry

from domain.errors import invalid
from domain.schedules import blocks, plans, queries
from domain.schedules.habits import habits_of
from domain.schedules.profile import energy_of_person, profile_of
from domain.schedules.window import OUT_OF_RANGE, within_years
from domain.schedules.work_hours import hours_of
from resolvers.calendars.types import Calendar, CalendarEvent
from resolvers.connections import After, Connection, First, connection_of, page_request
from resolvers.context import Info
from resolvers.nodes import required
from resolvers.scheduling.habits import Habit
from resolvers.scheduling.types import ScheduleRun, SchedulingProfile, TimeBlock, WeekView
from resolvers.scheduling.work_hours import CompanyWorkHours

WeekStart = Annotated[
    datetime | None,
    strawberry.argument(
        description="The first instant to show, such as a Monday 00:00; none: this week's Monday 00:00 in the "
        "person's time zone."
    ),
]
Days = Annotated[int, strawberry.argument(description="How many days to show (1 to 31).")]


def this_monday(zone: ZoneInfo) -> datetime:
    """Monday 00:00 of the current week in `zone`, so `week` with no start shows the week it is read in."""
    today = datetime.now(zone).date()
    return datetime.combine(today - timedelta(days=today.weekday()), time(0), tzinfo=zone)


@strawberry.type
class ViewerSchedule:
    user_id: strawberry.Private[uuid.UUID]

    @strawberry.field(
        description="The person's blocks and events from `start` for `days` days, across their companies."
    )
    async def week(self, info: Info, start: WeekStart = None, days: Days = 7) -> WeekView:
        if not 1 <= days <= 31:
            raise invalid("days", "Must be between 1 and 31.")
        if start is None:
            person = required(await info.context.get_loaders().user.load(self.user_id))
            start = this_monday(ZoneInfo(person.time_zone))
        elif not within_years(start):
            raise invalid("start", OUT_OF_RANGE)
        end = start + timedelta(days=days)
        async with info.context.transaction.exclusive_session() as session:
            block_rows = await blocks.week_blocks(session, self.user_id, start, end)
            event_rows = await blocks.week_events(session, self.user_id, start, end)
        return WeekView(
            start=start,
            end=end,
            blocks=[TimeBlock.from_model(row) for row in block_rows],
            events=[CalendarEvent.from_occurrence(occurrence) for occurrence in event_rows],
        )

    @strawberry.field(description="The person's calendars in every company, in the order they were made.")
    async def calendars(self, info: Info, first: First = None, after: After = None) -> Connection[Calendar]:
        request = page_request(first, after, info.context.services.max_page_size)
        async with info.context.transaction.exclusive_session() as session:
            page = await queries.calendars_of(session, self.user_id, request)
        return connection_of(page, Calendar.from_model)

    @strawberry.field(description="The last plan applied for the person; null before the first.")
    async def last_schedule(self, info: Info) -> ScheduleRun | None:
        async with info.context.transaction.exclusive_session() as session:
            row = await plans.last_run(session, self.user_id)
        return None if row is None else ScheduleRun.from_model(row)

    @strawberry.field(description="How the person's time is planned: breaks, peak hours, buffer, horizon.")
    async def scheduling_profile(self, info: Info) -> SchedulingProfile:
        async with info.context.transaction.exclusive_session() as session:
            row = await profile_of(session, self.user_id)
            energy = await energy_of_person(session, self.user_id)
        return SchedulingProfile.from_model(row, energy)

    @strawberry.field(description="The person's habits in every company, in the order they were made.")
    async def habits(self, info: Info) -> list[Habit]:
        async with info.context.transaction.exclusive_session() as session:
            rows = await habits_of(session, self.user_id)
        return [Habit.from_model(row) for row in rows]

    @strawberry.field(description="The hours the person keeps for particular companies, in place of their own.")
    async def company_work_hours(self, info: Info) -> list[CompanyWorkHours]:
        async with info.context.transaction.exclusive_session() as session:
            found = await hours_of(session, self.user_id)
        return [CompanyWorkHours.from_model(row) for _, row in sorted(found.items())]
