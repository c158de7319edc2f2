"""A person's scheduling profile: breaks, peak hours, buffer and horizon beside the hours and zone on `users`."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import SchedulingProfile, User
from domain.lookups import get_one
from domain.planner import PersonProfile, TimeWindow
from domain.planner.energy import Energy
from domain.schedules.energy import energy_of
from domain.validation import Checks

Window = tuple[time, time]


def windows_of(stored: list[list[str]]) -> list[Window]:
    return [(time.fromisoformat(start), time.fromisoformat(end)) for start, end in stored]


def _stored(windows: list[Window]) -> list[list[str]]:
    return [[start.isoformat("minutes"), end.isoformat("minutes")] for start, end in sorted(windows)]


async def profile_of(session: AsyncSession, user_id: uuid.UUID) -> SchedulingProfile:
    """The stored profile, or the defaults when the person never changed them."""
    return await session.get(SchedulingProfile, user_id) or SchedulingProfile(user_id=user_id)


@dataclass(slots=True)
class ProfileChanges:
    breaks: list[Window] | None = None
    peak_hours: list[Window] | None = None
    buffer_minutes: int | None = None
    horizon_days: int | None = None


def _check_windows(checks: Checks, field: str, windows: list[Window] | None) -> None:
    if windows is None:
        return
    if len(windows) > 12:
        checks.fail(field, "At most 12 windows.")
    elif any(start >= end for start, end in windows):
        checks.fail(field, "Each window must end after it starts.")


async def update_profile(session: AsyncSession, user_id: uuid.UUID, changes: ProfileChanges) -> SchedulingProfile:
    checks = Checks()
    _check_windows(checks, "breaks", changes.breaks)
    _check_windows(checks, "peakHours", changes.peak_hours)
    checks.between("bufferMinutes", changes.buffer_minutes, 0, 240)
    checks.between("horizonDays", changes.horizon_days, 1, 60)
    checks.raise_if_any()
    profile = await session.get(SchedulingProfile, user_id)
    if profile is None:
        profile = SchedulingProfile(user_id=user_id)
        session.add(profile)
    if changes.breaks is not None:
        profile.breaks = _stored(changes.breaks)
    if changes.peak_hours is not None:
        profile.peak_hours = _stored(changes.peak_hours)
    if changes.buffer_minutes is not None:
        profile.buffer_minutes = changes.buffer_minutes
    if changes.horizon_days is not None:
        profile.horizon_days = changes.horizon_days
    profile.updated_at = datetime.now(UTC)
    await session.flush()
    return profile


def _day(windows: list[Window]) -> tuple[TimeWindow, ...]:
    return tuple(TimeWindow(start, end) for start, end in windows)


async def energy_of_person(session: AsyncSession, user_id: uuid.UUID) -> Energy:
    """Peak hours learned from the person's focus ratings, or the declared ones."""
    user = await get_one(session, User, user_id, what="User")
    stored = await profile_of(session, user_id)
    return await energy_of(session, user_id, ZoneInfo(user.time_zone), _day(windows_of(stored.peak_hours)))


async def person_profile(session: AsyncSession, user_id: uuid.UUID) -> tuple[PersonProfile, SchedulingProfile]:
    """The engine's view of the person: zone and working days from `users`, the rest from the profile, with peak
    hours learned from focus ratings when there are enough."""
    user = await get_one(session, User, user_id, what="User")
    stored = await profile_of(session, user_id)
    energy = await energy_of(session, user_id, ZoneInfo(user.time_zone), _day(windows_of(stored.peak_hours)))
    hours, breaks = _day([(user.work_day_start, user.work_day_end)]), _day(windows_of(stored.breaks))
    working = tuple(hours if day in user.work_days else () for day in range(1, 8))
    resting = tuple(breaks if day in user.work_days else () for day in range(1, 8))
    person = PersonProfile(
        timezone=user.time_zone,
        working_hours=working,  # type: ignore[arg-type]
        breaks=resting,  # type: ignore[arg-type]
        peak_hours=energy.peak_hours,
        buffer_minutes=stored.buffer_minutes,
    )
    return person, stored
