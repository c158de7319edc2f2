"""Replanning latency: one person's M-tier plan (20 working days, about 50 tasks) after one change.

    .venv/bin/python -m bench.scheduling.replan [--trials 60]

Each trial plans a person, stores the plan as the previous one (today's blocks locked), applies one
change (a new meeting, a new task, a longer estimate, or a deadline pulled in) and times `plan()` on
the changed problem: wall clock and CPU time, p50 and p95.
"""

from __future__ import annotations

import argparse
import random
import time
from dataclasses import replace
from datetime import timedelta

from bench.scheduling.generate import generate
from bench.scheduling.tables import percentile, table
from domain.planner.engine import plan
from domain.planner.model import Deadline, Interval, PlanBlock, Problem, Task


def _change(problem: Problem, previous: tuple[PlanBlock, ...], rng: random.Random) -> tuple[str, Problem]:
    kind = rng.choice(("meeting", "new task", "longer estimate", "earlier deadline"))
    tasks = list(problem.tasks)
    if kind == "meeting":
        block = rng.choice(previous)
        meeting = Interval(block.start, block.start + timedelta(hours=1))
        return kind, replace(problem, busy=(*problem.busy, meeting))
    if kind == "new task":
        tasks.append(
            Task(
                "new",
                rng.choice((30, 60, 120)),
                priority=2,
                deadline=Deadline(problem.now + timedelta(days=rng.randint(1, 10))),
            )
        )
    elif kind == "longer estimate":
        i = rng.randrange(len(tasks))
        tasks[i] = replace(tasks[i], duration_minutes=tasks[i].duration_minutes + 30)
    else:
        i = rng.randrange(len(tasks))
        tasks[i] = replace(tasks[i], deadline=Deadline(problem.now + timedelta(days=2)))
    return kind, replace(problem, tasks=tuple(tasks))


def run(trials: int) -> None:
    plan(generate("M", 0)[0])  # warm-up
    walls, cpus, rows = [], [], []
    for seed in range(trials):
        rng = random.Random(seed)
        problem = generate("M", seed % 20)[0]
        first = plan(problem)
        previous = tuple(PlanBlock(b.task_id, b.start, b.end) for b in first.blocks)
        today_ends = problem.now + timedelta(hours=17)
        kind, changed = _change(replace(problem, existing_blocks=previous, locked_until=today_ends), previous, rng)
        wall, cpu = time.perf_counter(), time.process_time()
        schedule = plan(changed)
        walls.append((time.perf_counter() - wall) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
        rows.append(
            [
                seed,
                kind,
                len(changed.tasks),
                walls[-1],
                cpus[-1],
                schedule.quality.moved_blocks,
                schedule.quality.hard_violations,
            ]
        )
    print(table(["trial", "change", "tasks", "wall ms", "cpu ms", "moved", "violations"], rows))
    print()
    print(
        table(
            ["trials", "p50 wall ms", "p95 wall ms", "p50 cpu ms", "p95 cpu ms", "max wall ms"],
            [
                [
                    trials,
                    percentile(walls, 50),
                    percentile(walls, 95),
                    percentile(cpus, 50),
                    percentile(cpus, 95),
                    max(walls),
                ]
            ],
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=60)
    run(parser.parse_args().trials)


if __name__ == "__main__":
    main()
