"""GraphQL documents and helpers for the notification tests."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from tests.factories import result_of
from tests.graphql import Caller, GraphQL
from tests.waiting import PATIENCE_SECONDS

NOTIFICATIONS = """
query($first: Int, $after: String, $unreadOnly: Boolean! = false) {
  viewer {
    unreadNotificationCount
    notifications(first: $first, after: $after, unreadOnly: $unreadOnly) {
      nodes { id type title body read readAt emailedAt createdAt company { id } task { id title } }
      pageInfo { hasNextPage endCursor }
    }
  }
}"""

PREFERENCES = "{ viewer { notificationPreferences { emailEnabled mutedTypes dueSoonWindowHours } } }"

UPDATE_PREFERENCES = """
mutation($input: UpdateNotificationPreferencesInput!) {
  updateNotificationPreferences(input: $input) {
    __typename
    ... on NotificationPreferences { emailEnabled mutedTypes dueSoonWindowHours }
    ... on ValidationFailed { fields { field message } }
    ... on Error { message }
  }
}"""

MARK_READ = """
mutation($input: MarkNotificationsReadInput!) {
  markNotificationsRead(input: $input) {
    __typename
    ... on NotificationsMarkedRead { markedCount unreadCount }
    ... on ValidationFailed { fields { field message } }
    ... on Error { message }
  }
}"""

NODE = "query($id: ID!) { node(id: $id) { __typename ... on Notification { id title } } }"

UPDATE_TASK = """
mutation($input: UpdateTaskInput!) {
  updateTask(input: $input) { __typename ... on Task { id } ... on Error { message } }
}"""

COMPLETE_TASK = """
mutation($input: TaskIdInput!) {
  completeTask(input: $input) { __typename ... on Task { id status } ... on Error { message } }
}"""


async def notifications(graphql: GraphQL, person: Caller, **variables: Any) -> dict[str, Any]:
    data = await graphql(NOTIFICATIONS, variables, caller=person)
    viewer: dict[str, Any] = data["viewer"]
    return viewer


async def wait_for_notification(
    graphql: GraphQL, person: Caller, type_name: str, *, count: int = 1, seconds: float = PATIENCE_SECONDS
) -> list[dict[str, Any]]:
    """The person's notifications of a type once there are `count`; the jobs run in process, within seconds."""
    deadline = time.monotonic() + seconds
    while True:
        nodes = (await notifications(graphql, person, first=100))["notifications"]["nodes"]
        found = [node for node in nodes if node["type"] == type_name]
        if len(found) >= count:
            return found
        assert time.monotonic() < deadline, f"{len(found)} of {count} {type_name} notifications arrived: {nodes}"
        await asyncio.sleep(0.1)


async def update_preferences(graphql: GraphQL, person: Caller, **fields: Any) -> dict[str, Any]:
    result: dict[str, Any] = await result_of(
        graphql, "updateNotificationPreferences", UPDATE_PREFERENCES, {"input": fields}, person
    )
    return result


async def mark_read(graphql: GraphQL, person: Caller, **fields: Any) -> dict[str, Any]:
    data = await graphql(MARK_READ, {"input": fields}, caller=person)
    result: dict[str, Any] = data["markNotificationsRead"]
    return result


async def complete_task(graphql: GraphQL, person: Caller, task_id: str) -> None:
    await result_of(graphql, "completeTask", COMPLETE_TASK, {"input": {"id": task_id}}, person)


async def reassign(graphql: GraphQL, person: Caller, task_id: str, assignee_id: str | None) -> None:
    await result_of(graphql, "updateTask", UPDATE_TASK, {"input": {"id": task_id, "assigneeId": assignee_id}}, person)
