"""A quick lower bound on the objective, to tell how much any solver could still gain.

Relaxation: the work, with one buffer per task, must fit in the person's free runs (each run also holds
one buffer fewer than blocks; runs too short for any task's smallest piece are useless), ignoring
chunk sizes, deadlines and dependencies, and a task may be placed in part. What cannot fit costs its
unplaced penalty, pro rata, least valuable work first (a fractional knapsack); every other term is
taken as zero. Valid, because in a run of length L blocks b1..bk use sum(b_i) + (k - 1) buffers <= L.
"""

from __future__ import annotations

from domain.scheduling.instance import compile_problem
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
