"""An id that names nothing the caller may see gets one answer per type, `NotFound` with "No such <Type>." (the
GraphQL type's name), whatever is wrong with it: an id of another type, an unknown uuid, or another company's
object. Every node type a mutation takes an id of is covered. A string that is no global id at all (not base64, no
type) is refused before any resolver runs, as BAD_USER_INPUT, for every type alike."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tests.factories import Person, create_api_key, create_project, create_task, result_of, sign_up
from tests.graphql import GraphQL


def global_id(type_name: str, value: object) -> str:
    return base64.b64encode(f"{type_name}:{value}".encode()).decode()


def node_uuid(node_id: str) -> str:
    return base64.b64decode(node_id).decode().split(":", 1)[1]


@dataclass(frozen=True)
class Use:
    """A mutation that takes an id of `type_name`, and how to make one such object in another person's company."""

    type_name: str
    document: str
    variables: Callable[[Person, str], dict[str, Any]]
    make: Callable[[GraphQL, Person], Awaitable[str]]


def _by_id(field: str, input_type: str) -> str:
    return f"""mutation($input: {input_type}!) {{
      {field}(input: $input) {{ __typename ... on Error {{ message }} }}
    }}"""


async def _company(graphql: GraphQL, eve: Person) -> str:
    return eve.personal_company_id


async def _project(graphql: GraphQL, eve: Person) -> str:
    return await create_project(graphql, eve, company_id=eve.personal_company_id)


async def _task(graphql: GraphQL, eve: Person) -> str:
    return str((await create_task(graphql, eve, company_id=eve.personal_company_id))["id"])


async def _subtask(graphql: GraphQL, eve: Person) -> str:
    query = "mutation($input: AddSubtaskInput!) { addSubtask(input: $input) { ... on Subtask { id } } }"
    made = await result_of(
        graphql, "addSubtask", query, {"input": {"taskId": await _task(graphql, eve), "title": "Step"}}, eve
    )
    return str(made["id"])


async def _user(graphql: GraphQL, eve: Person) -> str:
    return eve.user_id


async def _api_key(graphql: GraphQL, eve: Person) -> str:
    await create_api_key(graphql, eve, company_id=eve.personal_company_id, scopes=["TASKS_READ"])
    keys = await graphql(
        "query($id: ID!) { node(id: $id) { ... on Company { apiKeys { id } } } }",
        {"id": eve.personal_company_id},
        caller=eve,
    )
    return str(keys["node"]["apiKeys"][0]["id"])


async def _webhook_endpoint(graphql: GraphQL, eve: Person) -> str:
    query = """mutation($input: CreateWebhookEndpointInput!) {
      createWebhookEndpoint(input: $input) { ... on WebhookEndpointCreated { endpoint { id } } }
    }"""
    variables = {"input": {"companyId": eve.personal_company_id, "url": "http://127.0.0.1:9/hook"}}
    return str((await result_of(graphql, "createWebhookEndpoint", query, variables, eve))["endpoint"]["id"])


async def _calendar(graphql: GraphQL, eve: Person) -> str:
    query = "mutation($input: CreateCalendarInput!) { createCalendar(input: $input) { ... on Calendar { id } } }"
    variables = {"input": {"companyId": eve.personal_company_id, "name": "Work"}}
    return str((await result_of(graphql, "createCalendar", query, variables, eve))["id"])


async def _calendar_event(graphql: GraphQL, eve: Person) -> str:
    query = """mutation($input: CreateCalendarEventInput!) {
      createCalendarEvent(input: $input) { ... on CalendarEvent { id } }
    }"""
    variables = {
        "input": {
            "calendarId": await _calendar(graphql, eve),
            "title": "Standup",
            "startsAt": "2030-01-07T09:00:00Z",
            "endsAt": "2030-01-07T09:30:00Z",
        }
    }
    return str((await result_of(graphql, "createCalendarEvent", query, variables, eve))["id"])


async def _habit(graphql: GraphQL, eve: Person) -> str:
    query = "mutation($input: CreateHabitInput!) { createHabit(input: $input) { ... on Habit { id } } }"
    variables = {
        "input": {
            "companyId": eve.personal_company_id,
            "title": "Stretch",
            "rrule": "FREQ=DAILY",
            "timeZone": "UTC",
            "windowStart": "07:00",
            "windowEnd": "09:00",
            "durationMinutes": 15,
        }
    }
    return str((await result_of(graphql, "createHabit", query, variables, eve))["id"])


async def _focus_session(graphql: GraphQL, eve: Person) -> str:
    start = "mutation { startFocusSession(input: {kind: CUSTOM, plannedMinutes: 25}) { ... on FocusSession { id } } }"
    made = await result_of(graphql, "startFocusSession", start, {}, eve)
    complete = "mutation { completeFocusSession(input: {}) { __typename } }"
    await result_of(graphql, "completeFocusSession", complete, {}, eve)
    return str(made["id"])


async def _time_block(graphql: GraphQL, eve: Person) -> str:
    await create_task(graphql, eve, company_id=eve.personal_company_id, title="Planned")
    apply = "mutation { applySchedule { ... on SchedulePlan { blocks { timeBlock { id } } } } }"
    plan = await result_of(graphql, "applySchedule", apply, {}, eve)
    return str(plan["blocks"][0]["timeBlock"]["id"])


USES = [
    Use(
        "Company",
        _by_id("createProject", "CreateProjectInput"),
        lambda _, id_: {"companyId": id_, "name": "P"},
        _company,
    ),
    Use("Project", _by_id("deleteProject", "DeleteProjectInput"), lambda _, id_: {"id": id_}, _project),
    Use("Task", _by_id("completeTask", "TaskIdInput"), lambda _, id_: {"id": id_}, _task),
    Use("Subtask", _by_id("deleteSubtask", "SubtaskIdInput"), lambda _, id_: {"id": id_}, _subtask),
    Use(
        "User",
        _by_id("removeMember", "RemoveMemberInput"),
        lambda ada, id_: {"companyId": ada.personal_company_id, "userId": id_},
        _user,
    ),
    Use("ApiKey", _by_id("revokeApiKey", "RevokeApiKeyInput"), lambda _, id_: {"id": id_}, _api_key),
    Use(
        "WebhookEndpoint",
        _by_id("deleteWebhookEndpoint", "DeleteWebhookEndpointInput"),
        lambda _, id_: {"id": id_},
        _webhook_endpoint,
    ),
    Use("Calendar", _by_id("deleteCalendar", "CalendarIdInput"), lambda _, id_: {"id": id_}, _calendar),
    Use(
        "CalendarEvent",
        _by_id("deleteCalendarEvent", "CalendarEventIdInput"),
        lambda _, id_: {"id": id_},
        _calendar_event,
    ),
    Use("Habit", _by_id("deleteHabit", "HabitIdInput"), lambda _, id_: {"id": id_}, _habit),
    Use(
        "FocusSession",
        _by_id("rateFocusSession", "RateFocusSessionInput"),
        lambda _, id_: {"id": id_, "focusRating": 3},
        _focus_session,
    ),
    Use("TimeBlock", _by_id("pinTimeBlock", "TimeBlockIdInput"), lambda _, id_: {"id": id_}, _time_block),
]
WAYS = ["another type's id", "an unknown uuid", "another company's"]


async def _wrong_id(graphql: GraphQL, use: Use, way: str, ada: Person) -> str:
    if way == "another type's id":
        # A real object, Ada's own, under another type's name.
        return global_id("Project" if use.type_name == "User" else "User", node_uuid(ada.user_id))
    if way == "an unknown uuid":
        return global_id(use.type_name, uuid.uuid4())
    eve = await sign_up(graphql, name=f"Eve {use.type_name}")
    return await use.make(graphql, eve)


@pytest.mark.parametrize("way", WAYS)
@pytest.mark.parametrize("use", USES, ids=[use.type_name for use in USES])
async def test_every_wrong_id_of_a_type_is_not_found_in_the_same_words(graphql: GraphQL, use: Use, way: str) -> None:
    ada = await sign_up(graphql, name=f"Ada {use.type_name}")
    wrong = await _wrong_id(graphql, use, way, ada)

    response = await graphql.post(use.document, {"input": use.variables(ada, wrong)}, caller=ada)

    body = response.json()
    assert "errors" not in body, body
    [result] = body["data"].values()
    assert result == {"__typename": "NotFound", "message": f"No such {use.type_name}."}


@pytest.mark.parametrize("use", USES, ids=[use.type_name for use in USES])
async def test_a_string_that_is_no_global_id_is_bad_user_input_for_every_type(graphql: GraphQL, use: Use) -> None:
    ada = await sign_up(graphql, name=f"Ada Garbage {use.type_name}")

    response = await graphql.post(use.document, {"input": use.variables(ada, "not-a-global-id!")}, caller=ada)

    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["message"] == 'Value cannot represent a GlobalID: "not-a-global-id!".'
