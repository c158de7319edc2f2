"""A JSON Schema (draft 2020-12) for the body of each webhook event type, as payload.py spells it.

Published in docs/webhooks/schemas/<type>.json (`python -m domain.webhooks.schemas` rewrites them); a test validates
the bodies a real receiver gets against the published files and checks that they match this module.
"""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path
from typing import Any

from db.models import FocusKind, FocusState, MembershipRole, TaskPriority, TaskStatus
from db.models.calendar_sync import CalendarProvider, ConnectionState
from domain.events.service import EventType
from domain.planner import Response, Transparency
from domain.webhooks.payload import SCHEDULE_CAUSES

DRAFT = "https://json-schema.org/draft/2020-12/schema"
BASE_URI = "https://rhythm.example/webhooks/schemas/"

Schema = dict[str, Any]

ID: Schema = {"type": "string", "description": "A GraphQL global id: pass it to `node(id:)`."}
TEXT: Schema = {"type": "string"}
INSTANT: Schema = {"type": "string", "format": "date-time"}
DAY: Schema = {"type": "string", "format": "date"}
COUNT: Schema = {"type": "integer", "minimum": 0}


def nullable(schema: Schema) -> Schema:
    return {"anyOf": [schema, {"type": "null"}]}


def names(enum: type[Enum], description: str) -> Schema:
    return {"enum": [member.name for member in enum], "description": description}


def obj(properties: dict[str, Schema], *, optional: tuple[str, ...] = (), description: str = "") -> Schema:
    schema: Schema = {
        "type": "object",
        "properties": properties,
        "required": [name for name in properties if name not in optional],
        "additionalProperties": False,
    }
    if description:
        schema["description"] = description
    return schema


TASK = obj(
    {
        "id": ID,
        "companyId": ID,
        "projectId": nullable(ID),
        "title": TEXT,
        "status": names(TaskStatus, "As the GraphQL enum TaskStatus."),
        "priority": names(TaskPriority, "As the GraphQL enum TaskPriority."),
        "effort": nullable({"type": "integer"}),
        "estimatedMinutes": nullable({"type": "integer"}),
        "dueAt": nullable(INSTANT),
        "startAfter": nullable(INSTANT),
        "assigneeId": nullable(ID),
        "tags": {"type": "array", "items": TEXT},
        "completedAt": nullable(INSTANT),
        "updatedAt": INSTANT,
    },
    description="The task as it is after the change (before it, for task.deleted).",
)
PROJECT = obj(
    {
        "id": ID,
        "companyId": ID,
        "name": TEXT,
        "description": TEXT,
        "archived": {"type": "boolean"},
        "updatedAt": INSTANT,
    }
)
MEMBERSHIP = obj({"companyId": ID, "userId": ID, "role": names(MembershipRole, "As the GraphQL enum MembershipRole.")})
COMPANY = obj({"id": ID, "name": TEXT, "isPersonal": {"type": "boolean"}})
TIME_ENTRY = obj(
    {
        "id": ID,
        "companyId": ID,
        "userId": ID,
        "taskId": nullable(ID),
        "startedAt": INSTANT,
        "endedAt": nullable(INSTANT),
        "note": TEXT,
    }
)
EVENT_FIELDS: dict[str, Schema] = {
    "id": ID,
    "companyId": ID,
    "calendarId": ID,
    "userId": ID,
    "allDay": {"type": "boolean"},
    "startsAt": nullable(INSTANT),
    "endsAt": nullable(INSTANT),
    "startDate": nullable(DAY),
    "endDate": nullable(DAY),
    "transparency": names(Transparency, "As the GraphQL enum Transparency."),
    "response": nullable(names(Response, "As the GraphQL enum EventResponse.")),
    "cancelled": {"type": "boolean"},
    "rrule": nullable(TEXT),
    "timeZone": nullable(TEXT),
    "exceptionStarts": {"type": "array", "items": INSTANT},
    "exceptionDates": {"type": "array", "items": DAY},
    "recurringEventId": nullable(ID),
    "originalStart": nullable(INSTANT),
    "originalDate": nullable(DAY),
    "updatedAt": INSTANT,
}
CALENDAR_EVENT = obj(EVENT_FIELDS, description="Times and ids only: no title, description or location.")
# A deleted calendar takes its events with it: one event.deleted names the calendar and its person.
DELETED_EVENT = obj(
    EVENT_FIELDS,
    optional=tuple(name for name in EVENT_FIELDS if name not in ("calendarId", "userId")),
    description="The deleted event; when a whole calendar was deleted, only `calendarId` and `userId`.",
)
FOCUS_SESSION = obj(
    {
        "id": ID,
        "companyId": ID,
        "userId": ID,
        "taskId": nullable(ID),
        "kind": names(FocusKind, "As the GraphQL enum FocusSessionKind."),
        "state": names(FocusState, "As the GraphQL enum FocusSessionState."),
        "plannedMinutes": nullable({"type": "integer"}),
        "startedAt": INSTANT,
        "endedAt": nullable(INSTANT),
        "timeEntryId": nullable(ID),
    },
    description="No ratings and no note: they are the person's own.",
)
SCHEDULE = obj(
    {
        "userId": ID,
        "cause": {"enum": [cause.upper() for cause in SCHEDULE_CAUSES], "description": "What changed the blocks."},
        "runId": nullable({"type": "string", "format": "uuid", "description": "The applied plan's run."}),
        "added": COUNT,
        "moved": COUNT,
        "removed": COUNT,
        "updated": COUNT,
        "startsAt": INSTANT,
        "endsAt": INSTANT,
    },
    description="One person's blocks in this company changed: counts and the span they cover, no task or title.",
)
CALENDAR_CONNECTION = obj(
    {
        "id": ID,
        "userId": ID,
        "provider": names(CalendarProvider, "As the GraphQL enum CalendarProvider."),
        "state": names(ConnectionState, "As the GraphQL enum CalendarConnectionState."),
        "lastSyncedAt": nullable(INSTANT),
        "requested": {"type": "boolean", "description": "A sync was asked for (a new connection, or the person)."},
        "disconnect": {"type": "boolean", "description": "The person disconnected it."},
    },
    description="A calendar connection's state: ids and state only, no account address, token or event.",
)
ENDPOINT = obj({"id": ID, "url": TEXT, "disabledReason": nullable(TEXT), "disabledAt": nullable(INSTANT)})
CHANGED: Schema = {"type": "array", "items": TEXT, "description": "The fields that changed, as the API names them."}


def _data(event_type: EventType) -> Schema:
    area = event_type.value.split(".")[0]
    if event_type in (EventType.TASK_UPDATED, EventType.TASK_COMPLETED):
        return obj({"task": TASK, "changed": CHANGED})
    if event_type is EventType.COMPANY_UPDATED:
        return obj({"company": COMPANY, "changed": CHANGED})
    if event_type is EventType.EVENT_DELETED:
        return obj({"event": DELETED_EVENT})
    if event_type is EventType.WEBHOOK_ENDPOINT_DISABLED:
        admins = {"type": "array", "items": ID, "description": "The company's owners and admins, who are told."}
        return obj({"webhookEndpoint": ENDPOINT, "adminUserIds": admins})
    by_area = {
        "task": ("task", TASK),
        "project": ("project", PROJECT),
        "membership": ("membership", MEMBERSHIP),
        "timer": ("timeEntry", TIME_ENTRY),
        "event": ("event", CALENDAR_EVENT),
        "focus_session": ("focusSession", FOCUS_SESSION),
        "schedule": ("schedule", SCHEDULE),
        "calendar_connection": ("calendarConnection", CALENDAR_CONNECTION),
    }
    key, schema = by_area[area]
    return obj({key: schema})


def schema_of(event_type: EventType) -> Schema:
    return {
        "$schema": DRAFT,
        "$id": f"{BASE_URI}{event_type.value}.json",
        "title": f"Rhythm webhook: {event_type.value}",
        **obj(
            {
                "type": {"const": event_type.value},
                "timestamp": {**INSTANT, "description": "When the change was committed, in UTC."},
                "data": _data(event_type),
            }
        ),
    }


def all_schemas() -> dict[str, Schema]:
    return {event_type.value: schema_of(event_type) for event_type in EventType}


def text_of(schema: Schema) -> str:
    return json.dumps(schema, indent=2) + "\n"


def write(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, schema in all_schemas().items():
        (folder / f"{name}.json").write_text(text_of(schema), encoding="utf-8")


if __name__ == "__main__":
    write(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/webhooks/schemas"))
