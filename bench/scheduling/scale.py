"""L tier: 18 people x 20 working days (about 1,000 tasks), the default engine and the polish.

    .venv/bin/python -m bench.scheduling.scale [--seed 0] [--polish 5] [--workers 2] [--processes 2]
                                               [--polish-seed N] [--selection]

Prints one row per person and the totals: wall and CPU time, objective, hard violations, unplaced
and late tasks, for the baseline, the default engine and the engine followed by the polish
(`--polish` seconds per person: iterated local search from the engine's plan, and with `--selection`
also from one built around the relaxation's choice of what to leave out; 0 skips it). Per
person it also prints a lower bound on the optimum (bench/scheduling/bounds.py: a relaxation
solved by CP-SAT), and so the most any solver could gain.

The baseline and the default engine plan the people in `--processes` processes (one per core by default), as
the workers plan people in parallel; wall time is the whole tier's, CPU time the sum of the processes'. The
polish plans them one after another, each with its own time limit.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import time
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import replace
from functools import partial

from bench.scheduling.bounds import capacity_bound, relaxation_bound
from bench.scheduling.generate import generate
from bench.scheduling.tables import table
from domain.planner.engine import baseline, plan
from domain.planner.model import Problem
from domain.planner.options import PlanOptions, PolishOptions
from domain.planner.result import Schedule


def _solve_timed(solve: Callable[[Problem], Schedule], problem: Problem) -> tuple[Schedule, float]:
    cpu = time.process_time()
    schedule = solve(problem)
    return schedule, time.process_time() - cpu


def _timed(
    problems: list[Problem], solve: Callable[[Problem], Schedule], pool: Executor | None = None
) -> tuple[list[Schedule], float, float]:
    wall = time.perf_counter()
    timed = partial(_solve_timed, solve)
    if pool is None:
        results = [timed(p) for p in problems]
    else:
        # The largest first, so no process is left with a large one at the end.
        order = sorted(range(len(problems)), key=lambda i: -len(problems[i].tasks))
        done = dict(zip(order, pool.map(timed, [problems[i] for i in order]), strict=True))
        results = [done[i] for i in range(len(problems))]
    return [schedule for schedule, _ in results], time.perf_counter() - wall, sum(cpu for _, cpu in results)


def _started(processes: int) -> Executor:
    """Worker processes forked from this one (imports and caches warm), all started before any timing."""
    pool = ProcessPoolExecutor(max_workers=processes, mp_context=multiprocessing.get_context("fork"))
    list(pool.map(time.sleep, [0.2] * processes))
    return pool


def _totals(name: str, schedules: list[Schedule], wall: float, cpu: float) -> list[object]:
    q = [s.quality for s in schedules]
    return [
        name,
        wall,
        cpu,
        sum(x.objective for x in q),
        sum(x.hard_violations for x in q),
        sum(len(s.unplaced) for s in schedules),
        sum(x.late_tasks for x in q),
    ]


def run(
    seed: int, polish_seconds: float, workers: int, polish: PolishOptions | None = None, processes: int = 2
) -> None:
    problems = generate("L", seed)
    plan(problems[0])  # warm imports and caches so the timing is the engine's alone
    with _started(processes) as pool:
        plain, plain_wall, plain_cpu = _timed(problems, baseline, pool)
        engine, engine_wall, engine_cpu = _timed(problems, plan, pool)
    rows = [
        _totals("baseline (EDF first-fit)", plain, plain_wall, plain_cpu),
        _totals("default engine", engine, engine_wall, engine_cpu),
    ]
    polished: list[Schedule] = []
    if polish_seconds > 0:
        chosen = replace(polish or PolishOptions(), time_limit_s=polish_seconds, workers=workers)
        options = PlanOptions(polish=chosen)
        polished, wall, cpu = _timed(problems, lambda p: plan(p, options))
        rows.append(_totals(f"engine + polish {polish_seconds:g}s/person", polished, wall, cpu))
    bounds = [relaxation_bound(p) for p in problems]
    per_person = []
    for i, (problem, b, e) in enumerate(zip(problems, plain, engine, strict=True)):
        row: list[object] = [i, problem.person.timezone, len(problem.tasks), b.quality.objective, e.quality.objective]
        if polished:
            row += [polished[i].quality.objective, 1 - polished[i].quality.objective / max(1, e.quality.objective)]
        row += [bounds[i][0], "yes" if bounds[i][1] else "no", 1 - bounds[i][0] / max(1, e.quality.objective)]
        per_person.append(row)
    headers = ["person", "zone", "tasks", "baseline", "engine"] + (["polished", "polish gain"] if polished else [])
    headers += ["lower bound", "bound proven", "max gain"]
    print(table(headers, per_person))
    print()
    tasks = sum(len(p.tasks) for p in problems)
    print(f"L tier, seed {seed}: {len(problems)} people, {tasks} tasks, 15-minute grid")
    print(table(["solver", "wall s", "cpu s", "objective", "hard violations", "unplaced", "late"], rows))
    base = sum(s.quality.objective for s in engine)
    bound = sum(capacity_bound(p) for p in problems)
    print(
        f"\ncapacity lower bound on the total objective: {bound:.0f} "
        f"(no solver can lower the engine's total by more than {1 - bound / max(1, base):.1%})"
    )
    relaxed = sum(b for b, _ in bounds)
    print(
        f"relaxation lower bound (deadline intervals, chunk sizes, lateness, peak hours): {relaxed:.0f} "
        f"(no solver can lower the engine's total by more than {1 - relaxed / max(1, base):.1%})"
    )
    if polished:
        gain = 1 - sum(s.quality.objective for s in polished) / max(1, base)
        print(f"polish lowers the total objective by {gain:.1%} against the default engine")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--polish", type=float, default=5.0, help="polish seconds per person (0: skip)")
    parser.add_argument("--workers", type=int, default=2, help="CP-SAT workers in the polish")
    parser.add_argument(
        "--processes", type=int, default=os.cpu_count() or 1, help="processes for the baseline and the engine"
    )
    parser.add_argument("--polish-seed", type=int, default=PolishOptions().seed, help="the polish search's seed")
    parser.add_argument(
        "--selection", action="store_true", help="also search from a plan built on the relaxation's choice"
    )
    args = parser.parse_args()
    polish = PolishOptions(seed=args.polish_seed, selection=args.selection)
    run(args.seed, args.polish, args.workers, polish, args.processes)


if __name__ == "__main__":
    main()
