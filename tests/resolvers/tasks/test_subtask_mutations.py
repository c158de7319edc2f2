"""A task's checklist: adding, moving, ticking and deleting items keeps the positions dense (0..n-1)."""

from __future__ import annotations

from typing import Any

from tests.factories import Person, create_task, sign_up
from tests.graphql import GraphQL

SUBTASK = "id title done position task { id }"
RESULT = f"""
__typename
... on Subtask {{ {SUBTASK} }}
... on ValidationFailed {{ fields {{ field message }} }}
... on Error {{ message }}
"""
ADD_SUBTASK = f"mutation($input: AddSubtaskInput!) {{ addSubtask(input: $input) {{ {RESULT} }} }}"
UPDATE_SUBTASK = f"mutation($input: UpdateSubtaskInput!) {{ updateSubtask(input: $input) {{ {RESULT} }} }}"
DELETE_SUBTASK = """
mutation($input: SubtaskIdInput!) {
  deleteSubtask(input: $input) { __typename ... on Deleted { id } ... on Error { message } }
}"""
CHECKLIST = "query($id: ID!) { node(id: $id) { ... on Task { subtasks { title done position } } } }"


async def mutate(graphql: GraphQL, caller: Person, document: str, **input: Any) -> dict[str, Any]:
    data = await graphql(document, {"input": input}, caller=caller)
    result: dict[str, Any] = next(iter(data.values()))
    return result


async def checklist(graphql: GraphQL, caller: Person, task_id: str) -> list[tuple[int, str, bool]]:
    """The task's items as (position, title, done), in the order the API lists them."""
    data = await graphql(CHECKLIST, {"id": task_id}, caller=caller)
    return [(item["position"], item["title"], item["done"]) for item in data["node"]["subtasks"]]


async def task_with_items(graphql: GraphQL, *titles: str) -> tuple[Person, str, list[str]]:
    """A person with a task whose checklist holds `titles` in order; returns the items' ids too."""
    ada = await sign_up(graphql, name="Ada Checklist")
    task = await create_task(graphql, ada, company_id=ada.personal_company_id, title="Bake bread")
    ids = []
    for title in titles:
        item = await mutate(graphql, ada, ADD_SUBTASK, taskId=task["id"], title=title)
        assert item["__typename"] == "Subtask", item
        ids.append(item["id"])
    return ada, task["id"], ids


async def test_items_are_added_at_the_end_by_default(graphql: GraphQL) -> None:
    ada, task_id, _ = await task_with_items(graphql, "Mix", "Knead")

    added = await mutate(graphql, ada, ADD_SUBTASK, taskId=task_id, title="  Bake  ")

    assert (added["title"], added["done"], added["position"], added["task"]) == ("Bake", False, 2, {"id": task_id})
    assert await checklist(graphql, ada, task_id) == [(0, "Mix", False), (1, "Knead", False), (2, "Bake", False)]


async def test_an_item_added_at_a_position_moves_the_later_ones_down(graphql: GraphQL) -> None:
    ada, task_id, _ = await task_with_items(graphql, "Mix", "Bake")

    added = await mutate(graphql, ada, ADD_SUBTASK, taskId=task_id, title="Knead", position=1)

    assert added["position"] == 1
    assert await checklist(graphql, ada, task_id) == [(0, "Mix", False), (1, "Knead", False), (2, "Bake", False)]


async def test_an_item_added_far_beyond_the_end_lands_at_the_end(graphql: GraphQL) -> None:
    ada, task_id, _ = await task_with_items(graphql, "Mix")

    added = await mutate(graphql, ada, ADD_SUBTASK, taskId=task_id, title="Bake", position=99)

    assert added["position"] == 1
    assert await checklist(graphql, ada, task_id) == [(0, "Mix", False), (1, "Bake", False)]


async def test_moving_the_last_item_first_renumbers_the_others(graphql: GraphQL) -> None:
    ada, task_id, ids = await task_with_items(graphql, "Knead", "Bake", "Mix")

    moved = await mutate(graphql, ada, UPDATE_SUBTASK, id=ids[2], position=0)

    assert (moved["title"], moved["position"]) == ("Mix", 0)
    assert await checklist(graphql, ada, task_id) == [(0, "Mix", False), (1, "Knead", False), (2, "Bake", False)]


async def test_moving_the_first_item_last_renumbers_the_others(graphql: GraphQL) -> None:
    ada, task_id, ids = await task_with_items(graphql, "Bake", "Mix", "Knead")

    moved = await mutate(graphql, ada, UPDATE_SUBTASK, id=ids[0], position=2)

    assert (moved["title"], moved["position"]) == ("Bake", 2)
    assert await checklist(graphql, ada, task_id) == [(0, "Mix", False), (1, "Knead", False), (2, "Bake", False)]


async def test_moving_an_item_before_the_start_puts_it_first(graphql: GraphQL) -> None:
    ada, task_id, ids = await task_with_items(graphql, "Knead", "Mix")

    moved = await mutate(graphql, ada, UPDATE_SUBTASK, id=ids[1], position=-5)

    assert moved["position"] == 0
    assert await checklist(graphql, ada, task_id) == [(0, "Mix", False), (1, "Knead", False)]


async def test_ticking_an_item_marks_it_done_and_leaves_its_title_and_place(graphql: GraphQL) -> None:
    ada, task_id, ids = await task_with_items(graphql, "Mix", "Knead")

    ticked = await mutate(graphql, ada, UPDATE_SUBTASK, id=ids[1], done=True)

    assert (ticked["title"], ticked["done"], ticked["position"]) == ("Knead", True, 1)
    assert await checklist(graphql, ada, task_id) == [(0, "Mix", False), (1, "Knead", True)]


async def test_an_item_is_renamed(graphql: GraphQL) -> None:
    ada, task_id, ids = await task_with_items(graphql, "Mix")

    await mutate(graphql, ada, UPDATE_SUBTASK, id=ids[0], title="Mix the dough")

    assert await checklist(graphql, ada, task_id) == [(0, "Mix the dough", False)]


async def test_a_blank_title_is_refused(graphql: GraphQL) -> None:
    ada, task_id, ids = await task_with_items(graphql, "Mix")

    result = await mutate(graphql, ada, UPDATE_SUBTASK, id=ids[0], title="  ")

    assert result["__typename"] == "ValidationFailed"
    assert [error["field"] for error in result["fields"]] == ["title"]
    assert await checklist(graphql, ada, task_id) == [(0, "Mix", False)]


async def test_deleting_an_item_closes_the_gap_it_leaves(graphql: GraphQL) -> None:
    ada, task_id, ids = await task_with_items(graphql, "Mix", "Knead", "Bake")

    deleted = await mutate(graphql, ada, DELETE_SUBTASK, id=ids[1])

    assert deleted == {"__typename": "Deleted", "id": ids[1]}
    assert await checklist(graphql, ada, task_id) == [(0, "Mix", False), (1, "Bake", False)]


async def test_a_stranger_cannot_add_to_a_checklist(graphql: GraphQL) -> None:
    ada, task_id, _ = await task_with_items(graphql, "Mix")
    stranger = await sign_up(graphql, name="Stranger Baker")

    result = await mutate(graphql, stranger, ADD_SUBTASK, taskId=task_id, title="Add raisins")

    assert result["__typename"] == "NotFound"
    assert await checklist(graphql, ada, task_id) == [(0, "Mix", False)]
