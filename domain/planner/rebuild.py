"""Large moves: clear a stretch of days and refill it, in a few orders, with the unplaced jobs.

- make room: for a costly job, clear the time it wants and refill with that job going first;
- ruin and recreate: clear each day in turn and refill it.
"""

from __future__ import annotations

from collections.abc import Sequence

from domain.planner.dependencies import topological
from domain.planner.moves import DAY_MINUTES, Budget, restore
from domain.planner.occupancy import runs_in
from domain.planner.orderings import ORDERINGS, effective_due
from domain.planner.placement import Placement, Rule
from domain.planner.plan import Plan

MAX_REGIONS = 8
# Orders and placement rules a cleared stretch is refilled with; first-fit packs tightest.
RECREATE = (
    ("edf", Rule.BEST_FIT),
    ("hard-first", Rule.BEST_FIT),
    ("density", Rule.BEST_FIT),
    ("slack", Rule.BEST_FIT),
    ("edf", Rule.FIRST_FIT),
    ("hard-first", Rule.FIRST_FIT),
)


def _consistent(plan: Plan, jobs: list[int]) -> bool:
    """No placed job waits on an unplaced one."""
    return all(plan.placed(j) or not any(plan.placed(s) for s in plan.jobs[j].succs) for j in jobs)


def _recreate(
    plan: Plan, pool: list[int], removed: list[int], order: list[int], rule: Rule
) -> dict[int, Placement] | None:
    """Empty `removed`, refill `pool` in `order`; the result if it beats the current total, else None."""
    before = plan.total
    saved = {j: Placement(plan.chunks[j], plan.costs[j]) for j in pool}
    for j in removed:
        plan.take(j)
    for j in order:
        if not plan.placed(j):
            plan.try_place(j, rule)
    result = None
    if _consistent(plan, pool) and plan.total < before:
        result = {j: Placement(plan.chunks[j], plan.costs[j]) for j in pool}
    restore(plan, saved)
    return result


class _Rebuilder:
    """Clears a stretch of time and refills it in a few orders, keeping the best refill if it pays."""

    def __init__(self, plan: Plan, budget: Budget) -> None:
        self.plan = plan
        self.budget = budget
        self.due = effective_due(plan.instance)
        self.recipes = [(ORDERINGS[name], rule) for name, rule in RECREATE]
        self.preds = [job.preds for job in plan.jobs]

    def order(self, pool: list[int], key_index: int, first: set[int]) -> list[int]:
        key = self.recipes[key_index][0]
        inst, jobs = self.plan.instance, self.plan.jobs
        ranked = sorted(pool, key=lambda j: (j not in first, key(inst, jobs[j], self.due)))
        return topological(ranked, self.preds)

    def ancestors(self, j: int) -> set[int]:
        found, stack = {j}, [j]
        while stack:
            for p in self.preds[stack.pop()]:
                if p not in found:
                    found.add(p)
                    stack.append(p)
        return found

    def rebuild(self, lo: int, hi: int, first: int | None = None) -> bool:
        """Refill [lo, hi); `first` (with its predecessors, wherever they are) goes in before the rest."""
        plan = self.plan
        leading = self.ancestors(first) if first is not None else set()
        removed = [
            j
            for j in range(len(plan.jobs))
            if plan.placed(j) and (j in leading or any(s < hi and lo < e for s, e in plan.chunks[j]))
        ]
        pool = removed + [j for j in range(len(plan.jobs)) if not plan.placed(j)]
        best: dict[int, Placement] | None = None
        best_total = plan.total
        for key_index, (_, rule) in enumerate(self.recipes):
            if not self.budget.spend(len(pool)):
                break
            found = _recreate(plan, pool, removed, self.order(pool, key_index, leading), rule)
            if found is not None:
                total = plan.total - sum(plan.costs[j] for j in pool) + sum(p.cost for p in found.values())
                if total < best_total:
                    best, best_total = found, total
        if best is None:
            return False
        restore(plan, best)
        return True


def make_room_pass(plan: Plan, budget: Budget, jobs: Sequence[int] | None = None) -> bool:
    """For each costly job (of `jobs`, or of all), clear the time it wants and refill it with that
    job going first."""
    rebuilder = _Rebuilder(plan, budget)
    day = DAY_MINUTES // plan.instance.slot_minutes
    improved = False
    for u in sorted(range(len(plan.jobs)) if jobs is None else jobs, key=lambda j: (-plan.costs[j], j)):
        if plan.costs[u] == 0 or budget.left <= 0:
            break
        for lo, hi in _regions(plan, u, day):
            if rebuilder.rebuild(lo, hi, first=u):
                improved = True
                break
    return improved


def _regions(plan: Plan, u: int, day: int) -> list[tuple[int, int]]:
    """Stretches worth clearing for job u: from its release, the day before it is due, then each day
    with a free run that could hold its minimum chunk on an empty calendar."""
    job = plan.jobs[u]
    regions = [(job.release, job.release + day), (job.release, job.release + 2 * day)]
    due = min(
        job.hard_end, job.due_minute // plan.instance.slot_minutes if job.due_minute is not None else job.hard_end
    )
    if job.release + day < due < plan.instance.grid.size:
        regions.append((due - day, due))
    runs = runs_in(bytearray(plan.instance.static_free), job.release, job.hard_end, job.windows)
    last = job.release
    for start, end in runs:
        if end - start >= job.min_chunk and start >= last + day:
            regions.append((start, start + day))
            last = start
            if len(regions) >= MAX_REGIONS:
                break
    return regions


def ruin_recreate_pass(plan: Plan, budget: Budget) -> bool:
    """Clear one day at a time and refill it, together with the unplaced jobs, in a few orders."""
    rebuilder = _Rebuilder(plan, budget)
    day = DAY_MINUTES // plan.instance.slot_minutes
    improved = False
    for lo in range(0, plan.instance.grid.size, day):
        if budget.left <= 0:
            break
        improved |= rebuilder.rebuild(lo, lo + day)
    return improved
