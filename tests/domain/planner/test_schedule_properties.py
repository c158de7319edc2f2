"""Properties that hold for any problem: no hard violation, determinism, stable replanning."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.planner.engine import baseline, plan
from domain.planner.model import (
    BlockState,
    Deadline,
    DeadlineKind,
    Interval,
    PlanBlock,
    Problem,
    Task,
    WorkKind,
)
from domain.planner.objective import evaluate
from domain.planner.validate import check_hard_constraints
from tests.domain.planner.factories import at, make_problem, standard_person

QUARTER = timedelta(minutes=15)


@st.composite
def tasks(draw: st.DrawFn, count: int) -> tuple[Task, ...]:
    found = []
    for i in range(count):
        duration = draw(st.integers(1, 16)) * 15
        deadline = None
        if draw(st.booleans()):
            kind = DeadlineKind.HARD if draw(st.integers(0, 4)) == 0 else DeadlineKind.SOFT
            deadline = Deadline(at(draw(st.integers(0, 4)), draw(st.integers(9, 17))), kind)
        deps = (f"t{draw(st.integers(0, i - 1))}",) if i and draw(st.integers(0, 5)) == 0 else ()
        found.append(
            Task(
                id=f"t{i}",
                duration_minutes=duration,
                priority=draw(st.integers(1, 4)),
                effort=draw(st.integers(1, 5)),
                kind=WorkKind.DEEP if draw(st.booleans()) else WorkKind.SHALLOW,
                splittable=draw(st.booleans()),
                min_chunk_minutes=draw(st.sampled_from((15, 30, 60))),
                max_chunk_minutes=draw(st.sampled_from((None, 60, 120))),
                start_after=at(draw(st.integers(0, 3)), 12) if draw(st.integers(0, 4)) == 0 else None,
                deadline=deadline,
                depends_on=deps,
            )
        )
    return tuple(found)


@st.composite
def problems(draw: st.DrawFn) -> Problem:
    busy = []
    for _ in range(draw(st.integers(0, 8))):
        start = at(draw(st.integers(0, 4)), draw(st.integers(8, 16)), draw(st.sampled_from((0, 10, 15, 30, 45))))
        busy.append(Interval(start, start + draw(st.integers(1, 8)) * QUARTER))
    return make_problem(
        tasks=draw(tasks(draw(st.integers(1, 18)))),
        busy=tuple(busy),
        person=standard_person(buffer_minutes=draw(st.sampled_from((0, 5, 15)))),
    )


SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(problem=problems())
def test_no_schedule_breaks_a_hard_constraint(problem: Problem) -> None:
    for schedule in (plan(problem), baseline(problem)):
        assert check_hard_constraints(problem, schedule) == []
        assert schedule.quality.hard_violations == 0


@SETTINGS
@given(problem=problems())
def test_every_task_is_either_placed_or_explained(problem: Problem) -> None:
    schedule = plan(problem)
    placed = {b.task_id for b in schedule.blocks}
    unplaced = {u.task_id for u in schedule.unplaced}
    assert placed.isdisjoint(unplaced)
    assert placed | unplaced == {t.id for t in problem.tasks}


@SETTINGS
@given(problem=problems())
def test_same_problem_same_schedule_and_the_objective_agrees(problem: Problem) -> None:
    schedule = plan(problem)
    assert plan(problem) == schedule
    assert evaluate(problem, schedule.blocks).objective == schedule.quality.objective
    assert schedule.quality.objective <= baseline(problem).quality.objective


@SETTINGS
@given(problem=problems(), data=st.data())
def test_replanning_keeps_locked_blocks_and_stays_valid(problem: Problem, data: st.DataObject) -> None:
    first = plan(problem)
    previous = [PlanBlock(b.task_id, b.start, b.end) for b in first.blocks]
    if previous:
        i = data.draw(st.integers(0, len(previous) - 1))
        previous[i] = PlanBlock(previous[i].task_id, previous[i].start, previous[i].end, pinned=True)
        j = data.draw(st.integers(0, len(previous) - 1))
        if j != i:
            previous[j] = PlanBlock(previous[j].task_id, previous[j].start, previous[j].end, BlockState.STARTED)
    meeting_start = at(data.draw(st.integers(0, 4)), data.draw(st.integers(9, 16)))
    meeting = Interval(meeting_start, meeting_start + 4 * QUARTER)
    changed = replace(problem, busy=(*problem.busy, meeting), existing_blocks=tuple(previous), locked_until=at(0, 13))
    again = plan(changed)
    assert check_hard_constraints(changed, again) == []
    kept = {(b.task_id, b.start, b.end) for b in again.blocks if b.locked}
    for block in previous:
        if block.pinned or block.state is BlockState.STARTED or block.start < at(0, 13):
            assert (block.task_id, block.start, block.end) in kept
