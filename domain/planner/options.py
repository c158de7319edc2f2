"""How hard the engine searches: the portfolio's effort and the optional polish."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PolishOptions:
    """Polish settings. Problems of more than 25 tasks get an iterated local search (up to
    `search_share` of `time_limit_s` and at most `search_rounds` rounds, seeded by `seed`; when
    work is left out and `selection` is on, in two halves of that, see polish.py), then CP-SAT
    window by window in whatever time is left; smaller ones go to CP-SAT whole. The search is
    repeatable when the round count, not the clock, ends it; CP-SAT (whole, or each window and its
    hint) when `deterministic_time` (solver work units) bounds it.
    """

    time_limit_s: float = 5.0
    workers: int = 2
    deterministic_time: float | None = None
    search_share: float = 1.0
    search_rounds: int = 1_000_000
    seed: int = 20250303
    # Off by default: on the L tier it won on one search seed and lost on another (bench/README.md).
    selection: bool = False


@dataclass(frozen=True, slots=True)
class PlanOptions:
    """Search effort is counted in placements, not seconds, so that results are reproducible.

    After the portfolio the engine may spend `work // jobs**2` placements, kept within the bounds:
    a pass costs about `jobs` placements and a placement about `jobs` steps, so small problems get a
    deep search and large ones stay fast. Part goes to randomised restarts, the rest to local search.
    """

    work: int = 2_000_000
    min_effort: int = 1_000
    max_effort: int = 8_000
    restart_share: float = 0.7
    polish: PolishOptions | None = None

    def effort(self, jobs: int) -> int:
        return min(self.max_effort, max(self.min_effort, self.work // max(1, jobs) ** 2))
