"""Dependency checks: unknown predecessors, cycles, and what they take down with them."""

from __future__ import annotations

import heapq
from collections.abc import Collection, Mapping, Sequence

from domain.planner.result import UnplacedReason


def _cyclic(graph: Mapping[str, Sequence[str]]) -> set[str]:
    """Ids on a dependency cycle (iterative Tarjan, so deep chains cannot overflow the stack)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cyclic: set[str] = set()
    for root in graph:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, child = work.pop()
            if child == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            edges = graph[node]
            if child < len(edges):
                work.append((node, child + 1))
                nxt = edges[child]
                if nxt not in index:
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1 or node in graph[node]:
                    cyclic.update(component)
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return cyclic


def rejected_by_dependencies(
    depends_on: Mapping[str, Sequence[str]], satisfied: Collection[str]
) -> dict[str, UnplacedReason]:
    """Tasks that can never be placed because of their dependencies.

    `depends_on` holds the tasks that still need time; `satisfied` the ids whose work is complete or
    already fixed in the plan.
    """
    rejected: dict[str, UnplacedReason] = {}
    for task_id, deps in depends_on.items():
        if any(d not in depends_on and d not in satisfied for d in deps):
            rejected[task_id] = UnplacedReason.DEPENDENCY_UNKNOWN
    graph = {t: [d for d in deps if d in depends_on] for t, deps in depends_on.items()}
    for task_id in sorted(_cyclic(graph)):
        rejected.setdefault(task_id, UnplacedReason.DEPENDENCY_CYCLE)
    changed = True
    while changed:  # a task waiting on a rejected one can never start either
        changed = False
        for task_id, deps in graph.items():
            if task_id not in rejected and any(d in rejected for d in deps):
                rejected[task_id] = UnplacedReason.DEPENDENCY_UNPLACED
                changed = True
    return rejected


def topological(order: Sequence[int], preds: Sequence[Sequence[int]]) -> list[int]:
    """`order` reshuffled as little as possible so that every job follows its predecessors.

    A predecessor inherits the rank of its most urgent successor, so that waiting on it does not
    push an urgent job behind everything else.
    """
    rank = {job: i for i, job in enumerate(order)}
    waiting = {job: sum(1 for p in preds[job] if p in rank) for job in order}
    succs: dict[int, list[int]] = {job: [] for job in order}
    for job in order:
        for p in preds[job]:
            if p in rank:
                succs[p].append(job)
    urgency = dict(rank)
    changed = True
    while changed:
        changed = False
        for job in order:
            best = min((urgency[s] for s in succs[job]), default=urgency[job])
            if best < urgency[job]:
                urgency[job] = best
                changed = True
    ready = [(urgency[j], rank[j], j) for j in order if waiting[j] == 0]
    heapq.heapify(ready)
    result = []
    while ready:
        *_, job = heapq.heappop(ready)
        result.append(job)
        for nxt in succs[job]:
            waiting[nxt] -= 1
            if waiting[nxt] == 0:
                heapq.heappush(ready, (urgency[nxt], rank[nxt], nxt))
    return result
