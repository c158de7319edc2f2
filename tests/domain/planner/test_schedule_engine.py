"""The engine's behaviour on small, readable scenarios."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from domain.planner.engine import baseline, plan
from domain.planner.model import (
    BlockState,
    Deadline,
    DeadlineKind,
    Interval,
    PersonProfile,
    PlanBlock,
    Task,
    TimeWindow,
    WorkKind,
    elapsed,
    week,
)
from domain.planner.result import Schedule, UnplacedReason
from domain.planner.validate import check_hard_constraints
from tests.domain.planner.factories import at, make_problem, span, standard_person

HOUR = timedelta(hours=1)


def blocks(schedule: Schedule, task_id: str) -> list[tuple[datetime, datetime]]:
    return [(b.start, b.end) for b in schedule.blocks_of(task_id)]


def reason(schedule: Schedule, task_id: str) -> UnplacedReason:
    (found,) = [u for u in schedule.unplaced if u.task_id == task_id]
    return found.reason


def as_previous_plan(schedule: Schedule) -> tuple[PlanBlock, ...]:
    return tuple(PlanBlock(b.task_id, b.start, b.end, b.state, b.pinned) for b in schedule.blocks)


def test_nothing_to_do_gives_an_empty_schedule() -> None:
    schedule = plan(make_problem())
    assert schedule.blocks == ()
    assert schedule.quality.objective == 0


def test_a_task_goes_to_the_first_working_slot() -> None:
    schedule = plan(make_problem(tasks=(Task("write", 60),)))
    assert blocks(schedule, "write") == [(at(0, 9), at(0, 10))]


def test_deep_work_goes_to_peak_hours() -> None:
    problem = make_problem(tasks=(Task("think", 120, kind=WorkKind.DEEP),), person=standard_person(peak=(14, 16)))
    assert blocks(plan(problem), "think") == [(at(0, 14), at(0, 16))]


def test_split_deep_work_goes_to_peak_hours_inside_its_windows_too() -> None:
    # Windows as per-company hours give them: the whole working day, so they change nothing here.
    think = Task("think", 180, kind=WorkKind.DEEP, splittable=True, min_chunk_minutes=60, max_chunk_minutes=60)
    days = tuple(Interval(at(day, 9), at(day, 17)) for day in range(5))
    person = standard_person(peak=(14, 16))

    free = blocks(plan(make_problem(tasks=(think,), person=person)), "think")
    windowed = blocks(plan(make_problem(tasks=(replace(think, windows=days),), person=person)), "think")

    assert windowed == free
    assert sum(1 for start, end in windowed if at(0, 14) <= start and end <= at(0, 16)) == 2


def test_meetings_and_their_buffer_are_kept_free() -> None:
    problem = make_problem(
        tasks=(Task("write", 60),), busy=(span(0, (9, 0), (10, 0)),), person=standard_person(buffer_minutes=15)
    )
    assert blocks(plan(problem), "write") == [(at(0, 10, 15), at(0, 11, 15))]


def test_a_meeting_off_the_grid_blocks_the_whole_slot() -> None:
    problem = make_problem(tasks=(Task("write", 30),), busy=(span(0, (9, 5), (9, 50)),))
    assert blocks(plan(problem), "write") == [(at(0, 10), at(0, 10, 30))]


def test_lunch_is_not_worked_through() -> None:
    problem = make_problem(tasks=(Task("long", 240),), busy=(span(0, (9, 0), (10, 0)),))
    start, end = blocks(plan(problem), "long")[0]
    assert not (start < at(0, 13) and at(0, 12) < end)


def test_start_after_is_respected() -> None:
    task = Task("later", 60, start_after=at(2, 10, 20))
    assert blocks(plan(make_problem(tasks=(task,))), "later") == [(at(2, 10, 30), at(2, 11, 30))]


def test_dependencies_run_in_order_even_against_deadlines() -> None:
    first = Task("first", 60)
    second = Task("second", 60, depends_on=("first",), deadline=Deadline(at(0, 10)))
    schedule = plan(make_problem(tasks=(second, first)))
    assert blocks(schedule, "first")[0][1] <= blocks(schedule, "second")[0][0]


def test_splittable_work_respects_chunk_bounds() -> None:
    task = Task("report", 360, splittable=True, min_chunk_minutes=60, max_chunk_minutes=120)
    schedule = plan(make_problem(tasks=(task,)))
    sizes = [elapsed(s, e) for s, e in blocks(schedule, "report")]
    assert sum(sizes, timedelta()) == 6 * HOUR
    assert all(HOUR <= size <= 2 * HOUR for size in sizes)
    assert check_hard_constraints(make_problem(tasks=(task,)), schedule) == []


def test_hard_deadline_without_room_leaves_the_task_out() -> None:
    task = Task("urgent", 240, deadline=Deadline(at(0, 11), DeadlineKind.HARD))
    schedule = plan(make_problem(tasks=(task,)))
    assert schedule.blocks == ()
    assert reason(schedule, "urgent") is UnplacedReason.NO_CAPACITY_BEFORE_DEADLINE


def test_hard_deadline_before_the_start_after() -> None:
    task = Task("odd", 30, start_after=at(1, 9), deadline=Deadline(at(0, 15), DeadlineKind.HARD))
    assert reason(plan(make_problem(tasks=(task,))), "odd") is UnplacedReason.DEADLINE_BEFORE_START


def test_a_task_due_before_its_predecessor_can_be_done_is_told_so() -> None:
    # The predecessor may start Tuesday only; the follow-up is due Monday 15:00 (hard), though alone it would fit.
    tasks = (
        Task("prep", 60, start_after=at(1, 9)),
        Task("follow-up", 30, depends_on=("prep",), deadline=Deadline(at(0, 15), DeadlineKind.HARD)),
    )
    schedule = plan(make_problem(tasks=tasks))
    [left_out] = schedule.unplaced
    assert (left_out.task_id, left_out.reason) == ("follow-up", UnplacedReason.DEADLINE_BEFORE_START)
    assert "predecessors" in left_out.detail
    assert blocks(schedule, "prep")


def test_soft_deadline_is_missed_rather_than_the_task_dropped() -> None:
    tasks = (
        Task("a", 240, priority=1, deadline=Deadline(at(0, 17))),
        Task("b", 240, priority=4, deadline=Deadline(at(0, 17))),
    )
    schedule = plan(make_problem(tasks=tasks))
    assert schedule.unplaced == ()
    assert blocks(schedule, "a")[0][1] <= at(0, 17)  # the important one is on time
    assert schedule.quality.late_tasks == 1
    assert schedule.quality.terms.lateness == schedule.quality.late_minutes  # priority 4 weighs 1


def test_a_piece_larger_than_any_free_stretch() -> None:
    task = Task("marathon", 300)
    assert reason(plan(make_problem(tasks=(task,))), "marathon") is UnplacedReason.CHUNK_TOO_LARGE


def test_dependency_problems_are_reported() -> None:
    tasks = (
        Task("orphan", 30, depends_on=("missing",)),
        Task("ping", 30, depends_on=("pong",)),
        Task("pong", 30, depends_on=("ping",)),
        Task("after-orphan", 30, depends_on=("orphan",)),
        Task("after-done", 30, depends_on=("done-already",)),
    )
    schedule = plan(make_problem(tasks=tasks, completed_task_ids=frozenset({"done-already"})))
    assert reason(schedule, "orphan") is UnplacedReason.DEPENDENCY_UNKNOWN
    assert reason(schedule, "ping") is UnplacedReason.DEPENDENCY_CYCLE
    assert reason(schedule, "after-orphan") is UnplacedReason.DEPENDENCY_UNPLACED
    assert blocks(schedule, "after-done")


def test_too_late_to_be_worth_it() -> None:
    task = Task("stale", 60, deadline=Deadline(at(0, 9) - timedelta(days=60)))
    assert reason(plan(make_problem(tasks=(task,))), "stale") is UnplacedReason.LATE_BEYOND_PENALTY


def test_locked_blocks_stay_and_count_as_work_done() -> None:
    existing = (
        PlanBlock("write", at(0, 9), at(0, 10), BlockState.DONE),
        PlanBlock("write", at(0, 10), at(0, 11), BlockState.STARTED),
        PlanBlock("call", at(1, 15), at(1, 16), pinned=True),
        PlanBlock("review", at(0, 14), at(0, 15)),  # inside the locked window
    )
    tasks = (Task("write", 180), Task("call", 60), Task("review", 60))
    problem = make_problem(tasks=tasks, existing_blocks=existing, locked_until=at(1, 0), now=at(0, 11))
    schedule = plan(problem)
    locked = {(b.task_id, b.start) for b in schedule.blocks if b.locked}
    assert locked == {("write", at(0, 9)), ("write", at(0, 10)), ("call", at(1, 15)), ("review", at(0, 14))}
    movable = [b for b in schedule.blocks if not b.locked]
    assert [(b.task_id, elapsed(b.start, b.end)) for b in movable] == [("write", HOUR)]
    assert check_hard_constraints(problem, schedule) == []


def test_work_inside_a_task_window() -> None:
    task = Task("walk", 30, windows=(span(0, (15, 0), (16, 0)),))
    assert blocks(plan(make_problem(tasks=(task,))), "walk") == [(at(0, 15), at(0, 15, 30))]


def test_replanning_an_unchanged_problem_moves_nothing() -> None:
    tasks = tuple(
        Task(
            f"t{i}",
            90,
            priority=1 + i % 4,
            splittable=i % 2 == 0,
            min_chunk_minutes=30,
            deadline=Deadline(at(i % 5, 17)),
        )
        for i in range(12)
    )
    first = plan(make_problem(tasks=tasks))
    again = plan(make_problem(tasks=tasks, existing_blocks=as_previous_plan(first)))
    assert again.quality.moved_blocks == 0
    assert [(b.task_id, b.start, b.end) for b in again.blocks] == [(b.task_id, b.start, b.end) for b in first.blocks]


def test_a_new_meeting_moves_only_the_block_it_lands_on() -> None:
    tasks = tuple(Task(f"t{i}", 60, deadline=Deadline(at(4, 17))) for i in range(20))
    first = plan(make_problem(tasks=tasks))
    victim = first.blocks[5]
    meeting = Interval(victim.start, victim.start + HOUR)
    again = plan(make_problem(tasks=tasks, busy=(meeting,), existing_blocks=as_previous_plan(first)))
    assert again.quality.hard_violations == 0
    assert again.quality.moved_blocks == 1
    assert victim.task_id in {b.task_id for b in again.blocks}


def test_a_meeting_on_one_block_of_a_split_task_keeps_its_other_blocks() -> None:
    existing = (
        PlanBlock("report", at(1, 9), at(1, 10)),
        PlanBlock("report", at(2, 9), at(2, 10)),
        PlanBlock("report", at(3, 9), at(3, 10)),
        PlanBlock("other", at(1, 10), at(1, 11)),
    )
    tasks = (Task("report", 180, splittable=True, min_chunk_minutes=60, max_chunk_minutes=60), Task("other", 60))
    meeting = span(2, (9, 0), (10, 0))
    again = plan(make_problem(tasks=tasks, busy=(meeting,), existing_blocks=existing, now=at(1, 8)))
    kept = {(b.task_id, b.start, b.end) for b in again.blocks}
    assert {(b.task_id, b.start, b.end) for b in existing} - kept == {("report", at(2, 9), at(2, 10))}
    assert again.quality.moved_blocks == 1
    assert sum((elapsed(b.start, b.end) for b in again.blocks_of("report")), timedelta()) == 3 * HOUR


def test_pinned_and_started_blocks_survive_a_meeting_on_top() -> None:
    existing = (
        PlanBlock("pinned", at(1, 9), at(1, 10), pinned=True),
        PlanBlock("busy", at(0, 9), at(0, 10), BlockState.STARTED),
    )
    tasks = (Task("pinned", 60), Task("busy", 120), Task("other", 60))
    clash = (span(1, (9, 0), (10, 0)), span(0, (9, 30), (10, 30)))
    problem = make_problem(tasks=tasks, existing_blocks=existing, busy=clash, now=at(0, 9, 30))
    kept = {(b.task_id, b.start, b.end) for b in plan(problem).blocks if b.locked}
    assert kept == {("pinned", at(1, 9), at(1, 10)), ("busy", at(0, 9), at(0, 10))}


def test_planning_is_deterministic() -> None:
    tasks = tuple(
        Task(
            f"t{i}",
            30 + 15 * (i % 7),
            priority=1 + i % 4,
            kind=WorkKind.DEEP if i % 3 else WorkKind.SHALLOW,
            splittable=i % 2 == 1,
            deadline=Deadline(at(i % 5, 12)),
        )
        for i in range(25)
    )
    problem = make_problem(tasks=tasks, busy=(span(1, (10, 0), (11, 30)),))
    assert plan(problem) == plan(problem)


def test_the_engine_is_never_worse_than_the_baseline() -> None:
    tasks = tuple(Task(f"t{i}", 120, priority=1 + i % 4, deadline=Deadline(at(i % 3, 17))) for i in range(18))
    problem = make_problem(tasks=tasks)
    assert plan(problem).quality.objective <= baseline(problem).quality.objective


def test_working_hours_follow_new_york_through_the_dst_change() -> None:
    zone = ZoneInfo("America/New_York")
    person = PersonProfile("America/New_York", week((TimeWindow(time(9), time(17)),)))
    now = datetime(2025, 3, 6, 8, 0, tzinfo=zone)
    tasks = tuple(Task(f"t{i}", 240) for i in range(6))
    problem = make_problem(tasks=tasks, person=person, now=now, horizon_end=now + timedelta(days=7))
    schedule = plan(problem)
    assert check_hard_constraints(problem, schedule) == []
    local_starts = {b.start.astimezone(zone).time() for b in schedule.blocks}
    assert local_starts <= {time(9), time(13)}
    assert {b.start.astimezone(UTC).hour for b in schedule.blocks} == {13, 14, 17, 18}


def test_quality_counts_no_hard_violations() -> None:
    tasks = tuple(replace(Task(f"t{i}", 45), priority=1 + i % 4) for i in range(30))
    assert plan(make_problem(tasks=tasks, days=3)).quality.hard_violations == 0


def test_the_engine_imports_and_plans_without_ortools() -> None:
    script = (
        "import importlib.abc, sys\n"
        "class NoOrtools(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path, target=None):\n"
        "        if name.split('.')[0] == 'ortools':\n"
        "            raise ImportError(name)\n"
        "sys.meta_path.insert(0, NoOrtools())\n"
        "import domain.planner as s\n"
        "from domain.planner.cpsat import available\n"
        "assert not available()\n"
        "from datetime import datetime, timedelta, timezone\n"
        "now = datetime(2025, 6, 2, 8, tzinfo=timezone.utc)\n"
        "person = s.PersonProfile('UTC', s.week((s.TimeWindow(__import__('datetime').time(9), "
        "__import__('datetime').time(17)),)))\n"
        "problem = s.Problem(person, now, now + timedelta(days=1), (s.Task('a', 60),))\n"
        "assert s.plan(problem).blocks\n"
    )
    root = Path(__file__).resolve().parents[3]
    done = subprocess.run([sys.executable, "-c", script], cwd=root, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
