"""Iterated local search: the heuristic's own moves, given seconds instead of milliseconds.

Used by the polish before CP-SAT. On large, overloaded plans most of the objective is work left out,
and what matters is which work: a few high-priority tasks are worth more than many low-priority
ones. Each round ruins part of the current plan (a stretch of days, or the room an
unplaced task wants, together with the cheaper work in it), refills it with the unplaced jobs in a
noisy value-first order, runs the deterministic local search on the result and keeps it when the
total does not rise. The generator is seeded, so for a given seed and round count the result is
the same; a time limit that cuts the rounds short makes it depend on the machine's speed.
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence

from domain.planner.dependencies import topological
from domain.planner.improve import improve
from domain.planner.moves import DAY_MINUTES
from domain.planner.orderings import effective_due
from domain.planner.placement import Rule
from domain.planner.plan import Plan

SEED = 20250303
# Placements the local search may spend after each refill.
ROUND_EFFORT = 1_500


class _Ruin:
    """Chooses which placed jobs a round takes out."""

    def __init__(self, plan: Plan, rng: random.Random) -> None:
        self.rng = rng
        self.jobs = plan.jobs
        self.day = DAY_MINUTES // plan.instance.slot_minutes
        self.size = plan.instance.grid.size
        self.due = effective_due(plan.instance)

    def days(self, plan: Plan) -> list[int]:
        """Every job with a block in a random stretch of one to three days."""
        width = self.day * self.rng.randint(1, 3)
        lo = self.rng.randrange(0, max(1, self.size - self.day), self.day)
        return [j for j, chunks in enumerate(plan.chunks) if any(s < lo + width and lo < e for s, e in chunks)]

    def room_for(self, plan: Plan) -> list[int]:
        """The room an unplaced job wants, cleared of the jobs that are cheaper to leave out per slot."""
        waiting = [j for j in range(len(self.jobs)) if not plan.placed(j)]
        if not waiting:
            return self.days(plan)
        u = max(waiting, key=lambda j: (plan.unplaced_cost[j] / self.jobs[j].size * self.rng.random(), j))
        job = self.jobs[u]
        lo = job.release
        hi = min(job.hard_end, max(lo + self.day, min(self.due[u], self.size)) + self.day * self.rng.randint(0, 2))
        density = plan.unplaced_cost[u] / job.size
        return [
            j
            for j, chunks in enumerate(plan.chunks)
            if chunks
            and any(s < hi and lo < e for s, e in chunks)
            and plan.unplaced_cost[j] / self.jobs[j].size < density * self.rng.uniform(0.5, 1.5)
        ]

    def pick(self, plan: Plan) -> list[int]:
        return self.days(plan) if self.rng.random() < 0.5 else self.room_for(plan)


def _take_with_successors(plan: Plan, removed: Sequence[int]) -> None:
    stack = list(removed)
    while stack:
        j = stack.pop()
        if plan.placed(j):
            plan.take(j)
            stack.extend(plan.jobs[j].succs)


def _refill(plan: Plan, rng: random.Random, due: Sequence[int]) -> None:
    """Place the unplaced jobs, the most valuable per slot first (with noise), as the rule picks."""
    jobs = plan.jobs
    waiting = [j for j in range(len(jobs)) if not plan.placed(j)]
    noise = rng.uniform(0.0, 0.6)
    by_value = sorted(
        waiting,
        key=lambda j: (-plan.unplaced_cost[j] / jobs[j].size * (1 + rng.uniform(-noise, noise)), due[j], j),
    )
    order = topological(by_value, [job.preds for job in jobs])
    rule = Rule.BEST_FIT if rng.random() < 0.6 else Rule.FIRST_FIT
    for j in order:
        plan.try_place(j, rule)


def deep_search(plan: Plan, *, rounds: int, time_limit_s: float, seed: int = SEED) -> Plan:
    """The best plan found in `rounds` ruin-refill-descend rounds from `plan`, or fewer when the
    time runs out; never worse than `plan`."""
    deadline = time.perf_counter() + time_limit_s
    rng = random.Random(seed)  # noqa: S311  (reproducible search, not secrecy)
    due = effective_due(plan.instance)
    current = improve(plan, ROUND_EFFORT * 4)
    best = current if current.total < plan.total else plan
    ruin = _Ruin(plan, rng)
    for _ in range(rounds):
        if time.perf_counter() >= deadline:
            break
        trial = current.copy()
        _take_with_successors(trial, ruin.pick(trial))
        _refill(trial, rng, due)
        trial = improve(trial, ROUND_EFFORT)
        if trial.total <= current.total:  # equal totals let the search drift across plateaus
            current = trial
            if trial.total < best.total:
                best = trial
    if best is not plan:
        best.strategy = f"{plan.strategy}+deep-search"
    return best
