"""A plan request as previewSchedule's optional argument: what planFromText returns, sent back as input."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain.ai.plan import minute_of, requested_work
from domain.ai.schemas import PlanRequest
from domain.errors import ValidationFailed
from domain.schedules.plans import ExtraWork


@strawberry.input(description="A piece of work to place in a preview: the fields planFromText returns.")
class PlanRequestInput:
    title: str = strawberry.field(description="What the time is for.")
    duration_minutes: int = strawberry.field(description="How many minutes to find (5 to 7200).")
    deadline: datetime | None = strawberry.field(default=None, description="Before when.")
    earliest_start: datetime | None = strawberry.field(default=None, description="Not before (now by default).")
    preferred_start: str | None = strawberry.field(default=None, description="Preferred hours start, HH:MM local.")
    preferred_end: str | None = strawberry.field(default=None, description="Preferred hours end, HH:MM local.")


def request_work(request: PlanRequestInput) -> ExtraWork:
    try:
        checked = PlanRequest(
            title=request.title,
            duration_minutes=request.duration_minutes,
            deadline=request.deadline,
            earliest_start=request.earliest_start,
            preferred_start_minute=None if request.preferred_start is None else minute_of(request.preferred_start),
            preferred_end_minute=None if request.preferred_end is None else minute_of(request.preferred_end),
        )
    except ValueError as error:
        raise ValidationFailed({"request": str(error).splitlines()[0]}) from error
    return lambda zone, now, horizon_end: requested_work(checked, zone, now, horizon_end)
