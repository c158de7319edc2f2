"""Stability: a one-hour meeting lands on a planned block; how much of the plan moves?

    .venv/bin/python -m bench.scheduling.stability [--trials 40]

Each trial plans an M-tier person (20 working days, about 50 tasks), pins two blocks and marks one
as started, then drops a one-hour meeting on a random other future block and replans. It counts
the movable blocks of the previous plan that moved (start or end changed, or dropped), as a share
of that person's movable future blocks, and checks that no pinned or started block moved. The block
under the meeting always moves, so one block is the floor.
"""

from __future__ import annotations

import argparse
import random
from dataclasses import replace
from datetime import timedelta

from bench.scheduling.generate import generate
from bench.scheduling.tables import median, percentile, table
from domain.planner.engine import plan
from domain.planner.model import BlockState, Interval, PlanBlock
from domain.planner.result import Schedule


def previous_plan(schedule: Schedule, rng: random.Random) -> tuple[PlanBlock, ...]:
    """The schedule as stored blocks, with two pinned and the first one started."""
    blocks = [PlanBlock(b.task_id, b.start, b.end) for b in schedule.blocks]
    for i in rng.sample(range(1, len(blocks)), 2):
        blocks[i] = replace(blocks[i], pinned=True)
    blocks[0] = replace(blocks[0], state=BlockState.STARTED)
    return tuple(blocks)


def trial(seed: int) -> tuple[int, int, int, int]:
    """(moved, future blocks, protected blocks that moved, hard violations) for one trial."""
    rng = random.Random(seed)
    problem = generate("M", seed)[0]
    previous = previous_plan(plan(problem), rng)
    movable = [b for b in previous if not b.pinned and b.state is BlockState.PLANNED]
    target = rng.choice(movable)
    meeting = Interval(target.start, target.start + timedelta(hours=1))
    changed = replace(problem, busy=(*problem.busy, meeting), existing_blocks=previous)
    schedule = plan(changed)
    kept = {(b.task_id, b.start, b.end) for b in schedule.blocks}
    # Counted from the blocks themselves, not from the engine's own figure: a block moved when no
    # block of the new plan has its task, start and end (shifted, shortened, split or dropped).
    moved = sum((b.task_id, b.start, b.end) not in kept for b in movable)
    protected = [b for b in previous if b.pinned or b.state is BlockState.STARTED]
    broken = sum((b.task_id, b.start, b.end) not in kept for b in protected)
    return moved, len(movable), broken, schedule.quality.hard_violations


def run(trials: int) -> None:
    rows, shares, broken_total, violations = [], [], 0, 0
    for seed in range(trials):
        moved, future, broken, bad = trial(seed)
        shares.append(moved / future)
        broken_total += broken
        violations += bad
        rows.append([seed, future, moved, moved / future, broken, bad])
    print(table(["seed", "future blocks", "moved", "share moved", "pinned/started moved", "violations"], rows))
    print()
    print(
        table(
            [
                "trials",
                "median share moved",
                "p90 share moved",
                "max share moved",
                "pinned/started moved",
                "hard violations",
            ],
            [[trials, median(shares), percentile(shares, 90), max(shares), broken_total, violations]],
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=40)
    run(parser.parse_args().trials)


if __name__ == "__main__":
    main()
