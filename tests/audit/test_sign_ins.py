"""A person's sign-in history: each sign-in and each failed attempt on their account, with where it came from,
readable by that person alone. A failure for an unknown email is recorded against nobody."""

from __future__ import annotations

from typing import Any

import asyncpg

from tests.audit.conftest import CLIENT_ADDRESS, USER_AGENT
from tests.auth.sessions import log_in
from tests.factories import PASSWORD, sign_up, unique_email
from tests.graphql import Caller, GraphQL
from tests.isolation.world import uuid_of

HISTORY = """
query($first: Int, $after: String) {
  viewer { signInHistory(first: $first, after: $after) {
    nodes { id outcome method ipAddress userAgent occurredAt }
    pageInfo { hasNextPage endCursor }
  } }
}"""


async def history(graphql: GraphQL, caller: Caller, **arguments: Any) -> list[dict[str, Any]]:
    data = await graphql(HISTORY, arguments, caller=caller)
    nodes: list[dict[str, Any]] = data["viewer"]["signInHistory"]["nodes"]
    return nodes


async def test_sign_ins_and_failed_attempts_are_in_the_persons_history_newest_first(located: GraphQL) -> None:
    ada = await sign_up(located, name="Ada History")

    failed = await log_in(located, email=ada.email, password=PASSWORD + "!")
    signed_in = await log_in(located, email=ada.email.upper(), password=PASSWORD)
    seen = await history(located, ada)

    assert failed["__typename"] == "AuthenticationFailed"
    assert signed_in["__typename"] == "AuthPayload"
    assert [(event["outcome"], event["method"]) for event in seen] == [("SUCCESS", "PASSWORD"), ("FAILURE", "PASSWORD")]
    assert {(event["ipAddress"], event["userAgent"]) for event in seen} == {(CLIENT_ADDRESS, USER_AGENT)}


async def test_signing_up_is_not_a_sign_in(located: GraphQL) -> None:
    ada = await sign_up(located, name="Ada New")

    assert await history(located, ada) == []


async def test_a_person_sees_only_their_own_history(located: GraphQL, owner: asyncpg.Connection) -> None:
    ada = await sign_up(located, name="Ada Own")
    bob = await sign_up(located, name="Bob Own")
    await log_in(located, email=ada.email, password=PASSWORD)
    await log_in(located, email=ada.email, password="not the password")

    transaction = owner.transaction()
    await transaction.start()
    try:
        await owner.execute(
            "SELECT set_config('role', 'rhythm_app', true), set_config('rhythm.user_id', $1, true)",
            str(uuid_of(bob.user_id)),
        )
        bobs_view = await owner.fetchval("SELECT count(*) FROM sign_in_events WHERE user_id = $1", uuid_of(ada.user_id))
    finally:
        await transaction.rollback()

    assert len(await history(located, ada)) == 2
    assert await history(located, bob) == []
    assert bobs_view == 0


async def test_a_failure_for_an_unknown_email_is_recorded_against_nobody(
    located: GraphQL, owner: asyncpg.Connection
) -> None:
    ada = await sign_up(located, name="Ada Known")
    before = await all_sign_in_events(owner)

    unknown = await log_in(located, email=unique_email("nobody"), password=PASSWORD)
    after_unknown = await all_sign_in_events(owner)
    await log_in(located, email=ada.email, password="not the password")

    assert unknown["__typename"] == "AuthenticationFailed"
    assert after_unknown == before
    # The count sees every row: a failure for a known email adds one.
    assert await all_sign_in_events(owner) == before + 1


async def all_sign_in_events(owner: asyncpg.Connection) -> int:
    """Every person's events, as the operator role (whose policy sees all rows)."""
    async with owner.transaction():
        await owner.execute("SET LOCAL ROLE rhythm_definer")
        count: int = await owner.fetchval("SELECT count(*) FROM sign_in_events")
    return count


async def test_the_history_pages_with_cursors(located: GraphQL) -> None:
    ada = await sign_up(located, name="Ada Pages")
    for _ in range(3):
        await log_in(located, email=ada.email, password=PASSWORD)

    data = await located(HISTORY, {"first": 2}, caller=ada)
    page = data["viewer"]["signInHistory"]
    rest = await history(located, ada, first=2, after=page["pageInfo"]["endCursor"])

    assert page["pageInfo"]["hasNextPage"] is True
    assert len(page["nodes"]) + len(rest) == 3
    assert {node["id"] for node in page["nodes"]}.isdisjoint(node["id"] for node in rest)


async def test_the_app_role_cannot_change_or_delete_sign_in_events(owner: asyncpg.Connection) -> None:
    privileges = await owner.fetchrow(
        "SELECT has_table_privilege('rhythm_app', 'sign_in_events', 'UPDATE') AS update,"
        " has_table_privilege('rhythm_app', 'sign_in_events', 'DELETE') AS delete"
    )

    assert dict(privileges) == {"update": False, "delete": False}
