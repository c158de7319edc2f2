"""`python -m bench.lists`: task lists (filters, orderings, second pages) and task by id, in process through the
resolvers and through compiled reads, then over HTTP; `--profile` prints where each executor spends its time.

It takes the dashboard bench's options (data set, runs, HTTP clients) and loads the same data set.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from functools import partial
from pathlib import Path

from bench.dashboard import http_load, inprocess
from bench.dashboard.__main__ import _data_set, _run, progress
from bench.dashboard.database import Server, running_server
from bench.dashboard.explain import explain
from bench.dashboard.options import Options, parse
from bench.dashboard.report import Measurement, load_average, machine, now, table
from bench.dashboard.server import log_in, serving
from bench.lists.queries import list_cases
from bench.profiling import print_profile

LEGEND = """\
SQL/req: statements one operation sends (in process, BEGIN and COMMIT aside). app CPU ms: this process's CPU
time per operation (PostgreSQL's not included): the server's CPU per request. The machine's load average is
printed with the figures: other work on its cores skews them."""


def _extra(argv: list[str] | None) -> tuple[argparse.Namespace, list[str]]:
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--only", help="Only the rows whose name contains this text.")
    parser.add_argument("--profile", action="store_true", help="Profile each executor (pyinstrument) per row.")
    parser.add_argument("--explain", action="store_true", help="Print EXPLAIN (ANALYZE) of each row's statements.")
    parser.add_argument("--executors", default=",".join(inprocess.EXECUTORS), help="resolvers,compiled")
    return parser.parse_known_args(argv)


async def bench(options: Options, server: Server, extra: argparse.Namespace) -> None:
    url = server.url_of(options.database_name)
    load_before = load_average()
    await _data_set(options, server, url)
    measurements: list[Measurement] = []
    async with inprocess.app(url) as app:
        targets = [case for case in await list_cases(url) if extra.only is None or extra.only in case.name]
        for case in targets:
            if extra.profile:
                for executor in extra.executors.split(","):
                    await print_profile(
                        partial(inprocess._execute, app, case, executor=executor),
                        warmup=inprocess.WARMUP_RUNS,
                        runs=options.runs,
                        title=f"{case.name}, {executor}",
                    )
                continue
            for executor in extra.executors.split(","):
                progress(f"in process: {case.name} x {options.runs}, {executor}")
                result = await inprocess.measure(app, case, options.runs, options.in_process_seconds, executor)
                measurements.append(result.measurement)
                if extra.explain:
                    print(f"\nEXPLAIN (ANALYZE) of {case.name}, {executor}:")
                    print(await explain(url, case.user_id, result.statements))
    if extra.profile:
        return
    if not options.skip_http:
        with tempfile.TemporaryDirectory(prefix="rhythm-bench-serve-") as work_dir:
            async with serving(url, options.workers, Path(work_dir)) as base_url:
                for case in targets:
                    for concurrency in options.concurrency:
                        token = await log_in(base_url, case.email)
                        progress(f"http: {case.name}, {concurrency} clients, {options.duration:g} s")
                        measurements.append(
                            await http_load.measure(
                                base_url,
                                token,
                                case,
                                concurrency,
                                options.duration,
                                options.warmup,
                                options.max_requests,
                            )
                        )
    print(f"\nRhythm list bench, {now()}")
    print(f"machine    {machine()}; load average {load_before} before, {load_average()} after (1/5/15 min)")
    print(f"data set   {options.shape.tasks:,} tasks, database {options.database_name} ({server.label})")
    print(
        f"runs       in-process: {options.runs} sequential (or {options.in_process_seconds:g} s) after warm-up;"
        f" http: rhythm serve --workers {options.workers}, {options.duration:g} s per row\n"
    )
    print(table(measurements))
    print("\n" + LEGEND)


def main(argv: list[str] | None = None) -> None:
    extra, rest = _extra(argv)
    options = parse(rest)
    with running_server(options.database_url, options.data_dir) as server:
        _run(bench(options, server, extra))


if __name__ == "__main__":
    os.environ.setdefault("RHYTHM_LOG_LEVEL", "WARNING")
    main()
