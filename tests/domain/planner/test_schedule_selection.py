"""The capacity relaxation's choice of what to leave out, and the plans the polish builds around it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.planner.engine import plan
from domain.planner.instance import compile_problem
from domain.planner.model import Deadline, DeadlineKind, Task
from domain.planner.options import PlanOptions, PolishOptions
from domain.planner.output import to_schedule
from domain.planner.reach import earliest_end, releases_after_predecessors
from domain.planner.selection import fewest_blocks, selection_start
from domain.planner.validate import check_hard_constraints
from tests.domain.planner.factories import MONDAY, make_problem, overloaded_week


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
    from domain.planner.selection import choose

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
    # Rounds and solver work bound every step, never the clock: two runs match however busy the machine. The
    # time limit is only a cap far above what the runs take.
    polish = PolishOptions(time_limit_s=600, workers=1, search_rounds=15, selection=True, deterministic_time=1.0)
    options = PlanOptions(polish=polish)
    first, second = plan(problem, options), plan(problem, options)
    assert first.blocks == second.blocks
    assert first.quality.objective <= plan(problem).quality.objective
    assert check_hard_constraints(problem, first) == []


def test_a_task_starts_no_earlier_than_its_predecessors_can_end() -> None:
    # Monday 9-17 with lunch: the 4-hour first task cannot end before Monday afternoon, and the second,
    # due by Monday 11:00 (hard), can never be placed after it.
    first = Task("first", 240)
    second = Task(
        "second", 60, depends_on=("first",), deadline=Deadline(MONDAY + timedelta(hours=11), DeadlineKind.HARD)
    )
    third = Task("third", 60, depends_on=("first",))
    instance = compile_problem(make_problem(tasks=(first, second, third), days=2))
    release = releases_after_predecessors(instance)
    first_job, second_job, third_job = instance.jobs

    first_end = earliest_end(instance, first_job)
    assert first_end is not None
    assert release[third_job.index] == first_end
    assert earliest_end(instance, second_job) is not None, "alone, the second task fits before its deadline"
    assert earliest_end(instance, second_job, release[second_job.index]) is None
    assert [u.task_id for u in plan(make_problem(tasks=(first, second, third), days=2)).unplaced] == ["second"]
