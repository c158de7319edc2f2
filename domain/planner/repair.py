"""Replanning that keeps the previous plan: only the blocks that no longer fit are moved.

`repair` is the minimal-perturbation replan the engine runs whenever there is a previous plan:
every previous block that is still feasible stays exactly where it was (block by block, so a task
keeps its other blocks when one of them is hit), only the work the change displaced is re-placed
into free time, together with new and unplaced tasks, and a short local search then moves the
disturbed and late tasks when that lowers the objective, churn included.

`keep_previous` is the coarser version the wider replan uses as one of its constructions: a task
keeps its blocks only when all of them still fit.

In both, a displaced job that cannot finish before a kept successor starts releases that successor
(and whatever depends on it) instead of being dropped.
"""

from __future__ import annotations

import heapq
from dataclasses import replace

from domain.planner.instance import Instance, Span
from domain.planner.moves import Budget, eject_pass, reinsert_pass
from domain.planner.placement import Placement, Placer, Rule
from domain.planner.plan import Plan
from domain.planner.rebuild import make_room_pass


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


def _kept_blocks(plan: Plan, j: int) -> list[Span]:
    """The previous blocks of job j (in slots) that are still feasible given the blocks kept so far."""
    job, sm, free = plan.jobs[j], plan.instance.slot_minutes, plan.occupancy.free
    lo = max([job.release, *(plan.chunks[p][-1][1] for p in job.preds if plan.chunks[p])])
    kept: list[Span] = []
    total = 0
    for a, b in job.previous:
        s, e = a // sm, b // sm
        fits = (
            a % sm == 0
            and b % sm == 0
            and lo <= s
            and e <= job.hard_end
            and job.min_chunk <= e - s <= job.max_chunk
            and total + e - s <= job.size
            and free.find(0, s, e) < 0
            and (job.windows is None or any(w_lo <= s and e <= w_hi for w_lo, w_hi in job.windows))
        )
        if fits:
            plan.occupancy.reserve(s, e)  # so that the next block keeps a buffer from this one
            kept.append((s, e))
            total += e - s
    plan.occupancy.release_all(kept)
    return kept


def _missing(plan: Plan, j: int) -> int:
    return plan.jobs[j].size - sum(e - s for s, e in plan.chunks[j])


def _rest(plan: Plan, j: int, missing: int) -> list[Span] | None:
    """Chunks for the `missing` slots of job j, around the blocks it keeps, or None."""
    job, window = plan.jobs[j], plan.window(j)
    if window is None or missing < job.min_chunk:
        return None
    part = replace(job, index=-1, size=missing, max_chunk=min(job.max_chunk, missing), previous=())
    found = plan.placer.place(part, plan.occupancy.free, window[0], window[1], Rule.BEST_FIT)
    return found.chunks if found is not None else None


def _complete(plan: Plan, j: int) -> bool:
    """Give job j the work it lacks: next to its kept blocks if possible, else as a whole."""
    missing = _missing(plan, j)
    if missing == 0:
        return True
    if plan.placed(j):
        # Searched while the kept blocks still hold their slots (and buffers), then swapped in.
        rest = _rest(plan, j, missing) if missing > 0 else None
        kept = plan.take(j).chunks
        if rest is not None:
            chunks = sorted(kept + rest)
            cost = plan.placer.cost(plan.jobs[j], chunks)
            if cost <= plan.unplaced_cost[j]:
                plan.put(j, Placement(chunks, cost))
                return True
    return plan.try_place(j)


def _reinstate(plan: Plan, order: list[int]) -> set[int]:
    """Keep the feasible previous blocks, then place what is missing; returns the jobs it touched."""
    for j in order:
        if plan.jobs[j].previous:
            kept = _kept_blocks(plan, j)
            if kept:
                plan.put(j, Placement(kept, plan.placer.cost(plan.jobs[j], kept)))
    rank = {j: i for i, j in enumerate(order)}
    queue = [(rank[j], j) for j in order if _missing(plan, j)]
    touched = {j for _, j in queue}
    heapq.heapify(queue)
    while queue:
        _, j = heapq.heappop(queue)
        if _complete(plan, j) or not any(plan.placed(s) for s in plan.jobs[j].succs):
            continue
        released = _release_successors(plan, j)
        plan.try_place(j)
        touched.update(released)
        for s in released:
            heapq.heappush(queue, (rank[s], s))
    return touched


def repair(instance: Instance, placer: Placer, order: list[int], effort: int) -> Plan:
    """The minimal-perturbation replan; `order` must be topological, `effort` bounds the local search.

    The search only starts from the jobs the change touched and the late or unplaced ones, and moves
    a block only when that lowers the objective, whose churn term prices every moved block.
    """
    plan = Plan(instance, placer, "repair")
    touched = _reinstate(plan, order)
    budget = Budget(effort)
    improved = True
    while improved and budget.left > 0:
        focus = sorted(touched | _late_or_unplaced(plan))
        improved = (
            reinsert_pass(plan, budget, focus)
            or eject_pass(plan, budget, focus)
            or make_room_pass(plan, budget, _displaced_left_out(plan))
        )
        if improved:
            plan.strategy = "repair+local-search"
    return plan


def _late_or_unplaced(plan: Plan) -> set[int]:
    sm = plan.instance.slot_minutes
    return {
        job.index
        for job, chunks in zip(plan.jobs, plan.chunks, strict=True)
        if not chunks or (job.due_minute is not None and chunks[-1][1] * sm > job.due_minute)
    }


def _displaced_left_out(plan: Plan) -> list[int]:
    return [job.index for job in plan.jobs if job.previous and not plan.placed(job.index)]


def displaced_work_left_out(plan: Plan) -> bool:
    """Whether a job that had blocks in the previous plan has none now."""
    return bool(_displaced_left_out(plan))
