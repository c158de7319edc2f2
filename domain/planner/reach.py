"""How early a task can end on its own: the free runs it may use, the earliest it ends alone on an empty
calendar, and the earliest it can start once its predecessors are done. Lower bounds every plan respects,
for the relaxation (selection.py) and for telling why a task is left out (output.py).
"""

from __future__ import annotations

from domain.planner.dependencies import topological
from domain.planner.instance import Instance, Job, Span
from domain.planner.occupancy import free_runs


def usable_runs(instance: Instance, lo: int, hi: int, least: int) -> list[Span]:
    free = bytearray(instance.static_free)
    return [(s, e) for s, e in free_runs(free, lo, hi) if e - s >= least]


def earliest_end(instance: Instance, job: Job, release: int | None = None) -> int | None:
    """Where the job would end alone on an empty calendar (each run used as far as chunks allow),
    starting no earlier than `release` (its own by default)."""
    left = job.size
    start = job.release if release is None else release
    for s, e in usable_runs(instance, start, job.hard_end, job.min_chunk):
        if job.min_chunk == job.size:
            if e - s >= job.size:
                return s + job.size
            continue
        if e - s >= left:
            return s + left
        left -= e - s
    return None


def releases_after_predecessors(instance: Instance) -> list[int]:
    """Per job, the earliest slot it can start: its own release, or the earliest its predecessors
    can all end, each alone on an empty calendar. A job whose predecessor cannot be placed gets its
    hard end (nothing fits after it): a task due before its predecessor may start is never placed.
    """
    jobs = instance.jobs
    release = [job.release for job in jobs]
    for j in topological(range(len(jobs)), [job.preds for job in jobs]):
        job = jobs[j]
        for p in job.preds:
            end = earliest_end(instance, jobs[p], release[p])
            release[j] = max(release[j], job.hard_end if end is None else end)
    return release
