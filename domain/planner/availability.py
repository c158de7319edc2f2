"""A person's working time, breaks and peak hours as concrete instants over a span."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from domain.planner.localtime import local_days, window_on
from domain.planner.model import Day, Interval, PersonProfile


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, with overlapping or touching intervals joined."""
    merged: list[Interval] = []
    for item in sorted(intervals, key=lambda i: (i.start, i.end)):
        if merged and item.start <= merged[-1].end:
            if item.end > merged[-1].end:
                merged[-1] = Interval(merged[-1].start, item.end)
        else:
            merged.append(item)
    return merged


def subtract(base: Iterable[Interval], cuts: Iterable[Interval]) -> list[Interval]:
    """The parts of `base` not covered by any of `cuts`."""
    holes = merge(cuts)
    result: list[Interval] = []
    for piece in merge(base):
        cursor = piece.start
        for hole in holes:
            if hole.end <= cursor or hole.start >= piece.end:
                continue
            if hole.start > cursor:
                result.append(Interval(cursor, hole.start))
            cursor = max(cursor, hole.end)
        if cursor < piece.end:
            result.append(Interval(cursor, piece.end))
    return result


def clip(intervals: Iterable[Interval], start: datetime, end: datetime) -> list[Interval]:
    clipped = []
    for item in intervals:
        lo, hi = max(item.start, start), min(item.end, end)
        if lo < hi:
            clipped.append(Interval(lo, hi))
    return clipped


def _daily(profile: PersonProfile, week: tuple[Day, ...], start: datetime, end: datetime) -> list[Interval]:
    """The windows of `week` (Monday first; one entry means every day) on each local date."""
    zone = profile.zone
    spans = []
    for day in local_days(start, end, zone):
        for window in week[day.weekday() % len(week)]:
            span = window_on(day, window, zone)
            if span is not None:
                spans.append(span)
    return clip(merge(spans), start, end)


def working_intervals(profile: PersonProfile, start: datetime, end: datetime) -> list[Interval]:
    """Working hours minus breaks, clipped to [start, end)."""
    work = _daily(profile, profile.working_hours, start, end)
    breaks = _daily(profile, profile.breaks, start, end)
    return subtract(work, breaks)


def peak_intervals(profile: PersonProfile, start: datetime, end: datetime) -> list[Interval]:
    """Peak-energy hours on every day, clipped to [start, end)."""
    return _daily(profile, (profile.peak_hours,), start, end)
