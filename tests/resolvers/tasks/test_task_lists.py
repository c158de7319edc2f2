"""Task lists (the root `tasks`, `Company.tasks`, `Project.tasks`): filters, orderings and keyset pages."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import Person, create_company, create_project, create_task, invite, sign_up
from tests.graphql import GraphQL

PAGE = """
fragment Page on TaskConnection {
  edges { cursor node { id title } }
  pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
}"""
ARGUMENTS = "filter: $filter, orderBy: $orderBy, first: $first, after: $after"
VARIABLES = "$filter: TaskFilterInput, $orderBy: TaskOrder, $first: Int, $after: String"
ROOT_TASKS = f"query({VARIABLES}) {{ tasks({ARGUMENTS}) {{ ...Page }} }} {PAGE}"
NESTED_TASKS = f"""
query($id: ID!, {VARIABLES}) {{
  node(id: $id) {{
    ... on Company {{ tasks({ARGUMENTS}) {{ ...Page }} }}
    ... on Project {{ tasks({ARGUMENTS}) {{ ...Page }} }}
  }}
}} {PAGE}"""
UPDATE_TASK = "mutation($input: UpdateTaskInput!) { updateTask(input: $input) { __typename } }"

EVERY_ORDER = [
    (field, direction)
    for field in ("CREATED_AT", "UPDATED_AT", "DUE_AT", "PRIORITY", "TITLE")
    for direction in ("ASC", "DESC")
]


def _variables(filter: dict[str, Any] | None, order: dict[str, str] | None, first: int, after: str | None) -> Any:
    return {"filter": filter, "orderBy": order, "first": first, "after": after}


async def task_page(
    graphql: GraphQL,
    caller: Person,
    *,
    parent: str | None = None,
    filter: dict[str, Any] | None = None,
    order: dict[str, str] | None = None,
    first: int = 100,
    after: str | None = None,
) -> dict[str, Any]:
    """One page of the root list, or of the list of `parent` (a company or project id)."""
    variables = _variables(filter, order, first, after)
    if parent is None:
        data = await graphql(ROOT_TASKS, variables, caller=caller)
        page: dict[str, Any] = data["tasks"]
    else:
        data = await graphql(NESTED_TASKS, {"id": parent, **variables}, caller=caller)
        page = data["node"]["tasks"]
    return page


async def titles(graphql: GraphQL, caller: Person, **arguments: Any) -> list[str]:
    page = await task_page(graphql, caller, **arguments)
    return [edge["node"]["title"] for edge in page["edges"]]


async def walk(graphql: GraphQL, caller: Person, **arguments: Any) -> list[str]:
    """The ids of every task, page by page with `first: 2`, each page continuing after the last one's end."""
    ids: list[str] = []
    after = None
    for _ in range(20):
        page = await task_page(graphql, caller, first=2, after=after, **arguments)
        ids += [edge["node"]["id"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return ids
        assert len(page["edges"]) == 2
        assert page["pageInfo"]["endCursor"] == page["edges"][-1]["cursor"]
        after = page["pageInfo"]["endCursor"]
    raise AssertionError("the pages never ended")


async def person_with_tasks(graphql: GraphQL, *tasks: dict[str, Any]) -> Person:
    """A new person with the given tasks, made in this order in their personal company."""
    ada = await sign_up(graphql, name="Ada Lister")
    for fields in tasks:
        await create_task(graphql, ada, company_id=ada.personal_company_id, **fields)
    return ada


# Filters


async def test_a_status_filter_keeps_any_of_the_given_statuses(graphql: GraphQL) -> None:
    ada = await person_with_tasks(
        graphql,
        {"title": "Waiting", "status": "TODO"},
        {"title": "Busy", "status": "IN_PROGRESS"},
        {"title": "Finished", "status": "DONE"},
        {"title": "Dropped", "status": "CANCELLED"},
    )

    assert await titles(graphql, ada, filter={"status": ["TODO", "DONE"]}) == ["Waiting", "Finished"]


async def test_a_project_filter_keeps_that_projects_tasks(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Projects")
    garden = await create_project(graphql, ada, company_id=ada.personal_company_id, name="Garden")
    kitchen = await create_project(graphql, ada, company_id=ada.personal_company_id, name="Kitchen")
    await create_task(graphql, ada, company_id=ada.personal_company_id, title="Dig", projectId=garden)
    await create_task(graphql, ada, company_id=ada.personal_company_id, title="Cook", projectId=kitchen)
    await create_task(graphql, ada, company_id=ada.personal_company_id, title="Loose end")
    await create_task(graphql, ada, company_id=ada.personal_company_id, title="Plant", projectId=garden)

    assert await titles(graphql, ada, filter={"projectId": garden}) == ["Dig", "Plant"]


async def test_an_assignee_filter_keeps_the_tasks_assigned_to_that_person(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Assigner")
    bob = await sign_up(graphql, name="Bob Assignee")
    company = await create_company(graphql, ada)
    await invite(graphql, ada, company_id=company, member=bob)
    await create_task(graphql, ada, company_id=company, title="Bob's first", assigneeId=bob.user_id)
    await create_task(graphql, ada, company_id=company, title="Ada's", assigneeId=ada.user_id)
    await create_task(graphql, ada, company_id=company, title="Nobody's")
    await create_task(graphql, ada, company_id=company, title="Bob's second", assigneeId=bob.user_id)

    assert await titles(graphql, ada, parent=company, filter={"assigneeId": bob.user_id}) == [
        "Bob's first",
        "Bob's second",
    ]


async def test_a_due_window_includes_its_start_and_excludes_its_end(graphql: GraphQL) -> None:
    ada = await person_with_tasks(
        graphql,
        {"title": "Before", "dueAt": "2031-03-09T23:59:59+00:00"},
        {"title": "At the start", "dueAt": "2031-03-10T00:00:00+00:00"},
        {"title": "Inside", "dueAt": "2031-03-15T12:00:00+00:00"},
        {"title": "At the end", "dueAt": "2031-03-20T00:00:00+00:00"},
        {"title": "Undated"},
    )

    window = {"dueAfter": "2031-03-10T00:00:00+00:00", "dueBefore": "2031-03-20T00:00:00+00:00"}

    assert await titles(graphql, ada, filter=window) == ["At the start", "Inside"]


async def test_a_search_matches_titles_in_any_case(graphql: GraphQL) -> None:
    ada = await person_with_tasks(
        graphql, {"title": "Write the REPORT"}, {"title": "report bugs"}, {"title": "Reprint the manual"}
    )

    assert await titles(graphql, ada, filter={"search": "Report"}) == ["Write the REPORT", "report bugs"]


async def test_a_percent_sign_in_a_search_is_taken_literally(graphql: GraphQL) -> None:
    ada = await person_with_tasks(graphql, {"title": "Reach 100% coverage"}, {"title": "Reach 100 users"})

    assert await titles(graphql, ada, filter={"search": "100%"}) == ["Reach 100% coverage"]


async def test_an_underscore_in_a_search_is_taken_literally(graphql: GraphQL) -> None:
    ada = await person_with_tasks(graphql, {"title": "Rename to snake_case"}, {"title": "Rename to snakeXcase"})

    assert await titles(graphql, ada, filter={"search": "e_c"}) == ["Rename to snake_case"]


async def test_a_backslash_in_a_search_is_taken_literally(graphql: GraphQL) -> None:
    ada = await person_with_tasks(graphql, {"title": r"Fix C:\temp"}, {"title": "Fix C:temp"})

    assert await titles(graphql, ada, filter={"search": ":\\t"}) == [r"Fix C:\temp"]


async def test_a_tags_filter_keeps_tasks_that_carry_all_of_them(graphql: GraphQL) -> None:
    ada = await person_with_tasks(
        graphql,
        {"title": "Both", "tags": ["home", "urgent"]},
        {"title": "Home only", "tags": ["home"]},
        {"title": "Both and more", "tags": ["garden", "urgent", "home"]},
        {"title": "Untagged"},
    )

    assert await titles(graphql, ada, filter={"tags": ["urgent", "home"]}) == ["Both", "Both and more"]


async def test_filters_combine_so_every_condition_must_hold(graphql: GraphQL) -> None:
    ada = await person_with_tasks(
        graphql,
        {"title": "Report draft", "status": "TODO", "tags": ["work"]},
        {"title": "Report final", "status": "DONE", "tags": ["work"]},
        {"title": "Report home", "status": "TODO", "tags": ["home"]},
    )

    assert await titles(graphql, ada, filter={"search": "report", "status": ["TODO"], "tags": ["work"]}) == [
        "Report draft"
    ]


async def test_the_root_list_spans_every_company_of_the_caller_and_no_other(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Everywhere")
    stranger = await sign_up(graphql, name="Stranger Elsewhere")
    company = await create_company(graphql, ada)
    await create_task(graphql, ada, company_id=ada.personal_company_id, title="Private")
    await create_task(graphql, stranger, company_id=stranger.personal_company_id, title="Not Ada's")
    await create_task(graphql, ada, company_id=company, title="Shared")

    assert await titles(graphql, ada) == ["Private", "Shared"]


async def test_a_company_filter_narrows_the_root_list_to_that_company(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Narrowed")
    company = await create_company(graphql, ada)
    await create_task(graphql, ada, company_id=ada.personal_company_id, title="Private")
    await create_task(graphql, ada, company_id=company, title="Shared")

    assert await titles(graphql, ada, filter={"companyId": company}) == ["Shared"]


async def test_a_company_lists_only_its_own_tasks(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Companies")
    company = await create_company(graphql, ada)
    await create_task(graphql, ada, company_id=company, title="Here")
    await create_task(graphql, ada, company_id=ada.personal_company_id, title="Elsewhere")

    assert await titles(graphql, ada, parent=company) == ["Here"]


async def test_a_project_lists_its_tasks_with_a_filter(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Project Lists")
    project = await create_project(graphql, ada, company_id=ada.personal_company_id)
    await create_task(graphql, ada, company_id=ada.personal_company_id, title="Open", projectId=project)
    await create_task(graphql, ada, company_id=ada.personal_company_id, title="Done", projectId=project, status="DONE")
    await create_task(graphql, ada, company_id=ada.personal_company_id, title="Outside")

    assert await titles(graphql, ada, parent=project) == ["Open", "Done"]
    assert await titles(graphql, ada, parent=project, filter={"status": ["DONE"]}) == ["Done"]


# Orderings


async def test_tasks_are_listed_oldest_first_unless_told_otherwise(graphql: GraphQL) -> None:
    ada = await person_with_tasks(graphql, {"title": "First"}, {"title": "Second"}, {"title": "Third"})

    assert await titles(graphql, ada) == ["First", "Second", "Third"]
    assert await titles(graphql, ada, order={"field": "CREATED_AT", "direction": "DESC"}) == [
        "Third",
        "Second",
        "First",
    ]


async def test_tasks_by_due_date_put_undated_ones_last_when_ascending(graphql: GraphQL) -> None:
    ada = await person_with_tasks(
        graphql,
        {"title": "Undated"},
        {"title": "Late", "dueAt": "2031-09-01T00:00:00+00:00"},
        {"title": "Early", "dueAt": "2031-01-01T00:00:00+00:00"},
        {"title": "Middle", "dueAt": "2031-05-01T00:00:00+00:00"},
    )

    assert await titles(graphql, ada, order={"field": "DUE_AT", "direction": "ASC"}) == [
        "Early",
        "Middle",
        "Late",
        "Undated",
    ]


async def test_tasks_by_due_date_descending_are_the_ascending_list_reversed(graphql: GraphQL) -> None:
    ada = await person_with_tasks(
        graphql,
        {"title": "Late", "dueAt": "2031-09-01T00:00:00+00:00"},
        {"title": "Undated"},
        {"title": "Early", "dueAt": "2031-01-01T00:00:00+00:00"},
    )

    ascending = await titles(graphql, ada, order={"field": "DUE_AT", "direction": "ASC"})

    assert await titles(graphql, ada, order={"field": "DUE_AT", "direction": "DESC"}) == ascending[::-1]


@pytest.mark.parametrize(
    ("direction", "expected"),
    [("ASC", ["Low", "Medium", "High", "Urgent"]), ("DESC", ["Urgent", "High", "Medium", "Low"])],
)
async def test_tasks_by_priority_follow_its_rank_not_its_name(
    graphql: GraphQL, direction: str, expected: list[str]
) -> None:
    ada = await person_with_tasks(
        graphql,
        {"title": "High", "priority": "HIGH"},
        {"title": "Low", "priority": "LOW"},
        {"title": "Urgent", "priority": "URGENT"},
        {"title": "Medium", "priority": "MEDIUM"},
    )

    assert await titles(graphql, ada, order={"field": "PRIORITY", "direction": direction}) == expected


@pytest.mark.parametrize(
    ("direction", "expected"),
    [("ASC", ["apple", "banana", "cherry"]), ("DESC", ["cherry", "banana", "apple"])],
)
async def test_tasks_by_title_are_alphabetical(graphql: GraphQL, direction: str, expected: list[str]) -> None:
    ada = await person_with_tasks(graphql, {"title": "banana"}, {"title": "cherry"}, {"title": "apple"})

    assert await titles(graphql, ada, order={"field": "TITLE", "direction": direction}) == expected


async def test_tasks_by_last_change_put_the_latest_change_last(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Changes")
    first = await create_task(graphql, ada, company_id=ada.personal_company_id, title="Changed last")
    await create_task(graphql, ada, company_id=ada.personal_company_id, title="Untouched")
    await graphql(UPDATE_TASK, {"input": {"id": first["id"], "priority": "HIGH"}}, caller=ada)

    assert await titles(graphql, ada, order={"field": "UPDATED_AT", "direction": "ASC"}) == [
        "Untouched",
        "Changed last",
    ]


# Pages

# Ties in every sort key (same priority, same due date, same title, no due date), so the id must break them.
TIED_TASKS = [
    {"title": "Same", "priority": "HIGH", "dueAt": "2031-02-01T00:00:00+00:00"},
    {"title": "Same", "priority": "LOW"},
    {"title": "Other", "priority": "HIGH", "dueAt": "2031-02-01T00:00:00+00:00"},
    {"title": "Same", "priority": "HIGH"},
    {"title": "Another", "priority": "MEDIUM", "dueAt": "2031-01-01T00:00:00+00:00"},
    {"title": "Other", "priority": "LOW", "dueAt": "2031-02-01T00:00:00+00:00"},
    {"title": "Same", "priority": "HIGH", "dueAt": "2031-03-01T00:00:00+00:00"},
]


@pytest.mark.parametrize(("field", "direction"), EVERY_ORDER)
async def test_walking_the_pages_gives_the_whole_list_once_in_order(
    graphql: GraphQL, field: str, direction: str
) -> None:
    ada = await person_with_tasks(graphql, *TIED_TASKS)
    order = {"field": field, "direction": direction}
    whole = await task_page(graphql, ada, order=order)
    everything = [edge["node"]["id"] for edge in whole["edges"]]

    walked = await walk(graphql, ada, order=order)

    assert len(everything) == len(TIED_TASKS)
    assert walked == everything


@pytest.mark.parametrize("list_of", ["company", "project"])
@pytest.mark.parametrize(("field", "direction"), [("DUE_AT", "ASC"), ("PRIORITY", "DESC"), ("TITLE", "ASC")])
async def test_walking_the_pages_of_a_nested_list_gives_it_whole_once_in_order(
    graphql: GraphQL, list_of: str, field: str, direction: str
) -> None:
    ada = await sign_up(graphql, name="Ada Nested")
    company = await create_company(graphql, ada)
    project = await create_project(graphql, ada, company_id=company)
    for fields in TIED_TASKS:
        await create_task(graphql, ada, company_id=company, projectId=project, **fields)
    await create_task(graphql, ada, company_id=ada.personal_company_id, title="Not in this list")
    parent = company if list_of == "company" else project
    order = {"field": field, "direction": direction}
    whole = await task_page(graphql, ada, parent=parent, order=order)
    everything = [edge["node"]["id"] for edge in whole["edges"]]

    walked = await walk(graphql, ada, parent=parent, order=order)

    assert len(everything) == len(TIED_TASKS)
    assert walked == everything


async def test_a_filtered_list_pages_within_the_filter(graphql: GraphQL) -> None:
    ada = await person_with_tasks(
        graphql, *[{"title": f"Task {n}", "status": "DONE" if n % 2 else "TODO"} for n in range(7)]
    )

    walked = await walk(graphql, ada, filter={"status": ["TODO"]})

    page = await task_page(graphql, ada, filter={"status": ["TODO"]})
    assert walked == [edge["node"]["id"] for edge in page["edges"]]
    assert [edge["node"]["title"] for edge in page["edges"]] == ["Task 0", "Task 2", "Task 4", "Task 6"]


async def test_the_first_page_has_no_previous_page_and_the_last_has_no_next(graphql: GraphQL) -> None:
    ada = await person_with_tasks(graphql, {"title": "One"}, {"title": "Two"}, {"title": "Three"})

    first = await task_page(graphql, ada, first=2)
    last = await task_page(graphql, ada, first=2, after=first["pageInfo"]["endCursor"])

    assert (first["pageInfo"]["hasNextPage"], first["pageInfo"]["hasPreviousPage"]) == (True, False)
    assert [edge["node"]["title"] for edge in last["edges"]] == ["Three"]
    assert (last["pageInfo"]["hasNextPage"], last["pageInfo"]["hasPreviousPage"]) == (False, True)


async def test_a_page_past_the_end_is_empty(graphql: GraphQL) -> None:
    ada = await person_with_tasks(graphql, {"title": "Only"})
    page = await task_page(graphql, ada)

    after_the_end = await task_page(graphql, ada, after=page["pageInfo"]["endCursor"])

    assert after_the_end["edges"] == []
    assert (after_the_end["pageInfo"]["hasNextPage"], after_the_end["pageInfo"]["endCursor"]) == (False, None)


async def test_a_cursor_of_another_ordering_is_bad_user_input(graphql: GraphQL) -> None:
    ada = await person_with_tasks(graphql, {"title": "One", "dueAt": "2031-01-01T00:00:00+00:00"}, {"title": "Two"})
    by_due_date = await task_page(graphql, ada, order={"field": "DUE_AT", "direction": "ASC"}, first=1)

    errors = await graphql.errors(
        ROOT_TASKS,
        _variables(None, {"field": "TITLE", "direction": "ASC"}, 1, by_due_date["pageInfo"]["endCursor"]),
        caller=ada,
    )

    assert [error["extensions"]["code"] for error in errors] == ["BAD_USER_INPUT"]


async def test_a_cursor_of_another_ordering_is_bad_user_input_in_a_nested_list(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Cursors")
    company = await create_company(graphql, ada)
    await create_task(graphql, ada, company_id=company, title="One")
    await create_task(graphql, ada, company_id=company, title="Two")
    by_creation = await task_page(graphql, ada, parent=company, first=1)

    errors = await graphql.errors(
        NESTED_TASKS,
        {"id": company, **_variables(None, {"field": "PRIORITY"}, 1, by_creation["pageInfo"]["endCursor"])},
        caller=ada,
    )

    assert [error["extensions"]["code"] for error in errors] == ["BAD_USER_INPUT"]


async def test_a_made_up_cursor_is_bad_user_input(graphql: GraphQL) -> None:
    ada = await person_with_tasks(graphql, {"title": "One"})

    errors = await graphql.errors(ROOT_TASKS, _variables(None, None, 1, "not-a-cursor"), caller=ada)

    assert [error["extensions"]["code"] for error in errors] == ["BAD_USER_INPUT"]


async def test_asking_for_more_than_the_server_limit_is_bad_user_input(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Greedy")

    errors = await graphql.errors(ROOT_TASKS, _variables(None, None, 101, None), caller=ada)

    assert [error["extensions"]["code"] for error in errors] == ["BAD_USER_INPUT"]
