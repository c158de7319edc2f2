"""Values of the right GraphQL type that still make no sense: a clear error, never a 500, nothing written."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import PASSWORD, sign_up, unique_email
from tests.graphql import Caller, GraphQL

CREATE_TASK = """
mutation($input: CreateTaskInput!) {
  createTask(input: $input) {
    __typename ... on Task { dueAt } ... on ValidationFailed { fields { field message } } ... on Error { message }
  }
}"""
CREATE_KEY = """
mutation($input: CreateApiKeyInput!) {
  createApiKey(input: $input) { __typename ... on ApiKeyCreated { apiKey { expiresAt } } ... on Error { message } }
}"""
SIGN_UP = """
mutation($i: SignUpInput!) {
  signUp(input: $i) { __typename ... on ValidationFailed { fields { field message } } }
}"""
TIME_ZONE = "Must be an IANA time zone such as Europe/Berlin."


async def task_titles(graphql: GraphQL, caller: Caller) -> list[str]:
    data = await graphql("{ tasks { nodes { title } } }", caller=caller)
    return [task["title"] for task in data["tasks"]["nodes"]]


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "Europe/Berlin ", "GMT+2", "../../etc/passwd", "", "UTC\x00"])
async def test_an_invalid_time_zone_is_refused_at_sign_up(graphql: GraphQL, zone: str) -> None:
    email = unique_email("zone")
    values = {"email": email, "password": PASSWORD, "displayName": "Zone", "timeZone": zone}

    data = await graphql(SIGN_UP, {"i": values})

    assert data["signUp"] == {"__typename": "ValidationFailed", "fields": [{"field": "timeZone", "message": TIME_ZONE}]}


@pytest.mark.parametrize("zone", ["Europe/Atlantis", "europe/berlin", "+02:00"])
async def test_an_invalid_time_zone_is_refused_for_the_viewer(graphql: GraphQL, zone: str) -> None:
    ada = await sign_up(graphql, name="Ada Zones", time_zone="Europe/Lisbon")

    data = await graphql(
        "mutation($z: String) { updateViewer(input: {timeZone: $z}) { __typename } }", {"z": zone}, caller=ada
    )

    assert data["updateViewer"] == {"__typename": "ValidationFailed"}
    viewer = await graphql("{ viewer { user { timeZone } } }", caller=ada)
    assert viewer["viewer"]["user"]["timeZone"] == "Europe/Lisbon"


@pytest.mark.parametrize(
    "instant",
    ["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00"],
    ids=["before year 1 in UTC", "after 9999 in UTC"],
)
async def test_an_instant_outside_the_calendar_in_utc_is_bad_user_input(graphql: GraphQL, instant: str) -> None:
    ada = await sign_up(graphql, name="Ada Calendar")

    errors = await graphql.errors(
        CREATE_TASK,
        {"input": {"companyId": ada.personal_company_id, "title": "Timeless", "dueAt": instant}},
        caller=ada,
    )

    assert [error["extensions"]["code"] for error in errors] == ["BAD_USER_INPUT"]
    assert await task_titles(graphql, ada) == []


async def test_an_instant_outside_the_calendar_is_bad_user_input_in_a_filter(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Filter Calendar")

    errors = await graphql.errors(
        "query($d: DateTime) { tasks(filter: {dueBefore: $d}) { nodes { id } } }",
        {"d": "0001-01-01T00:00:00+05:00"},
        caller=ada,
    )

    assert [error["extensions"]["code"] for error in errors] == ["BAD_USER_INPUT"]


async def test_an_instant_without_an_offset_is_read_as_utc(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Naive")

    data = await graphql(
        CREATE_TASK,
        {"input": {"companyId": ada.personal_company_id, "title": "Naive", "dueAt": "2031-03-04T05:06:07"}},
        caller=ada,
    )

    assert data["createTask"] == {"__typename": "Task", "dueAt": "2031-03-04T05:06:07+00:00"}


async def test_an_api_key_expiry_without_an_offset_is_read_as_utc(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Naive Key")
    values = {
        "companyId": ada.personal_company_id,
        "name": "naive",
        "scopes": ["TASKS_READ"],
        "expiresAt": "2999-01-01T00:00:00",
    }

    data = await graphql(CREATE_KEY, {"input": values}, caller=ada)

    assert data["createApiKey"] == {"__typename": "ApiKeyCreated", "apiKey": {"expiresAt": "2999-01-01T00:00:00+00:00"}}


TEXT_WITH_NUL: dict[str, dict[str, Any]] = {
    "title": {"title": "Before\x00after"},
    "description": {"title": "Fine", "description": "Before\x00after"},
    "tags": {"title": "Fine", "tags": ["nul\x00tag"]},
}


@pytest.mark.parametrize("field", TEXT_WITH_NUL.keys())
async def test_text_with_a_nul_character_is_refused(graphql: GraphQL, field: str) -> None:
    # PostgreSQL cannot store U+0000 in text; without a check the insert fails with a 500.
    ada = await sign_up(graphql, name="Ada Nul")

    data = await graphql(
        CREATE_TASK, {"input": {"companyId": ada.personal_company_id, **TEXT_WITH_NUL[field]}}, caller=ada
    )

    assert data["createTask"]["__typename"] == "ValidationFailed"
    assert [error["field"] for error in data["createTask"]["fields"]] == [field]
    assert await task_titles(graphql, ada) == []


async def test_a_search_with_a_nul_character_is_bad_user_input(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Nul Search")

    errors = await graphql.errors(
        "query($s: String) { tasks(filter: {search: $s}) { nodes { id } } }", {"s": "a\x00b"}, caller=ada
    )

    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_signing_up_with_a_nul_character_in_the_email_is_refused(graphql: GraphQL) -> None:
    values = {"email": "nul\x00" + unique_email("nul"), "password": PASSWORD, "displayName": "Nul"}

    data = await graphql(SIGN_UP, {"i": values})

    assert data["signUp"] == {
        "__typename": "ValidationFailed",
        "fields": [{"field": "email", "message": "Must be an email address."}],
    }


async def test_logging_in_with_a_nul_character_in_the_email_fails_like_any_wrong_email(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Nul Login")

    data = await graphql(
        "mutation($i: LogInInput!) { logIn(input: $i) { __typename ... on Error { message } } }",
        {"i": {"email": ada.email + "\x00", "password": PASSWORD}},
    )

    assert data["logIn"] == {"__typename": "AuthenticationFailed", "message": "The email or password is not correct."}
