"""Account emails to one address are limited: however many clients ask for reset or verification links, the email
job is given at most five links of a kind for an address an hour, and sends nothing more. Below the API, as the
app role names its callers; every statement is rolled back."""

from __future__ import annotations

import uuid

import asyncpg

from db.tenant import WORKER_SCOPES
from tests.factories import sign_up
from tests.graphql import GraphQL
from tests.isolation.world import uuid_of

REQUEST = "SELECT rhythm.request_password_reset($1, NULL)"
EVENTS = "SELECT id FROM outbox WHERE subject_id = $1 AND type = 'account.password_reset_requested'"
ISSUE = "SELECT * FROM rhythm.issue_account_token($1, $2, interval '30 minutes')"


async def _act(connection: asyncpg.Connection, **settings: str) -> None:
    await connection.execute("SELECT set_config('role', 'rhythm_app', true)")
    for name in ("user_id", "company_id", "api_company_id", "api_scopes"):
        await connection.execute("SELECT set_config($1, $2, true)", f"rhythm.{name}", settings.get(name, ""))


async def _issued(connection: asyncpg.Connection, personal_company: uuid.UUID, events: list[uuid.UUID]) -> int:
    """How many of the events' links the email job is given, as a worker of the person's personal company."""
    await _act(connection, api_company_id=str(personal_company), api_scopes=" ".join(sorted(WORKER_SCOPES)))
    issued = 0
    for event in events:
        issued += len(await connection.fetch(ISSUE, event, uuid.uuid4().hex))
    return issued


async def test_at_most_five_reset_links_an_hour_reach_one_address(graphql: GraphQL, owner: asyncpg.Connection) -> None:
    ada = await sign_up(graphql, name="Ada Flooded")
    user_id, personal = uuid_of(ada.user_id), uuid_of(ada.personal_company_id)
    transaction = owner.transaction()
    await transaction.start()
    try:
        before = {row["id"] for row in await owner.fetch(EVENTS, user_id)}
        await _act(owner)  # anonymous, as `requestPasswordReset` runs
        for _ in range(7):
            await owner.execute(REQUEST, ada.email)
        await owner.execute("RESET role")
        resets = sorted({row["id"] for row in await owner.fetch(EVENTS, user_id)} - before)
        assert len(resets) == 7

        issued = await _issued(owner, personal, resets)

        # Other kinds of link count apart: a verification link to the address is still given.
        await owner.execute("RESET role")
        verification = await owner.fetchval(
            "INSERT INTO outbox (id, company_id, type, subject_id, payload) VALUES (gen_random_uuid(), $1,"
            " 'account.email_verification_requested', $2, '{}') RETURNING id",
            personal,
            user_id,
        )
        await owner.execute("UPDATE users SET email_verified_at = NULL WHERE id = $1", user_id)
        verified = await _issued(owner, personal, [verification])
    finally:
        await transaction.rollback()

    assert (issued, verified) == (5, 1)
