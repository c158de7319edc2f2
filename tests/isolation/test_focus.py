"""Focus sessions of company A, aimed at by Bob (not a member) and by company B's API key: a session is its person's
alone, so neither reaches Alice's open or completed sessions, nor starts one in A."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.graphql import GraphQL
from tests.isolation.documents import mutation_document
from tests.isolation.world import Tenants
from tests.resolvers.focus.world import mine, rated_session, start

NODE = "query($id: ID!) { node(id: $id) { __typename id } }"


async def alices_sessions(graphql: GraphQL, tenants: Tenants) -> dict[str, str]:
    """A completed, rated session of Alice's on A's task (her timer stopped for it), and an open one in A."""
    alice, marker = tenants.alice, tenants.a.marker
    done = await rated_session(graphql, alice, focus=4, taskId=tenants.a.task_id, note=f"Focus {marker}",
                               stopRunningTimer=True)  # fmt: skip
    running = await start(graphql, alice, companyId=tenants.a.company_id, note=f"Open {marker}")
    assert running["__typename"] == "FocusSession", running
    return {"completed": done["id"], "open": running["id"]}


ATTACKS: list[tuple[str, Callable[[dict[str, str], Tenants], dict[str, Any]] | None, str]] = [
    ("startFocusSession", lambda ids, t: {"companyId": t.a.company_id}, "NotFound"),
    ("startFocusSession", lambda ids, t: {"taskId": t.a.task_id}, "NotFound"),
    ("startFocusSession", lambda ids, t: {"companyId": t.b.company_id, "taskId": t.a.task_id}, "NotFound"),
    # Bob has no open session: these never reach Alice's.
    ("pauseFocusSession", None, "NotFound"),
    ("resumeFocusSession", None, "NotFound"),
    ("completeFocusSession", lambda ids, t: {"focusRating": 1}, "NotFound"),
    ("abandonFocusSession", None, "NotFound"),
    ("rateFocusSession", lambda ids, t: {"id": ids["completed"], "focusRating": 1, "note": "Pwned"}, "NotFound"),
]  # fmt: skip


# Ids by position: a lambda's default id names its address, which differs between the test processes.
@pytest.mark.parametrize(
    ("mutation", "make_input", "expect"),
    ATTACKS,
    ids=[f"{number}-{mutation}-{expect}" for number, (mutation, _, expect) in enumerate(ATTACKS)],
)
async def test_outsiders_cannot_reach_company_as_focus_sessions_through(
    graphql: GraphQL, tenants: Tenants, mutation: str, make_input: Any, expect: str
) -> None:
    ids = await alices_sessions(graphql, tenants)
    variables = None if make_input is None else {"input": make_input(ids, tenants)}
    before = await mine(graphql, tenants.alice)

    by_bob = await graphql.post(mutation_document(mutation), variables, caller=tenants.bob)
    by_key = await graphql.post(mutation_document(mutation), variables, caller=tenants.b.api_key.caller())

    for response in (by_bob, by_key):
        assert tenants.a.marker not in response.text
    assert by_bob.json()["data"][mutation]["__typename"] == expect
    assert by_key.json()["data"][mutation]["__typename"] == "Forbidden"
    assert await mine(graphql, tenants.alice) == before


async def test_bob_gets_null_for_alices_sessions_and_lists_none_of_them(graphql: GraphQL, tenants: Tenants) -> None:
    ids = await alices_sessions(graphql, tenants)

    answers = [await graphql.post(NODE, {"id": value}, caller=tenants.bob) for value in ids.values()]
    bobs = await mine(graphql, tenants.bob)
    seen_by_alice = [await graphql(NODE, {"id": value}, caller=tenants.alice) for value in ids.values()]

    assert [answer.json()["data"]["node"] for answer in answers] == [None, None]
    assert all(tenants.a.marker not in answer.text for answer in answers)
    assert (bobs["currentFocusSession"], bobs["focusSessions"]["nodes"]) == (None, [])
    assert all(data["node"] is not None for data in seen_by_alice)
