"""CP-SAT over a sliding window of days: the polish for plans too large for one model.

A whole person-month is too big a model for CP-SAT to improve in a few seconds, but a two-day window
is small enough to solve to optimality: the jobs inside the window (plus the unplaced ones and those
that could move into it) are freed, everything else stays put, and the window's sub-problem is
solved exactly on the same objective. A window's result is kept only when it lowers the total.
"""

from __future__ import annotations

import time
from dataclasses import replace

from domain.planner.cpsat import solve
from domain.planner.instance import Instance, Job, Span
from domain.planner.objective import CostModel

DAY_MINUTES = 24 * 60
MAX_WAITING = 6


def _free_jobs(instance: Instance, chunks: list[list[Span]], lo: int, hi: int) -> list[int]:
    """Jobs the window may move: those placed wholly inside it, and the unplaced ones.

    A placed job whose successors stay put keeps its place (leaving it out would strand them).
    """
    inside, waiting = [], []
    for job in instance.jobs:
        mine = chunks[job.index]
        if job.release >= hi or job.hard_end <= lo:
            continue
        if mine and lo <= mine[0][0] and mine[-1][1] <= hi:
            inside.append(job.index)
        elif not mine:
            waiting.append(job)
    # The unplaced jobs most worth placing per slot they need; a few keep the model small.
    waiting.sort(key=lambda job: (-job.weight / job.size, job.index))
    picked = set(inside) | {job.index for job in waiting[:MAX_WAITING]}
    changed = True
    while changed:  # drop jobs whose dependencies outside the window make them unmovable
        changed = False
        for j in list(picked):
            job = instance.jobs[j]
            stranded = any(chunks[s] and s not in picked for s in job.succs) and bool(chunks[j])
            blocked = any(not chunks[p] and p not in picked for p in job.preds)
            if stranded or blocked:
                picked.discard(j)
                changed = True
    return sorted(picked)


def _sub_instance(instance: Instance, chunks: list[list[Span]], free: list[int], lo: int, hi: int) -> Instance:
    """The window as an instance of its own: other jobs' blocks (and buffers) are busy time."""
    mask = bytearray(instance.static_free)
    mask[:lo] = bytes(lo)
    mask[hi:] = bytes(len(mask) - hi)
    pad = instance.buffer_slots
    moving = set(free)
    for job in instance.jobs:
        if job.index not in moving:
            for s, e in chunks[job.index]:
                a, b = max(0, s - pad), min(len(mask), e + pad)
                mask[a:b] = bytes(b - a)
    new_index = {j: i for i, j in enumerate(free)}
    jobs = []
    for j in free:
        job = instance.jobs[j]
        release, hard_end = max(job.release, lo), min(job.hard_end, hi)
        for p in job.preds:
            if p not in moving and chunks[p]:
                release = max(release, chunks[p][-1][1])
        for s in job.succs:
            if s not in moving and chunks[s]:
                hard_end = min(hard_end, chunks[s][0][0])
        jobs.append(
            replace(
                job,
                index=new_index[j],
                release=release,
                hard_end=max(release, hard_end),
                preds=tuple(new_index[p] for p in job.preds if p in moving),
                succs=tuple(new_index[s] for s in job.succs if s in moving),
            )
        )
    return replace(instance, jobs=tuple(jobs), static_free=bytes(mask), rejected=(), rejected_jobs=())


def _window_cost(model: CostModel, jobs: tuple[Job, ...], chunks: list[list[Span]]) -> int:
    return sum(model.cost_in_slots(job, chunks[i]) for i, job in enumerate(jobs))


def polish_by_windows(
    instance: Instance,
    chunks: list[list[Span]],
    *,
    time_limit_s: float,
    workers: int = 1,
    window_days: int = 2,
    window_limit_s: float = 1.0,
    deterministic_time: float | None = None,
) -> list[list[Span]]:
    """Improve `chunks` (slots per job) window by window until the time is up or a sweep finds nothing.

    With `deterministic_time`, each window is bounded by that much solver work rather than `window_limit_s`, so
    the sweep finds the same plan however busy the machine (`time_limit_s` then only caps the whole sweep)."""
    deadline = time.perf_counter() + time_limit_s
    model = CostModel(instance)
    current = [sorted(c) for c in chunks]
    day = DAY_MINUTES // instance.slot_minutes
    width = window_days * day
    starts = list(range(0, max(1, instance.grid.size - day), day))
    improved_in_sweep, position = False, 0
    while time.perf_counter() < deadline:
        lo = starts[position]
        free = _free_jobs(instance, current, lo, lo + width)
        if free:
            sub = _sub_instance(instance, current, free, lo, min(instance.grid.size, lo + width))
            before = _window_cost(model, sub.jobs, [current[j] for j in free])
            hint = [current[j] for j in free]
            left = deadline - time.perf_counter()
            window_s = left if deterministic_time is not None else min(window_limit_s, max(0.05, left))
            result = solve(
                sub, time_limit_s=window_s, workers=workers, hint=hint, deterministic_time=deterministic_time
            )
            if result.chunks is not None and result.objective is not None and result.objective < before:
                for i, j in enumerate(free):
                    current[j] = sorted(result.chunks[i])
                improved_in_sweep = True
        position += 1
        if position == len(starts):
            if not improved_in_sweep:
                break
            position, improved_in_sweep = 0, False
    return current
