"""Peak hours learned from focus ratings: local hours (DST included), shrinkage toward the declared hours, windows."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from domain.planner import TimeWindow
from domain.planner.energy import FocusSample, PeakSource, learn_energy

BERLIN = ZoneInfo("Europe/Berlin")
MORNING = (TimeWindow(time(9), time(11)),)


def at(day: int, hour: int, month: int = 1) -> datetime:
    return datetime(2026, month, day, hour, 30, tzinfo=BERLIN)


def test_too_few_ratings_keep_the_declared_hours() -> None:
    energy = learn_energy([FocusSample(at(d, 15), 5) for d in range(1, 5)], BERLIN, MORNING)

    assert (energy.source, energy.peak_hours, energy.learned) == (PeakSource.DECLARED, MORNING, ())


def test_the_best_rated_hours_become_the_peaks_merged_into_windows() -> None:
    samples = [FocusSample(at(d, h), 5) for d in range(1, 4) for h in (14, 15)]
    samples += [FocusSample(at(d, 9), 2) for d in range(1, 4)]

    energy = learn_energy(samples, BERLIN, MORNING)

    # 14:00 and 15:00 score (2 * 3 + 15) / 5 = 4.2; the badly rated 09:00 drops out, while the unrated declared
    # 10:00 keeps its prior of 4, within the margin of the best.
    assert energy.source is PeakSource.LEARNED
    assert energy.peak_hours == (TimeWindow(time(10), time(11)), TimeWindow(time(14), time(16)))


def test_one_good_rating_an_hour_does_not_outweigh_an_unrated_declared_hour() -> None:
    samples = [FocusSample(at(1, h), 5) for h in (13, 14, 15, 16, 17)]

    energy = learn_energy(samples, BERLIN, MORNING)

    # 13:00 to 17:00 score (2 * 3 + 5) / 3 = 3.67 each, below the declared hours' 4.
    assert energy.source is PeakSource.DECLARED
    assert energy.peak_hours == MORNING


def test_hours_are_local_across_a_dst_change_and_a_late_hour_ends_at_midnight() -> None:
    winter = [FocusSample(datetime(2026, 1, d, 22, 10, tzinfo=UTC), 5) for d in range(1, 4)]  # 23:10 in Berlin
    summer = [FocusSample(datetime(2026, 7, d, 21, 10, tzinfo=UTC), 5) for d in range(1, 4)]  # 23:10 in Berlin

    energy = learn_energy(winter + summer, BERLIN, ())

    assert energy.peak_hours == (TimeWindow(time(23), time(0)),)
    assert energy.samples == 6


def test_old_and_new_ratings_alike_count_once_each() -> None:
    start = datetime(2026, 3, 2, 8, 0, tzinfo=BERLIN)
    samples = [FocusSample(start + timedelta(days=d), 4) for d in range(10)]

    energy = learn_energy(samples, BERLIN, ())

    assert energy.learned == (TimeWindow(time(8), time(9)),)
