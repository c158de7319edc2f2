"""Peak hours learned from focus-session ratings: the hours of the day whose mean focus rating is highest.

Each rated session counts once, for the local hour of its midpoint. An hour's score is its mean rating shrunk
toward a prior: `DECLARED_PRIOR` inside the person's declared peak hours, `NEUTRAL_PRIOR` elsewhere, worth
`PRIOR_WEIGHT` sessions. So a few ratings move little, and a declared hour nobody rated keeps its prior. The peaks
are the best-scoring hours above neutral. With fewer than `MIN_SAMPLES` rated sessions, or when no rated hour is among
the peaks, the declared peak hours stand.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time
from enum import StrEnum
from zoneinfo import ZoneInfo

from domain.planner.model import Day, TimeWindow, require_aware

MIN_SAMPLES = 5
PRIOR_WEIGHT = 2.0
DECLARED_PRIOR = 4.0
NEUTRAL_PRIOR = 3.0
# Hours within this much of the best score are peaks too, up to `MAX_PEAK_HOURS` of them.
MARGIN = 0.25
MAX_PEAK_HOURS = 4
HOURS = 24


class PeakSource(StrEnum):
    DECLARED = "declared"
    LEARNED = "learned"


@dataclass(frozen=True, slots=True)
class FocusSample:
    """One rated session: when its focused time was centred, and its focus rating (1 to 5)."""

    at: datetime
    rating: int

    def __post_init__(self) -> None:
        require_aware(self.at, "at")
        if not 1 <= self.rating <= 5:
            raise ValueError("rating must be 1..5")


@dataclass(frozen=True, slots=True)
class Energy:
    """The peak hours a plan uses, where they come from, and what the ratings taught (empty when too few)."""

    source: PeakSource
    peak_hours: Day
    learned: Day
    samples: int


def _declared_hours(declared: Day) -> set[int]:
    hours: set[int] = set()
    for window in declared:
        end_minute = HOURS * 60 if window.end == time(0) else window.end.hour * 60 + window.end.minute
        start_minute = window.start.hour * 60 + window.start.minute
        hours.update(h for h in range(HOURS) if h * 60 < end_minute and (h + 1) * 60 > start_minute)
    return hours


def hour_scores(samples: Sequence[FocusSample], zone: ZoneInfo, declared: Day) -> dict[int, float]:
    """The shrunk score of every hour that has ratings or is declared."""
    ratings: dict[int, list[int]] = defaultdict(list)
    for sample in samples:
        ratings[sample.at.astimezone(zone).hour].append(sample.rating)
    peak = _declared_hours(declared)
    scores = {}
    for hour in sorted(set(ratings) | peak):
        prior = DECLARED_PRIOR if hour in peak else NEUTRAL_PRIOR
        seen = ratings.get(hour, [])
        scores[hour] = (PRIOR_WEIGHT * prior + sum(seen)) / (PRIOR_WEIGHT + len(seen))
    return scores


def _windows(hours: Sequence[int]) -> Day:
    """Consecutive hours merged into wall-clock windows; an hour ending at midnight ends at 00:00."""
    windows: list[TimeWindow] = []
    for hour in sorted(hours):
        if windows and windows[-1].end == time(hour):
            windows[-1] = TimeWindow(windows[-1].start, time((hour + 1) % HOURS))
        else:
            windows.append(TimeWindow(time(hour), time((hour + 1) % HOURS)))
    return tuple(windows)


def learn_energy(samples: Sequence[FocusSample], zone: ZoneInfo, declared: Day) -> Energy:
    if len(samples) < MIN_SAMPLES:
        return Energy(PeakSource.DECLARED, declared, (), len(samples))
    scores = hour_scores(samples, zone, declared)
    best = max(scores.values())
    ranked = sorted(scores, key=lambda hour: (-scores[hour], hour))
    peaks = [h for h in ranked if scores[h] > NEUTRAL_PRIOR and scores[h] >= best - MARGIN][:MAX_PEAK_HOURS]
    rated = {sample.at.astimezone(zone).hour for sample in samples}
    if not rated.intersection(peaks):
        # The best hours are declared ones nobody rated: the ratings taught nothing better.
        return Energy(PeakSource.DECLARED, declared, (), len(samples))
    learned = _windows(peaks)
    return Energy(PeakSource.LEARNED, learned, learned, len(samples))
