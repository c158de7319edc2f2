"""An independent check of every hard constraint, worked out on instants rather than grid slots."""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, timedelta

from domain.planner.availability import working_intervals
from domain.planner.grid import EPOCH
from domain.planner.instance import chunk_bounds, locked_blocks, remaining_minutes
from domain.planner.model import Interval, Problem, Task, elapsed, minutes_between
from domain.planner.result import Schedule, ScheduledBlock, Violation, ViolationCode


def _inside_any(block: ScheduledBlock, spans: Sequence[Interval]) -> bool:
    i = bisect_right([s.start for s in spans], block.start) - 1
    return i >= 0 and spans[i].end >= block.end


def _block_checks(problem: Problem, task: Task, block: ScheduledBlock, work: Sequence[Interval]) -> list[ViolationCode]:
    codes = []
    step = timedelta(minutes=problem.slot_minutes)
    if (block.start - EPOCH) % step or (block.end - EPOCH) % step:
        codes.append(ViolationCode.OFF_GRID)
    if block.start < problem.now:
        codes.append(ViolationCode.BEFORE_NOW)
    if block.end > problem.horizon_end:
        codes.append(ViolationCode.AFTER_HORIZON)
    if not _inside_any(block, work):
        codes.append(ViolationCode.OUTSIDE_WORKING_HOURS)
    if task.windows and not _inside_any(block, sorted(task.windows, key=lambda w: w.start)):
        codes.append(ViolationCode.OUTSIDE_TASK_WINDOWS)
    pad = timedelta(minutes=problem.person.buffer_minutes)
    padded = Interval(block.start - pad, block.end + pad)
    if any(padded.overlaps(busy) for busy in problem.busy):
        codes.append(ViolationCode.OVERLAPS_BUSY)
    if task.start_after is not None and block.start < task.start_after:
        codes.append(ViolationCode.BEFORE_START_AFTER)
    if task.deadline is not None and task.deadline.is_hard and block.end > task.deadline.at:
        codes.append(ViolationCode.AFTER_HARD_DEADLINE)
    return codes


def _size_checks(
    problem: Problem, task: Task, blocks: Sequence[ScheduledBlock], locked: tuple[ScheduledBlock, ...]
) -> list[Violation]:
    slot = problem.slot_minutes
    size = -(-remaining_minutes(task, locked) // slot)
    low, high = chunk_bounds(task, size, slot)
    found = []
    for block in blocks:
        minutes = minutes_between(block.start, block.end)
        if not low * slot <= minutes <= high * slot:
            found.append(Violation(ViolationCode.CHUNK_SIZE, task.id, f"{minutes} min chunk"))
    total = sum(minutes_between(b.start, b.end) for b in blocks)
    if total != size * slot:
        found.append(Violation(ViolationCode.WRONG_TOTAL, task.id, f"{total} of {size * slot} min placed"))
    return found


def _overlaps(problem: Problem, blocks: Sequence[ScheduledBlock]) -> list[Violation]:
    """Blocks closer than the buffer, unless both come locked from the input."""
    pad = timedelta(minutes=problem.person.buffer_minutes)
    ordered = sorted(blocks, key=lambda b: (b.start.astimezone(UTC), b.end.astimezone(UTC)))
    found = []
    for i, block in enumerate(ordered):
        for other in ordered[i + 1 :]:
            if elapsed(block.end + pad, other.start) >= timedelta(0):
                break
            if not (block.locked and other.locked):
                detail = f"{block.task_id} and {other.task_id} at {other.start.isoformat()}"
                found.append(Violation(ViolationCode.OVERLAPS_BLOCK, other.task_id, detail))
    return found


def _dependency_checks(
    problem: Problem, by_task: dict[str, list[ScheduledBlock]], pending: set[str]
) -> list[Violation]:
    found = []
    for task in problem.tasks:
        mine = by_task.get(task.id, [])
        if not any(not b.locked for b in mine):
            continue
        first = min(b.start for b in mine)
        for dep in task.depends_on:
            theirs = by_task.get(dep, [])
            if dep in pending and not any(not b.locked for b in theirs):
                found.append(Violation(ViolationCode.DEPENDENCY_ORDER, task.id, f"{dep} is not placed"))
            elif theirs and max(b.end for b in theirs) > first:
                found.append(Violation(ViolationCode.DEPENDENCY_ORDER, task.id, f"starts before {dep} ends"))
    return found


def check_hard_constraints(problem: Problem, schedule: Schedule) -> list[Violation]:
    """Every broken hard constraint of `schedule`; an empty list means the schedule is valid."""
    locked = locked_blocks(problem)
    found = [
        Violation(ViolationCode.LOCKED_BLOCK_CHANGED, b.task_id, b.start.isoformat())
        for b in set(locked) ^ {b for b in schedule.blocks if b.locked}
    ]
    tasks = {t.id: t for t in problem.tasks}
    pending = {
        t.id for t in problem.tasks if t.id not in problem.completed_task_ids and remaining_minutes(t, locked) > 0
    }
    work = working_intervals(problem.person, problem.now, problem.horizon_end)
    by_task: dict[str, list[ScheduledBlock]] = defaultdict(list)
    for block in schedule.blocks:
        by_task[block.task_id].append(block)
    for task_id, blocks in sorted(by_task.items()):
        movable = [b for b in blocks if not b.locked]
        if not movable:
            continue
        if task_id not in pending:
            found.append(Violation(ViolationCode.UNKNOWN_TASK, task_id, "no remaining work to place"))
            continue
        task = tasks[task_id]
        for block in movable:
            found += [
                Violation(code, task_id, block.start.isoformat()) for code in _block_checks(problem, task, block, work)
            ]
        found += _size_checks(problem, task, movable, locked)
    found += _overlaps(problem, schedule.blocks)
    found += _dependency_checks(problem, by_task, pending)
    return found
