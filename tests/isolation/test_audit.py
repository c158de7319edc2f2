"""Company A's audit log and Alice's sign-in history stay theirs: Bob, his API key and even A's own API key read
none of it, and nobody writes an entry into A's log but those acting in A."""

from __future__ import annotations

import uuid

import asyncpg
import pytest

from tests.auth.sessions import log_in
from tests.factories import PASSWORD
from tests.graphql import Caller, GraphQL
from tests.isolation.world import Tenants, uuid_of

AUDIT = """
query($company: ID!) {
  node(id: $company) { ... on Company { auditLog { nodes { id action } } featureFlags { name } } }
}
"""
HISTORY = "{ viewer { signInHistory { nodes { id outcome } } } }"


@pytest.fixture
def tenants(tenants_to_read: Tenants) -> Tenants:
    return tenants_to_read


async def test_only_alice_reads_company_as_audit_log(graphql: GraphQL, tenants: Tenants) -> None:
    company = {"company": tenants.a.company_id}

    alices = await graphql(AUDIT, company, caller=tenants.alice)
    bobs = await graphql(AUDIT, company, caller=tenants.bob)
    bobs_key = await graphql(AUDIT, company, caller=tenants.b.api_key.caller())
    as_own_key = await graphql(AUDIT, company, caller=Caller(api_key=tenants.a.api_key.secret))

    actions = {node["action"] for node in alices["node"]["auditLog"]["nodes"]}
    assert {"API_KEY_CREATED", "WEBHOOK_ENDPOINT_CREATED"} <= actions
    assert bobs == bobs_key == {"node": None}
    # An integration's key reads the company, never who did what in it, nor its flags.
    assert as_own_key == {"node": {"auditLog": {"nodes": []}, "featureFlags": []}}


async def test_bobs_sign_in_history_holds_nothing_of_alices_even_his_attempts_on_her_account(
    graphql: GraphQL, tenants: Tenants
) -> None:
    await log_in(graphql, email=tenants.alice.email, password=PASSWORD + " guessed")

    bobs = await graphql(HISTORY, caller=tenants.bob)
    alices = await graphql(HISTORY, caller=tenants.alice)

    assert bobs == {"viewer": {"signInHistory": {"nodes": []}}}
    assert "FAILURE" in {node["outcome"] for node in alices["viewer"]["signInHistory"]["nodes"]}


async def test_below_the_api_bob_neither_reads_nor_writes_company_as_log(
    owner: asyncpg.Connection, tenants: Tenants
) -> None:
    company_a = uuid_of(tenants.a.company_id)

    transaction = owner.transaction()
    await transaction.start()
    try:
        await owner.execute(
            "SELECT set_config('role', 'rhythm_app', true), set_config('rhythm.user_id', $1, true)",
            str(uuid_of(tenants.bob.user_id)),
        )
        seen = await owner.fetchval("SELECT count(*) FROM audit_log WHERE company_id = $1", company_a)
        overrides = await owner.fetchval("SELECT count(*) FROM company_feature_flags WHERE company_id = $1", company_a)
        history = await owner.fetchval(
            "SELECT count(*) FROM sign_in_events WHERE user_id = $1", uuid_of(tenants.alice.user_id)
        )
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await owner.execute(
                "INSERT INTO audit_log (id, company_id, actor_user_id, action) VALUES ($1, $2, $3, 'api_key.revoked')",
                uuid.uuid4(),
                company_a,
                uuid_of(tenants.bob.user_id),
            )
    finally:
        await transaction.rollback()

    assert (seen, overrides, history) == (0, 0, 0)
