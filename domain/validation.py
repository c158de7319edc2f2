"""Checks on input values that GraphQL types cannot express; the database constraints stay as a backstop."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import time
from functools import lru_cache
from zoneinfo import available_timezones

from domain.errors import ValidationFailed

_EMAIL = re.compile(r"^[^@\s\x00]+@[^@\s\x00]+\.[^@\s\x00]+$")
# PostgreSQL cannot store U+0000 in text; caught here it is a field error rather than a failed statement.
NUL = "\x00"


@lru_cache(maxsize=1)
def _time_zones() -> frozenset[str]:
    return frozenset(available_timezones())


class Checks:
    """Collects per-field messages, so one response names every invalid field at once."""

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}
        self.codes: dict[str, str] = {}

    def fail(self, field: str, message: str, code: str | None = None) -> None:
        if field not in self.errors and code is not None:
            self.codes[field] = code
        self.errors.setdefault(field, message)

    def text(self, field: str, value: str | None, *, max_length: int, required: bool = True) -> None:
        if value is None:
            return
        if required and not value.strip():
            self.fail(field, "Must not be blank.")
        elif len(value) > max_length:
            self.fail(field, f"Must be at most {max_length} characters.")
        elif NUL in value:
            self.fail(field, "Must not contain NUL characters.")

    def between(self, field: str, value: int | None, low: int, high: int) -> None:
        if value is not None and not low <= value <= high:
            self.fail(field, f"Must be between {low} and {high}.")

    def email(self, field: str, value: str | None) -> None:
        if value is not None and (len(value) > 320 or not _EMAIL.match(value)):
            self.fail(field, "Must be an email address.")

    def time_zone(self, field: str, value: str | None) -> None:
        if value is not None and value not in _time_zones():
            self.fail(field, "Must be an IANA time zone such as Europe/Berlin.")

    def work_hours(self, field: str, start: time | None, end: time | None) -> None:
        if start is not None and end is not None and start >= end:
            self.fail(field, "The work day must end after it starts.")

    def weekdays(self, field: str, values: Iterable[int] | None) -> None:
        if values is not None and any(not 1 <= day <= 7 for day in values):
            self.fail(field, "Weekdays are numbered 1 (Monday) to 7 (Sunday).")

    def tags(self, field: str, values: list[str] | None) -> None:
        if values is None:
            return
        if len(values) > 50:
            self.fail(field, "At most 50 tags.")
        elif any(not tag.strip() or len(tag) > 50 for tag in values):
            self.fail(field, "Tags are 1 to 50 characters.")
        elif any(NUL in tag for tag in values):
            self.fail(field, "Tags must not contain NUL characters.")

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationFailed(self.errors, codes=self.codes)
