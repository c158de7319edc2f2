"""The CP-SAT model of an Instance: the same hard constraints and the same objective, term for term.

Each job gets up to K optional chunks (K = size // min chunk, so every split the rules allow can be
expressed; `max_chunks` caps it when only a good solution, not a proof, is wanted). Chunks of a job
are ordered in time and used front to back, which removes the symmetric copies of every solution.
Requires ortools; only imported when CP-SAT is asked for.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from itertools import accumulate

from ortools.sat.python import cp_model

from domain.planner.instance import Instance, Job, Span
from domain.planner.objective import CostModel
from domain.planner.occupancy import runs_in


@dataclass
class ChunkVars:
    present: cp_model.IntVar
    start: cp_model.IntVar
    size: cp_model.IntVar
    end: cp_model.IntVar
    # Which free run holds the chunk, and how much of the run it uses (0 when elsewhere).
    runs: list[tuple[int, cp_model.IntVar, cp_model.LinearExpr]] = field(default_factory=list)


@dataclass
class JobVars:
    chunks: list[ChunkVars] = field(default_factory=list)
    end: cp_model.IntVar | None = None


@dataclass
class SchedulingModel:
    model: cp_model.CpModel
    jobs: list[JobVars]
    constant: int  # cost of the rejected tasks, which no decision can change


def _domain(spans: list[Span]) -> cp_model.Domain:
    return cp_model.Domain.from_intervals([[lo, hi] for lo, hi in spans if lo <= hi])


class _Builder:
    def __init__(self, instance: Instance, max_chunks: int | None, hint: list[list[Span]] | None) -> None:
        self.inst = instance
        self.costs = CostModel(instance)
        self.m = cp_model.CpModel()
        self.max_chunks = max_chunks
        self.hint = hint
        self.pad = instance.buffer_slots
        self.sm = instance.slot_minutes
        horizon = instance.grid.size
        self.peak_prefix = [
            0,
            *accumulate(instance.peak.peak_minutes(t * self.sm, (t + 1) * self.sm) for t in range(horizon)),
        ]
        self.global_runs = list(runs_in(bytearray(instance.static_free), 0, horizon, None))
        self.run_starts = [s for s, _ in self.global_runs]
        self.terms: list[cp_model.LinearExprT] = []
        self.cores: list[cp_model.IntervalVar] = []
        self.padded: list[cp_model.IntervalVar] = []

    def chunk_count(self, job: Job) -> int:
        count = 1 if job.max_chunk >= job.size and job.min_chunk == job.size else job.size // job.min_chunk
        if self.max_chunks is not None:
            hinted = len(self.hint[job.index]) if self.hint else 0
            count = min(count, max(self.max_chunks, hinted))
        return max(1, count)

    def job(self, job: Job) -> JobVars:
        runs = list(runs_in(bytearray(self.inst.static_free), job.release, job.hard_end, job.windows))
        shortest = job.size if job.min_chunk == job.size else job.min_chunk
        runs = [r for r in runs if r[1] - r[0] >= shortest]
        if not runs:
            self.terms.append(self.costs.unplaced_cost(job) + self._fixed_churn(job))
            return JobVars()
        vars_ = JobVars(chunks=[self.chunk(job, k, runs) for k in range(self.chunk_count(job))])
        self.link_chunks(job, vars_)
        return vars_

    def chunk(self, job: Job, k: int, runs: list[Span]) -> ChunkVars:
        m, name = self.m, f"{job.id}#{k}"
        low = job.size if job.min_chunk == job.size else job.min_chunk
        high = min(job.max_chunk, job.size)
        present = m.new_bool_var(f"on {name}")
        start = m.new_int_var_from_domain(_domain([(s, e - low) for s, e in runs]), f"start {name}")
        end = m.new_int_var_from_domain(_domain([(s + low, e) for s, e in runs]), f"end {name}")
        size = m.new_int_var(low, high, f"size {name}")
        self.cores.append(m.new_optional_interval_var(start, size, end, present, f"core {name}"))
        if self.pad:
            self.padded.append(
                m.new_optional_interval_var(start, size + self.pad, end + self.pad, present, f"padded {name}")
            )
        if job.windows is not None:
            inside = [w for w in job.windows if w[1] - w[0] >= low]
            choices = [m.new_bool_var(f"window {name} {i}") for i in range(len(inside))]
            m.add(sum(choices) == present)
            for choice, (w_lo, w_hi) in zip(choices, inside, strict=True):
                m.add(start >= w_lo).only_enforce_if(choice)
                m.add(end <= w_hi).only_enforce_if(choice)
        chunk = ChunkVars(present, start, size, end)
        self.assign_run(chunk, runs, low, high, name)
        return chunk

    def assign_run(self, chunk: ChunkVars, runs: list[Span], low: int, high: int, name: str) -> None:
        """Redundant with the no-overlap, but it lets the LP see each free run as a knapsack."""
        m = self.m
        choices = []
        for s, e in runs:
            index = bisect_right(self.run_starts, s) - 1
            in_run = m.new_bool_var(f"{name} in run {index}")
            m.add(chunk.start >= s).only_enforce_if(in_run)
            m.add(chunk.end <= e).only_enforce_if(in_run)
            if low == high:
                use: cp_model.LinearExpr = in_run * low
            else:
                used = m.new_int_var(0, min(high, e - s), f"{name} use of run {index}")
                m.add(used <= min(high, e - s) * in_run)
                use = used
            chunk.runs.append((index, in_run, use))
            choices.append(in_run)
        m.add(sum(choices) == chunk.present)

    def link_chunks(self, job: Job, vars_: JobVars) -> None:
        m, chunks = self.m, vars_.chunks
        placed = chunks[0].present
        used = []
        for k, chunk in enumerate(chunks):
            if k:
                m.add_implication(chunk.present, chunks[k - 1].present)
                m.add(chunk.start >= chunks[k - 1].end + self.pad).only_enforce_if(chunk.present)
            work = m.new_int_var(0, job.size, f"work {job.id}#{k}")
            m.add(work == chunk.size).only_enforce_if(chunk.present)
            m.add(work == 0).only_enforce_if(~chunk.present)
            m.add(sum(use for _, _, use in chunk.runs) == work)
            used.append(work)
        m.add(sum(used) == job.size * placed)
        vars_.end = m.new_int_var(0, self.inst.grid.size, f"end {job.id}")
        for chunk in chunks:
            m.add(vars_.end >= chunk.end).only_enforce_if(chunk.present)
        self.price(job, vars_)

    def price(self, job: Job, vars_: JobVars) -> None:
        m, w, chunks = self.m, self.inst.problem.weights, vars_.chunks
        placed = chunks[0].present
        self.terms.append(self.costs.unplaced_cost(job) * (1 - placed))
        self.terms.append(w.per_extra_chunk * (sum(c.present for c in chunks) - placed))
        if job.due_minute is not None and vars_.end is not None:
            late = m.new_int_var(0, max(0, self.inst.grid.size * self.sm - job.due_minute), f"late {job.id}")
            m.add(late >= vars_.end * self.sm - job.due_minute)
            self.terms.append(job.weight * w.late_per_minute * late)
        if job.task.is_deep:
            for k, chunk in enumerate(chunks):
                self.terms.append(w.offpeak_per_effort_minute * job.task.effort * self.offpeak(chunk, k, job))
        self.churn(job, chunks)

    def offpeak(self, chunk: ChunkVars, k: int, job: Job) -> cp_model.IntVar:
        m, prefix = self.m, self.peak_prefix
        at_start = m.new_int_var(0, prefix[-1], f"peak before {job.id}#{k}")
        at_end = m.new_int_var(0, prefix[-1], f"peak until {job.id}#{k}")
        m.add_element(chunk.start, prefix, at_start)
        m.add_element(chunk.end, prefix, at_end)
        off = m.new_int_var(0, job.size * self.sm, f"offpeak {job.id}#{k}")
        m.add(off >= chunk.size * self.sm - (at_end - at_start)).only_enforce_if(chunk.present)
        return off

    def _fixed_churn(self, job: Job) -> int:
        return self.inst.problem.weights.per_moved_block * len(job.previous)

    def churn(self, job: Job, chunks: list[ChunkVars]) -> None:
        m, sm = self.m, self.sm
        per_block = self.inst.problem.weights.per_moved_block
        for i, (a, b) in enumerate(job.previous):
            matches = []
            if a % sm == 0 and b % sm == 0:
                for k, chunk in enumerate(chunks):
                    same = m.new_bool_var(f"keeps {job.id} block {i} as chunk {k}")
                    m.add_implication(same, chunk.present)
                    m.add(chunk.start == a // sm).only_enforce_if(same)
                    m.add(chunk.size == (b - a) // sm).only_enforce_if(same)
                    matches.append(same)
            m.add(sum(matches) <= 1)
            self.terms.append(per_block * (1 - sum(matches)))

    def dependencies(self, jobs: list[JobVars]) -> None:
        for job in self.inst.jobs:
            mine = jobs[job.index]
            if not mine.chunks:
                continue
            for p in job.preds:
                theirs = jobs[p]
                if not theirs.chunks or theirs.end is None:
                    self.m.add(mine.chunks[0].present == 0)
                    continue
                self.m.add_implication(mine.chunks[0].present, theirs.chunks[0].present)
                self.m.add(mine.chunks[0].start >= theirs.end).only_enforce_if(mine.chunks[0].present)

    def run_capacities(self, jobs: list[JobVars]) -> None:
        """Chunks in one free run, with a buffer between each two, must fit the run's length."""
        loads: dict[int, list[cp_model.LinearExpr]] = {}
        for vars_ in jobs:
            for chunk in vars_.chunks:
                for index, in_run, use in chunk.runs:
                    loads.setdefault(index, []).append(use + self.pad * in_run)
        for index, load in loads.items():
            s, e = self.global_runs[index]
            self.m.add(sum(load) <= e - s + self.pad)

    def blocked(self) -> list[cp_model.IntervalVar]:
        """Fixed intervals over every slot a block may not use (nights, breaks, busy time...)."""
        free, spans, pos = self.inst.static_free, [], 0
        while pos < len(free):
            lo = free.find(0, pos)
            if lo < 0:
                break
            hi = free.find(1, lo)
            hi = len(free) if hi < 0 else hi
            spans.append(self.m.new_fixed_size_interval_var(lo, hi - lo, f"blocked {lo}"))
            pos = hi
        return spans


def build(instance: Instance, max_chunks: int | None = None, hint: list[list[Span]] | None = None) -> SchedulingModel:
    builder = _Builder(instance, max_chunks, hint)
    jobs = [builder.job(job) for job in instance.jobs]
    builder.dependencies(jobs)
    builder.m.add_no_overlap(builder.cores + builder.blocked())
    builder.run_capacities(jobs)
    if builder.padded:
        builder.m.add_no_overlap(builder.padded)
    costs = builder.costs
    constant = sum(costs.cost(job, []) for job in instance.rejected_jobs)
    builder.m.minimize(sum(builder.terms) + constant)
    if hint is not None:
        _add_hint(builder.m, jobs, hint)
    return SchedulingModel(builder.m, jobs, constant)


def _add_hint(m: cp_model.CpModel, jobs: list[JobVars], hint: list[list[Span]]) -> None:
    for vars_, chunks in zip(jobs, hint, strict=True):
        for k, chunk in enumerate(vars_.chunks):
            on = k < len(chunks)
            m.add_hint(chunk.present, on)
            if on:
                m.add_hint(chunk.start, chunks[k][0])
                m.add_hint(chunk.size, chunks[k][1] - chunks[k][0])
                m.add_hint(chunk.end, chunks[k][1])
        if vars_.end is not None and chunks:
            m.add_hint(vars_.end, chunks[-1][1])
