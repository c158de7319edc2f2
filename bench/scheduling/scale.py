"""L tier: 18 people x 20 working days (about 1,000 tasks), the default engine and the polish.

    .venv/bin/python -m bench.scheduling.scale [--seed 0] [--polish 5] [--workers 2]

Prints one row per person and the totals: wall and CPU time, objective, hard violations, unplaced
and late tasks, for the baseline, the default engine and the engine followed by the polish
(`--polish` seconds per person: iterated local search, then CP-SAT windows; 0 skips it). Per
person it also prints a lower bound on the optimum (bench/scheduling/bounds.py: a relaxation
solved by CP-SAT), and so the most any solver could gain.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from bench.scheduling.bounds import capacity_bound, relaxation_bound
from bench.scheduling.generate import generate
from bench.scheduling.tables import table
from domain.scheduling.engine import PlanOptions, PolishOptions, baseline, plan
from domain.scheduling.model import Problem
from domain.scheduling.result import Schedule


def _timed(problems: list[Problem], solve: Callable[[Problem], Schedule]) -> tuple[list[Schedule], float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    schedules = [solve(p) for p in problems]
    return schedules, time.perf_counter() - wall, time.process_time() - cpu


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


def run(seed: int, polish_seconds: float, workers: int) -> None:
    problems = generate("L", seed)
    plan(problems[0])  # warm imports and caches so the timing is the engine's alone
    plain, plain_wall, plain_cpu = _timed(problems, baseline)
    engine, engine_wall, engine_cpu = _timed(problems, plan)
    rows = [
        _totals("baseline (EDF first-fit)", plain, plain_wall, plain_cpu),
        _totals("default engine", engine, engine_wall, engine_cpu),
    ]
    polished: list[Schedule] = []
    if polish_seconds > 0:
        options = PlanOptions(polish=PolishOptions(time_limit_s=polish_seconds, workers=workers))
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
    parser.add_argument("--polish", type=float, default=5.0, help="CP-SAT seconds per person (0: skip)")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    run(args.seed, args.polish, args.workers)


if __name__ == "__main__":
    main()
