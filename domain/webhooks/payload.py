"""The body integrators receive: `{"type": "task.created", "timestamp": "...", "data": {...}}`.

`data` is the event's snapshot spelled as the GraphQL API spells it: camelCase keys, GraphQL global ids
(`base64("Task:<uuid>")`) in place of database ids, so a receiver can pass them straight to `node(id:)`, and enum
values by their GraphQL names (`"priority": "MEDIUM"`, `"status": "TODO"`). docs/webhooks/ has a JSON Schema per
event type (domain/webhooks/schemas.py writes them).
"""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC
from enum import Enum
from typing import Any

from db.models import FocusKind, FocusState, MembershipRole, OutboxEvent, TaskPriority, TaskStatus
from db.models.calendar_sync import CalendarProvider, ConnectionState
from domain.planner import Response, Transparency

# The node type of an object's `id`, by the key the object sits under in the event.
OBJECT_TYPES = {
    "task": "Task",
    "project": "Project",
    "time_entry": "TimeEntry",
    "company": "Company",
    "webhook_endpoint": "WebhookEndpoint",
    "event": "CalendarEvent",
    "focus_session": "FocusSession",
    "calendar_connection": "CalendarSyncConnection",
}
# The node type of a reference, by the key's name.
REFERENCE_TYPES = {
    "company_id": "Company",
    "project_id": "Project",
    "task_id": "Task",
    "user_id": "User",
    "assignee_id": "User",
    "created_by": "User",
    "endpoint_id": "WebhookEndpoint",
    "admin_user_ids": "User",
    "calendar_id": "Calendar",
    "recurring_event_id": "CalendarEvent",
    "time_entry_id": "TimeEntry",
}
# Enum values, by the object's key and the field's: sent by the GraphQL enum's names.
ENUMS: dict[str, dict[str, type[Enum]]] = {
    "task": {"status": TaskStatus, "priority": TaskPriority},
    "membership": {"role": MembershipRole},
    "event": {"transparency": Transparency, "response": Response},
    "focus_session": {"kind": FocusKind, "state": FocusState},
    "calendar_connection": {"provider": CalendarProvider, "state": ConnectionState},
}
# What made a schedule change; no GraphQL enum names these, so they are spelled as one would.
SCHEDULE_CAUSES = ("apply", "replan", "pin", "unpin", "done", "missed")


def global_id(type_name: str, value: str) -> str:
    try:
        uuid.UUID(value)
    except (ValueError, TypeError, AttributeError):
        return value
    return base64.b64encode(f"{type_name}:{value}".encode()).decode()


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(word.capitalize() for word in rest)


def _convert(value: Any, type_name: str | None) -> Any:
    if type_name is not None and isinstance(value, str):
        return global_id(type_name, value)
    if type_name is not None and isinstance(value, list):
        return [_convert(item, type_name) for item in value]
    return value


def _enum_name(enum: type[Enum], value: Any) -> Any:
    return None if value is None else enum(value).name


def _object(data: dict[str, Any], own_type: str | None, enums: dict[str, type[Enum]] | None = None) -> dict[str, Any]:
    converted: dict[str, Any] = {}
    for key, value in data.items():
        type_name = own_type if key == "id" else REFERENCE_TYPES.get(key)
        if enums and key in enums:
            converted[camel(key)] = _enum_name(enums[key], value)
        elif key == "cause" and isinstance(value, str):
            converted[camel(key)] = value.upper()
        elif isinstance(value, dict):
            converted[camel(key)] = _object(value, OBJECT_TYPES.get(key), ENUMS.get(key))
        elif key == "changed" and isinstance(value, list):
            converted[camel(key)] = [camel(str(item)) for item in value]
        else:
            converted[camel(key)] = _convert(value, type_name)
    return converted


def webhook_payload(event: OutboxEvent) -> dict[str, Any]:
    return {
        "type": event.type,
        "timestamp": event.created_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "data": _object(event.payload, None),
    }


def body_of(payload: dict[str, Any]) -> str:
    """The exact text sent and signed; the same for every attempt of a delivery."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False, sort_keys=True)
