"""A Problem compiled onto the time grid: jobs (remaining work per task) and the free-slot mask.

Every solver works on an Instance; the objective and the validator use it too, so that all of them agree
on what "remaining work", "free" and "locked" mean.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.planner.availability import peak_intervals, working_intervals
from domain.planner.dependencies import rejected_by_dependencies
from domain.planner.grid import Grid, PeakProfile
from domain.planner.model import BlockState, PlanBlock, Problem, Task, minutes_between
from domain.planner.result import ScheduledBlock, UnplacedReason, UnplacedTask

Span = tuple[int, int]


@dataclass(frozen=True, slots=True)
class Job:
    """The remaining work of one task, in slots (times) and minutes (costs) from the grid origin."""

    index: int
    task: Task
    size: int
    min_chunk: int
    max_chunk: int
    release: int
    hard_end: int
    due_minute: int | None
    weight: int
    preds: tuple[int, ...]
    succs: tuple[int, ...]
    previous: tuple[Span, ...]
    windows: tuple[Span, ...] | None

    @property
    def id(self) -> str:
        return self.task.id


@dataclass(frozen=True, slots=True)
class Instance:
    problem: Problem
    grid: Grid
    jobs: tuple[Job, ...]
    static_free: bytes
    buffer_slots: int
    peak: PeakProfile
    locked: tuple[ScheduledBlock, ...]
    rejected: tuple[UnplacedTask, ...]
    # The same tasks as `rejected`, as jobs, so that the objective can charge them as unplaced.
    rejected_jobs: tuple[Job, ...]

    @property
    def slot_minutes(self) -> int:
        return self.grid.slot_minutes


def is_locked(block: PlanBlock, locked_until: datetime | None) -> bool:
    """Pinned, started and done blocks never move, nor planned ones starting inside the locked window."""
    if block.pinned or block.state in (BlockState.STARTED, BlockState.DONE):
        return True
    return block.state is BlockState.PLANNED and locked_until is not None and block.start < locked_until


def locked_blocks(problem: Problem) -> tuple[ScheduledBlock, ...]:
    return tuple(
        ScheduledBlock(b.task_id, b.start, b.end, b.state, locked=True, pinned=b.pinned)
        for b in problem.existing_blocks
        if is_locked(b, problem.locked_until)
    )


def remaining_minutes(task: Task, locked: tuple[ScheduledBlock, ...]) -> int:
    done = sum(minutes_between(b.start, b.end) for b in locked if b.task_id == task.id)
    return max(0, task.duration_minutes - done)


def chunk_bounds(task: Task, size: int, slot_minutes: int) -> tuple[int, int]:
    """Min and max chunk in slots; a task shorter than its minimum chunk goes in one piece."""
    if not task.splittable:
        return size, size
    low = -(-task.min_chunk_minutes // slot_minutes)
    high = size if task.max_chunk_minutes is None else max(low, task.max_chunk_minutes // slot_minutes)
    if size <= low:
        return size, size
    return low, min(high, size)


def _static_free(problem: Problem, grid: Grid, locked: tuple[ScheduledBlock, ...]) -> bytearray:
    """1 where a block may sit: working time, away from busy time and locked blocks by the buffer."""
    free = bytearray(grid.size)
    end = grid.at(grid.size)
    for span in working_intervals(problem.person, grid.origin, end):
        lo, hi = grid.slots_inside(span)
        if lo < hi:
            free[lo:hi] = b"\x01" * (hi - lo)
    pad = timedelta(minutes=problem.person.buffer_minutes)
    obstacles = [(b.start, b.end) for b in problem.busy] + [(b.start, b.end) for b in locked]
    for start, stop in obstacles:
        lo, hi = grid.slots_touching(start - pad, stop + pad)
        if lo < hi:
            free[lo:hi] = bytes(hi - lo)
    return free


def _previous(problem: Problem, grid: Grid) -> dict[str, list[Span]]:
    """Movable blocks of the previous plan (in minutes), the yardstick for churn."""
    previous: dict[str, list[Span]] = defaultdict(list)
    for block in problem.existing_blocks:
        movable = block.state is BlockState.PLANNED and not is_locked(block, problem.locked_until)
        if movable and block.start >= grid.origin:
            previous[block.task_id].append((grid.minute(block.start), grid.minute(block.end)))
    return previous


def _release(task: Task, grid: Grid, fixed_end: dict[str, int]) -> int:
    release = 0 if task.start_after is None else max(0, grid.slot_ceil(task.start_after))
    for dep in task.depends_on:
        release = max(release, fixed_end.get(dep, 0))
    return release


def _windows(task: Task, grid: Grid) -> tuple[Span, ...] | None:
    if not task.windows:
        return None
    spans = (grid.slots_inside(w) for w in sorted(task.windows, key=lambda w: w.start))
    return tuple((lo, hi) for lo, hi in spans if lo < hi)


def _hard_end(task: Task, grid: Grid, successor_start: dict[str, int]) -> int:
    end = grid.size
    if task.deadline is not None and task.deadline.is_hard:
        end = min(end, grid.slot_floor(task.deadline.at))
    return min(end, successor_start.get(task.id, end))


def _locked_landmarks(
    problem: Problem, grid: Grid, locked: tuple[ScheduledBlock, ...]
) -> tuple[dict[str, int], dict[str, int]]:
    """Per task: where its locked work ends, and the latest end its predecessors must respect."""
    fixed_end: dict[str, int] = {}
    first_start: dict[str, int] = {}
    for block in locked:
        fixed_end[block.task_id] = max(fixed_end.get(block.task_id, 0), grid.slot_ceil(block.end))
        start = grid.slot_floor(block.start)
        first_start[block.task_id] = min(first_start.get(block.task_id, start), start)
    successor_start: dict[str, int] = {}
    for task in problem.tasks:
        if task.id in first_start:
            for dep in task.depends_on:
                successor_start[dep] = min(successor_start.get(dep, grid.size), first_start[task.id])
    return fixed_end, successor_start


REJECTION_DETAIL = {
    UnplacedReason.DEPENDENCY_UNKNOWN: "depends on a task that is not in the problem",
    UnplacedReason.DEPENDENCY_CYCLE: "is part of a dependency cycle",
    UnplacedReason.DEPENDENCY_UNPLACED: "waits on a task that cannot be placed",
}


@dataclass(frozen=True, slots=True)
class _Context:
    problem: Problem
    grid: Grid
    locked: tuple[ScheduledBlock, ...]
    fixed_end: dict[str, int]
    successor_start: dict[str, int]
    previous: dict[str, list[Span]]


def _job(ctx: _Context, task: Task, index: int, index_of: dict[str, int], succs: dict[str, list[int]]) -> Job:
    grid = ctx.grid
    size = -(-remaining_minutes(task, ctx.locked) // grid.slot_minutes)
    low, high = chunk_bounds(task, size, grid.slot_minutes)
    due = task.deadline
    return Job(
        index=index,
        task=task,
        size=size,
        min_chunk=low,
        max_chunk=high,
        release=_release(task, grid, ctx.fixed_end),
        hard_end=_hard_end(task, grid, ctx.successor_start),
        due_minute=grid.minute(due.at) if due is not None and not due.is_hard else None,
        weight=ctx.problem.weights.priority_weight(task.priority),
        preds=tuple(index_of[d] for d in dict.fromkeys(task.depends_on) if d in index_of),
        succs=tuple(succs.get(task.id, ())),
        previous=tuple(sorted(ctx.previous.get(task.id, []))),
        windows=_windows(task, grid),
    )


def compile_problem(problem: Problem) -> Instance:
    grid = Grid.covering(problem.now, problem.horizon_end, problem.slot_minutes)
    locked = locked_blocks(problem)
    pending = {}
    for task in problem.tasks:
        if task.id not in problem.completed_task_ids and remaining_minutes(task, locked) > 0:
            pending[task.id] = task
    satisfied = {t.id for t in problem.tasks if t.id not in pending} | set(problem.completed_task_ids)
    rejected = rejected_by_dependencies({t.id: t.depends_on for t in pending.values()}, satisfied)
    fixed_end, successor_start = _locked_landmarks(problem, grid, locked)
    ctx = _Context(problem, grid, locked, fixed_end, successor_start, _previous(problem, grid))
    accepted = [t for t in pending.values() if t.id not in rejected]
    index_of = {t.id: i for i, t in enumerate(accepted)}
    succs: dict[str, list[int]] = defaultdict(list)
    for i, task in enumerate(accepted):
        for dep in dict.fromkeys(task.depends_on):
            succs[dep].append(i)
    jobs = tuple(_job(ctx, task, i, index_of, succs) for i, task in enumerate(accepted))
    refused = sorted(rejected.items())
    horizon = grid.at(grid.size)
    peak = [(grid.minute(s.start), grid.minute(s.end)) for s in peak_intervals(problem.person, grid.origin, horizon)]
    return Instance(
        problem=problem,
        grid=grid,
        jobs=jobs,
        static_free=bytes(_static_free(problem, grid, locked)),
        buffer_slots=-(-problem.person.buffer_minutes // grid.slot_minutes),
        peak=PeakProfile(peak),
        locked=locked,
        rejected=tuple(UnplacedTask(t, r, REJECTION_DETAIL[r]) for t, r in refused),
        rejected_jobs=tuple(_job(ctx, pending[t], -1, {}, {}) for t, _ in refused),
    )
