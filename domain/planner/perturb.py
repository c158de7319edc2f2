"""Randomised restarts: the best construction's order, shuffled a little, many times over.

Greedy placement is sensitive to the order of the queue; small random swaps around a good order reach
packings that no single rule produces. The generator is seeded with a constant, so the engine stays
deterministic for a given problem.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from domain.planner.dependencies import topological
from domain.planner.instance import Instance
from domain.planner.placement import Placer, Rule
from domain.planner.plan import Plan, construct

SEED = 20250303
# Standard deviation of the noise on a job's rank, as a share of the queue's length.
SPREAD = 0.25


def perturbed_restarts(instance: Instance, placer: Placer, start: Sequence[int], rounds: int) -> Plan | None:
    """The best plan of `rounds` constructions from noisy versions of the order `start`."""
    count = len(start)
    if count < 2 or rounds <= 0:
        return None
    rng = random.Random(SEED)  # noqa: S311  (reproducible search, not secrecy)
    preds = [job.preds for job in instance.jobs]
    best: Plan | None = None
    for _ in range(rounds):
        noisy = {j: rank + rng.gauss(0.0, SPREAD * count) for rank, j in enumerate(start)}
        order = topological(sorted(start, key=lambda j: (noisy[j], j)), preds)
        plan = construct(instance, placer, order, Rule.BEST_FIT, "perturbed-restarts")
        if best is None or plan.total < best.total:
            best = plan
    return best
