"""Command-line options, and the presets of the full and the quick run."""

from __future__ import annotations

import argparse
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench.dashboard.dataset import Shape
from bench.dashboard.options import FULL, QUICK


@dataclass(frozen=True, slots=True)
class Options:
    shape: Shape
    database_url: str | None
    database_name: str
    data_dir: Path
    fresh: bool
    duration: int
    warmup: int
    rounds: int
    concurrency: tuple[int, ...]
    workers: int
    pool_size: int
    counted_requests: int
    use_wrk: bool
    rhythm_jobs: bool
    extended_statistics: bool
    statements: bool
    seed: int
    against: tuple[str, ...]  # the PostGraphile servers: "postgraphile" (4.14.1), "postgraphile5" (5.1.5)
    only: tuple[str, ...] = ()  # texts of which a row's name must contain one (every row when empty)
    rhythm_tree: Path | None = None  # another Rhythm checkout run beside this one, in the same rounds


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench.compare",
        description="Rhythm, PostGraphile 4.14.1 and 5.1.5 on the same data, policies and load, side by side.",
    )
    parser.add_argument("--quick", action="store_true", help="The small data set and short runs, for a smoke test.")
    parser.add_argument("--database-url", help="A PostgreSQL server to use (superuser); embedded when not given.")
    parser.add_argument("--database-name", help="The bench database (rhythm_bench, rhythm_bench_quick).")
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "rhythm-bench-compare",
        help="Where the embedded PostgreSQL keeps its data (default: %(default)s).",
    )
    parser.add_argument("--fresh", action="store_true", help="Drop and reload the data set even if it is there.")
    parser.add_argument("--duration", type=int, help="Seconds per measured run (10; quick: 3).")
    parser.add_argument("--warmup", type=int, help="Seconds of warm-up per server before each row pair (2; quick: 1).")
    parser.add_argument(
        "--rounds", type=int, default=3, help="Measured runs per server, interleaved (A, B, C, A, B, C, ...)."
    )
    parser.add_argument("--concurrency", default="1,16", help="Client counts (default: %(default)s).")
    parser.add_argument("--workers", type=int, default=2, help="Server processes of each (default: %(default)s).")
    parser.add_argument("--pool-size", type=int, default=10, help="Connections per server process (default: 10).")
    parser.add_argument(
        "--counted-requests", type=int, default=50, help="Sequential requests per query and server to count SQL."
    )
    parser.add_argument("--no-wrk", action="store_true", help="Use the Python load loop even if wrk is installed.")
    parser.add_argument(
        "--rhythm-jobs",
        action="store_true",
        help="Run Rhythm's background jobs inside its API processes (its one-command default without Redis).",
    )
    parser.add_argument(
        "--extended-statistics",
        action="store_true",
        help="Add dependency statistics on tasks (company_id, project_id) and subtasks (company_id, task_id).",
    )
    parser.add_argument("--statements", action="store_true", help="Print the statements each server sends.")
    parser.add_argument("--seed", type=int, default=20261123, help="Random seed of the data set.")
    parser.add_argument(
        "--only", default="", help="Only the rows whose name contains one of these comma-separated texts."
    )
    parser.add_argument(
        "--against",
        default="4,5",
        help="PostGraphile major versions to run beside Rhythm: 4 (4.14.1), 5 (5.1.5), both (%(default)s) or none.",
    )
    parser.add_argument(
        "--rhythm-tree",
        type=Path,
        help="Another Rhythm checkout, with its own .venv (make .venv/.installed-dev), run beside this one in the"
        " same interleaved rounds on the same database: its rows and a Rhythm / tree ratio.",
    )
    return parser


def parse(argv: list[str] | None = None) -> Options:
    args = _parser().parse_args(argv)
    return Options(
        shape=QUICK if args.quick else FULL,
        database_url=args.database_url or None,
        database_name=args.database_name or ("rhythm_bench_quick" if args.quick else "rhythm_bench"),
        data_dir=args.data_dir,
        fresh=args.fresh,
        duration=max(1, args.duration if args.duration is not None else (3 if args.quick else 10)),
        warmup=max(0, args.warmup if args.warmup is not None else (1 if args.quick else 2)),
        rounds=max(1, args.rounds),
        concurrency=tuple(int(part) for part in args.concurrency.split(",") if part.strip()),
        workers=max(1, args.workers),
        pool_size=max(1, args.pool_size),
        counted_requests=max(10, args.counted_requests),
        use_wrk=not args.no_wrk,
        rhythm_jobs=args.rhythm_jobs,
        extended_statistics=args.extended_statistics,
        statements=args.statements,
        seed=args.seed,
        against=_against(args.against),
        only=tuple(part.strip() for part in args.only.split(",") if part.strip()),
        rhythm_tree=_rhythm_tree(args.rhythm_tree),
    )


def _rhythm_tree(tree: Path | None) -> Path | None:
    if tree is None:
        return None
    tree = tree.resolve()
    if not (tree / ".venv/bin/python").exists() or not (tree / "app/cli.py").exists():
        raise SystemExit(f"bench: --rhythm-tree {tree}: not a Rhythm checkout with a .venv (make .venv/.installed-dev)")
    return tree


def _against(text: str) -> tuple[str, ...]:
    names = {"4": "postgraphile", "5": "postgraphile5"}
    chosen = [part.strip() for part in text.split(",") if part.strip()]
    if chosen == ["none"]:
        return ()
    unknown = [part for part in chosen if part not in names]
    if unknown or not chosen:
        raise SystemExit(f"bench: --against takes 4, 5, 4,5 or none, not {text!r}")
    return tuple(names[part] for part in dict.fromkeys(chosen))
