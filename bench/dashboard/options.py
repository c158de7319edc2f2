"""Command-line options, and the presets of the full and the quick run."""

from __future__ import annotations

import argparse
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench.dashboard.dataset import Shape

FULL = Shape(companies=50, people=500, projects_per_company=20, tasks=200_000)
QUICK = Shape(companies=5, people=60, projects_per_company=6, tasks=3_000)


@dataclass(frozen=True, slots=True)
class Options:
    shape: Shape
    database_url: str | None
    database_name: str
    data_dir: Path
    fresh: bool
    duration: float
    warmup: float
    runs: int
    in_process_seconds: float
    concurrency: tuple[int, ...]
    workers: int
    max_requests: int
    skip_http: bool
    explain: bool
    seed: int


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench.dashboard",
        description="Time the nested dashboard query and a single-task query in process and over HTTP.",
    )
    parser.add_argument("--quick", action="store_true", help="A small data set and short runs, for a smoke test.")
    parser.add_argument("--companies", type=int, help=f"Shared companies ({FULL.companies}).")
    parser.add_argument("--tasks", type=int, help=f"Tasks in all ({FULL.tasks:,}).")
    parser.add_argument("--people", type=int, help=f"People besides the two bench viewers ({FULL.people}).")
    parser.add_argument("--projects", type=int, help=f"Projects per company ({FULL.projects_per_company}).")
    parser.add_argument("--database-url", help="A PostgreSQL server to use (superuser); embedded when not given.")
    parser.add_argument("--database-name", help="The bench database (rhythm_bench, rhythm_bench_quick).")
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "rhythm-bench",
        help="Where the embedded PostgreSQL keeps its data (default: %(default)s).",
    )
    parser.add_argument("--fresh", action="store_true", help="Drop and reload the data set even if it is there.")
    parser.add_argument("--duration", type=float, help="Seconds per HTTP measurement (10; quick: 2).")
    parser.add_argument("--warmup", type=float, help="Seconds of HTTP warm-up before each measurement (2; quick: 0.5).")
    parser.add_argument("--runs", type=int, help="In-process executions per query (200; quick: 20).")
    parser.add_argument("--runs-seconds", type=float, help="Stop in-process runs after this long (30; quick: 5).")
    parser.add_argument("--concurrency", default="1,16", help="HTTP client counts (default: %(default)s).")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="Server processes (cores).")
    parser.add_argument("--max-requests", type=int, default=500_000, help="Upper bound of requests per measurement.")
    parser.add_argument("--no-http", action="store_true", help="Skip the HTTP measurements.")
    parser.add_argument("--explain", action="store_true", help="Print EXPLAIN (ANALYZE) of every statement sent.")
    parser.add_argument("--seed", type=int, default=20261123, help="Random seed of the data set.")
    return parser


def parse(argv: list[str] | None = None) -> Options:
    args = _parser().parse_args(argv)
    preset = QUICK if args.quick else FULL
    shape = Shape(
        companies=args.companies or preset.companies,
        people=args.people or preset.people,
        projects_per_company=args.projects or preset.projects_per_company,
        tasks=args.tasks if args.tasks is not None else preset.tasks,
    )
    return Options(
        shape=shape,
        database_url=args.database_url or None,
        database_name=args.database_name or ("rhythm_bench_quick" if args.quick else "rhythm_bench"),
        data_dir=args.data_dir,
        fresh=args.fresh,
        duration=args.duration if args.duration is not None else (2.0 if args.quick else 10.0),
        warmup=args.warmup if args.warmup is not None else (0.5 if args.quick else 2.0),
        runs=args.runs if args.runs is not None else (20 if args.quick else 200),
        in_process_seconds=args.runs_seconds if args.runs_seconds is not None else (5.0 if args.quick else 30.0),
        concurrency=tuple(int(part) for part in args.concurrency.split(",") if part.strip()),
        workers=max(1, args.workers),
        max_requests=args.max_requests,
        skip_http=args.no_http,
        explain=args.explain,
        seed=args.seed,
    )
