"""A working plan on the grid: chunks per job over an occupancy, with the cost of each job."""

from __future__ import annotations

from collections.abc import Sequence

from domain.planner.instance import Instance, Job, Span
from domain.planner.occupancy import Occupancy
from domain.planner.placement import Placement, Placer, Rule


class Plan:
    def __init__(self, instance: Instance, placer: Placer, strategy: str) -> None:
        self.instance = instance
        self.jobs = instance.jobs
        self.placer = placer
        self.strategy = strategy
        self.occupancy = Occupancy(instance)
        self.chunks: list[list[Span]] = [[] for _ in self.jobs]
        self.unplaced_cost = [placer.costs.unplaced_cost(j) + self._churn(j, []) for j in self.jobs]
        self.costs = list(self.unplaced_cost)
        # Leave a job out when placing it would cost more than its unplaced penalty.
        self.skip_costly = True
        self.order: list[int] = []  # the queue a constructive pass used, when it came from one

    def _churn(self, job: Job, chunks: list[Span]) -> int:
        return self.placer.costs.weights.per_moved_block * self.placer.costs.moved(job, chunks)

    def copy(self) -> Plan:
        clone = Plan.__new__(Plan)
        clone.__dict__.update(self.__dict__)
        clone.occupancy = self.occupancy.copy()
        clone.chunks = [list(c) for c in self.chunks]
        clone.costs = list(self.costs)
        return clone

    @property
    def total(self) -> int:
        return sum(self.costs)

    def placed(self, j: int) -> bool:
        return bool(self.chunks[j])

    def window(self, j: int) -> tuple[int, int] | None:
        """Where job j may go given the placed jobs around it; None when a predecessor is missing."""
        job = self.jobs[j]
        lo, hi = job.release, job.hard_end
        for p in job.preds:
            if not self.chunks[p]:
                return None
            lo = max(lo, self.chunks[p][-1][1])
        for s in job.succs:
            if self.chunks[s]:
                hi = min(hi, self.chunks[s][0][0])
        return (lo, hi) if lo < hi else None

    def put(self, j: int, placement: Placement) -> None:
        assert not self.chunks[j]
        chunks = sorted(placement.chunks)
        self.occupancy.reserve_all(chunks)
        self.chunks[j] = chunks
        self.costs[j] = placement.cost

    def take(self, j: int) -> Placement:
        chunks, cost = self.chunks[j], self.costs[j]
        self.occupancy.release_all(chunks)
        self.chunks[j] = []
        self.costs[j] = self.unplaced_cost[j]
        return Placement(chunks, cost)

    def best_for(self, j: int, rule: Rule = Rule.BEST_FIT) -> Placement | None:
        """The placer's choice for job j right now, or None when leaving it out is cheaper."""
        window = self.window(j)
        if window is None:
            return None
        found = self.placer.place(self.jobs[j], self.occupancy.free, window[0], window[1], rule)
        if found is None or (self.skip_costly and found.cost > self.unplaced_cost[j]):
            return None
        return found

    def try_place(self, j: int, rule: Rule = Rule.BEST_FIT) -> bool:
        found = self.best_for(j, rule)
        if found is not None:
            self.put(j, found)
        return found is not None

    def minute_chunks(self) -> list[list[Span]]:
        sm = self.instance.slot_minutes
        return [[(s * sm, e * sm) for s, e in chunks] for chunks in self.chunks]


def construct(
    instance: Instance, placer: Placer, order: Sequence[int], rule: Rule, strategy: str, *, skip_costly: bool = True
) -> Plan:
    """One greedy pass: each job in turn takes the placement the rule picks."""
    plan = Plan(instance, placer, strategy)
    plan.skip_costly = skip_costly
    plan.order = list(order)
    for j in order:
        plan.try_place(j, rule)
    return plan
