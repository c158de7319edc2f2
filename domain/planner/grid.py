"""The time grid: instants become slot numbers and minutes counted from the grid's origin."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import accumulate

from domain.planner.model import Interval

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class Grid:
    """Slots of `slot_minutes`, aligned on the UTC epoch (hence on local quarter hours everywhere)."""

    origin: datetime
    slot_minutes: int
    size: int

    @classmethod
    def covering(cls, now: datetime, horizon_end: datetime, slot_minutes: int) -> Grid:
        slot = timedelta(minutes=slot_minutes)
        origin = EPOCH + -((EPOCH - now) // slot) * slot  # ceiling of now on the grid
        size = max(0, (horizon_end - origin) // slot)
        return cls(origin=origin, slot_minutes=slot_minutes, size=size)

    def minute(self, instant: datetime) -> int:
        """Whole minutes from the origin, rounded down."""
        return (instant - self.origin) // MINUTE

    def slot_floor(self, instant: datetime) -> int:
        return self.minute(instant) // self.slot_minutes

    def slot_ceil(self, instant: datetime) -> int:
        return -((self.origin - instant) // timedelta(minutes=self.slot_minutes))

    def at(self, slot: int) -> datetime:
        return self.origin + timedelta(minutes=slot * self.slot_minutes)

    def slots_inside(self, span: Interval) -> tuple[int, int]:
        """The slots lying entirely within `span`, clamped to the grid."""
        return max(0, self.slot_ceil(span.start)), min(self.size, self.slot_floor(span.end))

    def slots_touching(self, start: datetime, end: datetime) -> tuple[int, int]:
        """The slots that share any time with [start, end), clamped to the grid."""
        return max(0, self.slot_floor(start)), min(self.size, self.slot_ceil(end))


class PeakProfile:
    """Peak-hour coverage in minutes, answering "how much of [a, b) is outside peak hours" fast."""

    def __init__(self, spans: Sequence[tuple[int, int]]) -> None:
        self._starts = [s for s, _ in spans]
        self._ends = [e for _, e in spans]
        self._before = [0, *accumulate(e - s for s, e in spans)]

    def _covered_until(self, minute: int) -> int:
        """Peak minutes in (-inf, minute)."""
        i = bisect_right(self._starts, minute)
        if i == 0:
            return 0
        return self._before[i - 1] + min(minute, self._ends[i - 1]) - self._starts[i - 1]

    def peak_minutes(self, start: int, end: int) -> int:
        return self._covered_until(end) - self._covered_until(start)

    def offpeak_minutes(self, start: int, end: int) -> int:
        return (end - start) - self.peak_minutes(start, end)

    def spans_between(self, start: int, end: int) -> list[tuple[int, int]]:
        i = max(0, bisect_left(self._ends, start + 1))
        spans = []
        while i < len(self._starts) and self._starts[i] < end:
            spans.append((max(start, self._starts[i]), min(end, self._ends[i])))
            i += 1
        return spans
