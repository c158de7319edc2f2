"""bench.compare's list rows: both servers' answers read as the same list, and each server's own cursors."""

from __future__ import annotations

import base64
import uuid

from bench.compare.lists import PG_PROJECT_PAGE, SPELLINGS, list_pair
from bench.compare.operations import Cursor, Operation, end_cursor
from bench.compare.queries import contents
from bench.dashboard.queries import Case
from bench.lists.queries import PROJECT_PAGE

IDS = [str(uuid.uuid4()) for _ in range(3)]


def _global(type_name: str, row_id: str) -> str:
    return base64.b64encode(f"{type_name}:{row_id}".encode()).decode()


def test_a_project_page_reads_the_same_from_both_servers() -> None:
    rhythm = {
        "node": {
            "tasks": {
                "edges": [{"cursor": "c", "node": {"id": _global("Task", i), "assignee": None}} for i in IDS],
                "pageInfo": {"hasNextPage": True, "endCursor": "c"},
            }
        }
    }
    postgraphile = {
        "projectById": {
            "tasksByCompanyIdAndProjectId": {
                "edges": [{"cursor": "p", "node": {"id": i, "userByAssigneeId": None}} for i in IDS],
                "pageInfo": {"hasNextPage": True, "endCursor": "p"},
            }
        }
    }
    mine, theirs = contents("rhythm", rhythm), contents("postgraphile", postgraphile)
    assert mine.counts == theirs.counts == {"tasks": 3, "related": 0}
    assert mine.identity == theirs.identity == tuple(IDS)


def test_viewer_lists_and_root_lists_match_by_kind() -> None:
    rhythm = {"viewer": {"notifications": {"nodes": [{"id": _global("Notification", IDS[0]), "task": {"id": "t"}}]}}}
    postgraphile = {"allNotifications": {"nodes": [{"id": IDS[0], "taskBySubjectId": {"id": "t"}}]}}
    mine, theirs = contents("rhythm", rhythm), contents("postgraphile", postgraphile)
    assert mine.counts == theirs.counts == {"notifications": 1, "related": 1}
    assert mine.identity == theirs.identity


def test_a_second_page_takes_each_servers_own_cursor() -> None:
    case = Case(
        name="project tasks, page 2",
        email="someone@example.com",
        user_id=uuid.uuid4(),
        document=PROJECT_PAGE,
        variables=({"id": _global("Project", IDS[0]), "after": "rhythm-cursor"},),
    )
    operation = list_pair(case).by_server["postgraphile"]
    assert operation.cursor == Cursor(PG_PROJECT_PAGE, "after")
    assert operation.variables == ({"id": IDS[0]},)
    cursor = end_cursor({"projectById": {"tasksByCompanyIdAndProjectId": {"pageInfo": {"endCursor": "pg"}}}})
    filled = operation.with_cursors([cursor])
    assert filled.variables == ({"id": IDS[0], "after": "pg"},)
    assert filled.cursor is None


def test_every_list_row_has_a_postgraphile_spelling() -> None:
    assert set(SPELLINGS) >= {"tasks filtered, by due", "project tasks, page back", "notifications", "time entries"}
    assert Operation("q", ({},)).with_cursors([None]).variables == ({},)


def test_the_weeks_blocks_read_the_same_from_both_servers() -> None:
    block = {"startsAt": "s", "task": {"id": "t"}, "company": {"name": "c"}}
    rhythm = {"viewer": {"week": {"start": "s", "blocks": [{"id": _global("TimeBlock", i), **block} for i in IDS]}}}
    pg_block = {"startsAt": "s", "taskByCompanyIdAndTaskId": {"id": "t"}, "companyByCompanyId": {"name": "c"}}
    postgraphile = {"allTimeBlocks": {"nodes": [{"id": i, **pg_block} for i in IDS]}}
    mine, theirs = contents("rhythm", rhythm), contents("postgraphile", postgraphile)
    assert mine.counts == theirs.counts == {"blocks": 3, "related": 6}
    assert mine.identity == theirs.identity == tuple(IDS)
    # PostGraphile is asked for the blocks that overlap the same seven days, as the same person.
    case = Case(name="week, blocks", email="someone@example.com", user_id=uuid.uuid4(), document="q", variables=())
    translate = SPELLINGS["week, blocks"][1]
    assert translate(case, {"start": "2026-01-19T00:00:00+01:00"}) == {
        "me": str(case.user_id),
        "start": "2026-01-19T00:00:00+01:00",
        "end": "2026-01-26T00:00:00+01:00",
    }


def test_the_week_with_its_events_counts_both() -> None:
    week = {"blocks": [{"id": _global("TimeBlock", IDS[0]), "task": None}], "events": [{"id": "e1"}, {"id": "e2"}]}
    found = contents("rhythm", {"viewer": {"week": week}})
    assert found.counts == {"blocks": 1, "related": 0, "events": 2}
    assert found.identity == (IDS[0], "e1", "e2")
