"""RRULE expansion and wall-clock conversion across US, EU, UK and Australian DST changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.planner.availability import peak_intervals, working_intervals
from domain.planner.localtime import day_start, localize, window_on
from domain.planner.model import PersonProfile, TimeWindow, elapsed, week
from domain.planner.recurrence import Override, RecurringEvent, expand

NY = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
LONDON = ZoneInfo("Europe/London")
SYDNEY = ZoneInfo("Australia/Sydney")
SANTIAGO = ZoneInfo("America/Santiago")
HOUR = timedelta(hours=1)


def span(start: datetime, days: int) -> tuple[datetime, datetime]:
    return start, start + timedelta(days=days)


def starts(event: RecurringEvent, lo: datetime, hi: datetime) -> list[datetime]:
    return [o.start for o in expand(event, lo, hi)]  # type: ignore[misc]


def offset_hours(instant: datetime) -> float:
    offset = instant.utcoffset()
    assert offset is not None
    return offset.total_seconds() / 3600


# --- the wall-clock time stays put across DST changes -------------------------------------------


@pytest.mark.parametrize(
    ("zone", "first", "before", "after"),
    [
        (NY, datetime(2025, 3, 7, 9, 0), -5, -4),  # US spring forward, 9 March 2025
        (NY, datetime(2025, 10, 31, 9, 0), -4, -5),  # US fall back, 2 November 2025
        (BERLIN, datetime(2025, 3, 28, 9, 0), 1, 2),  # EU spring forward, 30 March 2025
        (BERLIN, datetime(2025, 10, 24, 9, 0), 2, 1),  # EU fall back, 26 October 2025
        (LONDON, datetime(2025, 3, 28, 9, 0), 0, 1),
        (LONDON, datetime(2025, 10, 24, 9, 0), 1, 0),
        (SYDNEY, datetime(2025, 4, 4, 9, 0), 11, 10),  # southern autumn, 6 April 2025
        (SYDNEY, datetime(2025, 10, 3, 9, 0), 10, 11),  # southern spring, 5 October 2025
    ],
)
def test_daily_event_keeps_its_local_time_across_the_change(
    zone: ZoneInfo, first: datetime, before: int, after: int
) -> None:
    event = RecurringEvent(first.replace(tzinfo=zone), HOUR, "FREQ=DAILY;COUNT=6")
    found = starts(event, *span(first.replace(tzinfo=zone) - HOUR, 10))
    assert [s.astimezone(zone).time() for s in found] == [time(9, 0)] * 6
    assert offset_hours(found[0]) == before
    assert offset_hours(found[-1]) == after


def test_weekly_event_across_us_change_moves_one_hour_in_utc() -> None:
    event = RecurringEvent(datetime(2025, 3, 3, 10, 0, tzinfo=NY), HOUR, "FREQ=WEEKLY;COUNT=2")
    first, second = starts(event, *span(datetime(2025, 3, 1, tzinfo=UTC), 20))
    assert first.astimezone(UTC).hour == 15
    assert second.astimezone(UTC).hour == 14


# --- spring-forward gap: the missing local time moves forward by the gap -------------------------


@pytest.mark.parametrize(
    ("zone", "day", "wall", "expected"),
    [
        (NY, date(2025, 3, 9), time(2, 30), time(3, 30)),
        (NY, date(2025, 3, 9), time(2, 0), time(3, 0)),
        (NY, date(2025, 3, 9), time(2, 59), time(3, 59)),
        (BERLIN, date(2025, 3, 30), time(2, 30), time(3, 30)),
        (LONDON, date(2025, 3, 30), time(1, 30), time(2, 30)),
        (SYDNEY, date(2025, 10, 5), time(2, 30), time(3, 30)),
    ],
)
def test_occurrence_in_the_gap_shifts_forward(zone: ZoneInfo, day: date, wall: time, expected: time) -> None:
    first = datetime.combine(day - timedelta(days=2), wall, tzinfo=zone)
    event = RecurringEvent(first, timedelta(minutes=30), "FREQ=DAILY;COUNT=4")
    found = starts(event, first - HOUR, first + timedelta(days=5))
    on_day = [s.astimezone(zone) for s in found if s.astimezone(zone).date() == day]
    assert [s.time() for s in on_day] == [expected]
    following = [s.astimezone(zone) for s in found if s.astimezone(zone).date() > day]
    assert following[0].time() == wall  # the day after, back to the normal wall-clock time


def test_gap_occurrence_keeps_its_elapsed_duration() -> None:
    event = RecurringEvent(datetime(2025, 3, 9, 1, 30, tzinfo=NY), HOUR)
    (occurrence,) = expand(event, *span(datetime(2025, 3, 9, tzinfo=UTC), 1))
    assert isinstance(occurrence.end, datetime)
    assert occurrence.end.astimezone(NY).time() == time(3, 30)
    assert isinstance(occurrence.start, datetime)
    assert elapsed(occurrence.start, occurrence.end) == HOUR


# --- autumn fold: an ambiguous local time means its first occurrence -----------------------------


@pytest.mark.parametrize(
    ("zone", "day", "wall", "first_offset"),
    [
        (NY, date(2025, 11, 2), time(1, 30), -4),
        (NY, date(2025, 11, 2), time(1, 0), -4),
        (BERLIN, date(2025, 10, 26), time(2, 30), 2),
        (LONDON, date(2025, 10, 26), time(1, 15), 1),
        (SYDNEY, date(2025, 4, 6), time(2, 30), 11),
    ],
)
def test_occurrence_in_the_fold_is_the_first_one(zone: ZoneInfo, day: date, wall: time, first_offset: int) -> None:
    first = datetime.combine(day - timedelta(days=1), wall, tzinfo=zone)
    event = RecurringEvent(first, timedelta(minutes=15), "FREQ=DAILY;COUNT=3")
    found = [s for s in starts(event, first - HOUR, first + timedelta(days=4)) if s.astimezone(zone).date() == day]
    assert len(found) == 1
    assert found[0].astimezone(zone).time() == wall
    assert offset_hours(found[0]) == first_offset


def test_event_across_the_fold_lasts_its_elapsed_duration() -> None:
    event = RecurringEvent(datetime(2025, 11, 2, 0, 30, tzinfo=NY), 2 * HOUR)
    (occurrence,) = expand(event, *span(datetime(2025, 11, 2, tzinfo=UTC), 2))
    assert isinstance(occurrence.end, datetime)
    assert occurrence.end.astimezone(NY).time() == time(1, 30)
    assert offset_hours(occurrence.end.astimezone(NY)) == -5  # the second 01:30


# --- UNTIL ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("until", "count"),
    [
        ("20250310T090000", 4),  # floating: 09:00 New York time, inclusive
        ("20250310T085959", 3),
        ("20250310T130000Z", 4),  # UTC: 13:00Z is 09:00 EDT
        ("20250310T125959Z", 3),
        ("20250310T140000Z", 4),
        ("20250310", 4),  # a date on a timed event: the whole day counts
        ("20250309", 3),
    ],
)
def test_until_is_read_in_the_event_zone_unless_it_says_utc(until: str, count: int) -> None:
    event = RecurringEvent(datetime(2025, 3, 7, 9, 0, tzinfo=NY), HOUR, f"FREQ=DAILY;UNTIL={until}")
    assert len(starts(event, *span(datetime(2025, 3, 1, tzinfo=UTC), 30))) == count


def test_until_without_z_in_berlin_after_the_change() -> None:
    event = RecurringEvent(datetime(2025, 3, 28, 8, 0, tzinfo=BERLIN), HOUR, "FREQ=DAILY;UNTIL=20250331T080000")
    found = starts(event, *span(datetime(2025, 3, 27, tzinfo=UTC), 10))
    assert [s.astimezone(BERLIN).day for s in found] == [28, 29, 30, 31]


def test_count_spans_the_change() -> None:
    event = RecurringEvent(datetime(2025, 3, 28, 8, 0, tzinfo=BERLIN), HOUR, "FREQ=DAILY;COUNT=5")
    found = starts(event, *span(datetime(2025, 3, 1, tzinfo=UTC), 60))
    assert len(found) == 5
    assert found[-1].astimezone(BERLIN) == datetime(2025, 4, 1, 8, 0, tzinfo=BERLIN)


# --- EXDATE --------------------------------------------------------------------------------------


def weekly_berlin(**changes: object) -> RecurringEvent:
    fields: dict[str, object] = {
        "start": datetime(2025, 3, 3, 9, 0, tzinfo=BERLIN),
        "duration": HOUR,
        "rrule": "FREQ=WEEKLY;BYDAY=MO;COUNT=6",
    }
    fields.update(changes)
    return RecurringEvent(**fields)  # type: ignore[arg-type]


MARCH = span(datetime(2025, 3, 1, tzinfo=UTC), 60)


def test_exdate_removes_one_occurrence() -> None:
    event = weekly_berlin(exdates=(datetime(2025, 3, 10, 9, 0, tzinfo=BERLIN),))
    assert [s.day for s in starts(event, *MARCH)] == [3, 17, 24, 31, 7]


def test_exdate_given_in_another_zone_matches_the_same_instant() -> None:
    event = weekly_berlin(exdates=(datetime(2025, 3, 10, 8, 0, tzinfo=UTC),))
    assert datetime(2025, 3, 10, 9, 0, tzinfo=BERLIN) not in starts(event, *MARCH)


def test_exdate_after_the_change_matches_by_wall_clock() -> None:
    event = weekly_berlin(exdates=(datetime(2025, 3, 31, 7, 0, tzinfo=UTC),))  # 09:00 CEST
    assert [s.day for s in starts(event, *MARCH)] == [3, 10, 17, 24, 7]


def test_exdate_that_matches_nothing_changes_nothing() -> None:
    event = weekly_berlin(exdates=(datetime(2025, 3, 11, 9, 0, tzinfo=BERLIN),))
    assert len(starts(event, *MARCH)) == 6


def test_exdate_of_a_gap_occurrence_uses_its_written_wall_time() -> None:
    first = datetime(2025, 3, 8, 2, 30, tzinfo=NY)
    event = RecurringEvent(first, HOUR, "FREQ=DAILY;COUNT=3", exdates=(datetime(2025, 3, 9, 2, 30),))
    assert [s.day for s in starts(event, first - HOUR, first + timedelta(days=5))] == [8, 10]


def test_exdate_on_an_all_day_series() -> None:
    event = RecurringEvent(date(2025, 3, 3), timedelta(days=1), "FREQ=DAILY;COUNT=3", exdates=(date(2025, 3, 4),))
    assert [o.start for o in expand(event, *MARCH)] == [date(2025, 3, 3), date(2025, 3, 5)]


# --- overrides (RECURRENCE-ID) -------------------------------------------------------------------


def test_override_moves_one_occurrence() -> None:
    moved = Override(
        datetime(2025, 3, 17, 9, 0, tzinfo=BERLIN),
        datetime(2025, 3, 18, 15, 0, tzinfo=BERLIN),
        datetime(2025, 3, 18, 16, 0, tzinfo=BERLIN),
    )
    found = expand(weekly_berlin(overrides=(moved,)), *MARCH)
    assert [o.start.day for o in found] == [3, 10, 18, 24, 31, 7]
    assert [o.overridden for o in found] == [False, False, True, False, False, False]
    assert found[2].recurrence_id == datetime(2025, 3, 17, 9, 0, tzinfo=BERLIN)


def test_override_moved_into_the_horizon_appears() -> None:
    moved = Override(
        datetime(2025, 3, 3, 9, 0, tzinfo=BERLIN),
        datetime(2025, 3, 12, 9, 0, tzinfo=BERLIN),
        datetime(2025, 3, 12, 10, 0, tzinfo=BERLIN),
    )
    lo, hi = datetime(2025, 3, 11, tzinfo=UTC), datetime(2025, 3, 14, tzinfo=UTC)
    assert starts(weekly_berlin(overrides=(moved,)), lo, hi) == [datetime(2025, 3, 12, 9, 0, tzinfo=BERLIN)]


def test_override_moved_out_of_the_horizon_disappears() -> None:
    moved = Override(
        datetime(2025, 3, 10, 9, 0, tzinfo=BERLIN),
        datetime(2025, 5, 1, 9, 0, tzinfo=BERLIN),
        datetime(2025, 5, 1, 10, 0, tzinfo=BERLIN),
    )
    lo, hi = datetime(2025, 3, 9, tzinfo=UTC), datetime(2025, 3, 12, tzinfo=UTC)
    assert starts(weekly_berlin(overrides=(moved,)), lo, hi) == []


def test_cancelled_override_removes_the_occurrence() -> None:
    cancelled = Override(datetime(2025, 3, 10, 9, 0, tzinfo=BERLIN), cancelled=True)
    assert len(starts(weekly_berlin(overrides=(cancelled,)), *MARCH)) == 5


def test_stale_override_is_ignored() -> None:
    stale = Override(
        datetime(2025, 3, 11, 9, 0, tzinfo=BERLIN),
        datetime(2025, 3, 11, 12, 0, tzinfo=BERLIN),
        datetime(2025, 3, 11, 13, 0, tzinfo=BERLIN),
    )
    assert [s.day for s in starts(weekly_berlin(overrides=(stale,)), *MARCH)] == [3, 10, 17, 24, 31, 7]


def test_override_of_the_end_only_keeps_the_start() -> None:
    longer = Override(datetime(2025, 3, 10, 9, 0, tzinfo=BERLIN), end=datetime(2025, 3, 10, 11, 0, tzinfo=BERLIN))
    found = [o for o in expand(weekly_berlin(overrides=(longer,)), *MARCH) if o.overridden]
    assert [(o.start, o.end) for o in found] == [
        (datetime(2025, 3, 10, 9, 0, tzinfo=BERLIN), datetime(2025, 3, 10, 11, 0, tzinfo=BERLIN))
    ]


def test_override_of_an_all_day_occurrence() -> None:
    event = RecurringEvent(
        date(2025, 3, 3),
        timedelta(days=1),
        "FREQ=WEEKLY;COUNT=3",
        overrides=(Override(date(2025, 3, 10), date(2025, 3, 12), date(2025, 3, 13)),),
    )
    assert [o.start for o in expand(event, *MARCH)] == [date(2025, 3, 3), date(2025, 3, 12), date(2025, 3, 17)]


# --- the horizon is half open and only it is expanded ---------------------------------------------


def test_occurrence_starting_at_the_horizon_end_is_left_out() -> None:
    event = RecurringEvent(datetime(2025, 3, 3, 9, 0, tzinfo=ZoneInfo("UTC")), HOUR, "FREQ=DAILY")
    found = starts(event, datetime(2025, 3, 3, 9, 0, tzinfo=UTC), datetime(2025, 3, 5, 9, 0, tzinfo=UTC))
    assert [s.day for s in found] == [3, 4]


def test_occurrence_running_into_the_horizon_is_included() -> None:
    event = RecurringEvent(datetime(2025, 3, 3, 9, 0, tzinfo=ZoneInfo("UTC")), 2 * HOUR, "FREQ=DAILY;COUNT=2")
    assert len(starts(event, datetime(2025, 3, 3, 10, 0, tzinfo=UTC), datetime(2025, 3, 3, 12, 0, tzinfo=UTC))) == 1


def test_occurrence_ending_at_the_horizon_start_is_left_out() -> None:
    event = RecurringEvent(datetime(2025, 3, 3, 9, 0, tzinfo=ZoneInfo("UTC")), HOUR, "FREQ=DAILY;COUNT=1")
    assert starts(event, datetime(2025, 3, 3, 10, 0, tzinfo=UTC), datetime(2025, 3, 4, tzinfo=UTC)) == []


def test_an_old_series_expands_only_inside_the_horizon() -> None:
    event = RecurringEvent(datetime(2019, 1, 7, 9, 0, tzinfo=NY), HOUR, "FREQ=WEEKLY;BYDAY=MO")
    found = starts(event, *span(datetime(2025, 3, 1, tzinfo=UTC), 14))
    assert [s.astimezone(NY) for s in found] == [
        datetime(2025, 3, 3, 9, 0, tzinfo=NY),
        datetime(2025, 3, 10, 9, 0, tzinfo=NY),
    ]


def test_zero_length_event_counts_when_it_starts_inside() -> None:
    event = RecurringEvent(datetime(2025, 3, 3, 9, 0, tzinfo=BERLIN), timedelta(0), "FREQ=DAILY;COUNT=3")
    assert len(starts(event, *MARCH)) == 3


# --- all-day series ----------------------------------------------------------------------------


def test_all_day_weekly_series_yields_dates() -> None:
    event = RecurringEvent(date(2025, 3, 7), timedelta(days=1), "FREQ=WEEKLY;UNTIL=20250328")
    found = expand(event, *MARCH)
    assert [(o.start, o.end) for o in found] == [(date(2025, 3, d), date(2025, 3, d + 1)) for d in (7, 14, 21, 28)]


def test_multi_day_all_day_event() -> None:
    event = RecurringEvent(date(2025, 3, 3), timedelta(days=3), "FREQ=MONTHLY;COUNT=2")
    assert [(o.start, o.end) for o in expand(event, *MARCH)] == [
        (date(2025, 3, 3), date(2025, 3, 6)),
        (date(2025, 4, 3), date(2025, 4, 6)),
    ]


def test_all_day_occurrence_is_matched_in_the_persons_zone() -> None:
    event = RecurringEvent(date(2025, 3, 3), timedelta(days=1), "FREQ=DAILY;COUNT=2")
    lo = datetime(2025, 3, 3, 14, 0, tzinfo=UTC)  # already 4 March in Sydney (+11)
    hi = lo + timedelta(hours=1)
    assert [o.start for o in expand(event, lo, hi, all_day_zone=SYDNEY)] == [date(2025, 3, 4)]
    assert [o.start for o in expand(event, lo, hi, all_day_zone=NY)] == [date(2025, 3, 3)]


# --- rule variety --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "days"),
    [
        ("FREQ=WEEKLY;BYDAY=MO,WE,FR;COUNT=5", [3, 5, 7, 10, 12]),
        ("RRULE:FREQ=WEEKLY;INTERVAL=2;COUNT=3", [3, 17, 31]),
        ("FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=1;COUNT=2", [3]),
        ("FREQ=DAILY;BYHOUR=9;COUNT=2", [3, 4]),
    ],
)
def test_common_rules(rule: str, days: list[int]) -> None:
    event = RecurringEvent(datetime(2025, 3, 3, 9, 0, tzinfo=BERLIN), HOUR, rule)
    assert [s.day for s in starts(event, *span(datetime(2025, 3, 1, tzinfo=UTC), 31))] == days


def test_dtstart_is_always_the_first_occurrence() -> None:
    tuesday = datetime(2025, 3, 4, 9, 0, tzinfo=BERLIN)
    event = RecurringEvent(tuesday, HOUR, "FREQ=WEEKLY;BYDAY=MO;UNTIL=20250317T090000")
    assert [s.day for s in starts(event, *span(datetime(2025, 3, 1, tzinfo=UTC), 31))] == [4, 10, 17]


def test_monthly_on_the_31st_skips_short_months() -> None:
    event = RecurringEvent(datetime(2025, 1, 31, 9, 0, tzinfo=BERLIN), HOUR, "FREQ=MONTHLY;BYMONTHDAY=31;COUNT=3")
    found = starts(event, *span(datetime(2025, 1, 1, tzinfo=UTC), 200))
    assert [s.month for s in found] == [1, 3, 5]


def test_rdate_adds_an_occurrence() -> None:
    event = weekly_berlin(rrule="FREQ=WEEKLY;COUNT=2", rdates=(datetime(2025, 3, 5, 14, 0, tzinfo=BERLIN),))
    assert [s.day for s in starts(event, *MARCH)] == [3, 5, 10]


def test_timed_series_needs_an_iana_zone() -> None:
    with pytest.raises(ValueError, match="ZoneInfo"):
        RecurringEvent(datetime(2025, 3, 3, 9, 0, tzinfo=UTC), HOUR, "FREQ=DAILY")


# --- wall-clock helpers and working hours ---------------------------------------------------------


def test_localize_refuses_an_aware_datetime() -> None:
    with pytest.raises(ValueError, match="naive"):
        localize(datetime(2025, 3, 9, 2, 30, tzinfo=NY), NY)


def test_midnight_that_does_not_exist_starts_the_day_at_one() -> None:
    # Chile springs forward at midnight: 7 September 2025 begins at 01:00.
    assert day_start(date(2025, 9, 7), SANTIAGO).time() == time(1, 0)


def test_window_on_the_short_day_is_an_hour_shorter_when_it_spans_the_gap() -> None:
    window = window_on(date(2025, 3, 9), TimeWindow(time(1, 0), time(4, 0)), NY)
    assert window is not None
    assert elapsed(window.start, window.end) == 2 * HOUR


def test_window_to_midnight_ends_at_the_next_local_midnight() -> None:
    window = window_on(date(2025, 10, 26), TimeWindow(time(20, 0), time(0)), BERLIN)
    assert window is not None
    assert window.end == datetime(2025, 10, 27, 0, 0, tzinfo=BERLIN)


@pytest.mark.parametrize(("zone", "monday"), [(NY, date(2025, 3, 3)), (BERLIN, date(2025, 3, 24))])
def test_working_hours_follow_the_wall_clock_through_a_dst_week(zone: ZoneInfo, monday: date) -> None:
    person = PersonProfile(
        zone.key, week((TimeWindow(time(9), time(17)),)), breaks=week((TimeWindow(time(12), time(13)),))
    )
    start = datetime.combine(monday, time(0), tzinfo=zone)
    spans = working_intervals(person, start, start + timedelta(days=14))
    assert len(spans) == 20  # ten working days, split by lunch
    assert {(s.start.astimezone(zone).time(), s.end.astimezone(zone).time()) for s in spans} == {
        (time(9), time(12)),
        (time(13), time(17)),
    }


def test_peak_hours_repeat_every_day() -> None:
    person = PersonProfile(
        "Europe/Berlin", week((TimeWindow(time(9), time(17)),)), peak_hours=(TimeWindow(time(9), time(11)),)
    )
    start = datetime(2025, 3, 29, 0, 0, tzinfo=BERLIN)
    spans = peak_intervals(person, start, start + timedelta(days=3))
    assert [s.end - s.start for s in spans] == [2 * HOUR] * 3
    assert {s.start.astimezone(BERLIN).time() for s in spans} == {time(9)}
