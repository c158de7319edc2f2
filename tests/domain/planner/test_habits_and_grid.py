"""Habits turned into tasks, and the time grid under the engine."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from domain.planner.engine import plan
from domain.planner.grid import Grid, PeakProfile
from domain.planner.habits import Habit, Period, expand_habit, habit_tasks, rule_days
from domain.planner.model import TimeWindow
from domain.planner.validate import check_hard_constraints
from tests.domain.planner.factories import BERLIN, MONDAY, at, make_problem

WEEK = (MONDAY, MONDAY + timedelta(days=7))


def test_a_daily_habit_occurs_on_each_eligible_day() -> None:
    habit = Habit("walk", 30, TimeWindow(time(12), time(14)), ideal=time(12, 30))
    occurrences = expand_habit(habit, BERLIN, *WEEK)
    assert [o.day.weekday() for o in occurrences] == [0, 1, 2, 3, 4]
    assert occurrences[0].ideal == datetime(2025, 6, 2, 12, 30, tzinfo=BERLIN)


def test_a_weekly_habit_is_spread_over_the_week() -> None:
    habit = Habit(
        "gym",
        60,
        TimeWindow(time(17), time(20)),
        times_per_period=3,
        period=Period.WEEK,
        weekdays=(0, 1, 2, 3, 4, 5, 6),
    )
    days = [o.day.weekday() for o in expand_habit(habit, BERLIN, *WEEK)]
    assert len(days) == 3
    assert len(set(days)) == 3
    assert max(days) - min(days) >= 4


def test_habit_tasks_land_inside_their_window_and_near_the_ideal_time() -> None:
    habit = Habit("review", 30, TimeWindow(time(14), time(16)), ideal=time(15))
    tasks = habit_tasks(habit, BERLIN, *WEEK)
    problem = make_problem(
        tasks=tasks,
        busy=(),
    )
    schedule = plan(problem)
    assert check_hard_constraints(problem, schedule) == []
    assert len(schedule.blocks) == 5
    assert all(time(14) <= b.start.astimezone(BERLIN).time() <= time(15) for b in schedule.blocks)


def test_grid_starts_at_the_next_slot_after_now() -> None:
    grid = Grid.covering(datetime(2025, 6, 2, 8, 7, tzinfo=UTC), datetime(2025, 6, 2, 10, 0, tzinfo=UTC), 15)
    assert grid.origin == datetime(2025, 6, 2, 8, 15, tzinfo=UTC)
    assert grid.size == 7
    assert grid.slot_floor(datetime(2025, 6, 2, 8, 44, tzinfo=UTC)) == 1
    assert grid.slot_ceil(datetime(2025, 6, 2, 8, 31, tzinfo=UTC)) == 2


def test_grid_slots_line_up_with_quarter_hours_in_india() -> None:
    kolkata = ZoneInfo("Asia/Kolkata")  # UTC+05:30
    grid = Grid.covering(datetime(2025, 6, 2, 9, 1, tzinfo=kolkata), datetime(2025, 6, 3, tzinfo=kolkata), 15)
    assert grid.origin.astimezone(kolkata).time() == time(9, 15)


def test_peak_profile_counts_overlap_in_minutes() -> None:
    peak = PeakProfile([(60, 120), (300, 360)])
    assert peak.peak_minutes(0, 400) == 120
    assert peak.offpeak_minutes(90, 330) == 240 - 30 - 30
    assert peak.peak_minutes(100, 110) == 10
    assert peak.spans_between(100, 320) == [(100, 120), (300, 320)]


def test_at_helper_is_berlin_time() -> None:
    assert at(0, 9).utcoffset() == timedelta(hours=2)


def test_an_rrule_names_the_days_a_habit_may_happen_on() -> None:
    days = rule_days("FREQ=WEEKLY;BYDAY=TU,TH", MONDAY.date(), BERLIN, *WEEK)
    habit = Habit("swim", 45, TimeWindow(time(7), time(9)), times_per_period=2, period=Period.WEEK, days=days)

    occurrences = expand_habit(habit, BERLIN, *WEEK)

    assert [o.day.weekday() for o in occurrences] == [1, 3]
    assert all(o.window.start.astimezone(BERLIN).time() == time(7) for o in occurrences)


def test_rule_days_follow_the_rule_across_the_spring_dst_change() -> None:
    start = datetime(2025, 3, 24, tzinfo=BERLIN)  # the week ending on the last Sunday of March
    days = rule_days("FREQ=DAILY;INTERVAL=3", start.date(), BERLIN, start, start + timedelta(days=9))
    habit = Habit("stretch", 30, TimeWindow(time(7), time(8)), weekdays=(), days=days)

    windows = [o.window for o in expand_habit(habit, BERLIN, start, start + timedelta(days=9))]

    assert [w.start.astimezone(BERLIN).day for w in windows] == [24, 27, 30]
    assert [w.start.astimezone(BERLIN).hour for w in windows] == [7, 7, 7]
    offsets = [w.start.astimezone(BERLIN).utcoffset() for w in windows]
    assert offsets == [timedelta(hours=1), timedelta(hours=1), timedelta(hours=2)]
