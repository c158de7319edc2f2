"""Which recurrence rules a calendar series may have, and whether a start is one of its occurrences.

Series expand with the engine's expander (`domain/planner/recurrence.py`), so the checks here parse a rule the
way it will be expanded. A rule is refused when it cannot be parsed, has no FREQ, has COUNT and UNTIL together
(RFC 5545 allows one), or could repeat more than 24 times a day (SECONDLY, MINUTELY, or BY-parts that multiply),
which would make every window's expansion unbounded in practice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr

from db.models import CalendarEvent
from domain.planner.localtime import day_start
from domain.planner.recurrence import Override, RecurringEvent, expand, local_until

FREQUENCIES = ("HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY")
MAX_PER_DAY = 24
MAX_EXCEPTIONS = 1000
_FORBIDDEN_PARTS = re.compile(r"(^|[;\s])(DTSTART|EXDATE|RDATE)\b|[\r\n]", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class RuleProblem:
    code: str
    message: str


def normalized(rule: str) -> str:
    """The rule as stored: trimmed, without an `RRULE:` prefix."""
    body = rule.strip()
    return body[len("RRULE:") :].strip() if body.upper().startswith("RRULE:") else body


def _parts(body: str) -> dict[str, str] | None:
    parts: dict[str, str] = {}
    for part in body.split(";"):
        name, equals, value = part.partition("=")
        name = name.strip().upper()
        if not equals or not name or not value.strip() or name in parts:
            return None
        parts[name] = value.strip().upper()
    return parts


def _per_day(parts: dict[str, str]) -> int:
    """The most occurrences one day can hold under the rule."""

    def count(name: str) -> int:
        return len(parts[name].split(",")) if name in parts else 1

    hours = count("BYHOUR") if "BYHOUR" in parts or parts["FREQ"] != "HOURLY" else 24
    return hours * count("BYMINUTE") * count("BYSECOND")


def rule_problem(rule: str) -> RuleProblem | None:
    """Why an RRULE cannot make a series, or None."""
    body = normalized(rule)
    if not body or _FORBIDDEN_PARTS.search(body):
        return RuleProblem(
            "RRULE_INVALID",
            "Give one RRULE such as FREQ=WEEKLY;BYDAY=MO (exceptions go in exceptionStarts or exceptionDates).",
        )
    if len(body) > 1000:
        return RuleProblem("RRULE_INVALID", "Must be at most 1000 characters.")
    parts = _parts(body)
    if parts is None:
        return RuleProblem("RRULE_INVALID", "Is not a valid RFC 5545 RRULE (NAME=VALUE parts separated by ;).")
    if "FREQ" not in parts:
        return RuleProblem("RRULE_FREQ_MISSING", "Needs a FREQ, such as FREQ=WEEKLY.")
    if "COUNT" in parts and "UNTIL" in parts:
        return RuleProblem("RRULE_COUNT_AND_UNTIL", "Give COUNT or UNTIL, not both.")
    if parts["FREQ"] in ("SECONDLY", "MINUTELY"):
        return RuleProblem("RRULE_TOO_FREQUENT", "Repeats at most hourly: use FREQ=HOURLY or coarser.")
    try:
        parsed = rrulestr(local_until(body, ZoneInfo("UTC"), False), dtstart=datetime(2000, 1, 1))
    except (ValueError, TypeError, KeyError, OverflowError):
        return RuleProblem("RRULE_INVALID", "Is not a valid RFC 5545 RRULE.")
    if not isinstance(parsed, rrule) or parts["FREQ"] not in FREQUENCIES:
        return RuleProblem("RRULE_INVALID", "Is not a valid RFC 5545 RRULE.")
    if _per_day(parts) > MAX_PER_DAY:
        return RuleProblem("RRULE_TOO_FREQUENT", f"Repeats at most {MAX_PER_DAY} times a day.")
    return None


def _zone(series: CalendarEvent) -> ZoneInfo:
    return ZoneInfo(series.time_zone or "UTC")


def recurring(series: CalendarEvent, overrides: list[CalendarEvent] | None = None) -> RecurringEvent:
    """The engine's view of a stored series (its rule, exceptions and the overrides given)."""
    if series.rrule is None:
        raise ValueError("not a series")
    if series.all_day:
        if series.start_date is None or series.end_date is None:
            raise ValueError("an all-day series without its dates")
        return RecurringEvent(
            start=series.start_date,
            duration=series.end_date - series.start_date,
            rrule=series.rrule,
            exdates=tuple(series.exception_dates),
            overrides=tuple(
                Override(o.original_date, o.start_date, o.end_date, o.cancelled)
                for o in overrides or []
                if o.original_date is not None
            ),
        )
    if series.starts_at is None or series.ends_at is None:
        raise ValueError("a timed series without its instants")
    zone = _zone(series)
    return RecurringEvent(
        start=series.starts_at.astimezone(zone),
        duration=series.ends_at - series.starts_at,
        rrule=series.rrule,
        exdates=tuple(start.astimezone(zone) for start in series.exception_starts),
        overrides=tuple(
            Override(o.original_start.astimezone(zone), o.starts_at, o.ends_at, o.cancelled)
            for o in overrides or []
            if o.original_start is not None
        ),
    )


def occurrence_span(series: CalendarEvent, original: datetime | date) -> tuple[datetime | date, datetime | date] | None:
    """The span of the series' occurrence that starts at `original` (exceptions aside), or None if it has none."""
    event = recurring(series)
    plain = RecurringEvent(start=event.start, duration=event.duration, rrule=event.rrule)
    lo = original.astimezone(UTC) if isinstance(original, datetime) else day_start(original, ZoneInfo("UTC"))
    found = expand(plain, lo, lo + timedelta(microseconds=1), ZoneInfo("UTC"))
    for occurrence in found:
        if occurrence.recurrence_id == original:
            return occurrence.start, occurrence.end
    return None
