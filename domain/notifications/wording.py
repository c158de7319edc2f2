"""What notifications say. Times are written in the recipient's own time zone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from db.models import NotificationType

SUBJECT_TITLE = 120


def quoted(title: str) -> str:
    short = title if len(title) <= SUBJECT_TITLE else title[: SUBJECT_TITLE - 1] + "…"
    return f"“{short}”"


def when(moment: datetime, time_zone: str) -> str:
    try:
        zone = ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    local = moment.astimezone(zone)
    return f"{local:%a %d %b %Y, %H:%M} ({local.tzname()})"


def by(actor: str | None, did: str, fallback: str) -> str:
    """'Alice assigned you …', or the fallback when nobody in particular did it (an API key, a job)."""
    return f"{actor} {did}" if actor else fallback


def assigned(actor: str | None, task_title: str) -> str:
    return by(actor, f"assigned you {quoted(task_title)}", f"You were assigned {quoted(task_title)}")


def completed(actor: str | None, task_title: str) -> str:
    return by(actor, f"completed {quoted(task_title)}", f"{quoted(task_title)} was completed")


def added(actor: str | None, company_name: str) -> str:
    return by(actor, f"added you to {company_name}", f"You were added to {company_name}")


def reminder(kind: NotificationType, task_title: str) -> str:
    state = "is overdue" if kind == NotificationType.TASK_OVERDUE else "is due soon"
    return f"{quoted(task_title)} {state}"


def due_line(kind: NotificationType, due_at: datetime, time_zone: str, company_name: str) -> str:
    verb = "was due" if kind == NotificationType.TASK_OVERDUE else "is due"
    return f"It {verb} {when(due_at, time_zone)} in {company_name}."
