"""S tier: the default engine and an earliest-deadline first-fit baseline against CP-SAT's optimum.

    .venv/bin/python -m bench.scheduling.quality [--instances 40] [--limit 120] [--cache FILE]

CP-SAT solves the exact model of the same objective (no chunk cap), warm-started from the engine's
plan, with `--limit` seconds per instance; "proven" says whether it closed the gap. `--cache` keeps
the CP-SAT results in a JSON file so that later runs only re-time the heuristics.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from bench.scheduling.generate import generate
from bench.scheduling.tables import median, table
from domain.planner.engine import baseline, plan
from domain.planner.polish import solve_exact


def _exact(seed: int, limit: float, workers: int, cache: dict[str, dict[str, float]]) -> dict[str, float]:
    key = str(seed)
    if key not in cache:
        problem = generate("S", seed)[0]
        result = solve_exact(problem, time_limit_s=limit, workers=workers, hint=plan(problem))
        assert result.schedule is not None
        assert result.schedule.quality.hard_violations == 0
        cache[key] = {
            "objective": result.schedule.quality.objective,
            "bound": result.bound,
            "proven": float(result.optimal),
            "seconds": result.seconds,
        }
    return cache[key]


def _ratio(value: int, optimum: float) -> float:
    if optimum <= 0:
        return 1.0 if value <= 0 else float("inf")
    return value / optimum


def run(instances: int, limit: float, workers: int, cache_path: Path | None) -> None:
    cache = json.loads(cache_path.read_text()) if cache_path and cache_path.exists() else {}
    rows, ratios, base_ratios, equal, proven, engine_ms = [], [], [], 0, 0, []
    for seed in range(instances):
        problem = generate("S", seed)[0]
        started = time.perf_counter()
        schedule = plan(problem)
        engine_ms.append((time.perf_counter() - started) * 1000)
        plain = baseline(problem)
        exact = _exact(seed, limit, workers, cache)
        if cache_path:
            cache_path.write_text(json.dumps(cache, indent=1))
        optimum = exact["objective"]
        ratio, base_ratio = _ratio(schedule.quality.objective, optimum), _ratio(plain.quality.objective, optimum)
        ratios.append(ratio)
        base_ratios.append(base_ratio)
        equal += schedule.quality.objective == optimum
        proven += bool(exact["proven"])
        violations = schedule.quality.hard_violations + plain.quality.hard_violations
        rows.append(
            [
                seed,
                len(problem.tasks),
                schedule.quality.objective,
                plain.quality.objective,
                int(optimum),
                int(exact["bound"]),
                "yes" if exact["proven"] else "no",
                ratio,
                base_ratio,
                engine_ms[-1],
                violations,
            ]
        )
    print(
        table(
            [
                "seed",
                "tasks",
                "engine",
                "baseline",
                "cp-sat",
                "bound",
                "proven",
                "engine/opt",
                "base/opt",
                "engine ms",
                "violations",
            ],
            rows,
        )
    )
    print()
    print(
        table(
            [
                "instances",
                "proven optimal",
                "median engine/opt",
                "engine == opt",
                "median baseline/opt",
                "median engine ms",
            ],
            [[instances, proven, median(ratios), equal, median(base_ratios), median(engine_ms)]],
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--instances", type=int, default=40)
    parser.add_argument("--limit", type=float, default=120.0, help="CP-SAT seconds per instance")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--cache", type=Path, default=None)
    args = parser.parse_args()
    run(args.instances, args.limit, args.workers, args.cache)


if __name__ == "__main__":
    main()
