"""Outputs of the scheduling engine: the blocks, what could not be placed and why, and quality figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from domain.planner.model import BlockState


class UnplacedReason(StrEnum):
    NO_CAPACITY_BEFORE_DEADLINE = "NO_CAPACITY_BEFORE_DEADLINE"
    NO_CAPACITY_IN_HORIZON = "NO_CAPACITY_IN_HORIZON"
    CHUNK_TOO_LARGE = "CHUNK_TOO_LARGE"
    DEADLINE_BEFORE_START = "DEADLINE_BEFORE_START"
    DEPENDENCY_UNPLACED = "DEPENDENCY_UNPLACED"
    DEPENDENCY_UNKNOWN = "DEPENDENCY_UNKNOWN"
    DEPENDENCY_CYCLE = "DEPENDENCY_CYCLE"
    OUTSIDE_TASK_WINDOWS = "OUTSIDE_TASK_WINDOWS"
    # Room exists, but only so late that lateness would cost more than leaving the task out.
    LATE_BEYOND_PENALTY = "LATE_BEYOND_PENALTY"


class ViolationCode(StrEnum):
    UNKNOWN_TASK = "UNKNOWN_TASK"
    OFF_GRID = "OFF_GRID"
    BEFORE_NOW = "BEFORE_NOW"
    AFTER_HORIZON = "AFTER_HORIZON"
    OUTSIDE_WORKING_HOURS = "OUTSIDE_WORKING_HOURS"
    OUTSIDE_TASK_WINDOWS = "OUTSIDE_TASK_WINDOWS"
    OVERLAPS_BUSY = "OVERLAPS_BUSY"
    OVERLAPS_BLOCK = "OVERLAPS_BLOCK"
    BEFORE_START_AFTER = "BEFORE_START_AFTER"
    AFTER_HARD_DEADLINE = "AFTER_HARD_DEADLINE"
    CHUNK_SIZE = "CHUNK_SIZE"
    WRONG_TOTAL = "WRONG_TOTAL"
    DEPENDENCY_ORDER = "DEPENDENCY_ORDER"
    LOCKED_BLOCK_CHANGED = "LOCKED_BLOCK_CHANGED"


@dataclass(frozen=True, slots=True)
class ScheduledBlock:
    task_id: str
    start: datetime
    end: datetime
    state: BlockState = BlockState.PLANNED
    # Locked blocks come from the input (pinned, started, done or inside the locked window).
    locked: bool = False
    pinned: bool = False


@dataclass(frozen=True, slots=True)
class UnplacedTask:
    task_id: str
    reason: UnplacedReason
    detail: str = ""


@dataclass(frozen=True, slots=True)
class ObjectiveTerms:
    lateness: int = 0
    unplaced: int = 0
    offpeak: int = 0
    fragmentation: int = 0
    churn: int = 0

    @property
    def total(self) -> int:
        return self.lateness + self.unplaced + self.offpeak + self.fragmentation + self.churn

    def __add__(self, other: ObjectiveTerms) -> ObjectiveTerms:
        return ObjectiveTerms(
            lateness=self.lateness + other.lateness,
            unplaced=self.unplaced + other.unplaced,
            offpeak=self.offpeak + other.offpeak,
            fragmentation=self.fragmentation + other.fragmentation,
            churn=self.churn + other.churn,
        )


@dataclass(frozen=True, slots=True)
class Evaluation:
    """The objective of a schedule with the raw figures behind it."""

    terms: ObjectiveTerms
    late_minutes: int
    late_tasks: int
    unplaced_tasks: int
    moved_blocks: int

    @property
    def objective(self) -> int:
        return self.terms.total


@dataclass(frozen=True, slots=True)
class Quality:
    objective: int
    terms: ObjectiveTerms
    late_minutes: int
    late_tasks: int
    hard_violations: int
    moved_blocks: int
    strategy: str


@dataclass(frozen=True, slots=True)
class Violation:
    code: ViolationCode
    task_id: str
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Schedule:
    blocks: tuple[ScheduledBlock, ...]
    unplaced: tuple[UnplacedTask, ...]
    quality: Quality

    def blocks_of(self, task_id: str) -> tuple[ScheduledBlock, ...]:
        return tuple(b for b in self.blocks if b.task_id == task_id)
