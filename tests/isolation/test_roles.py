"""Inside one company, the role decides who manages it: members manage nothing, admins manage members and admins,
owners manage everyone; every company keeps an owner, and a personal company keeps its one person."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.factories import Person, create_company, invite, sign_up
from tests.graphql import GraphQL
from tests.isolation.documents import mutation_document
from tests.isolation.world import issue_api_key

OWNER, ADMIN, MEMBER = "OWNER", "ADMIN", "MEMBER"

COMPANY = """
query($id: ID!) {
  node(id: $id) { ... on Company { name members { nodes { role user { id } } } apiKeys { id revokedAt } } }
}"""


@dataclass(frozen=True)
class Staff:
    company_id: str
    owner: Person
    admin: Person
    member: Person


@pytest.fixture
async def staff(graphql: GraphQL) -> Staff:
    """A company with Alice as owner, Carol as admin and Dave as member."""
    alice = await sign_up(graphql, name="Alice Owner")
    carol = await sign_up(graphql, name="Carol Admin")
    dave = await sign_up(graphql, name="Dave Member")
    company_id = await create_company(graphql, alice, name="Roles Ltd")
    await invite(graphql, alice, company_id=company_id, member=carol, role=ADMIN)
    await invite(graphql, alice, company_id=company_id, member=dave, role=MEMBER)
    return Staff(company_id=company_id, owner=alice, admin=carol, member=dave)


async def company_as_owner(graphql: GraphQL, staff: Staff) -> dict[str, Any]:
    data = await graphql(COMPANY, {"id": staff.company_id}, caller=staff.owner)
    company: dict[str, Any] = data["node"]
    return company


async def roles(graphql: GraphQL, staff: Staff) -> dict[str, str]:
    company = await company_as_owner(graphql, staff)
    return {member["user"]["id"]: member["role"] for member in company["members"]["nodes"]}


def staff_roles(staff: Staff) -> dict[str, str]:
    return {staff.owner.user_id: OWNER, staff.admin.user_id: ADMIN, staff.member.user_id: MEMBER}


async def attempt(graphql: GraphQL, person: Person, mutation: str, values: dict[str, Any]) -> str:
    """The `__typename` of what `mutation` answered `person`."""
    data = await graphql(mutation_document(mutation), {"input": values}, caller=person)
    typename: str = data[mutation]["__typename"]
    return typename


# A member manages nothing.


async def test_a_member_cannot_invite(graphql: GraphQL, staff: Staff) -> None:
    erin = await sign_up(graphql, name="Erin Outsider")

    answer = await attempt(
        graphql, staff.member, "inviteMember", {"companyId": staff.company_id, "email": erin.email, "role": MEMBER}
    )

    assert answer == "Forbidden"
    assert await roles(graphql, staff) == staff_roles(staff)


@pytest.mark.parametrize(("whose", "role"), [("admin", MEMBER), ("owner", ADMIN), ("member", ADMIN)])
async def test_a_member_cannot_change_a_role(graphql: GraphQL, staff: Staff, whose: str, role: str) -> None:
    target: Person = getattr(staff, whose)

    answer = await attempt(
        graphql,
        staff.member,
        "changeMemberRole",
        {"companyId": staff.company_id, "userId": target.user_id, "role": role},
    )

    assert answer == "Forbidden"
    assert await roles(graphql, staff) == staff_roles(staff)


async def test_a_member_cannot_remove_another_member(graphql: GraphQL, staff: Staff) -> None:
    answer = await attempt(
        graphql, staff.member, "removeMember", {"companyId": staff.company_id, "userId": staff.admin.user_id}
    )

    assert answer == "Forbidden"
    assert await roles(graphql, staff) == staff_roles(staff)


async def test_a_member_cannot_create_api_keys(graphql: GraphQL, staff: Staff) -> None:
    answer = await attempt(
        graphql,
        staff.member,
        "createApiKey",
        {"companyId": staff.company_id, "name": "mine", "scopes": ["TASKS_READ"]},
    )

    assert answer == "Forbidden"
    assert (await company_as_owner(graphql, staff))["apiKeys"] == []


async def test_a_member_sees_neither_the_api_keys_nor_the_webhook_endpoints(graphql: GraphQL, staff: Staff) -> None:
    key = await issue_api_key(graphql, staff.owner, company_id=staff.company_id, scopes=["TASKS_READ"])
    hook = {"input": {"companyId": staff.company_id, "url": "http://127.0.0.1:9/roles", "eventTypes": ["TASK_DELETED"]}}
    await graphql(mutation_document("createWebhookEndpoint"), hook, caller=staff.owner)
    query = "query($id: ID!) { node(id: $id) { ... on Company { apiKeys { id } webhookEndpoints { id } } } }"

    seen_by_member = await graphql(query, {"id": staff.company_id}, caller=staff.member)
    seen_by_admin = await graphql(query, {"id": staff.company_id}, caller=staff.admin)

    assert seen_by_member["node"] == {"apiKeys": [], "webhookEndpoints": []}
    assert seen_by_admin["node"]["apiKeys"] == [{"id": key.id}]
    assert len(seen_by_admin["node"]["webhookEndpoints"]) == 1


async def test_a_member_cannot_rename_the_company(graphql: GraphQL, staff: Staff) -> None:
    answer = await attempt(graphql, staff.member, "updateCompany", {"id": staff.company_id, "name": "Dave's"})

    assert answer == "Forbidden"
    assert (await company_as_owner(graphql, staff))["name"] == "Roles Ltd"


async def test_a_member_may_leave(graphql: GraphQL, staff: Staff) -> None:
    answer = await attempt(
        graphql, staff.member, "removeMember", {"companyId": staff.company_id, "userId": staff.member.user_id}
    )

    assert answer == "Deleted"
    assert await roles(graphql, staff) == {staff.owner.user_id: OWNER, staff.admin.user_id: ADMIN}


# An admin manages members and admins, never an owner.


async def test_an_admin_invites_a_member(graphql: GraphQL, staff: Staff) -> None:
    erin = await sign_up(graphql, name="Erin Newcomer")

    answer = await attempt(
        graphql, staff.admin, "inviteMember", {"companyId": staff.company_id, "email": erin.email, "role": MEMBER}
    )

    assert answer == "Membership"
    assert await roles(graphql, staff) == {**staff_roles(staff), erin.user_id: MEMBER}


async def test_an_admin_cannot_invite_an_owner(graphql: GraphQL, staff: Staff) -> None:
    erin = await sign_up(graphql, name="Erin Outsider")

    answer = await attempt(
        graphql, staff.admin, "inviteMember", {"companyId": staff.company_id, "email": erin.email, "role": OWNER}
    )

    assert answer == "Forbidden"
    assert await roles(graphql, staff) == staff_roles(staff)


@pytest.mark.parametrize("role", [ADMIN, MEMBER])
async def test_an_admin_cannot_change_an_owners_role(graphql: GraphQL, staff: Staff, role: str) -> None:
    answer = await attempt(
        graphql,
        staff.admin,
        "changeMemberRole",
        {"companyId": staff.company_id, "userId": staff.owner.user_id, "role": role},
    )

    assert answer == "Forbidden"
    assert await roles(graphql, staff) == staff_roles(staff)


@pytest.mark.parametrize("whose", ["admin", "member"])
async def test_an_admin_cannot_make_anyone_an_owner(graphql: GraphQL, staff: Staff, whose: str) -> None:
    target: Person = getattr(staff, whose)

    answer = await attempt(
        graphql,
        staff.admin,
        "changeMemberRole",
        {"companyId": staff.company_id, "userId": target.user_id, "role": OWNER},
    )

    assert answer == "Forbidden"
    assert await roles(graphql, staff) == staff_roles(staff)


async def test_an_admin_cannot_remove_an_owner(graphql: GraphQL, staff: Staff) -> None:
    answer = await attempt(
        graphql, staff.admin, "removeMember", {"companyId": staff.company_id, "userId": staff.owner.user_id}
    )

    assert answer == "Forbidden"
    assert await roles(graphql, staff) == staff_roles(staff)


async def test_an_admin_cannot_delete_the_company(graphql: GraphQL, staff: Staff) -> None:
    answer = await attempt(graphql, staff.admin, "deleteCompany", {"id": staff.company_id})

    assert answer == "Forbidden"
    assert await roles(graphql, staff) == staff_roles(staff)


async def test_an_admin_promotes_a_member_to_admin(graphql: GraphQL, staff: Staff) -> None:
    answer = await attempt(
        graphql,
        staff.admin,
        "changeMemberRole",
        {"companyId": staff.company_id, "userId": staff.member.user_id, "role": ADMIN},
    )

    assert answer == "Membership"
    assert await roles(graphql, staff) == {**staff_roles(staff), staff.member.user_id: ADMIN}


# Every company keeps an owner.


async def test_the_last_owner_cannot_leave(graphql: GraphQL, staff: Staff) -> None:
    answer = await attempt(
        graphql, staff.owner, "removeMember", {"companyId": staff.company_id, "userId": staff.owner.user_id}
    )

    assert answer == "Conflict"
    assert await roles(graphql, staff) == staff_roles(staff)


async def test_the_last_owner_cannot_step_down(graphql: GraphQL, staff: Staff) -> None:
    answer = await attempt(
        graphql,
        staff.owner,
        "changeMemberRole",
        {"companyId": staff.company_id, "userId": staff.owner.user_id, "role": ADMIN},
    )

    assert answer == "Conflict"
    assert await roles(graphql, staff) == staff_roles(staff)


async def test_an_owner_may_leave_once_another_owner_remains(graphql: GraphQL, staff: Staff) -> None:
    await attempt(
        graphql,
        staff.owner,
        "changeMemberRole",
        {"companyId": staff.company_id, "userId": staff.admin.user_id, "role": OWNER},
    )

    answer = await attempt(
        graphql, staff.owner, "removeMember", {"companyId": staff.company_id, "userId": staff.owner.user_id}
    )

    assert answer == "Deleted"
    company = await graphql(COMPANY, {"id": staff.company_id}, caller=staff.admin)
    members = {member["user"]["id"]: member["role"] for member in company["node"]["members"]["nodes"]}
    assert members == {staff.admin.user_id: OWNER, staff.member.user_id: MEMBER}


# A personal company belongs to one person.


async def test_nobody_can_be_invited_into_a_personal_company(graphql: GraphQL) -> None:
    alice = await sign_up(graphql, name="Alice Alone")
    bob = await sign_up(graphql, name="Bob Hopeful")

    answer = await attempt(
        graphql, alice, "inviteMember", {"companyId": alice.personal_company_id, "email": bob.email, "role": MEMBER}
    )

    assert answer == "Conflict"
    company = await graphql(COMPANY, {"id": alice.personal_company_id}, caller=alice)
    assert [member["user"]["id"] for member in company["node"]["members"]["nodes"]] == [alice.user_id]
    assert await graphql(COMPANY, {"id": alice.personal_company_id}, caller=bob) == {"node": None}


async def test_nobody_can_leave_their_personal_company(graphql: GraphQL) -> None:
    alice = await sign_up(graphql, name="Alice Alone")

    answer = await attempt(
        graphql, alice, "removeMember", {"companyId": alice.personal_company_id, "userId": alice.user_id}
    )

    assert answer == "Conflict"
    company = await graphql(COMPANY, {"id": alice.personal_company_id}, caller=alice)
    assert [member["role"] for member in company["node"]["members"]["nodes"]] == [OWNER]


async def test_a_personal_company_cannot_be_deleted(graphql: GraphQL) -> None:
    alice = await sign_up(graphql, name="Alice Alone")

    answer = await attempt(graphql, alice, "deleteCompany", {"id": alice.personal_company_id})

    assert answer == "Conflict"
    assert (await graphql(COMPANY, {"id": alice.personal_company_id}, caller=alice))["node"] is not None
