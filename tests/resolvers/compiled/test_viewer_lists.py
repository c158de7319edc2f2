"""The viewer's notifications and time entries: compiled reads answer their pages exactly as the resolvers do."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

import orjson
import pytest
from litestar import Litestar

from tests.factories import Person, create_task, result_of
from tests.graphql import GraphQL
from tests.notifications.documents import mark_read, wait_for_notification
from tests.notifications.world import make_team
from tests.resolvers.compiled.both import both

START_TIMER = """
mutation($input: StartTimerInput!) { startTimer(input: $input) { __typename ... on Error { message } } }
"""


@dataclass(frozen=True)
class Viewer:
    bob: Person


@pytest.fixture(scope="module")
async def viewer(graphql: GraphQL) -> Viewer:
    team = await make_team(graphql)
    tasks = [
        await create_task(
            graphql, team.alice, company_id=team.company_id, title=f"For Bob {n}", assigneeId=team.bob.user_id
        )
        for n in range(5)
    ]
    found = await wait_for_notification(graphql, team.bob, "TASK_ASSIGNED", count=len(tasks))
    await mark_read(graphql, team.bob, ids=[found[0]["id"], found[2]["id"]])
    for number, task in enumerate(tasks):
        # Each starts a new entry and stops the one running; the last keeps running.
        timer = {"companyId": team.company_id, "note": f"Work {number}", "stopRunning": True}
        if number % 2:
            timer["taskId"] = task["id"]
        await result_of(graphql, "startTimer", START_TIMER, {"input": timer}, team.bob)
    return Viewer(team.bob)


NOTIFICATION_SELECTIONS = [
    "nodes { id type title body read readAt emailedAt createdAt }",
    "edges { cursor node { title task { title status } } } pageInfo { hasNextPage hasPreviousPage endCursor }",
    "pageInfo { startCursor endCursor hasNextPage } nodes { __typename type read }",
]
TIME_SELECTIONS = [
    "nodes { id note running startedAt endedAt }",
    "edges { cursor node { note task { title } user { displayName } } } pageInfo { hasNextPage endCursor }",
]


def _document(chance: random.Random) -> tuple[str, dict[str, Any], str]:
    if chance.random() < 0.5:
        selection = chance.choice(NOTIFICATION_SELECTIONS)
        arguments = "first: $first, after: $after, unreadOnly: $unread"
        body = f"notifications({arguments}) {{ {selection} pageInfo {{ hasNextPage endCursor }} }}"
        header = "$first: Int, $after: String, $unread: Boolean!"
        return f"query({header}) {{ viewer {{ {body} }} }}", {"unread": chance.random() < 0.5}, "notifications"
    selection = chance.choice(TIME_SELECTIONS)
    body = f"timeEntries(first: $first, after: $after) {{ {selection} pageInfo {{ hasNextPage endCursor }} }}"
    return f"query($first: Int, $after: String) {{ viewer {{ {body} }} }}", {}, "timeEntries"


@pytest.mark.parametrize("seed", range(16))
async def test_the_viewers_notifications_and_time_entries_page_as_the_resolvers_do(
    app: Litestar, graphql: GraphQL, plain_graphql: GraphQL, viewer: Viewer, seed: int
) -> None:
    chance = random.Random(seed)
    document, variables, field = _document(chance)
    variables["first"] = chance.choice([None, 1, 2, 4])
    after, pages = None, 0
    while True:
        took, body = await both(app, graphql, plain_graphql, document, {**variables, "after": after}, viewer.bob)
        assert took, document
        pages += 1
        page = orjson.loads(body)["data"]["viewer"][field]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert pages <= 7  # six notifications or five entries at most, by one or more


async def test_what_the_resolvers_compute_outside_the_tables_stays_with_them(
    app: Litestar, graphql: GraphQL, viewer: Viewer
) -> None:
    reads = app.state.compiled_reads
    for document in [
        "{ viewer { timeEntries { nodes { durationSeconds } } } }",
        "{ viewer { notifications { nodes { company { name } } } } }",
    ]:
        answered = reads.answered
        assert await graphql(document, caller=viewer.bob)
        assert reads.answered == answered, document
