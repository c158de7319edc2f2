"""`DateTime` and `Time` inputs narrowed to what the database can store, so a bad value is BAD_USER_INPUT, not a 500.

An instant without an offset is read as UTC (never as the server's local time), and one that cannot be expressed
in UTC (year 1 at +05:00) is refused. Work hours are wall-clock times in the person's zone, so a time with an
offset is refused rather than compared with stored, offset-free times.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, time

import dateutil.parser
from strawberry.schema.types.base_scalars import DateTimeDefinition, TimeDefinition, wrap_parser


def _instant(value: str) -> datetime:
    parsed = dateutil.parser.isoparse(value)
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


def _wall_clock(value: str) -> time:
    parsed = time.fromisoformat(value)
    if parsed.tzinfo is not None:
        raise ValueError("Give a local time without an offset.")
    return parsed


SCALAR_OVERRIDES = {
    datetime: dataclasses.replace(
        DateTimeDefinition, parse_value=wrap_parser(_instant, "DateTime", exceptions=(ValueError, OverflowError))
    ),
    time: dataclasses.replace(TimeDefinition, parse_value=wrap_parser(_wall_clock, "Time")),
}
