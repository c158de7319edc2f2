"""Global ids: `base64("Type:uuid")`, and `base64("CalendarEvent:uuid_start")` for an unchanged occurrence of a
recurring event. An id of the wrong type or shape names nothing, so it is NotFound, in the same words as an id that is
well formed but names no row the caller may see: "No such <GraphQL type>."."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from strawberry import relay

from domain.errors import NotFound


def parse_uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except (ValueError, TypeError, AttributeError):
        return None


def uuid_of(global_id: relay.GlobalID, type_name: str) -> uuid.UUID:
    value = parse_uuid(global_id.node_id) if global_id.type_name == type_name else None
    if value is None:
        raise NotFound(f"No such {type_name}.")
    return value


def optional_uuid_of(global_id: relay.GlobalID | None, type_name: str) -> uuid.UUID | None:
    return None if global_id is None else uuid_of(global_id, type_name)


def global_id(type_name: str, value: uuid.UUID) -> relay.GlobalID:
    return relay.GlobalID(type_name=type_name, node_id=str(value))


# An unchanged occurrence of a recurring event has no row: its node id is its series' uuid and its original start in
# UTC (`<uuid>_20261123T100000Z`, or `<uuid>_20261123` for an all-day series), as calendar APIs name instances.
_TIMED = "%Y%m%dT%H%M%S"
_DAY = "%Y%m%d"


def occurrence_node_id(series_id: uuid.UUID, original: datetime | date) -> str:
    if not isinstance(original, datetime):
        return f"{series_id}_{original.strftime(_DAY)}"
    instant = original.astimezone(UTC)
    fraction = f".{instant.microsecond:06d}" if instant.microsecond else ""
    return f"{series_id}_{instant.strftime(_TIMED)}{fraction}Z"


def parse_occurrence_node_id(value: str) -> tuple[uuid.UUID, datetime | date] | None:
    """The series and original start of an occurrence's node id; None for any other id, and for one not written
    the way `occurrence_node_id` writes it (so each occurrence has one id)."""
    series, _, when = value.partition("_")
    series_id = parse_uuid(series)
    if series_id is None or not when:
        return None
    original: datetime | date
    try:
        if when.endswith("Z"):
            shape = f"{_TIMED}.%f" if "." in when else _TIMED
            original = datetime.strptime(when[:-1], shape).replace(tzinfo=UTC)
        else:
            original = datetime.strptime(when, _DAY).date()
    except ValueError:
        return None
    return (series_id, original) if occurrence_node_id(series_id, original) == value else None
