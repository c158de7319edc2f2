"""Each audited change writes one entry, in its own transaction, naming who did it, to what, and from where; a change
that fails leaves none; and only the company's owners and admins read the log."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.tenant import tenant_session, worker_for
from domain.audit import AuditAction
from domain.webhooks import health
from tests.accounts.documents import REQUEST_EXPORT
from tests.audit.conftest import CLIENT_ADDRESS, USER_AGENT
from tests.audit.world import audit_log
from tests.factories import Person, create_company, invite, result_of, sign_up
from tests.graphql import GraphQL
from tests.isolation.world import global_id, uuid_of

CHANGE_ROLE = """
mutation($input: ChangeMemberRoleInput!) {
  changeMemberRole(input: $input) { __typename ... on Membership { role } ... on Error { message } }
}"""
REMOVE_MEMBER = """
mutation($input: RemoveMemberInput!) {
  removeMember(input: $input) { __typename ... on Deleted { id } ... on Error { message } }
}"""
CREATE_KEY = """
mutation($input: CreateApiKeyInput!) {
  createApiKey(input: $input) { __typename ... on ApiKeyCreated { secret apiKey { id } } ... on Error { message } }
}"""
REVOKE_KEY = """
mutation($input: RevokeApiKeyInput!) {
  revokeApiKey(input: $input) { __typename ... on ApiKey { id } ... on Error { message } }
}"""
CREATE_HOOK = """
mutation($input: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) {
    __typename ... on WebhookEndpointCreated { secret endpoint { id } } ... on Error { message }
  }
}"""
UPDATE_HOOK = """
mutation($input: UpdateWebhookEndpointInput!) {
  updateWebhookEndpoint(input: $input) { __typename ... on WebhookEndpoint { id } ... on Error { message } }
}"""
ROTATE = """
mutation($input: RotateWebhookSecretInput!) {
  rotateWebhookSecret(input: $input) { __typename ... on WebhookSecretRotated { secret } ... on Error { message } }
}"""
DELETE_HOOK = """
mutation($input: DeleteWebhookEndpointInput!) {
  deleteWebhookEndpoint(input: $input) { __typename ... on Deleted { id } ... on Error { message } }
}"""


async def shared_company(graphql: GraphQL) -> tuple[str, Person, Person]:
    """A company of its owner Olga with Mia as a member."""
    olga = await sign_up(graphql, name="Olga Owner")
    mia = await sign_up(graphql, name="Mia Member")
    company_id = await create_company(graphql, olga, name="Audited Ltd")
    await invite(graphql, olga, company_id=company_id, member=mia)
    return company_id, olga, mia


def summary(entries: list[dict[str, Any]]) -> list[tuple[str, str | None, str | None]]:
    return [(entry["action"], entry["actorId"], entry["targetId"]) for entry in entries]


async def test_membership_changes_are_recorded_once_with_actor_target_and_origin(located: GraphQL) -> None:
    company_id, olga, mia = await shared_company(located)
    member = {"companyId": company_id, "userId": mia.user_id}

    await result_of(located, "changeMemberRole", CHANGE_ROLE, {"input": {**member, "role": "ADMIN"}}, olga)
    await result_of(located, "removeMember", REMOVE_MEMBER, {"input": member}, mia)
    entries = await audit_log(located, olga, company_id)

    assert entries is not None
    assert summary(entries) == [
        ("MEMBERSHIP_LEFT", mia.user_id, mia.user_id),
        ("MEMBERSHIP_ROLE_CHANGED", olga.user_id, mia.user_id),
        ("MEMBERSHIP_ADDED", olga.user_id, mia.user_id),
    ]
    assert [entry["details"] for entry in entries] == [
        {"role": "admin"},
        {"from": "member", "to": "admin"},
        {"role": "member"},
    ]
    assert {(entry["ipAddress"], entry["userAgent"]) for entry in entries} == {(CLIENT_ADDRESS, USER_AGENT)}
    assert all(entry["requestId"] for entry in entries)
    assert entries[1]["actor"] == {"id": olga.user_id}


async def test_removing_a_member_is_recorded_as_removed_by_the_admin(located: GraphQL) -> None:
    company_id, olga, mia = await shared_company(located)

    await result_of(
        located, "removeMember", REMOVE_MEMBER, {"input": {"companyId": company_id, "userId": mia.user_id}}, olga
    )
    entries = await audit_log(located, olga, company_id, action="MEMBERSHIP_REMOVED")

    assert entries is not None
    assert summary(entries) == [("MEMBERSHIP_REMOVED", olga.user_id, mia.user_id)]


async def test_api_keys_and_webhook_endpoints_are_recorded_without_their_secrets(located: GraphQL) -> None:
    olga = await sign_up(located, name="Olga Owner")
    company_id = await create_company(located, olga, name="Hooked Ltd")
    key_input = {"companyId": company_id, "name": "CI", "scopes": ["TASKS_READ"]}
    key = await result_of(located, "createApiKey", CREATE_KEY, {"input": key_input}, olga)
    await result_of(located, "revokeApiKey", REVOKE_KEY, {"input": {"id": key["apiKey"]["id"]}}, olga)
    hook_input = {"companyId": company_id, "url": "http://127.0.0.1:9/hook?token=abc", "eventTypes": ["TASK_CREATED"]}
    hook = await result_of(located, "createWebhookEndpoint", CREATE_HOOK, {"input": hook_input}, olga)
    hook_id = hook["endpoint"]["id"]
    await result_of(located, "updateWebhookEndpoint", UPDATE_HOOK, {"input": {"id": hook_id, "enabled": False}}, olga)
    rotated = await result_of(
        located, "rotateWebhookSecret", ROTATE, {"input": {"id": hook_id, "overlapSeconds": 60}}, olga
    )
    await result_of(located, "deleteWebhookEndpoint", DELETE_HOOK, {"input": {"id": hook_id}}, olga)

    entries = await audit_log(located, olga, company_id)

    assert entries is not None
    key_id = key["apiKey"]["id"]
    assert summary(entries) == [
        ("WEBHOOK_ENDPOINT_DELETED", olga.user_id, hook_id),
        ("WEBHOOK_ENDPOINT_SECRET_ROTATED", olga.user_id, hook_id),
        ("WEBHOOK_ENDPOINT_UPDATED", olga.user_id, hook_id),
        ("WEBHOOK_ENDPOINT_CREATED", olga.user_id, hook_id),
        ("API_KEY_REVOKED", olga.user_id, key_id),
        ("API_KEY_CREATED", olga.user_id, key_id),
    ]
    assert entries[-1]["details"] == {"name": "CI", "scopes": ["tasks:read"]}
    assert entries[2]["details"]["enabled"] is False
    assert entries[1]["details"] == {"overlap_seconds": 60}
    written = str(entries)
    for secret in (key["secret"], hook["secret"], rotated["secret"], "token=abc"):
        assert secret not in written


async def test_a_refused_change_leaves_no_entry(located: GraphQL) -> None:
    # Olga is the only owner: leaving is refused by the database after the entry was written, and rolls it back.
    company_id, olga, mia = await shared_company(located)
    before = await audit_log(located, olga, company_id)

    answer = await located(REMOVE_MEMBER, {"input": {"companyId": company_id, "userId": olga.user_id}}, caller=olga)
    mias = await located(
        CHANGE_ROLE, {"input": {"companyId": company_id, "userId": olga.user_id, "role": "MEMBER"}}, caller=mia
    )

    assert answer["removeMember"]["__typename"] == "Conflict", answer
    assert mias["changeMemberRole"]["__typename"] == "Forbidden", mias
    assert await audit_log(located, olga, company_id) == before


async def test_entries_filter_by_action_actor_and_time(located: GraphQL) -> None:
    company_id, olga, mia = await shared_company(located)
    await result_of(
        located, "removeMember", REMOVE_MEMBER, {"input": {"companyId": company_id, "userId": mia.user_id}}, mia
    )
    everything = await audit_log(located, olga, company_id)
    assert everything is not None
    left_at = everything[0]["occurredAt"]

    by_mia = await audit_log(located, olga, company_id, actorId=mia.user_id)
    added = await audit_log(located, olga, company_id, action="MEMBERSHIP_ADDED")
    since = await audit_log(located, olga, company_id, since=left_at)
    until = await audit_log(located, olga, company_id, until=left_at)

    assert by_mia is not None
    assert summary(by_mia) == [("MEMBERSHIP_LEFT", mia.user_id, mia.user_id)]
    assert added is not None
    assert summary(added) == [("MEMBERSHIP_ADDED", olga.user_id, mia.user_id)]
    assert since is not None
    assert [entry["action"] for entry in since] == ["MEMBERSHIP_LEFT"]
    assert until is not None
    assert [entry["action"] for entry in until] == ["MEMBERSHIP_ADDED"]


async def test_entries_page_newest_first_with_cursors(located: GraphQL) -> None:
    company_id, olga, mia = await shared_company(located)
    member = {"companyId": company_id, "userId": mia.user_id}
    for role in ("ADMIN", "MEMBER", "ADMIN"):
        await result_of(located, "changeMemberRole", CHANGE_ROLE, {"input": {**member, "role": role}}, olga)
    query = """
    query($company: ID!, $after: String) {
      node(id: $company) { ... on Company { auditLog(first: 2, after: $after) {
        nodes { id } pageInfo { hasNextPage endCursor } } } }
    }"""

    first = (await located(query, {"company": company_id}, caller=olga))["node"]["auditLog"]
    after = {"company": company_id, "after": first["pageInfo"]["endCursor"]}
    second = (await located(query, after, caller=olga))["node"]["auditLog"]
    everything = await audit_log(located, olga, company_id)

    assert everything is not None
    assert [node["id"] for node in first["nodes"] + second["nodes"]] == [entry["id"] for entry in everything]
    assert (first["pageInfo"]["hasNextPage"], second["pageInfo"]["hasNextPage"]) == (True, False)


async def test_a_member_reads_an_empty_log_and_another_companys_owner_reads_nothing(located: GraphQL) -> None:
    company_id, olga, mia = await shared_company(located)
    outsider = await sign_up(located, name="Otto Outsider")
    await create_company(located, outsider, name="Other Ltd")

    assert await audit_log(located, olga, company_id)
    assert await audit_log(located, mia, company_id) == []
    assert await audit_log(located, outsider, company_id) is None


async def test_an_unknown_actor_id_in_the_filter_is_not_found(located: GraphQL) -> None:
    company_id, olga, _ = await shared_company(located)
    query = """
    query($company: ID!, $filter: AuditLogFilter) {
      node(id: $company) { ... on Company { auditLog(filter: $filter) { nodes { id } } } }
    }"""

    errors = await located.errors(query, {"company": company_id, "filter": {"actorId": company_id}}, caller=olga)

    assert errors[0]["extensions"]["code"] == "NOT_FOUND"


async def test_every_action_the_code_knows_is_one_the_database_accepts(owner: asyncpg.Connection) -> None:
    definition = await owner.fetchval(
        "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'audit_log_action'"
    )

    accepted = sorted(part.split("'")[1] for part in definition.split("::text")[:-1] if "'" in part)

    assert accepted == sorted(action.value for action in AuditAction)


@pytest.mark.parametrize("statement", ["UPDATE audit_log SET action = 'api_key.created'", "DELETE FROM audit_log"])
async def test_the_app_role_cannot_change_or_delete_entries_even_as_the_owner_of_the_company(
    located: GraphQL, owner: asyncpg.Connection, statement: str
) -> None:
    company_id, olga, _ = await shared_company(located)

    transaction = owner.transaction()
    await transaction.start()
    try:
        await owner.execute(
            "SELECT set_config('role', 'rhythm_app', true), set_config('rhythm.user_id', $1, true)",
            str(uuid_of(olga.user_id)),
        )
        seen = await owner.fetchval("SELECT count(*) FROM audit_log WHERE company_id = $1", uuid_of(company_id))
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await owner.execute(f"{statement} WHERE company_id = $1", uuid_of(company_id))
    finally:
        await transaction.rollback()

    assert seen == 1


async def test_the_log_has_no_update_or_delete_policy_and_no_such_grant(owner: asyncpg.Connection) -> None:
    commands = await owner.fetch(
        "SELECT cmd FROM pg_policies WHERE tablename = 'audit_log' AND 'rhythm_app' = ANY (roles)"
    )
    privileges = await owner.fetchrow(
        "SELECT has_table_privilege('rhythm_app', 'audit_log', 'UPDATE') AS update,"
        " has_table_privilege('rhythm_app', 'audit_log', 'DELETE') AS delete,"
        " has_table_privilege('rhythm_app', 'audit_log', 'TRUNCATE') AS truncate"
    )

    assert sorted(row["cmd"] for row in commands) == ["INSERT", "SELECT"]
    assert dict(privileges) == {"update": False, "delete": False, "truncate": False}


async def test_an_entry_cannot_name_someone_else_as_its_actor(located: GraphQL, owner: asyncpg.Connection) -> None:
    company_id, olga, mia = await shared_company(located)

    transaction = owner.transaction()
    await transaction.start()
    try:
        await owner.execute(
            "SELECT set_config('role', 'rhythm_app', true), set_config('rhythm.user_id', $1, true)",
            str(uuid_of(mia.user_id)),
        )
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await owner.execute(
                "INSERT INTO audit_log (id, company_id, actor_user_id, action) VALUES ($1, $2, $3, 'api_key.created')",
                uuid.uuid4(),
                uuid_of(company_id),
                uuid_of(olga.user_id),
            )
    finally:
        await transaction.rollback()


def test_global_ids_of_entries_name_their_type() -> None:
    assert global_id("AuditEntry", uuid.UUID(int=1)).startswith("QXVkaXRFbnRyeT")


async def test_an_endpoint_a_job_disables_is_recorded_with_no_actor_and_no_origin(
    located: GraphQL, sessions: async_sessionmaker[AsyncSession]
) -> None:
    olga = await sign_up(located, name="Olga Jobs")
    company_id = await create_company(located, olga, name="Failing Hooks Ltd")
    hook_input = {"companyId": company_id, "url": "http://127.0.0.1:9/gone", "eventTypes": ["TASK_CREATED"]}
    hook = await result_of(located, "createWebhookEndpoint", CREATE_HOOK, {"input": hook_input}, olga)
    hook_id = hook["endpoint"]["id"]

    # What the delivery job does when the endpoint answers 410: as the company's worker, outside any request.
    async with tenant_session(sessions, worker_for(uuid_of(company_id))) as session:
        assert await health.disable(session, uuid_of(hook_id), reason=health.GONE, now=datetime.now(UTC))
    [entry] = await audit_log(located, olga, company_id, action="WEBHOOK_ENDPOINT_DISABLED") or []

    assert (entry["actorId"], entry["actor"], entry["targetId"]) == (None, None, hook_id)
    assert entry["details"] == {"reason": health.GONE}
    assert (entry["ipAddress"], entry["userAgent"], entry["requestId"]) == (None, None, None)


async def test_a_members_data_export_enters_the_log_of_each_company_they_reach(located: GraphQL) -> None:
    company_id, olga, mia = await shared_company(located)

    asked = await located(REQUEST_EXPORT, caller=mia)
    entries = await audit_log(located, olga, company_id, action="DATA_EXPORT_REQUESTED")
    own = await audit_log(located, mia, mia.personal_company_id, action="DATA_EXPORT_REQUESTED")

    assert asked["requestDataExport"]["__typename"] == "DataExport"
    assert entries is not None
    assert own is not None
    assert summary(entries) == summary(own) == [("DATA_EXPORT_REQUESTED", mia.user_id, mia.user_id)]
    assert entries[0]["details"] == {"data_export_id": asked["requestDataExport"]["id"]}
