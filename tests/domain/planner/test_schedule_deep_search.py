"""The polish's iterated local search: never worse, always valid, repeatable for a round count."""

from __future__ import annotations

import pytest

from domain.planner.deep_search import deep_search
from domain.planner.engine import heuristic_plan, plan
from domain.planner.instance import compile_problem
from domain.planner.options import PlanOptions, PolishOptions
from domain.planner.output import to_schedule
from domain.planner.validate import check_hard_constraints
from tests.domain.planner.factories import overloaded_week


def test_the_search_never_makes_a_plan_worse_and_keeps_it_valid() -> None:
    problem = overloaded_week()
    instance = compile_problem(problem)
    start = heuristic_plan(instance)
    searched = deep_search(start, rounds=30, time_limit_s=60)
    assert searched.total <= start.total
    schedule = to_schedule(problem, searched)
    assert schedule.quality.objective == searched.total
    assert check_hard_constraints(problem, schedule) == []


def test_the_search_is_repeatable_for_a_round_count_and_seed() -> None:
    instance = compile_problem(overloaded_week())
    start = heuristic_plan(instance)
    first = deep_search(start, rounds=20, time_limit_s=60, seed=7)
    second = deep_search(start, rounds=20, time_limit_s=60, seed=7)
    assert first.chunks == second.chunks


def test_the_polish_of_a_large_problem_is_valid_and_never_worse() -> None:
    pytest.importorskip("ortools")
    problem = overloaded_week()
    options = PlanOptions(polish=PolishOptions(time_limit_s=2, workers=1, search_rounds=40))
    polished = plan(problem, options)
    assert polished.quality.objective <= plan(problem).quality.objective
    assert check_hard_constraints(problem, polished) == []
