"""Placing one job into the free slots: the earliest fit, and the cheapest of a few candidates.

Chunks are (start, end) slot spans. Every candidate obeys the hard rules by construction (free slots
only, chunk sizes within bounds, buffer between chunks), so choosing among them is only about cost.
One-piece spots are found by searching the free-slot bytes for a run of ones, which runs in C.
"""

from __future__ import annotations

import itertools
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum

from domain.planner.instance import Instance, Job, Span
from domain.planner.objective import CostModel
from domain.planner.occupancy import runs_in

# How far past the earliest feasible start the search looks for a cheaper one-piece spot (in days).
LOOKAHEAD_DAYS = 7


class Rule(StrEnum):
    FIRST_FIT = "first-fit"
    BEST_FIT = "best-fit"


@dataclass(frozen=True, slots=True)
class Placement:
    chunks: list[Span]
    cost: int


def successor_limits(instance: Instance) -> list[int]:
    """Per job, the latest end that still leaves its successors room before their hard deadlines."""
    jobs = instance.jobs
    limit = [job.hard_end for job in jobs]
    changed = True
    while changed:
        changed = False
        for job in jobs:
            for s in job.succs:
                needed = limit[s] - jobs[s].size
                if needed < limit[job.index]:
                    limit[job.index] = needed
                    changed = True
    return limit


class Placer:
    def __init__(self, instance: Instance, costs: CostModel) -> None:
        self.costs = costs
        self.minutes = sm = instance.slot_minutes
        self.pad = instance.buffer_slots
        self.lookahead = LOOKAHEAD_DAYS * 24 * 60 // sm
        spans = instance.peak.spans_between(0, instance.grid.size * sm)
        self.peaks = [(lo, hi) for lo, hi in ((-(-s // sm), e // sm) for s, e in spans) if lo < hi]
        self.peak_ends = [e for _, e in self.peaks]
        self.successor_limit = successor_limits(instance)
        self._ones: dict[int, bytes] = {}

    def cost(self, job: Job, chunks: list[Span]) -> int:
        """The job's objective terms for chunks in slots (sorted by start)."""
        return self.costs.cost_in_slots(job, chunks)

    def _find(self, free: bytearray, size: int, lo: int, hi: int, windows: tuple[Span, ...] | None) -> int:
        """Earliest start of `size` free slots inside [lo, hi) (and a task window); -1 if none."""
        ones = self._ones.get(size)
        if ones is None:
            ones = self._ones[size] = b"\x01" * size
        if windows is None:
            return free.find(ones, lo, hi) if hi - lo >= size else -1
        for w_lo, w_hi in windows:
            a, b = max(lo, w_lo), min(hi, w_hi)
            found = free.find(ones, a, b) if b - a >= size else -1
            if found >= 0:
                return found
        return -1

    def fill(self, runs: Iterable[Span], remaining: int, job: Job) -> tuple[list[Span], int]:
        """Chunks as early and as large as the runs allow; returns them and the work left over."""
        low, high, pad = job.min_chunk, job.max_chunk, self.pad
        chunks: list[Span] = []
        for start, end in runs:
            # Keep a buffer after the previous chunk when the runs come in time order.
            pos = max(start, chunks[-1][1] + pad) if chunks and chunks[-1][1] <= start else start
            while remaining:
                size = min(high, remaining, end - pos)
                if 0 < remaining - size < low:
                    size = remaining - low  # never leave less than a minimum chunk behind
                if size < low:
                    break
                chunks.append((pos, pos + size))
                remaining -= size
                pos += size + pad
            if not remaining:
                break
        return chunks, remaining

    def first_fit(self, job: Job, free: bytearray, lo: int, hi: int) -> list[Span] | None:
        if job.min_chunk == job.size:
            start = self._find(free, job.size, lo, hi, job.windows)
            return [(start, start + job.size)] if start >= 0 else None
        chunks, left = self.fill(runs_in(free, lo, hi, job.windows), job.size, job)
        return chunks if not left else None

    def place(self, job: Job, free: bytearray, lo: int, hi: int, rule: Rule) -> Placement | None:
        earliest = self.first_fit(job, free, lo, hi)
        if earliest is None:
            return None
        best = Placement(earliest, self.cost(job, earliest))
        if rule is Rule.FIRST_FIT or best.cost == 0:
            return best  # nothing can beat a spot that costs nothing
        limit = self.successor_limit[job.index] if job.index >= 0 else hi
        rank = (earliest[-1][1] > limit, best.cost, earliest[-1][1], len(earliest))
        for chunks in self._candidates(job, free, lo, hi, earliest, best.cost):
            cost = self.cost(job, chunks)
            # Ending too late for a successor's hard deadline outweighs any saving on this job.
            challenger = (chunks[-1][1] > limit, cost, chunks[-1][1], len(chunks))
            if challenger < rank:
                best, rank = Placement(chunks, cost), challenger
        return best

    def _candidates(
        self, job: Job, free: bytearray, lo: int, hi: int, earliest: list[Span], bound: int
    ) -> Iterator[list[Span]]:
        if job.max_chunk >= job.size:
            yield from self._single_spots(job, free, lo, hi, bound)
        peak_first = self._peak_first(job, free, lo, hi)
        if peak_first:
            yield peak_first
        if len(earliest) > 2:
            fewest = self._fewest_chunks(job, free, lo, min(hi, earliest[-1][1] + self.lookahead))
            if fewest:
                yield fewest
        previous = self.previous_spot(job, free, lo, hi)
        if previous:
            yield previous

    def _single_spots(self, job: Job, free: bytearray, lo: int, hi: int, bound: int) -> Iterator[list[Span]]:
        """One-piece spots: the earliest, and for deep work the first ones touching each peak window."""
        size = job.size
        first = self._find(free, size, lo, hi, job.windows)
        if first < 0:
            return
        yield [(first, first + size)]
        if not job.task.is_deep:
            return
        i = bisect_right(self.peak_ends, first)
        stop = min(hi, first + self.lookahead)
        while i < len(self.peaks) and self.peaks[i][0] < stop:
            p_lo, p_hi = self.peaks[i]
            if self._late_cost(job, max(first, p_lo)) >= bound:
                return
            inside = self._find(free, size, max(lo, p_lo), min(hi, p_hi), job.windows)
            if inside >= 0:
                yield [(inside, inside + size)]
            touching = self._find(free, size, max(lo, p_lo - size + 1), min(hi, p_hi + size - 1), job.windows)
            if touching >= 0 and touching != inside:
                yield [(touching, touching + size)]
            if inside >= 0 and self._late_cost(job, inside) == 0:
                return  # a whole, on-time spot in peak hours: nothing later can be cheaper
            i += 1

    def _late_cost(self, job: Job, start: int) -> int:
        if job.due_minute is None:
            return 0
        late = (start + job.size) * self.minutes - job.due_minute
        return job.weight * self.costs.weights.late_per_minute * max(0, late)

    def _peak_first(self, job: Job, free: bytearray, lo: int, hi: int) -> list[Span] | None:
        """Deep work split over peak hours first, the rest as early as possible; inside the task's windows."""
        if not job.task.is_deep or job.min_chunk == job.size:
            return None
        peak_runs = (
            run
            for p_lo, p_hi in self.peaks[bisect_right(self.peak_ends, lo) :]
            if p_lo < hi
            for run in runs_in(free, max(lo, p_lo), min(hi, p_hi), job.windows)
        )
        in_peak, left = self.fill(peak_runs, job.size, job)
        if not left:
            return in_peak
        trial = bytearray(free)
        for s, e in in_peak:
            a, b = max(0, s - self.pad), min(len(trial), e + self.pad)
            trial[a:b] = bytes(b - a)
        rest, left = self.fill(runs_in(trial, lo, hi, job.windows), left, job)
        return sorted(in_peak + rest) if not left else None

    def _fewest_chunks(self, job: Job, free: bytearray, lo: int, hi: int) -> list[Span] | None:
        """Split work in the longest free runs first: fewer, larger chunks, maybe later."""
        if job.min_chunk == job.size:
            return None
        runs = sorted(runs_in(free, lo, hi, job.windows), key=lambda r: (r[0] - r[1], r[0]))
        chunks, left = self.fill(runs, job.size, job)
        if left:
            return None
        chunks.sort()
        if any(b[0] - a[1] < self.pad for a, b in itertools.pairwise(chunks)):
            return None  # two runs closer than a buffer: leave this candidate out
        return chunks

    def previous_spot(self, job: Job, free: bytearray, lo: int, hi: int) -> list[Span] | None:
        """The job's blocks from the previous plan, if they are all still possible."""
        sm = self.minutes
        if not job.previous or any(a % sm or b % sm for a, b in job.previous):
            return None
        chunks = [(a // sm, b // sm) for a, b in job.previous]
        if sum(e - s for s, e in chunks) != job.size or chunks[0][0] < lo or chunks[-1][1] > hi:
            return None
        for (s, e), nxt in zip(chunks, [*chunks[1:], None], strict=True):
            if not job.min_chunk <= e - s <= job.max_chunk or free.find(0, s, e) >= 0:
                return None
            if nxt is not None and nxt[0] < e + self.pad:
                return None
        windows = job.windows
        if windows is not None and not all(any(a <= s and e <= b for a, b in windows) for s, e in chunks):
            return None
        return chunks
