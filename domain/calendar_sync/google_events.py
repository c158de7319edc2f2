"""Google events onto Rhythm's calendar model: single events, series (RRULE with EXDATE on the wall clock of the
event's zone), changed or cancelled occurrences (`recurringEventId` + `originalStartTime`) as overrides, all-day
events with dates, `transparency` and the person's own `responseStatus`.

Rhythm's own blocks, written to the receiving calendar with private extended properties, are not mirrored: they
are the plan itself, and come back to the write side as `BlockEvent`s.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from domain.calendars.recurrence import normalized, rule_problem

BLOCK_PROPERTY = "rhythmBlockId"
COMPANY_PROPERTY = "rhythmCompanyId"
UNTITLED = "(No title)"
RESPONSES = {"accepted": "accepted", "tentative": "tentative", "declined": "declined", "needsAction": "needs_action"}
# Event types that say where someone works, not that they are busy.
FREE_TYPES = ("workingLocation",)


@dataclass(frozen=True, slots=True)
class Removal:
    """A single event or a whole series went (an occurrence that went is a cancelled `Mirrored` override)."""

    external_uid: str


@dataclass(frozen=True, slots=True)
class Mirrored:
    """The columns of one calendar_events row, and the series it changes an occurrence of, if any."""

    external_uid: str
    fields: dict[str, Any]
    series_uid: str | None = None


@dataclass(frozen=True, slots=True)
class BlockEvent:
    """One of Rhythm's own blocks as the provider now has it."""

    provider_event_id: str
    block_id: uuid.UUID
    etag: str | None
    cancelled: bool
    starts_at: datetime | None
    ends_at: datetime | None


Change = Removal | Mirrored | BlockEvent


def _zone(name: str | None, fallback: str) -> str:
    for candidate in (name, fallback):
        if candidate:
            try:
                ZoneInfo(candidate)
                return candidate
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return "UTC"


def _instant(value: str) -> datetime:
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _when(part: dict[str, Any] | None) -> datetime | date | None:
    if not part:
        return None
    if part.get("dateTime"):
        return _instant(str(part["dateTime"]))
    if part.get("date"):
        return date.fromisoformat(str(part["date"]))
    return None


def _exdates(lines: list[str], zone: str) -> tuple[list[datetime], list[date]]:
    """EXDATE lines: `EXDATE;TZID=Europe/Berlin:20261207T100000,...`, `EXDATE;VALUE=DATE:20261207`, `...Z`."""
    starts: list[datetime] = []
    dates: list[date] = []
    for line in lines:
        head, _, values = line.partition(":")
        params = dict(part.split("=", 1) for part in head.split(";")[1:] if "=" in part)
        tz = ZoneInfo(_zone(params.get("TZID"), zone))
        for value in values.split(","):
            value = value.strip()
            if len(value) == 8:
                dates.append(datetime.strptime(value, "%Y%m%d").date())
            elif value.endswith("Z"):
                starts.append(datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC))
            elif value:
                starts.append(datetime.strptime(value, "%Y%m%dT%H%M%S").replace(tzinfo=tz))
    return starts, dates


def _recurrence(item: dict[str, Any], all_day: bool, zone: str) -> dict[str, Any]:
    lines = [str(line) for line in item.get("recurrence") or []]
    rules = [line for line in lines if line.upper().startswith("RRULE:")]
    if not rules:
        return {}
    rule = normalized(rules[0])
    if rule_problem(rule) is not None:
        # A rule Rhythm cannot expand safely: its first occurrence still counts as busy.
        return {}
    starts, dates = _exdates([line for line in lines if line.upper().startswith("EXDATE")], zone)
    if all_day:
        return {"rrule": rule, "time_zone": None, "exception_dates": sorted(set(dates)), "exception_starts": []}
    return {"rrule": rule, "time_zone": zone, "exception_starts": sorted(set(starts)), "exception_dates": []}


def _response(item: dict[str, Any]) -> str | None:
    for attendee in item.get("attendees") or []:
        if attendee.get("self"):
            return RESPONSES.get(str(attendee.get("responseStatus")))
    return None


def _span(item: dict[str, Any]) -> dict[str, Any] | None:
    start, end = _when(item.get("start")), _when(item.get("end"))
    if isinstance(start, datetime) and isinstance(end, datetime):
        end = end if end > start else start + timedelta(minutes=1)
        return {"all_day": False, "starts_at": start, "ends_at": end, "start_date": None, "end_date": None}
    if isinstance(start, date) and isinstance(end, date) and not isinstance(start, datetime):
        end = end if end > start else start + timedelta(days=1)
        return {"all_day": True, "start_date": start, "end_date": end, "starts_at": None, "ends_at": None}
    return None


def _clip(text: object, length: int) -> str:
    value = str(text or "").strip()
    return value if len(value) <= length else value[: length - 1] + "…"


def _original(item: dict[str, Any]) -> dict[str, Any]:
    original = _when(item.get("originalStartTime"))
    if isinstance(original, datetime):
        return {"original_start": original, "original_date": None}
    return {"original_start": None, "original_date": original}


def _block(item: dict[str, Any]) -> BlockEvent | None:
    private = (item.get("extendedProperties") or {}).get("private") or {}
    if BLOCK_PROPERTY not in private:
        return None
    try:
        block_id = uuid.UUID(str(private[BLOCK_PROPERTY]))
    except ValueError:
        return None
    start, end = _when(item.get("start")), _when(item.get("end"))
    return BlockEvent(
        provider_event_id=str(item["id"]),
        block_id=block_id,
        etag=item.get("etag"),
        cancelled=item.get("status") == "cancelled",
        starts_at=start if isinstance(start, datetime) else None,
        ends_at=end if isinstance(end, datetime) else None,
    )


def change_of(
    item: dict[str, Any], *, calendar_zone: str, known_blocks: set[str] | frozenset[str] = frozenset()
) -> Change | None:
    """What one item of events.list means for the mirror; None for what Rhythm keeps nothing of."""
    event_id = str(item.get("id") or "")
    if not event_id:
        return None
    # A deleted block comes back bare (id and status only): it is Rhythm's by its id.
    block = _block(item)
    if block is None and event_id in known_blocks:
        block = BlockEvent(event_id, uuid.UUID(int=0), item.get("etag"), item.get("status") == "cancelled", None, None)
    if block is not None:
        return block
    series_uid = item.get("recurringEventId")
    cancelled = item.get("status") == "cancelled"
    if cancelled and not series_uid:
        return Removal(event_id)
    span = _span(item) if not cancelled or item.get("start") else None
    if series_uid and span is None:
        # A cancelled occurrence, announced with its original start only.
        original = _when(item.get("originalStartTime"))
        if original is None:
            return None
        if isinstance(original, datetime):
            span = {"all_day": False, "starts_at": original, "ends_at": original + timedelta(minutes=1),
                    "start_date": None, "end_date": None}  # fmt: skip
        else:
            span = {"all_day": True, "start_date": original, "end_date": original + timedelta(days=1),
                    "starts_at": None, "ends_at": None}  # fmt: skip
    if span is None:
        return None
    zone = _zone((item.get("start") or {}).get("timeZone"), calendar_zone)
    free = item.get("transparency") == "transparent" or item.get("eventType") in FREE_TYPES
    fields: dict[str, Any] = {
        **span,
        "title": _clip(item.get("summary"), 500) or UNTITLED,
        "description": _clip(item.get("description"), 10_000),
        "location": _clip(item.get("location"), 500),
        "transparency": "free" if free else "busy",
        "response": _response(item),
        "cancelled": cancelled,
        "rrule": None, "time_zone": None, "exception_starts": [], "exception_dates": [],
        "original_start": None, "original_date": None,
    }  # fmt: skip
    if series_uid:
        fields.update(_original(item))
        return Mirrored(event_id, fields, series_uid=str(series_uid))
    fields.update(_recurrence(item, span["all_day"], zone))
    return Mirrored(event_id, fields)
