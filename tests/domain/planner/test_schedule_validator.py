"""The hard-constraint validator catches each kind of broken schedule."""

from __future__ import annotations

import pytest

from domain.planner.model import BlockState, Deadline, DeadlineKind, PlanBlock, Problem, Task
from domain.planner.result import ObjectiveTerms, Quality, Schedule, ScheduledBlock, ViolationCode
from domain.planner.validate import check_hard_constraints
from tests.domain.planner.factories import at, make_problem, span, standard_person


def schedule_of(*blocks: ScheduledBlock) -> Schedule:
    return Schedule(blocks, (), Quality(0, ObjectiveTerms(), 0, 0, 0, 0, "by hand"))


def block(task_id: str, day: int, start: tuple[int, int], end: tuple[int, int], **fields: bool) -> ScheduledBlock:
    return ScheduledBlock(task_id, at(day, *start), at(day, *end), BlockState.PLANNED, **fields)


def codes(problem: Problem, *blocks: ScheduledBlock) -> set[ViolationCode]:
    return {v.code for v in check_hard_constraints(problem, schedule_of(*blocks))}


ONE_HOUR = (Task("a", 60),)


def test_a_valid_schedule_has_no_violations() -> None:
    tasks = (Task("a", 60), Task("b", 90, splittable=True, min_chunk_minutes=30, depends_on=("a",)))
    problem = make_problem(tasks=tasks)
    assert (
        codes(problem, block("a", 0, (9, 0), (10, 0)), block("b", 0, (10, 0), (11, 0)), block("b", 1, (9, 0), (9, 30)))
        == set()
    )


@pytest.mark.parametrize(
    ("start", "end", "code"),
    [
        ((7, 0), (8, 0), ViolationCode.OUTSIDE_WORKING_HOURS),
        ((12, 0), (13, 0), ViolationCode.OUTSIDE_WORKING_HOURS),  # lunch
        ((16, 30), (17, 30), ViolationCode.OUTSIDE_WORKING_HOURS),
        ((9, 5), (10, 5), ViolationCode.OFF_GRID),
    ],
)
def test_blocks_must_sit_in_working_hours_on_the_grid(
    start: tuple[int, int], end: tuple[int, int], code: ViolationCode
) -> None:
    assert code in codes(make_problem(tasks=ONE_HOUR), block("a", 1, start, end))


def test_blocks_before_now_or_after_the_horizon() -> None:
    problem = make_problem(tasks=ONE_HOUR, now=at(1, 8), days=1)
    assert ViolationCode.BEFORE_NOW in codes(problem, block("a", 0, (9, 0), (10, 0)))
    assert ViolationCode.AFTER_HORIZON in codes(problem, block("a", 2, (9, 0), (10, 0)))


def test_busy_time_and_its_buffer() -> None:
    meeting = (span(0, (10, 0), (11, 0)),)
    plain = make_problem(tasks=ONE_HOUR, busy=meeting)
    buffered = make_problem(tasks=ONE_HOUR, busy=meeting, person=standard_person(buffer_minutes=15))
    assert ViolationCode.OVERLAPS_BUSY in codes(plain, block("a", 0, (10, 30), (11, 30)))
    assert codes(plain, block("a", 0, (11, 0), (12, 0))) == set()
    assert ViolationCode.OVERLAPS_BUSY in codes(buffered, block("a", 0, (11, 0), (12, 0)))


def test_blocks_may_not_overlap_or_crowd_each_other() -> None:
    tasks = (Task("a", 60), Task("b", 60))
    assert ViolationCode.OVERLAPS_BLOCK in codes(
        make_problem(tasks=tasks), block("a", 0, (9, 0), (10, 0)), block("b", 0, (9, 30), (10, 30))
    )
    buffered = make_problem(tasks=tasks, person=standard_person(buffer_minutes=10))
    assert ViolationCode.OVERLAPS_BLOCK in codes(
        buffered, block("a", 0, (9, 0), (10, 0)), block("b", 0, (10, 0), (11, 0))
    )


def test_start_after_and_hard_deadline() -> None:
    late = Task("a", 60, start_after=at(0, 10))
    due = Task("b", 60, deadline=Deadline(at(0, 10), DeadlineKind.HARD))
    problem = make_problem(tasks=(late, due))
    found = codes(problem, block("a", 0, (9, 0), (10, 0)), block("b", 0, (10, 0), (11, 0)))
    assert {ViolationCode.BEFORE_START_AFTER, ViolationCode.AFTER_HARD_DEADLINE} <= found


def test_chunk_sizes_and_totals() -> None:
    task = Task("a", 120, splittable=True, min_chunk_minutes=60, max_chunk_minutes=60)
    problem = make_problem(tasks=(task,))
    assert ViolationCode.CHUNK_SIZE in codes(problem, block("a", 0, (9, 0), (9, 30)), block("a", 0, (10, 0), (11, 30)))
    assert ViolationCode.WRONG_TOTAL in codes(problem, block("a", 0, (9, 0), (10, 0)))
    assert ViolationCode.CHUNK_SIZE in codes(
        make_problem(tasks=ONE_HOUR), block("a", 0, (9, 0), (9, 30)), block("a", 0, (10, 0), (10, 30))
    )


def test_dependencies_in_order_and_placed() -> None:
    tasks = (Task("a", 60), Task("b", 60, depends_on=("a",)))
    problem = make_problem(tasks=tasks)
    assert ViolationCode.DEPENDENCY_ORDER in codes(
        problem, block("b", 0, (9, 0), (10, 0)), block("a", 0, (10, 0), (11, 0))
    )
    assert ViolationCode.DEPENDENCY_ORDER in codes(problem, block("b", 0, (9, 0), (10, 0)))


def test_work_for_an_unknown_or_finished_task() -> None:
    problem = make_problem(tasks=ONE_HOUR, completed_task_ids=frozenset({"a"}))
    assert ViolationCode.UNKNOWN_TASK in codes(problem, block("a", 0, (9, 0), (10, 0)))
    assert ViolationCode.UNKNOWN_TASK in codes(problem, block("ghost", 0, (9, 0), (10, 0)))


def test_task_windows() -> None:
    task = Task("walk", 30, windows=(span(0, (15, 0), (16, 0)),))
    assert ViolationCode.OUTSIDE_TASK_WINDOWS in codes(make_problem(tasks=(task,)), block("walk", 0, (9, 0), (9, 30)))


def test_locked_blocks_must_come_back_unchanged() -> None:
    pinned = PlanBlock("a", at(0, 9), at(0, 10), pinned=True)
    problem = make_problem(tasks=ONE_HOUR, existing_blocks=(pinned,))
    kept = ScheduledBlock("a", at(0, 9), at(0, 10), BlockState.PLANNED, locked=True, pinned=True)
    assert codes(problem, kept) == set()
    moved = ScheduledBlock("a", at(0, 10), at(0, 11), BlockState.PLANNED, locked=True, pinned=True)
    assert ViolationCode.LOCKED_BLOCK_CHANGED in codes(problem, moved)
    assert ViolationCode.LOCKED_BLOCK_CHANGED in codes(problem)


def test_two_locked_blocks_may_overlap_each_other() -> None:
    existing = (PlanBlock("a", at(0, 9), at(0, 10), pinned=True), PlanBlock("b", at(0, 9), at(0, 10), pinned=True))
    problem = make_problem(tasks=(Task("a", 60), Task("b", 60)), existing_blocks=existing)
    locked = [ScheduledBlock(b.task_id, b.start, b.end, b.state, locked=True, pinned=True) for b in existing]
    assert codes(problem, *locked) == set()
