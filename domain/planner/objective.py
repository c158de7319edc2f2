"""The objective: the one definition of "better" that every solver, test and benchmark uses.

The total is a sum over tasks, so a solver can price one task's placement on its own:
- lateness: minutes past a soft deadline, times the priority weight;
- unplaced: a fixed amount plus an amount per minute of work, times the priority weight;
- offpeak: minutes of deep work outside peak hours, times the task's effort;
- fragmentation: every chunk beyond the first;
- churn: every block of the previous plan that is not kept exactly.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from domain.planner.instance import Instance, Job, Span, compile_problem
from domain.planner.model import Problem
from domain.planner.result import Evaluation, ObjectiveTerms, ScheduledBlock


class CostModel:
    """Prices the chunks of one job; chunks are (start, end) in minutes from the grid origin."""

    def __init__(self, instance: Instance) -> None:
        self.weights = instance.problem.weights
        self.peak = instance.peak
        self.slot_minutes = sm = instance.slot_minutes
        # Peak minutes before each slot boundary, for the slot-based fast path.
        self.peak_before = [self.peak.peak_minutes(0, t * sm) for t in range(instance.grid.size + 1)]

    def late_minutes(self, job: Job, chunks: Sequence[Span]) -> int:
        if not chunks or job.due_minute is None:
            return 0
        return max(0, max(end for _, end in chunks) - job.due_minute)

    def moved(self, job: Job, chunks: Sequence[Span]) -> int:
        if not job.previous:
            return 0
        kept = set(chunks)
        return sum(1 for span in job.previous if span not in kept)

    def unplaced_cost(self, job: Job) -> int:
        w = self.weights
        return job.weight * (w.unplaced_base + w.unplaced_per_minute * job.size * self.slot_minutes)

    def offpeak_cost(self, job: Job, chunks: Sequence[Span]) -> int:
        if not job.task.is_deep:
            return 0
        minutes = sum(self.peak.offpeak_minutes(s, e) for s, e in chunks)
        return self.weights.offpeak_per_effort_minute * job.task.effort * minutes

    def terms(self, job: Job, chunks: Sequence[Span]) -> ObjectiveTerms:
        w = self.weights
        churn = w.per_moved_block * self.moved(job, chunks)
        if not chunks:
            return ObjectiveTerms(unplaced=self.unplaced_cost(job), churn=churn)
        return ObjectiveTerms(
            lateness=job.weight * w.late_per_minute * self.late_minutes(job, chunks),
            offpeak=self.offpeak_cost(job, chunks),
            fragmentation=w.per_extra_chunk * (len(chunks) - 1),
            churn=churn,
        )

    def cost(self, job: Job, chunks: Sequence[Span]) -> int:
        """`terms(job, chunks).total`, without building the terms (the solvers call this a lot)."""
        w = self.weights
        if not chunks:
            return self.unplaced_cost(job) + w.per_moved_block * len(job.previous)
        total = w.per_extra_chunk * (len(chunks) - 1)
        if job.due_minute is not None:
            late = max(end for _, end in chunks) - job.due_minute
            if late > 0:
                total += job.weight * w.late_per_minute * late
        if job.task.is_deep:
            total += self.offpeak_cost(job, chunks)
        if job.previous:
            total += w.per_moved_block * self.moved(job, chunks)
        return total

    def cost_in_slots(self, job: Job, chunks: Sequence[Span]) -> int:
        """`cost` for chunks given in grid slots, without converting them (the hot path)."""
        w, sm = self.weights, self.slot_minutes
        if not chunks:
            return self.unplaced_cost(job) + w.per_moved_block * len(job.previous)
        total = w.per_extra_chunk * (len(chunks) - 1)
        if job.due_minute is not None:
            late = chunks[-1][1] * sm - job.due_minute
            if late > 0:
                total += job.weight * w.late_per_minute * late
        if job.task.is_deep:
            peak = self.peak_before
            off = sum((e - s) * sm - peak[e] + peak[s] for s, e in chunks)
            total += w.offpeak_per_effort_minute * job.task.effort * off
        if job.previous:
            total += w.per_moved_block * self.moved(job, [(s * sm, e * sm) for s, e in chunks])
        return total


def evaluate_chunks(instance: Instance, chunks_by_job: Sequence[Sequence[Span]]) -> Evaluation:
    """The objective of one chunk list (minutes) per job of `instance`, rejected tasks included."""
    model = CostModel(instance)
    terms = ObjectiveTerms()
    late_minutes = late_tasks = unplaced = moved = 0
    for job, chunks in zip(instance.jobs, chunks_by_job, strict=True):
        terms += model.terms(job, chunks)
        late = model.late_minutes(job, chunks)
        late_minutes += late
        late_tasks += late > 0
        unplaced += not chunks
        moved += model.moved(job, chunks)
    for job in instance.rejected_jobs:
        terms += model.terms(job, ())
        unplaced += 1
        moved += model.moved(job, ())
    return Evaluation(terms, late_minutes, late_tasks, unplaced, moved)


def chunks_from_blocks(instance: Instance, blocks: Iterable[ScheduledBlock]) -> list[list[Span]]:
    """The movable blocks of a schedule as chunk lists (minutes), one per job."""
    index_of = {job.id: job.index for job in instance.jobs}
    chunks: dict[int, list[Span]] = defaultdict(list)
    grid = instance.grid
    for block in blocks:
        if not block.locked and block.task_id in index_of:
            chunks[index_of[block.task_id]].append((grid.minute(block.start), grid.minute(block.end)))
    return [sorted(chunks[job.index]) for job in instance.jobs]


def evaluate(problem: Problem, blocks: Iterable[ScheduledBlock], instance: Instance | None = None) -> Evaluation:
    """The objective of a schedule's blocks for `problem` (pass `instance` to skip recompiling)."""
    instance = instance if instance is not None else compile_problem(problem)
    return evaluate_chunks(instance, chunks_from_blocks(instance, blocks))
