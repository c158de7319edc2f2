"""Making, changing, completing, reopening and deleting tasks through the task mutations."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tests.factories import Person, create_company, create_project, create_task, invite, sign_up
from tests.graphql import GraphQL

TASK = """
id title description status priority effort estimatedMinutes dueAt startAfter tags completedAt
company { id } project { id } assignee { id } createdBy { id }
"""

RESULT = f"""
__typename
... on Task {{ {TASK} }}
... on ValidationFailed {{ fields {{ field message }} }}
... on Error {{ message }}
"""

CREATE_TASK = f"mutation($input: CreateTaskInput!) {{ createTask(input: $input) {{ {RESULT} }} }}"
UPDATE_TASK = f"mutation($input: UpdateTaskInput!) {{ updateTask(input: $input) {{ {RESULT} }} }}"
COMPLETE_TASK = f"mutation($input: TaskIdInput!) {{ completeTask(input: $input) {{ {RESULT} }} }}"
REOPEN_TASK = f"mutation($input: TaskIdInput!) {{ reopenTask(input: $input) {{ {RESULT} }} }}"
DELETE_TASK = """
mutation($input: TaskIdInput!) {
  deleteTask(input: $input) { __typename ... on Deleted { id } ... on Error { message } }
}"""
ADD_SUBTASK = """
mutation($input: AddSubtaskInput!) { addSubtask(input: $input) { __typename ... on Subtask { id } } }"""
TASK_BY_ID = f"query($id: ID!) {{ node(id: $id) {{ ... on Task {{ {TASK} }} }} }}"
NODE = "query($id: ID!) { node(id: $id) { id } }"


def instant(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def as_instants(task: dict[str, Any]) -> dict[str, Any]:
    """The task with its times as instants, so an offset given in the input compares equal to UTC."""
    return {
        key: instant(value) if key in ("dueAt", "startAfter", "completedAt") else value for key, value in task.items()
    }


async def mutate(graphql: GraphQL, caller: Person, document: str, **input: Any) -> dict[str, Any]:
    data = await graphql(document, {"input": input}, caller=caller)
    result: dict[str, Any] = next(iter(data.values()))
    return result


async def task_of(graphql: GraphQL, caller: Person, task_id: str) -> dict[str, Any] | None:
    data = await graphql(TASK_BY_ID, {"id": task_id}, caller=caller)
    node: dict[str, Any] | None = data["node"]
    return node


async def team(graphql: GraphQL) -> tuple[Person, Person, str]:
    """Ada owns a shared company in which Bob is a member."""
    ada = await sign_up(graphql, name="Ada Owner")
    bob = await sign_up(graphql, name="Bob Member")
    company = await create_company(graphql, ada, name="Analytical Engines")
    await invite(graphql, ada, company_id=company, member=bob)
    return ada, bob, company


async def test_a_task_is_created_with_every_field_as_given(graphql: GraphQL) -> None:
    ada, bob, company = await team(graphql)
    project = await create_project(graphql, ada, company_id=company, name="Difference engine")

    task = await mutate(
        graphql,
        ada,
        CREATE_TASK,
        companyId=company,
        title="  Cut the brass gears  ",
        description="Thirty-one of them.",
        projectId=project,
        status="IN_PROGRESS",
        priority="URGENT",
        effort=4,
        estimatedMinutes=240,
        dueAt="2031-05-06T09:30:00+02:00",
        startAfter="2031-05-01T08:00:00+00:00",
        assigneeId=bob.user_id,
        tags=["workshop", "brass", "workshop", " gears "],
    )

    assert task["__typename"] == "Task", task
    assert {key: task[key] for key in ("title", "description", "status", "priority", "effort", "estimatedMinutes")} == {
        "title": "Cut the brass gears",
        "description": "Thirty-one of them.",
        "status": "IN_PROGRESS",
        "priority": "URGENT",
        "effort": 4,
        "estimatedMinutes": 240,
    }
    assert instant(task["dueAt"]) == datetime(2031, 5, 6, 7, 30, tzinfo=UTC)
    assert instant(task["startAfter"]) == datetime(2031, 5, 1, 8, 0, tzinfo=UTC)
    assert task["tags"] == ["brass", "gears", "workshop"]
    assert task["company"] == {"id": company}
    assert task["project"] == {"id": project}
    assert task["assignee"] == {"id": bob.user_id}
    assert task["createdBy"] == {"id": ada.user_id}
    assert task["completedAt"] is None
    stored = await task_of(graphql, bob, task["id"])
    assert stored is not None
    assert as_instants(stored) == as_instants({key: value for key, value in task.items() if key != "__typename"})


async def test_a_task_is_created_with_defaults_for_what_is_left_out(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Defaults")

    task = await mutate(graphql, ada, CREATE_TASK, companyId=ada.personal_company_id, title="Water the plants")

    assert task["__typename"] == "Task", task
    assert (task["status"], task["priority"], task["description"], task["tags"]) == ("TODO", "MEDIUM", "", [])
    assert (task["effort"], task["estimatedMinutes"], task["dueAt"], task["startAfter"]) == (None, None, None, None)
    assert (task["project"], task["assignee"]) == (None, None)


async def test_a_task_created_done_has_a_completion_time(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Done")

    task = await mutate(graphql, ada, CREATE_TASK, companyId=ada.personal_company_id, title="Filed", status="DONE")

    assert task["status"] == "DONE"
    assert task["completedAt"] is not None


async def test_invalid_values_are_named_field_by_field_and_nothing_is_made(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Invalid")

    result = await mutate(
        graphql, ada, CREATE_TASK, companyId=ada.personal_company_id, title="   ", effort=6, estimatedMinutes=0
    )

    assert result["__typename"] == "ValidationFailed"
    assert [error["field"] for error in result["fields"]] == ["effort", "estimatedMinutes", "title"]
    tasks = await graphql("{ tasks { nodes { id } } }", caller=ada)
    assert tasks["tasks"]["nodes"] == []


async def test_updating_a_task_leaves_omitted_fields_as_they_were(graphql: GraphQL) -> None:
    ada, bob, company = await team(graphql)
    project = await create_project(graphql, ada, company_id=company)
    created = await create_task(
        graphql,
        ada,
        company_id=company,
        title="Oil the engine",
        projectId=project,
        assigneeId=bob.user_id,
        priority="HIGH",
        effort=2,
        dueAt="2031-01-01T12:00:00+00:00",
        tags=["maintenance"],
    )
    before = await task_of(graphql, ada, created["id"])
    assert before is not None

    updated = await mutate(graphql, ada, UPDATE_TASK, id=created["id"], title="Oil the engine thoroughly")

    assert updated["__typename"] == "Task", updated
    unchanged = {key: value for key, value in before.items() if key not in ("title", "updatedAt")}
    assert {key: updated[key] for key in unchanged} == unchanged
    assert updated["title"] == "Oil the engine thoroughly"


async def test_null_clears_the_due_date_the_assignee_and_the_project(graphql: GraphQL) -> None:
    ada, bob, company = await team(graphql)
    project = await create_project(graphql, ada, company_id=company)
    created = await create_task(
        graphql,
        ada,
        company_id=company,
        title="Print the tables",
        projectId=project,
        assigneeId=bob.user_id,
        dueAt="2031-01-01T12:00:00+00:00",
        effort=3,
    )

    updated = await mutate(graphql, ada, UPDATE_TASK, id=created["id"], dueAt=None, assigneeId=None, projectId=None)

    assert updated["__typename"] == "Task", updated
    assert (updated["dueAt"], updated["assignee"], updated["project"]) == (None, None, None)
    assert updated["effort"] == 3
    assert updated["title"] == "Print the tables"


async def test_a_null_title_is_refused_on_the_title_field(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Null")
    created = await create_task(graphql, ada, company_id=ada.personal_company_id, title="Keep my name")

    result = await mutate(graphql, ada, UPDATE_TASK, id=created["id"], title=None, priority="LOW")

    assert result["__typename"] == "ValidationFailed"
    assert [error["field"] for error in result["fields"]] == ["title"]
    after = await task_of(graphql, ada, created["id"])
    assert after is not None
    assert (after["title"], after["priority"]) == ("Keep my name", "MEDIUM")


async def test_completing_a_task_marks_it_done_with_a_completion_time(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Complete")
    created = await create_task(graphql, ada, company_id=ada.personal_company_id, status="IN_PROGRESS")
    started = datetime.now(UTC)

    completed = await mutate(graphql, ada, COMPLETE_TASK, id=created["id"])

    assert completed["status"] == "DONE"
    completed_at = instant(completed["completedAt"])
    assert completed_at is not None
    assert started <= completed_at <= datetime.now(UTC)


async def test_completing_a_done_task_again_keeps_its_first_completion_time(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Twice Done")
    created = await create_task(graphql, ada, company_id=ada.personal_company_id)
    first = await mutate(graphql, ada, COMPLETE_TASK, id=created["id"])

    again = await mutate(graphql, ada, COMPLETE_TASK, id=created["id"])

    assert (again["status"], again["completedAt"]) == ("DONE", first["completedAt"])


async def test_reopening_a_done_task_puts_it_back_to_do_without_a_completion_time(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Reopen")
    created = await create_task(graphql, ada, company_id=ada.personal_company_id)
    await mutate(graphql, ada, COMPLETE_TASK, id=created["id"])

    reopened = await mutate(graphql, ada, REOPEN_TASK, id=created["id"])

    assert (reopened["status"], reopened["completedAt"]) == ("TODO", None)


async def test_deleting_a_task_removes_it_with_its_subtasks(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Delete")
    created = await create_task(graphql, ada, company_id=ada.personal_company_id)
    subtask = await mutate(graphql, ada, ADD_SUBTASK, taskId=created["id"], title="A step")

    deleted = await mutate(graphql, ada, DELETE_TASK, id=created["id"])

    assert deleted == {"__typename": "Deleted", "id": created["id"]}
    assert (await graphql(NODE, {"id": created["id"]}, caller=ada))["node"] is None
    assert (await graphql(NODE, {"id": subtask["id"]}, caller=ada))["node"] is None


async def test_deleting_a_task_twice_finds_nothing_the_second_time(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Twice")
    created = await create_task(graphql, ada, company_id=ada.personal_company_id)
    await mutate(graphql, ada, DELETE_TASK, id=created["id"])

    again = await mutate(graphql, ada, DELETE_TASK, id=created["id"])

    assert again["__typename"] == "NotFound"


async def test_a_person_outside_the_company_cannot_be_assigned(graphql: GraphQL) -> None:
    ada, _, company = await team(graphql)
    stranger = await sign_up(graphql, name="Stranger Danger")

    result = await mutate(graphql, ada, CREATE_TASK, companyId=company, title="Guard", assigneeId=stranger.user_id)

    assert result["__typename"] == "ValidationFailed", result
    assert [error["field"] for error in result["fields"]] == ["assigneeId"]


async def test_a_colleague_from_another_company_cannot_be_assigned(graphql: GraphQL) -> None:
    ada, bob, _ = await team(graphql)
    other_company = await create_company(graphql, ada, name="Ada's other firm")
    task = await create_task(graphql, ada, company_id=other_company, title="Bob is not here")

    result = await mutate(graphql, ada, UPDATE_TASK, id=task["id"], assigneeId=bob.user_id)

    assert result["__typename"] == "ValidationFailed", result
    assert [error["field"] for error in result["fields"]] == ["assigneeId"]
    after = await task_of(graphql, ada, task["id"])
    assert after is not None
    assert after["assignee"] is None


async def test_a_project_of_another_company_is_refused_on_create(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Projects")
    shared = await create_company(graphql, ada, name="Shared")
    project_elsewhere = await create_project(graphql, ada, company_id=ada.personal_company_id, name="Private")

    result = await mutate(graphql, ada, CREATE_TASK, companyId=shared, title="Misfiled", projectId=project_elsewhere)

    assert result["__typename"] == "ValidationFailed", result
    assert [error["field"] for error in result["fields"]] == ["projectId"]


async def test_a_project_of_another_company_is_refused_on_update(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Moves")
    shared = await create_company(graphql, ada, name="Shared")
    project_elsewhere = await create_project(graphql, ada, company_id=ada.personal_company_id, name="Private")
    task = await create_task(graphql, ada, company_id=shared, title="Stay here")

    result = await mutate(graphql, ada, UPDATE_TASK, id=task["id"], projectId=project_elsewhere)

    assert result["__typename"] == "ValidationFailed", result
    assert [error["field"] for error in result["fields"]] == ["projectId"]
    after = await task_of(graphql, ada, task["id"])
    assert after is not None
    assert after["project"] is None


async def test_a_project_id_that_is_not_a_project_is_not_found(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Ids")
    task = await create_task(graphql, ada, company_id=ada.personal_company_id)

    result = await mutate(graphql, ada, UPDATE_TASK, id=task["id"], projectId=ada.personal_company_id)

    assert result["__typename"] == "NotFound", result


async def test_a_stranger_cannot_see_or_change_a_task(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Private")
    stranger = await sign_up(graphql, name="Stranger Nosy")
    task = await create_task(graphql, ada, company_id=ada.personal_company_id, title="Diary")

    result = await mutate(graphql, stranger, UPDATE_TASK, id=task["id"], title="Defaced")

    assert result["__typename"] == "NotFound", result
    assert await task_of(graphql, stranger, task["id"]) is None
    mine = await task_of(graphql, ada, task["id"])
    assert mine is not None
    assert mine["title"] == "Diary"
