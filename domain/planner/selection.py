"""Which tasks to leave out of an overloaded plan, chosen on a capacity relaxation, and plans built
around that choice.

On an overloaded person most of the objective is the work left out, and the best choice is a
knapsack: small, high-priority tasks are worth far more per slot than large, low-priority ones.
Local search reaches such a choice slowly, one exchange at a time, so the polish also starts from
plans built around the relaxation's choice:

- capacity per interval: the tasks that must lie inside [a, b) (released at or after a, hard
  deadline at or before b) and whose smallest piece is at least L, with one buffer per block,
  fit in the free runs of [a, b) of length L or more, plus one buffer per run (in a run of
  length L, blocks b1..bk take sum(b_i) + (k - 1) buffers);
- a task takes at least `fewest_blocks` blocks, is placed only if it fits alone after the earliest
  its predecessors can end and its size splits into chunks it allows, and only with its predecessors.

The same relaxation, with its full objective, is the lower bound the L-tier benchmark prints
(bench/scheduling/bounds.py). Requires ortools for the choice; the helpers work without it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from domain.planner.dependencies import topological
from domain.planner.improve import improve
from domain.planner.instance import Instance, Job
from domain.planner.objective import CostModel
from domain.planner.orderings import effective_due, ordered
from domain.planner.placement import Placer, Rule
from domain.planner.plan import Plan
from domain.planner.reach import earliest_end, releases_after_predecessors, usable_runs

if TYPE_CHECKING:
    from ortools.sat.python import cp_model

# Capacity held back from the relaxation, as shares: blocks never pack runs perfectly, so choices
# that leave some room spare often place more in the end.
MARGINS = (0.0, 0.03, 0.06, 0.1)
# Orders and rules a chosen set is placed in (the chosen tasks first, then the others if they fit);
# "value" is the most costly to leave out first.
BUILDS = ("value", "edf", "hard-first", "largest-first", "constrained", "density")
# Placements the local search spends on each margin's best build.
SETTLE_EFFORT = 6_000
# Solver work units (deterministic, unlike seconds) for one choice; the models solve well within it.
CHOICE_WORK = 2.0


def shortest(job: Job) -> int:
    """The smallest piece the job can be placed in."""
    return job.size if job.min_chunk == job.size else job.min_chunk


def splits_exist(job: Job) -> bool:
    """Whether the job's size is a sum of chunk sizes it allows (105 minutes in 60 to 90 is not)."""
    low, high = job.min_chunk, job.max_chunk
    return any(k * low <= job.size <= k * high for k in range(1, job.size // low + 1))


def fewest_blocks(instance: Instance, job: Job, release: int | None = None) -> int:
    """The fewest blocks the job can be placed in: none longer than its largest chunk, nor than the
    longest free run it may use (each block lies inside one free run)."""
    if job.min_chunk == job.size:
        return 1
    start = job.release if release is None else release
    runs = usable_runs(instance, start, job.hard_end, job.min_chunk)
    longest = min(job.max_chunk, max((e - s for s, e in runs), default=job.size))
    return -(-job.size // max(1, longest))


def add_capacity(
    m: cp_model.CpModel, instance: Instance, placed: dict[int, cp_model.IntVar], margin: float = 0.0
) -> None:
    """The relaxation's constraints on the placed-or-not variables (see the module docstring);
    `margin` holds back that share of each interval's room."""
    pad = instance.buffer_slots
    release = releases_after_predecessors(instance)
    for job in instance.jobs:
        if earliest_end(instance, job, release[job.index]) is None or not splits_exist(job):
            m.add(placed[job.index] == 0)
        for p in job.preds:
            m.add_implication(placed[job.index], placed[p])
    blocks = {job.index: fewest_blocks(instance, job, release[job.index]) for job in instance.jobs}
    for a in sorted(set(release)):
        for b in sorted({job.hard_end for job in instance.jobs}):
            inside = [job for job in instance.jobs if release[job.index] >= a and job.hard_end <= b]
            # Work whose smallest piece is at least L can only use the runs of length L or more.
            for least in sorted({shortest(job) for job in inside}):
                needing = [job for job in inside if shortest(job) >= least]
                runs = usable_runs(instance, a, b, least)
                room = sum(e - s for s, e in runs) + pad * len(runs)
                used = sum((job.size + pad * blocks[job.index]) * placed[job.index] for job in needing)
                m.add(used <= int(room * (1 - margin)))


def choose(instance: Instance, margin: float) -> set[int] | None:
    """The jobs the relaxation places at the least unplaced and lateness cost; None if unsolved."""
    from ortools.sat.python import cp_model

    costs, m = CostModel(instance), cp_model.CpModel()
    w, sm = instance.problem.weights, instance.slot_minutes
    placed = {job.index: m.new_bool_var(f"placed {job.id}") for job in instance.jobs}
    add_capacity(m, instance, placed, margin)
    release = releases_after_predecessors(instance)
    terms: list[cp_model.LinearExprT] = []
    for job in instance.jobs:
        terms.append(costs.unplaced_cost(job) * (1 - placed[job.index]))
        end = earliest_end(instance, job, release[job.index])
        if end is not None and job.due_minute is not None:
            terms.append(job.weight * w.late_per_minute * max(0, end * sm - job.due_minute) * placed[job.index])
    m.minimize(sum(terms))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_deterministic_time = CHOICE_WORK
    if solver.solve(m) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return {j for j, x in placed.items() if solver.value(x)}


def build_around(instance: Instance, placer: Placer, chosen: set[int], name: str, rule: Rule) -> Plan:
    """One greedy pass in the named order, the chosen jobs first, then the rest where they fit."""
    if name == "value":
        worth = _worth(instance, placer)
        order = sorted(range(len(instance.jobs)), key=lambda j: (-worth[j], j))
    else:
        order = ordered(instance, name, effective_due(instance))
    first = [j for j in order if j in chosen]
    rest = [j for j in order if j not in chosen]
    plan = Plan(instance, placer, f"selection/{name}/{rule}")
    for j in topological(first + rest, [job.preds for job in instance.jobs]):
        plan.try_place(j, rule)
    return plan


def _worth(instance: Instance, placer: Placer) -> list[int]:
    """Per job, the largest unplaced cost among it and the jobs waiting on it: a predecessor is
    worth what it unlocks."""
    worth = [placer.costs.unplaced_cost(job) for job in instance.jobs]
    changed = True
    while changed:
        changed = False
        for job in instance.jobs:
            best = max((worth[s] for s in job.succs), default=0)
            if best > worth[job.index]:
                worth[job.index] = best
                changed = True
    return worth


def selection_start(instance: Instance) -> Plan | None:
    """The cheapest plan built around the relaxation's choice at each margin, after a short local
    search; None when no choice was found. Deterministic."""
    placer = Placer(instance, CostModel(instance))
    best: Plan | None = None
    for margin in MARGINS:
        chosen = choose(instance, margin)
        if chosen is None:
            continue
        builds = [build_around(instance, placer, chosen, name, rule) for name in BUILDS for rule in Rule]
        settled = improve(min(builds, key=lambda p: p.total), SETTLE_EFFORT)
        if best is None or settled.total < best.total:
            best = settled
    return best
