"""Documents and steps the live tests share."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.factories import Person, create_task, result_of
from tests.graphql import GraphQL
from tests.live.sockets import Payload, Socket
from tests.waiting import PROBE_SECONDS, PROBES

TASK_EVENTS = """
subscription($companyId: ID) {
  taskEvents(companyId: $companyId) {
    type taskId
    task { id title status company { name } createdBy { id } }
  }
}
"""

MEMBERSHIP_EVENTS = """
subscription { membershipEvents { type companyId userId membership { role user { id } } } }
"""

NOTIFICATION_EVENTS = """
subscription {
  notificationEvents {
    type unreadCount
    notification { id type title read company { name } task { id title } }
  }
}
"""

REMOVE_MEMBER = """
mutation($input: RemoveMemberInput!) { removeMember(input: $input) { __typename ... on Error { message } } }
"""


def about_task(task_id: str, kind: str | None = None) -> Callable[[Payload], bool]:
    def matches(data: Payload) -> bool:
        event = data.get("taskEvents")
        return event is not None and event["taskId"] == task_id and kind in (None, event["type"])

    return matches


def task_ids(messages: list[Payload]) -> list[str]:
    return [
        message["payload"]["data"]["taskEvents"]["taskId"]
        for message in messages
        if message["type"] == "next" and "taskEvents" in (message["payload"].get("data") or {})
    ]


async def until_live(socket: Socket, graphql: GraphQL, author: Person, *, company_id: str | None = None) -> None:
    """A subscription listens a moment after `subscribe`: make tasks (in the author's own company unless told)
    until one of them arrives, so what the test does next is seen, or not, for the reason the test means.

    Any probe's event will do: on a loaded machine an event may take longer than one probe's wait."""
    probes: set[str] = set()

    def about_a_probe(data: Payload) -> bool:
        event = data.get("taskEvents")
        return event is not None and event["taskId"] in probes

    for _ in range(PROBES):
        probe = await create_task(graphql, author, company_id=company_id or author.personal_company_id, title="Probe")
        probes.add(probe["id"])
        try:
            await socket.next_where(about_a_probe, seconds=PROBE_SECONDS)
            return
        except TimeoutError:
            continue
    raise AssertionError("the subscription never delivered an event")


def notified_of(task_id: str) -> Callable[[Payload], bool]:
    def matches(data: Payload) -> bool:
        event = data.get("notificationEvents")
        return event is not None and (event["notification"]["task"] or {}).get("id") == task_id

    return matches


def notified_task_ids(messages: list[Payload]) -> list[str]:
    """The tasks of the notifications a socket received."""
    return [
        (message["payload"]["data"]["notificationEvents"]["notification"]["task"] or {}).get("id", "")
        for message in messages
        if message["type"] == "next" and "notificationEvents" in (message["payload"].get("data") or {})
    ]


async def until_notified(socket: Socket, graphql: GraphQL, assigner: Person, assignee: Person, company_id: str) -> None:
    """`until_live` for notifications: the assigner gives the assignee tasks until the notification of one of them
    arrives, so the subscription is known to listen."""
    probes: set[str] = set()

    def about_a_probe(data: Payload) -> bool:
        event = data.get("notificationEvents")
        return event is not None and (event["notification"]["task"] or {}).get("id") in probes

    for _ in range(PROBES):
        probe = await create_task(graphql, assigner, company_id=company_id, title="Probe", assigneeId=assignee.user_id)
        probes.add(probe["id"])
        try:
            await socket.next_where(about_a_probe, seconds=PROBE_SECONDS)
            return
        except TimeoutError:
            continue
    raise AssertionError("the subscription never delivered a notification")


async def remove_member(graphql: GraphQL, admin: Person, *, company_id: str, member: Person) -> Any:
    variables = {"input": {"companyId": company_id, "userId": member.user_id}}
    return await result_of(graphql, "removeMember", REMOVE_MEMBER, variables, admin)
