"""Microsoft Graph's `patternedRecurrence` as an RFC 5545 RRULE (the calendar model's form), or None for a
pattern Rhythm cannot express (its first occurrence still counts as busy)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

DAYS = {"sunday": "SU", "monday": "MO", "tuesday": "TU", "wednesday": "WE", "thursday": "TH", "friday": "FR",
        "saturday": "SA"}  # fmt: skip
INDEX = {"first": 1, "second": 2, "third": 3, "fourth": 4, "last": -1}


def _days(pattern: dict[str, Any]) -> str | None:
    days = [DAYS.get(str(day).lower()) for day in pattern.get("daysOfWeek") or []]
    return ",".join(day for day in days if day) or None


def _pattern(pattern: dict[str, Any]) -> list[str] | None:
    kind = str(pattern.get("type") or "")
    interval = int(pattern.get("interval") or 1)
    parts = {"daily": ["FREQ=DAILY"], "weekly": ["FREQ=WEEKLY"]}.get(kind)
    if kind == "weekly":
        days = _days(pattern)
        parts = ["FREQ=WEEKLY", *([f"BYDAY={days}"] if days else [])]
        first = DAYS.get(str(pattern.get("firstDayOfWeek") or "sunday").lower(), "SU")
        parts.append(f"WKST={first}")
    elif kind in ("absoluteMonthly", "absoluteYearly"):
        parts = ["FREQ=MONTHLY" if kind == "absoluteMonthly" else "FREQ=YEARLY"]
        if kind == "absoluteYearly":
            parts.append(f"BYMONTH={int(pattern.get('month') or 1)}")
        parts.append(f"BYMONTHDAY={int(pattern.get('dayOfMonth') or 1)}")
    elif kind in ("relativeMonthly", "relativeYearly"):
        days, position = _days(pattern), INDEX.get(str(pattern.get("index") or "first"))
        if days is None or position is None:
            return None
        parts = ["FREQ=MONTHLY" if kind == "relativeMonthly" else "FREQ=YEARLY"]
        if kind == "relativeYearly":
            parts.append(f"BYMONTH={int(pattern.get('month') or 1)}")
        parts += [f"BYDAY={days}", f"BYSETPOS={position}"]
    if parts is None:
        return None
    return [*parts, *([f"INTERVAL={interval}"] if interval > 1 else [])]


def _range(recurrence_range: dict[str, Any], zone: str) -> list[str]:
    kind = str(recurrence_range.get("type") or "noEnd")
    if kind == "numbered" and int(recurrence_range.get("numberOfOccurrences") or 0) > 0:
        return [f"COUNT={int(recurrence_range['numberOfOccurrences'])}"]
    if kind == "endDate" and recurrence_range.get("endDate"):
        # Graph's end date is inclusive, on the series' wall clock: the series ends before the next midnight there.
        last = date.fromisoformat(str(recurrence_range["endDate"]))
        until = datetime.combine(last + timedelta(days=1), time(0), ZoneInfo(zone)) - timedelta(seconds=1)
        return [f"UNTIL={until.astimezone(ZoneInfo('UTC')).strftime('%Y%m%dT%H%M%SZ')}"]
    return []


def rrule_of(recurrence: dict[str, Any] | None, *, zone: str = "UTC") -> str | None:
    if not recurrence:
        return None
    parts = _pattern(recurrence.get("pattern") or {})
    if parts is None:
        return None
    recurrence_range = recurrence.get("range") or {}
    return ";".join([*parts, *_range(recurrence_range, str(recurrence_range.get("recurrenceTimeZone") or zone))])
