"""The body integrators receive: `{"type": "task.created", "timestamp": "...", "data": {...}}`.

`data` is the event's snapshot with camelCase keys (as in the GraphQL schema) and GraphQL global ids
(`base64("Task:<uuid>")`) in place of database ids, so a receiver can pass them straight to `node(id:)`.
"""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC
from typing import Any

from db.models import OutboxEvent

# The node type of an object's `id`, by the key the object sits under in the event.
OBJECT_TYPES = {
    "task": "Task",
    "project": "Project",
    "time_entry": "TimeEntry",
    "company": "Company",
    "webhook_endpoint": "WebhookEndpoint",
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
}


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


def _object(data: dict[str, Any], own_type: str | None) -> dict[str, Any]:
    converted: dict[str, Any] = {}
    for key, value in data.items():
        type_name = own_type if key == "id" else REFERENCE_TYPES.get(key)
        if isinstance(value, dict):
            converted[camel(key)] = _object(value, OBJECT_TYPES.get(key))
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
