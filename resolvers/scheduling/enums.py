"""Scheduling enums, made from the engine's and the tables' own values so the two cannot drift."""

from __future__ import annotations

import strawberry

from db.models import CalendarSource
from domain.planner import BlockState, DeadlineKind, Response, Transparency, UnplacedReason, WorkKind
from domain.planner.energy import PeakSource
from domain.planner.habits import Period

BlockStateEnum = strawberry.enum(
    BlockState, name="BlockState", description="Where a time block stands: planned, started, done or missed."
)
DeadlineKindEnum = strawberry.enum(
    DeadlineKind, name="DeadlineKind", description="HARD: never plan past the due time; SOFT: late is costly."
)
WorkKindEnum = strawberry.enum(
    WorkKind, name="WorkKind", description="DEEP work goes to peak hours when it can; SHALLOW work anywhere."
)
TransparencyEnum = strawberry.enum(
    Transparency, name="Transparency", description="Whether an event makes its owner busy or leaves them free."
)
ResponseEnum = strawberry.enum(
    Response, name="EventResponse", description="The owner's answer to an invitation; declined ones are free time."
)
CalendarSourceEnum = strawberry.enum(
    CalendarSource,
    name="CalendarSource",
    description="INTERNAL calendars are kept in Rhythm; EXTERNAL ones mirror a sync.",
)
UnplacedReasonEnum = strawberry.enum(
    UnplacedReason, name="UnplacedReason", description="Why a plan could not place a task."
)
PeakSourceEnum = strawberry.enum(
    PeakSource,
    name="PeakHoursSource",
    description="DECLARED: the peak hours the person set; LEARNED: hours where their focus ratings are highest.",
)
HabitPeriodEnum = strawberry.enum(
    Period, name="HabitPeriod", description="What a habit's times are counted per: a DAY or an ISO WEEK."
)
