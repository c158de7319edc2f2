"""The capacity relaxation's choice of what to leave out, and the plans the polish builds around it."""

from __future__ import annotations

import pytest

from domain.scheduling.engine import PlanOptions, PolishOptions, plan
from domain.scheduling.instance import compile_problem
from domain.scheduling.model import Task
from domain.scheduling.output import to_schedule
from domain.scheduling.selection import fewest_blocks, selection_start
from domain.scheduling.validate import check_hard_constraints
from tests.domain.scheduling.factories import make_problem, overloaded_week


def test_a_task_takes_at_least_the_blocks_its_largest_chunk_allows() -> None:
    tasks = (
        Task("split", 150, splittable=True, min_chunk_minutes=30, max_chunk_minutes=60),
        Task("whole", 150),
    )
    instance = compile_problem(make_problem(tasks=tasks))
    split, whole = instance.jobs
    assert fewest_blocks(instance, split) == 3
    assert fewest_blocks(instance, whole) == 1


def test_a_task_takes_at_least_the_blocks_the_longest_free_run_allows() -> None:
    # One day: runs of 3 hours (9-12) and 4 hours (13-17); 8 hours in pieces of at most 4.
    tasks = (Task("long", 480, splittable=True, min_chunk_minutes=60),)
    instance = compile_problem(make_problem(tasks=tasks, days=1))
    assert fewest_blocks(instance, instance.jobs[0]) == 2


def test_the_choice_leaves_out_the_work_cheapest_per_slot() -> None:
    pytest.importorskip("ortools")
    from domain.scheduling.selection import choose

    # One day holds seven hours; the four urgent hours and the four-hour chore cannot all fit.
    urgent = tuple(Task(f"urgent{i}", 60, priority=1) for i in range(4))
    tasks = (*urgent, Task("chore", 240, priority=4))
    instance = compile_problem(make_problem(tasks=tasks, days=1))
    assert choose(instance, margin=0.0) == {0, 1, 2, 3}


def test_the_plan_built_around_the_choice_is_valid_and_repeatable() -> None:
    pytest.importorskip("ortools")
    problem = overloaded_week()
    instance = compile_problem(problem)
    first, second = selection_start(instance), selection_start(instance)
    assert first is not None
    assert second is not None
    assert first.chunks == second.chunks
    schedule = to_schedule(problem, first)
    assert schedule.quality.objective == first.total
    assert check_hard_constraints(problem, schedule) == []


def test_the_polish_in_two_halves_is_repeatable_for_a_round_count() -> None:
    pytest.importorskip("ortools")
    problem = overloaded_week()
    options = PlanOptions(polish=PolishOptions(time_limit_s=60, workers=1, search_rounds=15, selection=True))
    first, second = plan(problem, options), plan(problem, options)
    assert first.blocks == second.blocks
    assert first.quality.objective <= plan(problem).quality.objective
    assert check_hard_constraints(problem, first) == []
