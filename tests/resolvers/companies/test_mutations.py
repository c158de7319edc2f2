"""Companies and memberships: making, renaming and deleting companies; inviting, promoting and removing people."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import Person, create_company, create_task, invite, sign_up
from tests.graphql import GraphQL

ERRORS = "... on ValidationFailed { fields { field message } } ... on Error { message }"
COMPANY = "id name isPersonal viewerRole"
MEMBERSHIP = "role user { id email } company { id }"

CREATE_COMPANY = f"""
mutation($input: CreateCompanyInput!) {{
  createCompany(input: $input) {{ __typename ... on Company {{ {COMPANY} }} {ERRORS} }}
}}"""
UPDATE_COMPANY = f"""
mutation($input: UpdateCompanyInput!) {{
  updateCompany(input: $input) {{ __typename ... on Company {{ {COMPANY} }} {ERRORS} }}
}}"""
DELETE_COMPANY = f"""
mutation($input: DeleteCompanyInput!) {{
  deleteCompany(input: $input) {{ __typename ... on Deleted {{ id }} {ERRORS} }}
}}"""
INVITE_MEMBER = f"""
mutation($input: InviteMemberInput!) {{
  inviteMember(input: $input) {{ __typename ... on Membership {{ {MEMBERSHIP} }} {ERRORS} }}
}}"""
CHANGE_MEMBER_ROLE = f"""
mutation($input: ChangeMemberRoleInput!) {{
  changeMemberRole(input: $input) {{ __typename ... on Membership {{ {MEMBERSHIP} }} {ERRORS} }}
}}"""
REMOVE_MEMBER = f"""
mutation($input: RemoveMemberInput!) {{
  removeMember(input: $input) {{ __typename ... on Deleted {{ id }} {ERRORS} }}
}}"""
COMPANY_BY_ID = f"""
query($id: ID!) {{
  node(id: $id) {{ ... on Company {{ {COMPANY} members {{ nodes {{ role user {{ id }} }} }} }} }}
}}"""
TASK_ASSIGNEE = "query($id: ID!) { node(id: $id) { ... on Task { assignee { id } } } }"


async def mutate(graphql: GraphQL, caller: Person, document: str, **input: Any) -> dict[str, Any]:
    data = await graphql(document, {"input": input}, caller=caller)
    result: dict[str, Any] = next(iter(data.values()))
    return result


async def company_as_seen_by(graphql: GraphQL, caller: Person, company_id: str) -> dict[str, Any] | None:
    data = await graphql(COMPANY_BY_ID, {"id": company_id}, caller=caller)
    node: dict[str, Any] | None = data["node"]
    return node


def roles(company: dict[str, Any]) -> dict[str, str]:
    return {member["user"]["id"]: member["role"] for member in company["members"]["nodes"]}


async def team(graphql: GraphQL, *, role: str = "MEMBER") -> tuple[Person, Person, str]:
    """Ada owns a shared company in which Bob has `role`."""
    ada = await sign_up(graphql, name="Ada Owner")
    bob = await sign_up(graphql, name="Bob Colleague")
    company = await create_company(graphql, ada, name="Engines Ltd")
    await invite(graphql, ada, company_id=company, member=bob, role=role)
    return ada, bob, company


async def test_creating_a_company_makes_the_caller_its_owner(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Founder")

    created = await mutate(graphql, ada, CREATE_COMPANY, name="  Engines Ltd  ")

    assert created["__typename"] == "Company", created
    assert (created["name"], created["isPersonal"], created["viewerRole"]) == ("Engines Ltd", False, "OWNER")
    company = await company_as_seen_by(graphql, ada, created["id"])
    assert company is not None
    assert roles(company) == {ada.user_id: "OWNER"}


async def test_a_company_needs_a_name(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Nameless")

    result = await mutate(graphql, ada, CREATE_COMPANY, name="   ")

    assert result["__typename"] == "ValidationFailed"
    assert [error["field"] for error in result["fields"]] == ["name"]


async def test_an_owner_renames_a_company(graphql: GraphQL) -> None:
    ada, bob, company = await team(graphql)

    renamed = await mutate(graphql, ada, UPDATE_COMPANY, id=company, name="Analytical Engines")

    assert (renamed["__typename"], renamed["name"]) == ("Company", "Analytical Engines")
    seen_by_bob = await company_as_seen_by(graphql, bob, company)
    assert seen_by_bob is not None
    assert seen_by_bob["name"] == "Analytical Engines"


async def test_a_plain_member_may_not_rename_a_company(graphql: GraphQL) -> None:
    ada, bob, company = await team(graphql)

    result = await mutate(graphql, bob, UPDATE_COMPANY, id=company, name="Bob's now")

    assert result["__typename"] == "Forbidden", result
    seen_by_ada = await company_as_seen_by(graphql, ada, company)
    assert seen_by_ada is not None
    assert seen_by_ada["name"] == "Engines Ltd"


async def test_an_invited_person_becomes_a_member_with_the_given_role(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Inviter")
    bob = await sign_up(graphql, name="Bob Invitee")
    company = await create_company(graphql, ada)

    membership = await mutate(graphql, ada, INVITE_MEMBER, companyId=company, email=bob.email.upper(), role="ADMIN")

    assert membership == {
        "__typename": "Membership",
        "role": "ADMIN",
        "user": {"id": bob.user_id, "email": bob.email},
        "company": {"id": company},
    }
    seen_by_bob = await company_as_seen_by(graphql, bob, company)
    assert seen_by_bob is not None
    assert seen_by_bob["viewerRole"] == "ADMIN"


async def test_inviting_an_unknown_email_is_not_found(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Inviter")
    company = await create_company(graphql, ada)

    result = await mutate(graphql, ada, INVITE_MEMBER, companyId=company, email="nobody-here@rhythm.test")

    assert result["__typename"] == "NotFound", result


@pytest.mark.parametrize("email", ["not-an-email", "nul\x00@rhythm.test", "x" * 400 + "@rhythm.test"])
async def test_inviting_a_malformed_email_fails_validation(graphql: GraphQL, email: str) -> None:
    ada = await sign_up(graphql, name="Ada Inviter")
    company = await create_company(graphql, ada)

    result = await mutate(graphql, ada, INVITE_MEMBER, companyId=company, email=email)

    assert result == {
        "__typename": "ValidationFailed",
        "fields": [{"field": "email", "message": "Must be an email address."}],
        "message": result["message"],
    }


async def test_inviting_a_member_again_is_a_conflict(graphql: GraphQL) -> None:
    ada, bob, company = await team(graphql)

    result = await mutate(graphql, ada, INVITE_MEMBER, companyId=company, email=bob.email)

    assert result["__typename"] == "Conflict", result


async def test_a_plain_member_cannot_invite(graphql: GraphQL) -> None:
    _, bob, company = await team(graphql)
    carol = await sign_up(graphql, name="Carol Outsider")

    result = await mutate(graphql, bob, INVITE_MEMBER, companyId=company, email=carol.email)

    assert result["__typename"] == "Forbidden", result
    assert await company_as_seen_by(graphql, carol, company) is None


async def test_nobody_joins_a_personal_company(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Private")
    bob = await sign_up(graphql, name="Bob Outsider")

    result = await mutate(graphql, ada, INVITE_MEMBER, companyId=ada.personal_company_id, email=bob.email)

    assert result["__typename"] == "Conflict", result


async def test_an_owner_promotes_a_member_to_admin(graphql: GraphQL) -> None:
    ada, bob, company = await team(graphql)

    changed = await mutate(graphql, ada, CHANGE_MEMBER_ROLE, companyId=company, userId=bob.user_id, role="ADMIN")

    assert (changed["__typename"], changed["role"], changed["user"]["id"]) == ("Membership", "ADMIN", bob.user_id)
    seen_by_bob = await company_as_seen_by(graphql, bob, company)
    assert seen_by_bob is not None
    assert seen_by_bob["viewerRole"] == "ADMIN"


async def test_an_admin_may_not_make_anyone_an_owner(graphql: GraphQL) -> None:
    ada, bob, company = await team(graphql, role="ADMIN")
    carol = await sign_up(graphql, name="Carol Member")
    await invite(graphql, ada, company_id=company, member=carol)

    result = await mutate(graphql, bob, CHANGE_MEMBER_ROLE, companyId=company, userId=carol.user_id, role="OWNER")

    assert result["__typename"] == "Forbidden", result
    company_now = await company_as_seen_by(graphql, ada, company)
    assert company_now is not None
    assert roles(company_now)[carol.user_id] == "MEMBER"


async def test_an_admin_may_not_demote_an_owner(graphql: GraphQL) -> None:
    ada, bob, company = await team(graphql, role="ADMIN")

    result = await mutate(graphql, bob, CHANGE_MEMBER_ROLE, companyId=company, userId=ada.user_id, role="MEMBER")

    assert result["__typename"] == "Forbidden", result


async def test_the_only_owner_cannot_step_down(graphql: GraphQL) -> None:
    ada, _, company = await team(graphql)

    result = await mutate(graphql, ada, CHANGE_MEMBER_ROLE, companyId=company, userId=ada.user_id, role="ADMIN")

    assert result["__typename"] == "Conflict", result


async def test_an_owner_removes_a_member_who_then_no_longer_sees_the_company(graphql: GraphQL) -> None:
    ada, bob, company = await team(graphql)

    removed = await mutate(graphql, ada, REMOVE_MEMBER, companyId=company, userId=bob.user_id)

    assert removed == {"__typename": "Deleted", "id": bob.user_id}
    company_now = await company_as_seen_by(graphql, ada, company)
    assert company_now is not None
    assert roles(company_now) == {ada.user_id: "OWNER"}
    assert await company_as_seen_by(graphql, bob, company) is None


async def test_removing_a_member_unassigns_their_tasks(graphql: GraphQL) -> None:
    ada, bob, company = await team(graphql)
    task = await create_task(graphql, ada, company_id=company, assigneeId=bob.user_id)

    await mutate(graphql, ada, REMOVE_MEMBER, companyId=company, userId=bob.user_id)

    data = await graphql(TASK_ASSIGNEE, {"id": task["id"]}, caller=ada)
    assert data["node"] == {"assignee": None}


async def test_a_member_may_leave(graphql: GraphQL) -> None:
    ada, bob, company = await team(graphql)

    left = await mutate(graphql, bob, REMOVE_MEMBER, companyId=company, userId=bob.user_id)

    assert left == {"__typename": "Deleted", "id": bob.user_id}
    assert await company_as_seen_by(graphql, bob, company) is None
    company_now = await company_as_seen_by(graphql, ada, company)
    assert company_now is not None
    assert roles(company_now) == {ada.user_id: "OWNER"}


async def test_a_plain_member_may_not_remove_someone_else(graphql: GraphQL) -> None:
    ada, bob, company = await team(graphql)
    carol = await sign_up(graphql, name="Carol Member")
    await invite(graphql, ada, company_id=company, member=carol)

    result = await mutate(graphql, bob, REMOVE_MEMBER, companyId=company, userId=carol.user_id)

    assert result["__typename"] == "Forbidden", result


async def test_the_last_owner_cannot_leave(graphql: GraphQL) -> None:
    ada, _, company = await team(graphql)

    result = await mutate(graphql, ada, REMOVE_MEMBER, companyId=company, userId=ada.user_id)

    assert result["__typename"] == "Conflict", result
    company_now = await company_as_seen_by(graphql, ada, company)
    assert company_now is not None
    assert company_now["viewerRole"] == "OWNER"


async def test_an_owner_deletes_a_company_for_everyone(graphql: GraphQL) -> None:
    ada, bob, company = await team(graphql)
    task = await create_task(graphql, ada, company_id=company)

    deleted = await mutate(graphql, ada, DELETE_COMPANY, id=company)

    assert deleted == {"__typename": "Deleted", "id": company}
    assert await company_as_seen_by(graphql, ada, company) is None
    assert await company_as_seen_by(graphql, bob, company) is None
    node = await graphql("query($id: ID!) { node(id: $id) { id } }", {"id": task["id"]}, caller=ada)
    assert node["node"] is None


async def test_a_personal_company_cannot_be_deleted(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Personal")

    result = await mutate(graphql, ada, DELETE_COMPANY, id=ada.personal_company_id)

    assert result["__typename"] == "Conflict", result
    assert await company_as_seen_by(graphql, ada, ada.personal_company_id) is not None


async def test_a_member_may_not_delete_a_company(graphql: GraphQL) -> None:
    ada, bob, company = await team(graphql, role="ADMIN")

    result = await mutate(graphql, bob, DELETE_COMPANY, id=company)

    assert result["__typename"] == "Forbidden", result
    assert await company_as_seen_by(graphql, ada, company) is not None


async def test_a_stranger_cannot_find_a_company_to_delete(graphql: GraphQL) -> None:
    _, _, company = await team(graphql)
    stranger = await sign_up(graphql, name="Stranger Vandal")

    result = await mutate(graphql, stranger, DELETE_COMPANY, id=company)

    assert result["__typename"] == "NotFound", result
