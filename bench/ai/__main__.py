"""Score the heuristic parser on bench/ai/phrases.txt: accuracy per field and the time per phrase.

.venv/bin/python -m bench.ai            # the figures
.venv/bin/python -m bench.ai --misses   # and every phrase with a wrong field
"""

from __future__ import annotations

import argparse
import re
import statistics
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from db.models import TaskPriority
from domain.ai.heuristic import parse_tasks
from domain.ai.schemas import ProposedTask

NOW = datetime(2026, 12, 2, 10, 0, tzinfo=ZoneInfo("America/New_York"))
PRIORITY = {"U": TaskPriority.URGENT, "H": TaskPriority.HIGH, "M": TaskPriority.MEDIUM, "L": TaskPriority.LOW}
FIELDS = ("split", "title", "due", "duration", "priority", "dependencies")


@dataclass(frozen=True)
class Expected:
    title: str
    due: str | None
    minutes: int | None
    priority: TaskPriority
    follows: bool


def load(path: Path) -> list[tuple[str, list[Expected]]]:
    cases = []
    for line in path.read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        text, tasks = line.split(" => ")
        cases.append((text.replace("\\n", "\n"), [_task(part) for part in tasks.split(" ;; ")]))
    return cases


def _task(part: str) -> Expected:
    title, due, minutes, priority = (value.strip() for value in part.split(" | "))
    if due != "-" and not re.match(r"\d{4}-", due):
        due = f"2026-{due}"
    return Expected(
        title=title.lstrip("> ").strip(),
        due=None if due == "-" else due,
        minutes=None if minutes == "-" else int(minutes),
        priority=PRIORITY[priority],
        follows=title.startswith(">"),
    )


def _norm(title: str) -> str:
    return re.sub(r"\s+", " ", title).strip().lower()


def score(expected: list[Expected], got: list[ProposedTask]) -> dict[str, tuple[int, int]]:
    """(right, counted) per field; fields of tasks are compared pairwise, a missing task counts as wrong."""
    counts = {name: [0, 0] for name in FIELDS}
    counts["split"] = [int(len(expected) == len(got)), 1]
    for index, want in enumerate(expected):
        have = got[index] if index < len(got) else None
        due = have.due_at.strftime("%Y-%m-%d %H:%M") if have is not None and have.due_at else None
        checks = {
            "title": have is not None and _norm(have.title) == _norm(want.title),
            "due": have is not None and due == want.due,
            "duration": have is not None and have.duration_minutes == want.minutes,
            "priority": have is not None and have.priority == want.priority,
            "dependencies": have is not None and have.depends_on == ([index - 1] if want.follows else []),
        }
        for name, right in checks.items():
            counts[name][0] += int(right)
            counts[name][1] += 1
    return {name: (right, counted) for name, (right, counted) in counts.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--misses", action="store_true", help="print every phrase with a wrong field")
    parser.add_argument("--repeat", type=int, default=5, help="timed passes over the set")
    args = parser.parse_args()
    parse_tasks("warm up tomorrow at 9am", NOW)  # dateparser loads its English data on first use
    for name in ("phrases.txt", "heldout.txt"):
        print(f"== {name}")
        run(load(Path(__file__).with_name(name)), misses=args.misses, repeat=args.repeat)


def run(cases: list[tuple[str, list[Expected]]], *, misses: bool, repeat: int) -> None:

    totals = {name: [0, 0] for name in FIELDS}
    exact = 0
    for text, expected in cases:
        got = parse_tasks(text, NOW)
        fields = score(expected, got)
        for name, (right, counted) in fields.items():
            totals[name][0] += right
            totals[name][1] += counted
        wrong = [name for name, (right, counted) in fields.items() if right < counted]
        exact += not wrong
        if wrong and misses:
            print(f"MISS {wrong}: {text!r}\n  want {expected}\n  got  {[t.model_dump() for t in got]}")

    timings = []
    for _ in range(repeat):
        for text, _expected in cases:
            started = time.perf_counter()
            parse_tasks(text, NOW)
            timings.append((time.perf_counter() - started) * 1000)

    tasks = sum(len(expected) for _text, expected in cases)
    print(f"phrases: {len(cases)}, tasks: {tasks}, now: {NOW.isoformat()} ({NOW.tzinfo})")
    for name in FIELDS:
        right, counted = totals[name]
        unit = "phrases" if name == "split" else "tasks"
        print(f"  {name:<13} {100 * right / counted:5.1f} %  ({right}/{counted} {unit})")
    print(f"  {'all fields':<13} {100 * exact / len(cases):5.1f} %  ({exact}/{len(cases)} phrases entirely right)")
    timings.sort()
    print(
        f"time per phrase: median {statistics.median(timings):.2f} ms, p95 {timings[int(len(timings) * 0.95)]:.2f} ms,"
        f" max {timings[-1]:.2f} ms ({len(timings)} parses)"
    )


if __name__ == "__main__":
    main()
