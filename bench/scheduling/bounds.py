"""A quick lower bound on the objective, to tell how much any solver could still gain.

Relaxation: the work, with one buffer per task, must fit in the person's free runs (each run also holds
one buffer fewer than blocks; runs too short for any task's smallest piece are useless), ignoring
chunk sizes, deadlines and dependencies, and a task may be placed in part. What cannot fit costs its
unplaced penalty, pro rata, least valuable work first (a fractional knapsack); every other term is
taken as zero. Valid, because in a run of length L blocks b1..bk use sum(b_i) + (k - 1) buffers <= L.
"""

from __future__ import annotations

from domain.scheduling.instance import Instance, Job, Span, compile_problem
from domain.scheduling.model import Problem
from domain.scheduling.objective import CostModel
from domain.scheduling.occupancy import free_runs


def capacity_bound(problem: Problem) -> float:
    instance = compile_problem(problem)
    model = CostModel(instance)
    pad = instance.buffer_slots
    smallest = min((job.min_chunk for job in instance.jobs), default=1)
    runs = [e - s for s, e in free_runs(bytearray(instance.static_free), 0, instance.grid.size) if e - s >= smallest]
    capacity = sum(runs) + pad * len(runs)
    bound = float(sum(model.unplaced_cost(job) for job in instance.rejected_jobs))
    # Penalty per slot used: the work that is cheapest to leave out goes last.
    items = sorted(
        ((model.unplaced_cost(job) / (job.size + pad), job.size + pad) for job in instance.jobs), reverse=True
    )
    for density, need in items:
        placed = min(need, capacity)
        capacity -= placed
        bound += density * (need - placed)
    return bound


def _usable_runs(instance: Instance, lo: int, hi: int, shortest: int) -> list[Span]:
    free = bytearray(instance.static_free)
    return [(s, e) for s, e in free_runs(free, lo, hi) if e - s >= shortest]


def _shortest(job: Job) -> int:
    return job.size if job.min_chunk == job.size else job.min_chunk


def _earliest_end(instance: Instance, job: Job) -> int | None:
    """Where the job would end alone on an empty calendar (each run used as far as chunks allow)."""
    shortest = job.min_chunk
    left = job.size
    for s, e in _usable_runs(instance, job.release, job.hard_end, shortest):
        if job.min_chunk == job.size:
            if e - s >= job.size:
                return s + job.size
            continue
        if e - s >= left:
            return s + left
        left -= e - s
    return None


def splits_exist(job: Job) -> bool:
    """Whether the job's size is a sum of chunk sizes it allows (105 minutes in 60 to 90 is not)."""
    low, high = job.min_chunk, job.max_chunk
    return any(k * low <= job.size <= k * high for k in range(1, job.size // low + 1))


def relaxation_bound(problem: Problem, time_limit_s: float = 10.0) -> tuple[float, bool]:
    """A lower bound on one person's optimum from a relaxation solved by CP-SAT; (bound, proven).

    Relaxation, each part a necessary condition on any feasible plan:
    - capacity per interval: the tasks that must lie inside [a, b) (released at or after a, hard
      deadline at or before b) and whose smallest piece (the whole task if it cannot be split, else
      its minimum chunk) is at least L, one buffer each, fit in the free runs of [a, b) of length L
      or more, plus one buffer per run;
    - a task is placed only if it fits alone (a long enough run for an unsplittable task, enough
      room in runs of its minimum chunk otherwise), only if its size splits into chunks it allows,
      and only if its predecessors are placed;
    - lateness: a placed task ends no earlier than it would alone on an empty calendar;
    - deep work: the minutes in peak hours cannot exceed the free peak minutes;
    - fragmentation: a task longer than its largest chunk has at least the chunks that takes.
    Everything else (overlaps, exact positions) is dropped. Without ortools: the capacity bound.
    """
    from ortools.sat.python import cp_model

    instance = compile_problem(problem)
    costs = CostModel(instance)
    w, sm, pad = problem.weights, instance.slot_minutes, instance.buffer_slots
    m = cp_model.CpModel()
    terms: list[cp_model.LinearExprT] = []
    constant = sum(costs.unplaced_cost(job) for job in instance.rejected_jobs)
    placed = {}
    peak_use = []
    for job in instance.jobs:
        end = _earliest_end(instance, job)
        x = m.new_bool_var(f"placed {job.id}")
        placed[job.index] = x
        if end is None or not splits_exist(job):
            m.add(x == 0)
        terms.append(costs.unplaced_cost(job) * (1 - x))
        if end is not None and job.due_minute is not None:
            late = max(0, end * sm - job.due_minute)
            terms.append(job.weight * w.late_per_minute * late * x)
        pieces = -(-job.size // job.max_chunk)
        terms.append(w.per_extra_chunk * (pieces - 1) * x)
        if job.task.is_deep:
            in_peak = m.new_int_var(0, job.size * sm, f"peak {job.id}")
            m.add(in_peak <= job.size * sm * x)
            peak_use.append(in_peak)
            rate = w.offpeak_per_effort_minute * job.task.effort
            terms.append(rate * (job.size * sm * x - in_peak))
    for job in instance.jobs:
        for p in job.preds:
            m.add_implication(placed[job.index], placed[p])
    if peak_use:
        peak_minutes = sum(
            instance.peak.peak_minutes(s * sm, e * sm)
            for s, e in free_runs(bytearray(instance.static_free), 0, instance.grid.size)
        )
        m.add(sum(peak_use) <= peak_minutes)
    starts = sorted({job.release for job in instance.jobs})
    ends = sorted({job.hard_end for job in instance.jobs})
    for a in starts:
        for b in ends:
            inside = [job for job in instance.jobs if job.release >= a and job.hard_end <= b]
            # Work whose smallest piece is at least L can only use the runs of length L or more.
            for least in sorted({_shortest(job) for job in inside}):
                needing = [job for job in inside if _shortest(job) >= least]
                runs = _usable_runs(instance, a, b, least)
                room = sum(e - s for s, e in runs) + pad * len(runs)
                m.add(sum((job.size + pad) * placed[job.index] for job in needing) <= room)
    m.minimize(sum(terms) + constant)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit_s
    solver.parameters.num_workers = 2
    status = solver.solve(m)
    return solver.best_objective_bound, status == cp_model.OPTIMAL
