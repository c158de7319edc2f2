"""Every event type's webhook body, as a real receiver gets it, matches its published JSON Schema
(docs/webhooks/schemas), and spells values as the GraphQL API does."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from jsonschema import Draft202012Validator
from standardwebhooks import Webhook

from domain.events.service import EventType
from domain.webhooks.schemas import all_schemas, text_of
from tests.calendar_sync.fake_google import FakeGoogle
from tests.calendar_sync.test_connections_api import CONNECT
from tests.factories import Person, create_company, create_project, create_task, result_of, sign_up
from tests.graphql import GraphQL
from tests.webhooks.documents import create_endpoint, until
from tests.webhooks.receiver import Answer, Receiver

SCHEMAS = Path(__file__).parents[2] / "docs" / "webhooks" / "schemas"


def test_the_published_schemas_are_the_ones_the_code_describes() -> None:
    published = {path.stem: path.read_text(encoding="utf-8") for path in SCHEMAS.glob("*.json")}
    assert published == {name: text_of(schema) for name, schema in all_schemas().items()}, (
        "docs/webhooks/schemas is out of date: run `python -m domain.webhooks.schemas`"
    )
    assert set(published) == {event_type.value for event_type in EventType}


async def change(
    graphql: GraphQL, caller: Person, field: str, input_type: str | None = None, selection: str = "", **values: Any
) -> Any:
    """A mutation that must succeed; with `input_type`, `values` are its input."""
    wanted = f"__typename ... on Error {{ message }} {selection}"
    if input_type is None:
        document = f"mutation {{ {field} {{ {wanted} }} }}"
    else:
        document = f"mutation($input: {input_type}!) {{ {field}(input: $input) {{ {wanted} }} }}"
    return await result_of(graphql, field, document, {"input": values}, caller)


async def _every_event(
    graphql: GraphQL, ada: Person, bob: Person, company: str, gone: Receiver, google: FakeGoogle
) -> None:
    """One committed change of each event type in `company`, made through the API."""
    project = await create_project(graphql, ada, company_id=company, name="Schemas")
    await change(graphql, ada, "updateProject", "UpdateProjectInput", id=project, name="Schemas 2")
    task = await create_task(
        graphql, ada, company_id=company, title="Typed", priority="MEDIUM", projectId=project, assigneeId=ada.user_id
    )
    await change(graphql, ada, "updateTask", "UpdateTaskInput", id=task["id"], priority="HIGH")
    await change(graphql, ada, "startTimer", "StartTimerInput", taskId=task["id"])
    await change(graphql, ada, "stopTimer")
    await change(graphql, ada, "completeTask", "TaskIdInput", id=task["id"])
    doomed = await create_task(graphql, ada, company_id=company, title="Doomed")
    await change(graphql, ada, "deleteTask", "TaskIdInput", id=doomed["id"])
    doomed_project = await create_project(graphql, ada, company_id=company, name="Doomed")
    await change(graphql, ada, "deleteProject", "DeleteProjectInput", id=doomed_project)
    await change(graphql, ada, "inviteMember", "InviteMemberInput", companyId=company, email=bob.email, role="MEMBER")
    await change(
        graphql, ada, "changeMemberRole", "ChangeMemberRoleInput", companyId=company, userId=bob.user_id, role="ADMIN"
    )
    await change(graphql, ada, "removeMember", "RemoveMemberInput", companyId=company, userId=bob.user_id)
    await change(graphql, ada, "updateCompany", "UpdateCompanyInput", id=company, name="Schema Works Ltd")
    calendar = await change(
        graphql, ada, "createCalendar", "CreateCalendarInput", "... on Calendar { id }", companyId=company, name="Work"
    )
    event = await change(
        graphql,
        ada,
        "createCalendarEvent",
        "CreateCalendarEventInput",
        "... on CalendarEvent { id }",
        calendarId=calendar["id"],
        title="Standup",
        startsAt="2030-01-07T09:00:00Z",
        endsAt="2030-01-07T09:30:00Z",
        response="ACCEPTED",
    )
    await change(graphql, ada, "updateCalendarEvent", "UpdateCalendarEventInput", id=event["id"], transparency="FREE")
    await change(graphql, ada, "deleteCalendarEvent", "CalendarEventIdInput", id=event["id"])
    await change(graphql, ada, "deleteCalendar", "CalendarIdInput", id=calendar["id"])
    focus = await change(
        graphql,
        ada,
        "startFocusSession",
        "StartFocusSessionInput",
        "... on FocusSession { id }",
        kind="DEEP_WORK",
        companyId=company,
        plannedMinutes=50,
    )
    await change(graphql, ada, "pauseFocusSession")
    await change(graphql, ada, "resumeFocusSession")
    await change(graphql, ada, "completeFocusSession", "CompleteFocusSessionInput")
    await change(graphql, ada, "rateFocusSession", "RateFocusSessionInput", id=focus["id"], focusRating=4)
    await change(graphql, ada, "startFocusSession", "StartFocusSessionInput", kind="POMODORO", companyId=company)
    await change(graphql, ada, "abandonFocusSession")
    # A Google account connected through consent and the callback route the browser comes back to.
    started = await result_of(
        graphql, "connectCalendarAccount", CONNECT, {"input": {"companyId": company, "provider": "GOOGLE"}}, ada
    )
    back = urlsplit(google.authorize(dict(parse_qsl(urlsplit(started["authorizationUrl"]).query))))
    assert (await graphql.client.get(f"{back.path}?{back.query}")).status_code == 200
    await create_task(graphql, ada, company_id=company, title="To plan", assigneeId=ada.user_id, estimatedMinutes=30)
    await change(graphql, ada, "applySchedule")
    # An endpoint that answers 410 Gone is disabled, and the company's other endpoints hear of it.
    gone.answer = Answer(status=410)
    await create_endpoint(graphql, ada, company_id=company, url=gone.url, event_types=["TASK_CREATED"])
    await create_task(graphql, ada, company_id=company, title="Gone")


def _schema_errors(body: dict[str, Any]) -> list[str]:
    schema = json.loads((SCHEMAS / f"{body['type']}.json").read_text(encoding="utf-8"))
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    return [f"{list(error.absolute_path)}: {error.message}" for error in validator.iter_errors(body)]


async def test_every_event_types_delivered_body_matches_its_schema(
    graphql: GraphQL, receiver: Receiver, session_google: FakeGoogle
) -> None:
    ada = await sign_up(graphql, name="Ada Schemas")
    bob = await sign_up(graphql, name="Bob Schemas")
    company = await create_company(graphql, ada, name="Schema Works")
    _, secret = await create_endpoint(graphql, ada, company_id=company, url=receiver.url)
    gone = Receiver().start()
    try:
        await _every_event(graphql, ada, bob, company, gone, session_google)

        def every_type_delivered() -> bool:
            return {json.loads(r.body)["type"] for r in receiver.received} >= {t.value for t in EventType}

        await until(every_type_delivered, what="a delivery of every event type")
    finally:
        gone.stop()

    for received in receiver.received:
        body = Webhook(secret).verify(received.body, received.headers)
        assert _schema_errors(body) == [], body
    [updated] = [json.loads(r.body) for r in receiver.for_event("task.updated")]
    assert (updated["data"]["task"]["priority"], updated["data"]["task"]["status"]) == ("HIGH", "TODO")
