"""Which grid slots can still take the core of a block, as blocks come and go."""

from __future__ import annotations

from collections.abc import Iterator

from domain.planner.instance import Instance, Span


class Occupancy:
    """Free slots (a bytearray: 1 = free) plus a reservation count per slot, so removal is exact.

    Reserving a block also takes the buffer on both of its sides, which keeps every pair of blocks at
    least one buffer apart without any further check.
    """

    def __init__(self, instance: Instance) -> None:
        self.static = instance.static_free
        self.free = bytearray(instance.static_free)
        self.count = [0] * len(self.free)
        self.pad = instance.buffer_slots
        self.size = len(self.free)

    def copy(self) -> Occupancy:
        clone = Occupancy.__new__(Occupancy)
        clone.static, clone.free, clone.count = self.static, bytearray(self.free), list(self.count)
        clone.pad, clone.size = self.pad, self.size
        return clone

    def reserve(self, start: int, end: int) -> None:
        lo, hi = max(0, start - self.pad), min(self.size, end + self.pad)
        count, free = self.count, self.free
        for t in range(lo, hi):
            count[t] += 1
        free[lo:hi] = bytes(hi - lo)

    def release(self, start: int, end: int) -> None:
        lo, hi = max(0, start - self.pad), min(self.size, end + self.pad)
        count, free, static = self.count, self.free, self.static
        for t in range(lo, hi):
            count[t] -= 1
            if count[t] == 0 and static[t]:
                free[t] = 1

    def reserve_all(self, spans: list[Span]) -> None:
        for start, end in spans:
            self.reserve(start, end)

    def release_all(self, spans: list[Span]) -> None:
        for start, end in spans:
            self.release(start, end)


def free_runs(free: bytearray, lo: int, hi: int) -> Iterator[Span]:
    """Maximal runs of free slots within [lo, hi), in time order."""
    pos = lo
    while pos < hi:
        start = free.find(1, pos, hi)
        if start < 0:
            return
        end = free.find(0, start, hi)
        if end < 0:
            end = hi
        yield start, end
        pos = end


def runs_in(free: bytearray, lo: int, hi: int, windows: tuple[Span, ...] | None) -> Iterator[Span]:
    """Free runs within [lo, hi), cut to a task's own windows when it has some."""
    if windows is None:
        yield from free_runs(free, lo, hi)
        return
    for w_lo, w_hi in windows:
        if w_hi > lo and w_lo < hi:
            yield from free_runs(free, max(lo, w_lo), min(hi, w_hi))
