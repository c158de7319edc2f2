"""The CP-SAT model optimises the same objective as the heuristic, under the same hard constraints."""

from __future__ import annotations

import pytest

from domain.planner.engine import plan
from domain.planner.model import Deadline, DeadlineKind, PlanBlock, Problem, Task, WorkKind
from domain.planner.objective import evaluate
from domain.planner.options import PlanOptions, PolishOptions
from domain.planner.polish import solve_exact
from domain.planner.validate import check_hard_constraints
from tests.domain.planner.factories import at, make_problem, span, standard_person

pytest.importorskip("ortools")


def crowded_day() -> Problem:
    """One day, more work than fits, deep work, deadlines and a dependency: every term is in play."""
    tasks = (
        Task(
            "deep",
            150,
            priority=2,
            effort=5,
            kind=WorkKind.DEEP,
            splittable=True,
            min_chunk_minutes=30,
            max_chunk_minutes=90,
        ),
        Task("urgent", 60, priority=1, deadline=Deadline(at(0, 11), DeadlineKind.HARD)),
        Task("review", 45, priority=3, depends_on=("urgent",), deadline=Deadline(at(0, 14))),
        Task("admin", 120, priority=4),
        Task("call-prep", 30, priority=2, deadline=Deadline(at(0, 10))),
        Task("big", 240, priority=3),
    )
    return make_problem(
        tasks=tasks, days=1, busy=(span(0, (13, 0), (14, 0)),), person=standard_person(buffer_minutes=10, peak=(9, 11))
    )


def test_the_exact_solution_is_valid_and_priced_the_same_way() -> None:
    problem = crowded_day()
    result = solve_exact(problem, time_limit_s=20)
    assert result.schedule is not None
    assert result.optimal
    assert check_hard_constraints(problem, result.schedule) == []
    assert evaluate(problem, result.schedule.blocks).objective == result.bound


def test_the_heuristic_is_never_better_than_the_proven_optimum() -> None:
    problem = crowded_day()
    result = solve_exact(problem, time_limit_s=20)
    assert result.optimal
    assert plan(problem).quality.objective >= result.bound


def test_polish_never_makes_a_plan_worse_and_keeps_it_valid() -> None:
    problem = crowded_day()
    options = PlanOptions(polish=PolishOptions(time_limit_s=5, workers=1, deterministic_time=2.0))
    polished = plan(problem, options)
    assert polished.quality.objective <= plan(problem).quality.objective
    assert check_hard_constraints(problem, polished) == []


def test_churn_is_part_of_the_exact_objective() -> None:
    tasks = (Task("a", 60), Task("b", 60))
    previous = (PlanBlock("a", at(0, 15), at(0, 16)), PlanBlock("b", at(0, 16), at(0, 17)))
    problem = make_problem(tasks=tasks, days=1, existing_blocks=previous)
    result = solve_exact(problem, time_limit_s=10)
    assert result.optimal
    assert result.bound == 0  # keeping the previous plan costs nothing; moving it would
    assert result.schedule is not None
    assert result.schedule.quality.moved_blocks == 0
