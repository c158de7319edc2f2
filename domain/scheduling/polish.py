"""On top of the heuristic: a time-limited polish (CP-SAT, and for large problems an iterated local
search first), and an exact CP-SAT solve for benchmarks.

ortools is an optional dependency: this module imports it only inside its functions, so the rest of
the engine (and this module itself) loads without it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from domain.scheduling.instance import Instance, Span, compile_problem
from domain.scheduling.model import Problem
from domain.scheduling.objective import CostModel, chunks_from_blocks
from domain.scheduling.output import to_schedule
from domain.scheduling.placement import Placement, Placer
from domain.scheduling.plan import Plan
from domain.scheduling.result import Schedule

if TYPE_CHECKING:
    from ortools.sat.python import cp_model

    from domain.scheduling.engine import PolishOptions

# Chunks per job the polish model allows (besides the ones the heuristic used): enough to improve,
# few enough to keep the model small. The exact solve has no cap.
POLISH_MAX_CHUNKS = 4
# Time for filling in a hint on the chunk variables (see _complete_hint).
HINT_SECONDS = 1.0
# Up to this many jobs the polish hands CP-SAT the whole problem; beyond, it works window by window.
WHOLE_MODEL_JOBS = 25
# Below this, the time left after the local search is not worth a CP-SAT window sweep.
WINDOW_MIN_SECONDS = 0.2


@dataclass(frozen=True, slots=True)
class CpSatResult:
    chunks: list[list[Span]] | None  # slots per job; None when no solution was found
    objective: int | None
    bound: int
    optimal: bool
    status: str
    seconds: float


@dataclass(frozen=True, slots=True)
class ExactResult:
    schedule: Schedule | None
    optimal: bool
    bound: int
    seconds: float


def available() -> bool:
    try:
        import ortools.sat.python.cp_model  # noqa: F401
    except ImportError:
        return False
    return True


def solve(
    instance: Instance,
    *,
    time_limit_s: float,
    workers: int = 2,
    max_chunks: int | None = None,
    hint: list[list[Span]] | None = None,
    deterministic_time: float | None = None,
) -> CpSatResult:
    from ortools.sat.python import cp_model

    from domain.scheduling.cpsat_model import build

    started = time.perf_counter()
    built = build(instance, max_chunks=max_chunks, hint=hint)
    if hint is not None:
        # Bounded by solver work when the caller wants a repeatable result: a clock cut short on a busy machine
        # would leave a different hint.
        hint_limit = time_limit_s / 2 if deterministic_time is not None else min(HINT_SECONDS, time_limit_s / 2)
        _complete_hint(built.model, hint_limit, deterministic_time)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.1, time_limit_s - (time.perf_counter() - started))
    solver.parameters.num_workers = workers
    if deterministic_time is not None:
        solver.parameters.max_deterministic_time = deterministic_time
    status = solver.solve(built.model)
    found = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    chunks = None
    if found:
        chunks = [
            [(solver.value(c.start), solver.value(c.end)) for c in job.chunks if solver.value(c.present)]
            for job in built.jobs
        ]
    return CpSatResult(
        chunks=chunks,
        objective=int(solver.objective_value) if found else None,
        bound=int(solver.best_objective_bound),
        optimal=status == cp_model.OPTIMAL,
        status=solver.status_name(status),
        seconds=solver.wall_time,
    )


def _complete_hint(model: cp_model.CpModel, time_limit_s: float, deterministic_time: float | None = None) -> None:
    """Turn a hint on the chunk variables into a hint on every variable.

    CP-SAT struggles to extend a partial hint on a large model (the run, lateness and peak variables
    are left for it to find), so a first, tiny solve fixes the hinted variables and fills in the rest.
    """
    from ortools.sat.python import cp_model

    filler = cp_model.CpSolver()
    filler.parameters.fix_variables_to_their_hinted_value = True
    filler.parameters.max_time_in_seconds = time_limit_s
    filler.parameters.num_workers = 1
    if deterministic_time is not None:
        filler.parameters.max_deterministic_time = deterministic_time
    if filler.solve(model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return
    model.clear_hints()  # type: ignore[no-untyped-call]  # ortools leaves this one unannotated
    for index in range(len(model.proto.variables)):
        variable = model.get_int_var_from_proto_index(index)
        model.add_hint(variable, filler.value(variable))


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
    from domain.scheduling.cpsat_lns import polish_by_windows
    from domain.scheduling.deep_search import deep_search
    from domain.scheduling.selection import selection_start

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
