"""Global ids: `base64("Type:uuid")`. An id of the wrong type or shape names nothing, so it is NotFound."""

from __future__ import annotations

import uuid

from strawberry import relay

from domain.errors import NotFound


def parse_uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except (ValueError, TypeError, AttributeError):
        return None


def uuid_of(global_id: relay.GlobalID, type_name: str, what: str | None = None) -> uuid.UUID:
    value = parse_uuid(global_id.node_id) if global_id.type_name == type_name else None
    if value is None:
        raise NotFound(f"No such {what or type_name.lower()}.")
    return value


def optional_uuid_of(global_id: relay.GlobalID | None, type_name: str) -> uuid.UUID | None:
    return None if global_id is None else uuid_of(global_id, type_name)


def global_id(type_name: str, value: uuid.UUID) -> relay.GlobalID:
    return relay.GlobalID(type_name=type_name, node_id=str(value))
