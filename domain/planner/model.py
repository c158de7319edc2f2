"""Inputs of the scheduling engine: one person's calendar, tasks and previous plan.

Every instant is a timezone-aware datetime. Wall-clock windows (working hours, breaks, peak hours) are
naive `time` values read in the person's IANA zone, day by day, so they follow DST changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

WEEKDAYS = 7


def require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {value!r}")


def elapsed(start: datetime, end: datetime) -> timedelta:
    """Real time between two instants. Subtracting two datetimes that share a tzinfo gives their
    wall-clock difference instead, which is wrong across a DST change."""
    return end.astimezone(UTC) - start.astimezone(UTC)


def minutes_between(start: datetime, end: datetime) -> int:
    return elapsed(start, end) // timedelta(minutes=1)


class BlockState(StrEnum):
    PLANNED = "planned"
    STARTED = "started"
    DONE = "done"
    MISSED = "missed"


class DeadlineKind(StrEnum):
    HARD = "hard"
    SOFT = "soft"


class WorkKind(StrEnum):
    DEEP = "deep"
    SHALLOW = "shallow"


@dataclass(frozen=True, slots=True)
class Interval:
    """A half-open span of time [start, end)."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        require_aware(self.start, "start")
        require_aware(self.end, "end")
        if elapsed(self.start, self.end) <= timedelta(0):
            raise ValueError(f"empty interval {self.start} .. {self.end}")

    def overlaps(self, other: Interval) -> bool:
        return elapsed(other.end, self.start) < timedelta(0) and elapsed(self.end, other.start) < timedelta(0)


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """A wall-clock window within one day; `end` of 00:00 means midnight at the end of the day."""

    start: time
    end: time

    def __post_init__(self) -> None:
        if self.end != time(0) and self.end <= self.start:
            raise ValueError(f"window must end after it starts: {self.start} .. {self.end}")


Day = tuple[TimeWindow, ...]
Week = tuple[Day, Day, Day, Day, Day, Day, Day]


def week(monday_to_friday: Day, saturday: Day = (), sunday: Day = ()) -> Week:
    """The usual shape of a week: the same windows Monday to Friday."""
    d = monday_to_friday
    return (d, d, d, d, d, saturday, sunday)


@dataclass(frozen=True, slots=True)
class PersonProfile:
    """How one person works: zone, hours (Monday first), breaks, peak hours and buffers."""

    timezone: str
    working_hours: Week
    breaks: Week = ((), (), (), (), (), (), ())
    peak_hours: Day = ()
    buffer_minutes: int = 0

    def __post_init__(self) -> None:
        ZoneInfo(self.timezone)  # fail early on an unknown zone
        if self.buffer_minutes < 0:
            raise ValueError("buffer_minutes must be >= 0")

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass(frozen=True, slots=True)
class Deadline:
    at: datetime
    kind: DeadlineKind = DeadlineKind.SOFT

    def __post_init__(self) -> None:
        require_aware(self.at, "deadline")

    @property
    def is_hard(self) -> bool:
        return self.kind is DeadlineKind.HARD


@dataclass(frozen=True, slots=True)
class Task:
    """A piece of work to place. Priority 1 is the most important, 4 the least."""

    id: str
    duration_minutes: int
    priority: int = 3
    effort: int = 3
    kind: WorkKind = WorkKind.SHALLOW
    splittable: bool = False
    min_chunk_minutes: int = 30
    max_chunk_minutes: int | None = None
    start_after: datetime | None = None
    deadline: Deadline | None = None
    depends_on: tuple[str, ...] = ()
    # Habits and similar: when set, every chunk must lie inside one of these spans.
    windows: tuple[Interval, ...] = ()

    def __post_init__(self) -> None:
        if self.duration_minutes < 0:
            raise ValueError(f"task {self.id}: negative duration")
        if not 1 <= self.priority <= 4:
            raise ValueError(f"task {self.id}: priority must be 1..4")
        if not 1 <= self.effort <= 5:
            raise ValueError(f"task {self.id}: effort must be 1..5")
        if self.min_chunk_minutes <= 0:
            raise ValueError(f"task {self.id}: min_chunk_minutes must be positive")
        if self.max_chunk_minutes is not None and self.max_chunk_minutes < self.min_chunk_minutes:
            raise ValueError(f"task {self.id}: max chunk below min chunk")
        if self.start_after is not None:
            require_aware(self.start_after, "start_after")

    @property
    def is_deep(self) -> bool:
        return self.kind is WorkKind.DEEP


@dataclass(frozen=True, slots=True)
class PlanBlock:
    """A block of a previous plan, or a block the person pinned by hand."""

    task_id: str
    start: datetime
    end: datetime
    state: BlockState = BlockState.PLANNED
    pinned: bool = False

    def __post_init__(self) -> None:
        require_aware(self.start, "start")
        require_aware(self.end, "end")
        if elapsed(self.start, self.end) <= timedelta(0):
            raise ValueError(f"block of {self.task_id} is empty")

    @property
    def minutes(self) -> int:
        return minutes_between(self.start, self.end)


@dataclass(frozen=True, slots=True)
class ObjectiveWeights:
    """Integer weights, so that the heuristic and the CP-SAT model agree to the point.

    Lateness is counted per minute and multiplied by the priority weight; an unplaced task costs a fixed
    amount plus an amount per minute of its work (also times the priority weight), so leaving work out is
    worse than being several days late. Deep work outside peak hours costs `effort` points per minute.
    """

    priority_weights: tuple[int, int, int, int] = (8, 4, 2, 1)
    late_per_minute: int = 1
    unplaced_base: int = 5000
    unplaced_per_minute: int = 20
    offpeak_per_effort_minute: int = 1
    per_extra_chunk: int = 30
    per_moved_block: int = 120

    def priority_weight(self, priority: int) -> int:
        return self.priority_weights[priority - 1]


@dataclass(frozen=True, slots=True)
class Problem:
    """Everything the engine needs to plan one person; `now` is an input, never read from a clock."""

    person: PersonProfile
    now: datetime
    horizon_end: datetime
    tasks: tuple[Task, ...]
    busy: tuple[Interval, ...] = ()
    existing_blocks: tuple[PlanBlock, ...] = ()
    locked_until: datetime | None = None
    completed_task_ids: frozenset[str] = frozenset()
    slot_minutes: int = 15
    weights: ObjectiveWeights = field(default_factory=ObjectiveWeights)

    def __post_init__(self) -> None:
        require_aware(self.now, "now")
        require_aware(self.horizon_end, "horizon_end")
        if self.locked_until is not None:
            require_aware(self.locked_until, "locked_until")
        if self.horizon_end <= self.now:
            raise ValueError("horizon_end must be after now")
        if not 1 <= self.slot_minutes <= 60 or 60 % self.slot_minutes:
            raise ValueError("slot_minutes must divide an hour")
        ids = [t.id for t in self.tasks]
        if len(ids) != len(set(ids)):
            raise ValueError("task ids must be unique")
