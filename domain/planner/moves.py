"""Local moves on a plan that touch one or two jobs, each kept only when the total strictly drops.

- reinsert: move one job to its cheapest spot given all the others;
- exchange: two one-piece jobs of the same length trade places (deep work into peak hours);
- eject: a costly job takes the place of a cheaper neighbour, which then finds a new spot.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from domain.planner.placement import Placement
from domain.planner.plan import Plan

NEIGHBOURS = 8
DAY_MINUTES = 24 * 60


@dataclass
class Budget:
    """How many placements the search may still try (counting keeps it deterministic, unlike a clock)."""

    left: int

    def spend(self, amount: int = 1) -> bool:
        self.left -= amount
        return self.left >= 0


def restore(plan: Plan, saved: dict[int, Placement]) -> None:
    for j in saved:
        if plan.placed(j):
            plan.take(j)
    for j, placement in saved.items():
        if placement.chunks:
            plan.put(j, placement)


def _by_cost(plan: Plan, jobs: Sequence[int] | None) -> list[int]:
    """`jobs` (all of them when None), the costliest first."""
    return sorted(range(len(plan.jobs)) if jobs is None else jobs, key=lambda j: (-plan.costs[j], j))


def reinsert_pass(plan: Plan, budget: Budget, jobs: Sequence[int] | None = None) -> bool:
    """Move each costly job (of `jobs`, or of all) to its cheapest spot given all the others."""
    improved = False
    for j in _by_cost(plan, jobs):
        if plan.costs[j] == 0 or not budget.spend():
            continue
        if not plan.placed(j):
            improved |= plan.try_place(j)
            continue
        old = plan.take(j)
        found = plan.best_for(j)
        if found is not None and found.cost < old.cost:
            plan.put(j, found)
            improved = True
        else:
            plan.put(j, old)
    return improved


def _neighbours(plan: Plan, u: int) -> list[int]:
    """Placed jobs sitting where job u would like to be, the least important first."""
    job = plan.jobs[u]
    window = plan.window(u)
    if window is None:
        return []
    day = DAY_MINUTES // plan.instance.slot_minutes
    lo = window[0]
    hi = min(window[1], plan.chunks[u][-1][1] if plan.placed(u) else lo + 2 * day)
    if job.due_minute is not None:
        hi = max(min(hi, job.due_minute // plan.instance.slot_minutes), lo + job.size)
    found = [
        v
        for v in range(len(plan.jobs))
        if v != u and plan.placed(v) and any(s < hi and lo < e for s, e in plan.chunks[v])
    ]
    found.sort(key=lambda v: (-plan.jobs[v].task.priority, plan.chunks[v][0][0], v))
    return found[:NEIGHBOURS]


def _swap(plan: Plan, u: int, v: int) -> bool:
    """Take v out, give u its best spot, put v back where it fits best; keep it if the total drops."""
    saved = {u: Placement(plan.chunks[u], plan.costs[u]), v: Placement(plan.chunks[v], plan.costs[v])}
    before = plan.costs[u] + plan.costs[v]
    for j in (u, v):
        if plan.placed(j):
            plan.take(j)
    plan.try_place(u)
    plan.try_place(v)
    consistent = all(plan.placed(s) is False or plan.placed(j) for j in (u, v) for s in plan.jobs[j].succs)
    if consistent and plan.costs[u] + plan.costs[v] < before:
        return True
    restore(plan, saved)
    return False


def eject_pass(plan: Plan, budget: Budget, jobs: Sequence[int] | None = None) -> bool:
    """Each costly job (of `jobs`, or of all) takes the place of a neighbour, which moves elsewhere."""
    improved = False
    for u in _by_cost(plan, jobs):
        if plan.costs[u] == 0:
            break
        for v in _neighbours(plan, u):
            if not budget.spend(2):
                return improved
            if _swap(plan, u, v):
                improved = True
                break
    return improved


def _fits(plan: Plan, j: int, span: tuple[int, int]) -> bool:
    """Whether job j may take exactly `span` (its dependencies' window and its own task windows)."""
    window = plan.window(j)
    windows = plan.jobs[j].windows
    if window is None or not window[0] <= span[0] or span[1] > window[1]:
        return False
    return windows is None or any(lo <= span[0] and span[1] <= hi for lo, hi in windows)


def _exchange(plan: Plan, u: int, v: int) -> bool:
    """Swap the single chunks of u and v (same length); keep it if the total drops."""
    (span_u,), (span_v,) = plan.chunks[u], plan.chunks[v]
    before = plan.costs[u] + plan.costs[v]
    saved = {u: plan.take(u), v: plan.take(v)}
    if _fits(plan, u, span_v) and _fits(plan, v, span_u):
        cost_u = plan.placer.cost(plan.jobs[u], [span_v])
        cost_v = plan.placer.cost(plan.jobs[v], [span_u])
        if cost_u + cost_v < before:
            plan.put(u, Placement([span_v], cost_u))
            plan.put(v, Placement([span_u], cost_v))
            return True
    restore(plan, saved)
    return False


def exchange_pass(plan: Plan, budget: Budget) -> bool:
    """Costly one-piece jobs trade places with same-length ones (deep work into peak hours, urgent
    work earlier) without searching for new room."""
    improved = False
    single = [j for j in range(len(plan.jobs)) if len(plan.chunks[j]) == 1]
    for u in sorted(single, key=lambda j: (-plan.costs[j], j)):
        if plan.costs[u] == 0:
            break
        size = plan.jobs[u].size
        for v in single:
            if v != u and plan.jobs[v].size == size and len(plan.chunks[v]) == 1:
                if not budget.spend():
                    return improved
                if _exchange(plan, u, v):
                    improved = True
                    break
    return improved
