"""Graph's patternedRecurrence onto RRULEs, the form Rhythm's calendar model expands."""

from __future__ import annotations

from typing import Any

import pytest

from domain.calendar_sync.graph_recurrence import rrule_of
from domain.calendars.recurrence import rule_problem


def recurrence(pattern: dict[str, Any], range_: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"pattern": pattern, "range": range_ or {"type": "noEnd", "startDate": "2026-12-07"}}


@pytest.mark.parametrize(
    ("pattern", "range_", "expected"),
    [
        ({"type": "daily", "interval": 2}, None, "FREQ=DAILY;INTERVAL=2"),
        ({"type": "weekly", "interval": 1, "daysOfWeek": ["monday", "wednesday"], "firstDayOfWeek": "monday"},
         {"type": "numbered", "numberOfOccurrences": 10}, "FREQ=WEEKLY;BYDAY=MO,WE;WKST=MO;COUNT=10"),
        ({"type": "absoluteMonthly", "interval": 1, "dayOfMonth": 15}, None, "FREQ=MONTHLY;BYMONTHDAY=15"),
        ({"type": "relativeMonthly", "interval": 1, "daysOfWeek": ["friday"], "index": "last"}, None,
         "FREQ=MONTHLY;BYDAY=FR;BYSETPOS=-1"),
        ({"type": "absoluteYearly", "interval": 1, "month": 3, "dayOfMonth": 1}, None,
         "FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=1"),
        ({"type": "relativeYearly", "interval": 1, "month": 11, "daysOfWeek": ["thursday"], "index": "fourth"}, None,
         "FREQ=YEARLY;BYMONTH=11;BYDAY=TH;BYSETPOS=4"),
        ({"type": "weekly", "interval": 1, "daysOfWeek": ["tuesday"]},
         {"type": "endDate", "endDate": "2026-12-31", "recurrenceTimeZone": "Europe/Berlin"},
         "FREQ=WEEKLY;BYDAY=TU;WKST=SU;UNTIL=20261231T225959Z"),
    ],
)  # fmt: skip
def test_each_pattern_becomes_an_rrule_rhythm_accepts(
    pattern: dict[str, Any], range_: dict[str, Any] | None, expected: str
) -> None:
    rule = rrule_of(recurrence(pattern, range_))

    assert rule == expected
    assert rule_problem(rule) is None


def test_an_unknown_pattern_is_no_rule() -> None:
    assert rrule_of(recurrence({"type": "hourlyish"})) is None
    assert rrule_of(None) is None
