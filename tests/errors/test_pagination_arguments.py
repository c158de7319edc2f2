"""Page sizes and cursors from the client are checked: a bad one is BAD_USER_INPUT naming the argument."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from tests.factories import Person, create_task, sign_up
from tests.graphql import GraphQL

TASKS_AFTER = "query($after: String) { tasks(first: 1, after: $after) { nodes { title } } }"


def encoded(payload: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode()


async def person_with_tasks(graphql: GraphQL, name: str) -> Person:
    person = await sign_up(graphql, name=name)
    for title in ("First", "Second"):
        await create_task(graphql, person, company_id=person.personal_company_id, title=title)
    return person


async def first_cursor(graphql: GraphQL, person: Person, order: str = "CREATED_AT") -> list[Any]:
    data = await graphql(
        "query($f: TaskOrderField!) { tasks(first: 1, orderBy: {field: $f}) { edges { cursor } } }",
        {"f": order},
        caller=person,
    )
    return list(json.loads(base64.urlsafe_b64decode(data["tasks"]["edges"][0]["cursor"])))


def assert_bad_argument(errors: list[Any], argument: str) -> None:
    assert [error["extensions"]["code"] for error in errors] == ["BAD_USER_INPUT"]
    assert list(errors[0]["extensions"]["fields"]) == [argument]


async def test_a_cursor_from_the_previous_page_continues_the_list(graphql: GraphQL) -> None:
    ada = await person_with_tasks(graphql, "Ada Pages")

    data = await graphql(TASKS_AFTER, {"after": encoded(await first_cursor(graphql, ada))}, caller=ada)

    assert data["tasks"]["nodes"] == [{"title": "Second"}]


@pytest.mark.parametrize(
    "cursor",
    ["garbage", "ü", encoded(None), encoded(5), encoded([]), base64.urlsafe_b64encode(b"\xff\xfe").decode()],
    ids=["garbage", "not ascii", "json null", "json number", "empty list", "not utf-8"],
)
async def test_a_cursor_that_is_not_one_is_bad_user_input(graphql: GraphQL, cursor: str) -> None:
    ada = await person_with_tasks(graphql, "Ada Garbage")

    errors = await graphql.errors(TASKS_AFTER, {"after": cursor}, caller=ada)

    assert_bad_argument(errors, "after")


TAMPERINGS = {
    "a number for the id": lambda name, value, row_id: [name, value, 5],
    "a list for the id": lambda name, value, row_id: [name, value, [row_id]],
    "no id": lambda name, value, row_id: [name, value],
    "a date that is no date": lambda name, value, row_id: [name, "yesterday", row_id],
    "a number for the date": lambda name, value, row_id: [name, 20200101, row_id],
    "a date before year 1 in UTC": lambda name, value, row_id: [name, "0001-01-01T00:00:00+05:00", row_id],
}


@pytest.mark.parametrize("tampering", TAMPERINGS.keys())
async def test_a_tampered_cursor_is_bad_user_input(graphql: GraphQL, tampering: str) -> None:
    ada = await person_with_tasks(graphql, "Ada Tamper")
    name, value, row_id = await first_cursor(graphql, ada)

    errors = await graphql.errors(
        TASKS_AFTER, {"after": encoded(TAMPERINGS[tampering](name, value, row_id))}, caller=ada
    )

    assert_bad_argument(errors, "after")


async def test_a_cursor_of_another_order_is_bad_user_input(graphql: GraphQL) -> None:
    ada = await person_with_tasks(graphql, "Ada Orders")
    by_title = encoded(await first_cursor(graphql, ada, order="TITLE"))

    errors = await graphql.errors(TASKS_AFTER, {"after": by_title}, caller=ada)

    assert_bad_argument(errors, "after")


async def test_a_bad_cursor_on_a_nested_list_is_bad_user_input(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Nested")

    errors = await graphql.errors('{ viewer { companies(after: "garbage") { nodes { id } } } }', caller=ada)

    assert_bad_argument(errors, "after")


@pytest.mark.parametrize("first", [1000, 101, -1])
async def test_a_page_size_outside_the_limit_is_bad_user_input(graphql: GraphQL, first: int) -> None:
    ada = await sign_up(graphql, name="Ada Page Size")

    errors = await graphql.errors("query($n: Int) { tasks(first: $n) { nodes { id } } }", {"n": first}, caller=ada)

    assert_bad_argument(errors, "first")
    assert errors[0]["extensions"]["fields"]["first"] == "Must be between 0 and 100."


async def test_the_largest_page_size_is_accepted(graphql: GraphQL) -> None:
    ada = await person_with_tasks(graphql, "Ada Max Page")

    data = await graphql("{ tasks(first: 100) { nodes { title } } }", caller=ada)

    assert [task["title"] for task in data["tasks"]["nodes"]] == ["First", "Second"]
