"""From a working plan to the Schedule the engine returns, with a reason for every unplaced task."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from domain.planner.instance import Instance, Job
from domain.planner.model import BlockState, Problem
from domain.planner.objective import evaluate_chunks
from domain.planner.occupancy import runs_in
from domain.planner.placement import Rule
from domain.planner.plan import Plan
from domain.planner.reach import earliest_end, releases_after_predecessors
from domain.planner.result import (
    Evaluation,
    Quality,
    Schedule,
    ScheduledBlock,
    UnplacedReason,
    UnplacedTask,
)
from domain.planner.validate import check_hard_constraints


def _static_room(instance: Instance, job: Job) -> tuple[int, int]:
    """Largest free run and total free slots for the job before any other work is placed."""
    runs = list(runs_in(bytearray(instance.static_free), job.release, job.hard_end, job.windows))
    return max((e - s for s, e in runs), default=0), sum(e - s for s, e in runs)


def _after_predecessors_only(instance: Instance, job: Job, release: int) -> bool:
    """Whether the job fits alone on an empty calendar, but not after the earliest its predecessors end."""
    return earliest_end(instance, job, release) is None and earliest_end(instance, job) is not None


def _no_capacity(job: Job) -> UnplacedReason:
    hard = job.task.deadline is not None and job.task.deadline.is_hard
    return UnplacedReason.NO_CAPACITY_BEFORE_DEADLINE if hard else UnplacedReason.NO_CAPACITY_IN_HORIZON


def diagnose(plan: Plan, j: int, release: Sequence[int] | None = None) -> UnplacedTask:
    """Why job j is not in the plan, checking the causes from the most to the least structural.

    `release` is the earliest each job can start once its predecessors can be done
    (reach.releases_after_predecessors), worked out once for all the jobs left out.
    """
    job = plan.jobs[j]
    sm = plan.instance.slot_minutes
    if any(not plan.placed(p) for p in job.preds):
        return UnplacedTask(job.id, UnplacedReason.DEPENDENCY_UNPLACED, "a predecessor is not placed")
    if job.release >= job.hard_end:
        return UnplacedTask(job.id, UnplacedReason.DEADLINE_BEFORE_START, "no time between start and deadline")
    if job.preds and release is not None and _after_predecessors_only(plan.instance, job, release[j]):
        if job.task.deadline is not None and job.task.deadline.is_hard:
            detail = "its predecessors cannot be done in time to leave room before its deadline"
            return UnplacedTask(job.id, UnplacedReason.DEADLINE_BEFORE_START, detail)
        detail = "its predecessors cannot be done in time to leave room inside the horizon"
        return UnplacedTask(job.id, UnplacedReason.NO_CAPACITY_IN_HORIZON, detail)
    if job.windows is not None and not any(job.release < hi and lo < job.hard_end for lo, hi in job.windows):
        return UnplacedTask(job.id, UnplacedReason.OUTSIDE_TASK_WINDOWS, "no window inside the horizon")
    longest, total = _static_room(plan.instance, job)
    if total < job.size:
        return UnplacedTask(job.id, _no_capacity(job), f"only {total * sm} of {job.size * sm} min free")
    if longest < job.min_chunk:
        detail = f"needs {job.min_chunk * sm} min in one piece, longest free span is {longest * sm} min"
        return UnplacedTask(job.id, UnplacedReason.CHUNK_TOO_LARGE, detail)
    window = plan.window(j)
    if window is not None and plan.placer.place(job, plan.occupancy.free, *window, Rule.FIRST_FIT) is not None:
        return UnplacedTask(job.id, UnplacedReason.LATE_BEYOND_PENALTY, "only room is too late to be worth it")
    return UnplacedTask(job.id, _no_capacity(job), "the free time went to more pressing work")


def _quality(evaluation: Evaluation, violations: int, strategy: str) -> Quality:
    return Quality(
        objective=evaluation.objective,
        terms=evaluation.terms,
        late_minutes=evaluation.late_minutes,
        late_tasks=evaluation.late_tasks,
        hard_violations=violations,
        moved_blocks=evaluation.moved_blocks,
        strategy=strategy,
    )


def to_schedule(problem: Problem, plan: Plan) -> Schedule:
    """The plan as instants, priced by the shared objective and checked by the validator."""
    instance, grid = plan.instance, plan.instance.grid
    blocks = list(instance.locked)
    for job, chunks in zip(plan.jobs, plan.chunks, strict=True):
        blocks += [ScheduledBlock(job.id, grid.at(s), grid.at(e), BlockState.PLANNED) for s, e in chunks]
    blocks.sort(key=lambda b: (b.start, b.end, b.task_id))
    unplaced = list(instance.rejected)
    left_out = [j for j in range(len(plan.jobs)) if not plan.placed(j)]
    release = releases_after_predecessors(instance) if any(plan.jobs[j].preds for j in left_out) else None
    unplaced += [diagnose(plan, j, release) for j in left_out]
    evaluation = evaluate_chunks(instance, plan.minute_chunks())
    draft = Schedule(
        tuple(blocks), tuple(sorted(unplaced, key=lambda u: u.task_id)), _quality(evaluation, 0, plan.strategy)
    )
    violations = check_hard_constraints(problem, draft)
    return replace(draft, quality=_quality(evaluation, len(violations), plan.strategy))
