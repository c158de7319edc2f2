"""The orders in which a constructive pass offers jobs to the placer.

Each ordering is a sort key; `ordered` then makes the order topological (a job after its
predecessors) while moving it as little as possible.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from domain.planner.dependencies import topological
from domain.planner.instance import Instance, Job
from domain.planner.occupancy import runs_in

NEVER = 10**9
Key = tuple[float, ...]


def effective_due(instance: Instance) -> list[int]:
    """Per job, the slot by which it should end: its own deadline, or earlier if a successor needs it."""
    sm = instance.slot_minutes
    due = []
    for job in instance.jobs:
        soft = NEVER if job.due_minute is None else job.due_minute // sm
        hard = job.hard_end if job.hard_end < instance.grid.size else NEVER
        due.append(min(soft, hard))
    changed = True
    while changed:  # pull deadlines back along dependencies until nothing moves
        changed = False
        for job in instance.jobs:
            for succ in job.succs:
                needed = due[succ] - instance.jobs[succ].size
                if needed < due[job.index]:
                    due[job.index] = needed
                    changed = True
    return due


def free_capacity(instance: Instance, job: Job, due: int) -> int:
    end = min(due, instance.grid.size)
    return instance.static_free.count(1, job.release, end) if end > job.release else 0


Ordering = Callable[[Instance, Job, Sequence[int]], Key]


def _edf(inst: Instance, job: Job, due: Sequence[int]) -> Key:
    return (due[job.index], job.task.priority, -job.size, job.index)


def _priority(inst: Instance, job: Job, due: Sequence[int]) -> Key:
    return (job.task.priority, due[job.index], job.index)


def _slack(inst: Instance, job: Job, due: Sequence[int]) -> Key:
    if due[job.index] >= NEVER:
        return (NEVER, job.task.priority, job.index)
    slack = free_capacity(inst, job, due[job.index]) - job.size
    return (slack / job.weight, job.index)


def _wspt(inst: Instance, job: Job, due: Sequence[int]) -> Key:
    return (job.size / job.weight, due[job.index], job.index)


def _deep_first(inst: Instance, job: Job, due: Sequence[int]) -> Key:
    return (not job.task.is_deep, due[job.index], job.task.priority, job.index)


def _hard_first(inst: Instance, job: Job, due: Sequence[int]) -> Key:
    hard = job.hard_end < inst.grid.size
    return (not hard, due[job.index], job.task.priority, job.index)


def _weighted_due(inst: Instance, job: Job, due: Sequence[int]) -> Key:
    # A day of deadline per priority step: urgent work jumps ahead of less urgent work due soon after.
    day = 24 * 60 // inst.slot_minutes
    return (due[job.index] + day * (job.task.priority - 1), job.index)


def start_positions(instance: Instance, job: Job) -> int:
    """How many places could take the job's first chunk on an empty calendar: its flexibility."""
    runs = runs_in(bytearray(instance.static_free), job.release, job.hard_end, job.windows)
    return sum(max(0, e - s - job.min_chunk + 1) for s, e in runs)


def _constrained(inst: Instance, job: Job, due: Sequence[int]) -> Key:
    return (start_positions(inst, job), due[job.index], job.index)


def _largest_first(inst: Instance, job: Job, due: Sequence[int]) -> Key:
    return (-job.min_chunk, -job.size, due[job.index], job.index)


def _density(inst: Instance, job: Job, due: Sequence[int]) -> Key:
    # Value per slot of leaving nothing out: when not everything fits, keep the dense work.
    w = inst.problem.weights
    value = job.weight * (w.unplaced_base + w.unplaced_per_minute * job.size * inst.slot_minutes)
    return (-value / job.size, due[job.index], job.index)


ORDERINGS: dict[str, Ordering] = {
    "density": _density,
    "edf": _edf,
    "priority": _priority,
    "slack": _slack,
    "wspt": _wspt,
    "deep-first": _deep_first,
    "hard-first": _hard_first,
    "weighted-due": _weighted_due,
    "largest-first": _largest_first,
    "constrained": _constrained,
}


def ordered(instance: Instance, name: str, due: Sequence[int] | None = None) -> list[int]:
    due = effective_due(instance) if due is None else due
    key = ORDERINGS[name]
    order = sorted(range(len(instance.jobs)), key=lambda j: key(instance, instance.jobs[j], due))
    return topological(order, [job.preds for job in instance.jobs])
