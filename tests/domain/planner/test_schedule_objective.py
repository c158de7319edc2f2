"""The objective, term by term, on schedules written by hand."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.planner.engine import plan
from domain.planner.instance import compile_problem
from domain.planner.model import BlockState, Deadline, PlanBlock, Task, WorkKind
from domain.planner.objective import CostModel, evaluate
from domain.planner.result import ScheduledBlock
from tests.domain.planner.factories import at, make_problem


def block(task_id: str, day: int, start: tuple[int, int], end: tuple[int, int]) -> ScheduledBlock:
    return ScheduledBlock(task_id, at(day, *start), at(day, *end), BlockState.PLANNED)


def test_lateness_is_minutes_late_times_priority_weight() -> None:
    task = Task("report", 60, priority=2, deadline=Deadline(at(0, 10)))
    evaluation = evaluate(make_problem(tasks=(task,)), [block("report", 0, (10, 0), (11, 0))])
    assert evaluation.late_minutes == 60
    assert evaluation.terms.lateness == 60 * 4  # priority 2 weighs 4


def test_an_unplaced_task_costs_a_base_and_its_minutes() -> None:
    problem = make_problem(tasks=(Task("skipped", 45, priority=1),))
    evaluation = evaluate(problem, [])
    weights = problem.weights
    assert evaluation.terms.unplaced == 8 * (weights.unplaced_base + weights.unplaced_per_minute * 45)
    assert evaluation.unplaced_tasks == 1


def test_deep_work_outside_peak_costs_effort_per_minute() -> None:
    task = Task("think", 120, kind=WorkKind.DEEP, effort=4)
    evaluation = evaluate(make_problem(tasks=(task,)), [block("think", 0, (11, 0), (13, 0))])
    assert evaluation.terms.offpeak == 4 * 60  # 11:00-12:00 is peak, 12:00-13:00 is not


def test_shallow_work_has_no_peak_term() -> None:
    evaluation = evaluate(make_problem(tasks=(Task("mail", 60),)), [block("mail", 0, (15, 0), (16, 0))])
    assert evaluation.objective == 0


def test_every_extra_chunk_costs() -> None:
    task = Task("split", 90, splittable=True)
    chunks = [
        block("split", 0, (9, 0), (9, 30)),
        block("split", 0, (10, 0), (10, 30)),
        block("split", 1, (9, 0), (9, 30)),
    ]
    evaluation = evaluate(make_problem(tasks=(task,)), chunks)
    assert evaluation.terms.fragmentation == 2 * make_problem().weights.per_extra_chunk


def test_moving_a_block_of_the_previous_plan_costs_churn() -> None:
    previous = (PlanBlock("a", at(1, 9), at(1, 10)), PlanBlock("b", at(1, 10), at(1, 11)))
    problem = make_problem(tasks=(Task("a", 60), Task("b", 60)), existing_blocks=previous)
    evaluation = evaluate(problem, [block("a", 1, (9, 0), (10, 0)), block("b", 2, (10, 0), (11, 0))])
    assert evaluation.moved_blocks == 1
    assert evaluation.terms.churn == problem.weights.per_moved_block


def test_the_engine_reports_the_objective_of_its_own_blocks() -> None:
    tasks = tuple(
        Task(
            f"t{i}",
            60 + 15 * i,
            priority=1 + i % 4,
            kind=WorkKind.DEEP if i % 2 else WorkKind.SHALLOW,
            deadline=Deadline(at(i % 5, 11)),
        )
        for i in range(15)
    )
    problem = make_problem(tasks=tasks)
    schedule = plan(problem)
    evaluation = evaluate(problem, schedule.blocks)
    assert schedule.quality.objective == evaluation.objective
    assert schedule.quality.terms == evaluation.terms


@settings(max_examples=60, deadline=None)
@given(
    chunks=st.lists(st.tuples(st.integers(0, 400), st.integers(1, 12)), min_size=0, max_size=4),
    deep=st.booleans(),
    priority=st.integers(1, 4),
    due_slot=st.one_of(st.none(), st.integers(0, 400)),
)
def test_the_fast_cost_matches_the_terms(
    chunks: list[tuple[int, int]], deep: bool, priority: int, due_slot: int | None
) -> None:
    deadline = Deadline(at(0, 9) + (due_slot or 0) * (at(0, 9, 15) - at(0, 9))) if due_slot is not None else None
    task = Task("t", 60, priority=priority, kind=WorkKind.DEEP if deep else WorkKind.SHALLOW, deadline=deadline)
    previous = (PlanBlock("t", at(0, 9), at(0, 10)),)
    instance = compile_problem(make_problem(tasks=(task,), existing_blocks=previous))
    model = CostModel(instance)
    spans = sorted((start * 15, (start + length) * 15) for start, length in chunks)
    job = instance.jobs[0]
    assert model.cost(job, spans) == model.terms(job, spans).total
