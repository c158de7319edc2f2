"""On top of the heuristic: a time-limited polish (CP-SAT, and for large problems an iterated local
search first), and an exact CP-SAT solve for benchmarks.

ortools is an optional dependency: cpsat.py imports it only inside its functions, so the rest of
the engine (and this module itself) loads without it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from domain.planner.cpsat import solve
from domain.planner.cpsat_lns import polish_by_windows
from domain.planner.deep_search import deep_search
from domain.planner.instance import Instance, Span, compile_problem
from domain.planner.model import Problem
from domain.planner.objective import CostModel, chunks_from_blocks
from domain.planner.options import PolishOptions
from domain.planner.output import to_schedule
from domain.planner.placement import Placement, Placer
from domain.planner.plan import Plan
from domain.planner.result import Schedule
from domain.planner.selection import selection_start

# Chunks per job the polish model allows (besides the ones the heuristic used): enough to improve,
# few enough to keep the model small. The exact solve has no cap.
POLISH_MAX_CHUNKS = 4
# Up to this many jobs the polish hands CP-SAT the whole problem; beyond, it works window by window.
WHOLE_MODEL_JOBS = 25
# Below this, the time left after the local search is not worth a CP-SAT window sweep.
WINDOW_MIN_SECONDS = 0.2


@dataclass(frozen=True, slots=True)
class ExactResult:
    schedule: Schedule | None
    optimal: bool
    bound: int
    seconds: float


def plan_from_chunks(instance: Instance, chunks: list[list[Span]], strategy: str) -> Plan:
    placer = Placer(instance, CostModel(instance))
    plan = Plan(instance, placer, strategy)
    for j, job_chunks in enumerate(chunks):
        if job_chunks:
            plan.put(j, Placement(sorted(job_chunks), placer.cost(instance.jobs[j], sorted(job_chunks))))
    return plan


def _slot_chunks(instance: Instance, schedule: Schedule) -> list[list[Span]]:
    sm = instance.slot_minutes
    return [[(s // sm, e // sm) for s, e in job] for job in chunks_from_blocks(instance, schedule.blocks)]


def polish(problem: Problem, schedule: Schedule, options: PolishOptions, instance: Instance | None = None) -> Schedule:
    """A time-limited search started from `schedule`; returns whichever is better (never a worse one).

    Small problems go to CP-SAT whole; larger ones get the iterated local search (deep_search),
    then CP-SAT window by window (cpsat_lns) if time is left.
    """
    instance = instance if instance is not None else compile_problem(problem)
    start = _slot_chunks(instance, schedule)
    if len(instance.jobs) <= WHOLE_MODEL_JOBS:
        result = solve(
            instance,
            time_limit_s=options.time_limit_s,
            workers=options.workers,
            max_chunks=POLISH_MAX_CHUNKS,
            hint=start,
            deterministic_time=options.deterministic_time,
        )
        chunks = result.chunks
    else:
        chunks = _search_then_windows(instance, start, options)
    if chunks is None:
        return schedule
    polished = to_schedule(problem, plan_from_chunks(instance, chunks, "cp-sat-polish"))
    better = polished.quality.objective < schedule.quality.objective
    return polished if better and polished.quality.hard_violations == 0 else schedule


def _search_then_windows(instance: Instance, start: list[list[Span]], options: PolishOptions) -> list[list[Span]]:
    """Iterated local search for `search_share` of the time (it chooses which work to leave out far
    better than CP-SAT can on a whole month), then CP-SAT window by window on what it found.

    When the heuristic leaves work out, the search runs in two halves: the first from the
    heuristic's plan, the second from whichever is cheaper, the first half's result or a plan built
    around the capacity relaxation's choice of what to leave out (selection.py), which often lies
    in a better basin than local search reaches.
    """
    started = time.perf_counter()
    budget = options.time_limit_s * options.search_share
    searched = plan_from_chunks(instance, start, "heuristic")
    chosen = None
    if options.selection and not all(searched.placed(j) for j in range(len(instance.jobs))):
        chosen = selection_start(instance)
    halves = [options.seed] if chosen is None else [options.seed, options.seed + 1]
    for i, seed in enumerate(halves):
        if i and chosen is not None and chosen.total < searched.total:
            searched = chosen
        share = (budget - (time.perf_counter() - started)) / (len(halves) - i)
        searched = deep_search(searched, rounds=options.search_rounds, time_limit_s=share, seed=seed)
    left = options.time_limit_s - (time.perf_counter() - started)
    if left <= WINDOW_MIN_SECONDS:
        return searched.chunks
    # Window models are small: one CP-SAT worker follows the hint and proves them fastest.
    return polish_by_windows(
        instance, searched.chunks, time_limit_s=left, workers=1, deterministic_time=options.deterministic_time
    )


def solve_exact(
    problem: Problem, *, time_limit_s: float, workers: int = 2, hint: Schedule | None = None
) -> ExactResult:
    """CP-SAT on the full model (no chunk cap): with enough time, a proven optimum of the objective."""
    instance = compile_problem(problem)
    start_from = _slot_chunks(instance, hint) if hint is not None else None
    result = solve(instance, time_limit_s=time_limit_s, workers=workers, hint=start_from)
    schedule = None
    if result.chunks is not None:
        schedule = to_schedule(problem, plan_from_chunks(instance, result.chunks, "cp-sat-exact"))
    return ExactResult(schedule, result.optimal, result.bound, result.seconds)
