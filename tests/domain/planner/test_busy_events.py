"""Which calendar events block time, across all of a person's calendars."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.planner.events import EventRecord, Response, Transparency, busy_intervals, makes_busy
from domain.planner.model import Interval

BERLIN = ZoneInfo("Europe/Berlin")
TOKYO = ZoneInfo("Asia/Tokyo")
LO = datetime(2025, 6, 1, tzinfo=UTC)
HI = datetime(2025, 6, 10, tzinfo=UTC)


def meeting(hour: int, minutes: int = 60, **fields: object) -> EventRecord:
    start = datetime(2025, 6, 2, hour, 0, tzinfo=BERLIN)
    return EventRecord(start, start + timedelta(minutes=minutes), **fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("event", "busy"),
    [
        (meeting(9), True),
        (meeting(9, response=Response.ACCEPTED), True),
        (meeting(9, response=Response.TENTATIVE), True),
        (meeting(9, response=Response.NEEDS_ACTION), True),
        (meeting(9, response=Response.DECLINED), False),
        (meeting(9, transparency=Transparency.FREE), False),
        (meeting(9, affects_availability=False), False),
        (meeting(9, cancelled=True), False),
    ],
)
def test_what_counts_as_busy(event: EventRecord, busy: bool) -> None:
    assert makes_busy(event) is busy


def test_events_from_several_calendars_merge() -> None:
    events = [meeting(9), meeting(9, 90), meeting(11), meeting(14, response=Response.DECLINED)]
    assert busy_intervals(events, BERLIN, LO, HI) == (
        Interval(datetime(2025, 6, 2, 9, 0, tzinfo=BERLIN), datetime(2025, 6, 2, 10, 30, tzinfo=BERLIN)),
        Interval(datetime(2025, 6, 2, 11, 0, tzinfo=BERLIN), datetime(2025, 6, 2, 12, 0, tzinfo=BERLIN)),
    )


def test_all_day_events_cover_the_local_day_of_the_person() -> None:
    day_off = EventRecord(date(2025, 6, 3), date(2025, 6, 4))
    (berlin,) = busy_intervals([day_off], BERLIN, LO, HI)
    (tokyo,) = busy_intervals([day_off], TOKYO, LO, HI)
    assert berlin.start == datetime(2025, 6, 3, tzinfo=BERLIN)
    assert tokyo.start == datetime(2025, 6, 3, tzinfo=TOKYO)
    assert berlin.end - berlin.start == timedelta(days=1)


def test_a_free_all_day_event_blocks_nothing() -> None:
    holiday_note = EventRecord(date(2025, 6, 3), date(2025, 6, 4), transparency=Transparency.FREE)
    assert busy_intervals([holiday_note], BERLIN, LO, HI) == ()


def test_busy_time_is_clipped_to_the_horizon() -> None:
    (clipped,) = busy_intervals([meeting(9, 240)], BERLIN, datetime(2025, 6, 2, 10, 0, tzinfo=BERLIN), HI)
    assert clipped.start == datetime(2025, 6, 2, 10, 0, tzinfo=BERLIN)


def test_mixed_date_and_time_is_refused() -> None:
    with pytest.raises(ValueError, match="both"):
        EventRecord(date(2025, 6, 3), datetime(2025, 6, 3, 10, 0, tzinfo=BERLIN))
