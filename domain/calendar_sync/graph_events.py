"""Graph events onto Rhythm's calendar model. calendarView/delta returns single events and each occurrence of a
series within its window (never the series master), so every item is one row; a master met elsewhere keeps its
patternedRecurrence as an RRULE. `showAs` free or workingElsewhere is free time; the person's `responseStatus`
says whether they declined. Rhythm's own blocks carry a single-value extended property and are not mirrored."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from domain.calendar_sync.google_events import UNTITLED, BlockEvent, Change, Mirrored, Removal
from domain.calendar_sync.graph_recurrence import rrule_of

# The extended property Rhythm names its blocks with (a GUID of its own, as Graph requires).
BLOCK_PROPERTY_ID = "String {66f5a359-4659-4830-9070-00047ec6ac6e} Name rhythmBlockId"
COMPANY_PROPERTY_ID = "String {66f5a359-4659-4830-9070-00047ec6ac6e} Name rhythmCompanyId"
FREE = ("free", "workingElsewhere")
RESPONSES = {"accepted": "accepted", "organizer": "accepted", "tentativelyAccepted": "tentative",
             "declined": "declined", "notResponded": "needs_action"}  # fmt: skip


def _instant(part: dict[str, Any]) -> datetime:
    # With `Prefer: outlook.timezone="UTC"` the times are UTC wall clock, without an offset.
    moment = datetime.fromisoformat(str(part["dateTime"]).replace("Z", ""))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _block(item: dict[str, Any]) -> BlockEvent | None:
    for prop in item.get("singleValueExtendedProperties") or []:
        if prop.get("id") == BLOCK_PROPERTY_ID:
            try:
                block_id = uuid.UUID(str(prop.get("value")))
            except ValueError:
                return None
            return BlockEvent(
                provider_event_id=str(item["id"]), block_id=block_id, etag=item.get("@odata.etag"),
                cancelled=bool(item.get("isCancelled")), starts_at=_instant(item["start"]),
                ends_at=_instant(item["end"]),
            )  # fmt: skip
    return None


def change_of_graph(item: dict[str, Any], *, known_blocks: set[str] | frozenset[str] = frozenset()) -> Change | None:
    event_id = str(item.get("id") or "")
    if not event_id:
        return None
    if "@removed" in item:
        if event_id in known_blocks:
            return BlockEvent(event_id, uuid.UUID(int=0), None, True, None, None)
        return Removal(event_id)
    block = _block(item)
    if block is None and event_id in known_blocks and "start" in item:
        # Delta leaves extended properties out: a block is Rhythm's by the event id its link keeps.
        block = BlockEvent(
            event_id, uuid.UUID(int=0), item.get("@odata.etag"), bool(item.get("isCancelled")),
            _instant(item["start"]), _instant(item["end"]),
        )  # fmt: skip
    if block is not None:
        return block
    if item.get("isCancelled"):
        return Removal(event_id)
    start, end = _instant(item["start"]), _instant(item["end"])
    if item.get("isAllDay"):
        first: date = start.date()
        last: date = max(end.date(), first + timedelta(days=1))
        span = {"all_day": True, "start_date": first, "end_date": last, "starts_at": None, "ends_at": None}
    else:
        span = {"all_day": False, "starts_at": start, "ends_at": max(end, start + timedelta(minutes=1)),
                "start_date": None, "end_date": None}  # fmt: skip
    rule = rrule_of(item.get("recurrence")) if item.get("type") == "seriesMaster" else None
    fields: dict[str, Any] = {
        **span,
        "title": (str(item.get("subject") or "").strip() or UNTITLED)[:500],
        "description": str(item.get("bodyPreview") or "")[:10_000],
        "location": str((item.get("location") or {}).get("displayName") or "")[:500],
        "transparency": "free" if item.get("showAs") in FREE else "busy",
        "response": RESPONSES.get(str((item.get("responseStatus") or {}).get("response"))),
        "cancelled": False,
        "rrule": rule, "time_zone": "UTC" if rule and not span["all_day"] else None,
        "exception_starts": [], "exception_dates": [], "original_start": None, "original_date": None,
    }  # fmt: skip
    return Mirrored(event_id, fields)
