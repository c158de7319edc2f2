"""The heuristic parser on its own (no I/O): the phrases of the issue, and the labelled set of bench/ai as a
regression guard (its figures are printed by `python -m bench.ai`)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bench.ai.__main__ import load, score
from db.models import TaskPriority
from domain.ai.heuristic import parse_plan, parse_tasks

NOW = datetime(2026, 12, 2, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))  # a Wednesday
PHRASES = Path(__file__).parents[3] / "bench" / "ai" / "phrases.txt"


def test_the_issues_example_gives_three_tasks_with_a_dependency() -> None:
    tasks = parse_tasks(
        "write the Q3 report, about 3 hours, by Friday; call Dana tomorrow morning, then send her the draft", NOW
    )

    assert [t.title for t in tasks] == ["Write the Q3 report", "Call Dana", "Send her the draft"]
    assert tasks[0].due_at == datetime(2026, 12, 4, 17, 0, tzinfo=NOW.tzinfo)
    assert tasks[0].duration_minutes == 180
    assert tasks[1].due_at == datetime(2026, 12, 3, 9, 0, tzinfo=NOW.tzinfo)
    assert tasks[2].depends_on == [1]


def test_priorities_and_relative_times_are_read() -> None:
    urgent, low, later = parse_tasks("fix login asap; sort emails, not urgent; check the deploy in 2 hours", NOW)

    assert (urgent.title, urgent.priority) == ("Fix login", TaskPriority.URGENT)
    assert (low.title, low.priority) == ("Sort emails", TaskPriority.LOW)
    assert (later.due_at, later.duration_minutes) == (datetime(2026, 12, 2, 12, 0, tzinfo=NOW.tzinfo), None)


def test_a_project_named_in_the_text_is_guessed() -> None:
    (task,) = parse_tasks("update the Website copy tomorrow", NOW, {"p1": "Website", "p2": "Mobile app"})

    assert task.project_id == "p1"


def test_a_plan_request_has_duration_deadline_and_preferred_hours() -> None:
    plan = parse_plan("find 3 hours for the report before Friday, mornings only", NOW)

    assert (plan.title, plan.duration_minutes) == ("The report", 180)
    assert plan.deadline == datetime(2026, 12, 4, 17, 0, tzinfo=NOW.tzinfo)
    assert (plan.preferred_start_minute, plan.preferred_end_minute) == (8 * 60, 12 * 60)


def test_the_labelled_phrases_stay_at_least_95_percent_right() -> None:
    from bench.ai.__main__ import NOW as BENCH_NOW

    cases = load(PHRASES)
    entirely_right = sum(
        all(right == counted for right, counted in score(expected, parse_tasks(text, BENCH_NOW)).values())
        for text, expected in cases
    )

    assert len(cases) >= 200
    assert entirely_right / len(cases) >= 0.95
