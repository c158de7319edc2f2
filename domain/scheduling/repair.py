"""Replanning that keeps the previous plan: only the blocks that no longer fit are moved.

Blocks of the previous plan that are still valid stay exactly where they were; the displaced and the
new jobs then go into the remaining room. A displaced job that cannot finish before a kept successor
starts releases that successor (and whatever depends on it) instead of being dropped.
"""

from __future__ import annotations

import heapq

from domain.scheduling.instance import Instance
from domain.scheduling.placement import Placement, Placer
from domain.scheduling.plan import Plan


def _keep_still_valid(plan: Plan, order: list[int]) -> None:
    placer = plan.placer
    for j in sorted(order, key=lambda j: (plan.jobs[j].previous[:1] or [(10**9, 0)])[0]):
        job = plan.jobs[j]
        if not job.previous:
            continue
        if any(
            plan.placed(p) and plan.chunks[p][-1][1] * plan.instance.slot_minutes > job.previous[0][0]
            for p in job.preds
        ):
            continue
        chunks = placer.previous_spot(job, plan.occupancy.free, job.release, job.hard_end)
        if chunks is not None:
            plan.put(j, Placement(chunks, placer.cost(job, chunks)))


def _release_successors(plan: Plan, j: int) -> list[int]:
    """Take out every placed job that (transitively) waits on j; returns them."""
    taken = []
    stack = list(plan.jobs[j].succs)
    while stack:
        s = stack.pop()
        if plan.placed(s):
            plan.take(s)
            taken.append(s)
            stack.extend(plan.jobs[s].succs)
    return taken


def keep_previous(instance: Instance, placer: Placer, order: list[int]) -> Plan:
    """A plan that keeps every previous block it can; `order` must be topological."""
    plan = Plan(instance, placer, "keep-previous")
    _keep_still_valid(plan, order)
    rank = {j: i for i, j in enumerate(order)}
    queue = [(rank[j], j) for j in order if not plan.placed(j)]
    heapq.heapify(queue)
    while queue:
        _, j = heapq.heappop(queue)
        if plan.placed(j) or plan.try_place(j):
            continue
        if any(plan.placed(s) for s in plan.jobs[j].succs):
            released = _release_successors(plan, j)
            plan.try_place(j)
            for s in released:
                heapq.heappush(queue, (rank[s], s))
    return plan
