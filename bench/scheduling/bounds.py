"""A quick lower bound on the objective, to tell how much any solver could still gain.

Relaxation: the work, with one buffer per task, must fit in the person's free runs (each run also holds
one buffer fewer than blocks; runs too short for any task's smallest piece are useless), ignoring
chunk sizes, deadlines and dependencies, and a task may be placed in part. What cannot fit costs its
unplaced penalty, pro rata, least valuable work first (a fractional knapsack); every other term is
taken as zero. Valid, because in a run of length L blocks b1..bk use sum(b_i) + (k - 1) buffers <= L.
"""

from __future__ import annotations

from domain.planner.instance import compile_problem
from domain.planner.model import Problem
from domain.planner.objective import CostModel
from domain.planner.occupancy import free_runs
from domain.planner.reach import earliest_end, releases_after_predecessors
from domain.planner.selection import add_capacity, fewest_blocks


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


def relaxation_bound(problem: Problem, time_limit_s: float = 10.0) -> tuple[float, bool]:
    """A lower bound on one person's optimum from a relaxation solved by CP-SAT; (bound, proven).

    Relaxation, each part a necessary condition on any feasible plan:
    - capacity per interval: the tasks that must lie inside [a, b) (released at or after a, hard
      deadline at or before b) and whose smallest piece (the whole task if it cannot be split, else
      its minimum chunk) is at least L, one buffer per block, fit in the free runs of [a, b) of
      length L or more, plus one buffer per run; a task takes at least as many blocks as its size
      needs with none longer than its largest chunk or the longest run it may use
      (domain/planner/selection.py, which the polish also uses to choose what to leave out);
    - a task is placed only if it fits alone (a long enough run for an unsplittable task, enough
      room in runs of its minimum chunk otherwise) after the earliest its predecessors can end, only
      if its size splits into chunks it allows, and only if its predecessors are placed;
    - lateness: a placed task ends no earlier than it would alone on an empty calendar, started no
      earlier than its predecessors can end;
    - deep work: the minutes in peak hours cannot exceed the free peak minutes;
    - fragmentation: a task has at least the blocks the capacity counts.
    Everything else (overlaps, exact positions) is dropped. Without ortools: the capacity bound.
    """
    from ortools.sat.python import cp_model

    instance = compile_problem(problem)
    costs = CostModel(instance)
    w, sm = problem.weights, instance.slot_minutes
    m = cp_model.CpModel()
    terms: list[cp_model.LinearExprT] = []
    constant = sum(costs.unplaced_cost(job) for job in instance.rejected_jobs)
    placed = {job.index: m.new_bool_var(f"placed {job.id}") for job in instance.jobs}
    add_capacity(m, instance, placed)
    release = releases_after_predecessors(instance)
    peak_use = []
    for job in instance.jobs:
        end = earliest_end(instance, job, release[job.index])
        x = placed[job.index]
        terms.append(costs.unplaced_cost(job) * (1 - x))
        if end is not None and job.due_minute is not None:
            late = max(0, end * sm - job.due_minute)
            terms.append(job.weight * w.late_per_minute * late * x)
        terms.append(w.per_extra_chunk * (fewest_blocks(instance, job, release[job.index]) - 1) * x)
        if job.task.is_deep:
            in_peak = m.new_int_var(0, job.size * sm, f"peak {job.id}")
            m.add(in_peak <= job.size * sm * x)
            peak_use.append(in_peak)
            rate = w.offpeak_per_effort_minute * job.task.effort
            terms.append(rate * (job.size * sm * x - in_peak))
    if peak_use:
        peak_minutes = sum(
            instance.peak.peak_minutes(s * sm, e * sm)
            for s, e in free_runs(bytearray(instance.static_free), 0, instance.grid.size)
        )
        m.add(sum(peak_use) <= peak_minutes)
    m.minimize(sum(terms) + constant)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit_s
    solver.parameters.num_workers = 2
    status = solver.solve(m)
    return solver.best_objective_bound, status == cp_model.OPTIMAL
