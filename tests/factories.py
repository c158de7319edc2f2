"""Keyword-only factories that make people, companies, projects and tasks through the public API."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from tests.graphql import Caller, GraphQL

PASSWORD = "correct horse battery staple"

SIGN_UP = """
mutation SignUp($input: SignUpInput!) {
  signUp(input: $input) {
    __typename
    ... on AuthPayload {
      accessToken refreshToken
      user { id }
    }
    ... on Error { message }
  }
}
"""

PERSONAL_COMPANY = "{ viewer { companies { nodes { id isPersonal } } } }"


@dataclass(frozen=True)
class Person(Caller):
    email: str = ""
    user_id: str = ""
    refresh_token: str = ""
    personal_company_id: str = ""


def unique_email(prefix: str = "person") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}@rhythm.test"


async def sign_up(
    graphql: GraphQL, *, name: str = "Test Person", email: str | None = None, time_zone: str = "UTC"
) -> Person:
    email = email or unique_email(name.split()[0].lower())
    data = await graphql(
        SIGN_UP,
        {"input": {"email": email, "password": PASSWORD, "displayName": name, "timeZone": time_zone}},
    )
    payload = data["signUp"]
    assert payload["__typename"] == "AuthPayload", payload
    token = payload["accessToken"]
    companies = await graphql(PERSONAL_COMPANY, caller=Caller(token=token))
    personal = next(c["id"] for c in companies["viewer"]["companies"]["nodes"] if c["isPersonal"])
    return Person(
        token=token,
        email=email,
        user_id=payload["user"]["id"],
        refresh_token=payload["refreshToken"],
        personal_company_id=personal,
    )


async def result_of(graphql: GraphQL, field: str, query: str, variables: dict[str, Any], caller: Caller) -> Any:
    """The union member a mutation returned, asserting it is not an error."""
    data = await graphql(query, variables, caller=caller)
    result = data[field]
    assert "message" not in result, result
    return result


async def create_company(graphql: GraphQL, owner: Caller, *, name: str = "Test Company") -> str:
    query = """
    mutation($input: CreateCompanyInput!) {
      createCompany(input: $input) { __typename ... on Company { id } ... on Error { message } }
    }"""
    result = await result_of(graphql, "createCompany", query, {"input": {"name": name}}, owner)
    return str(result["id"])


async def invite(graphql: GraphQL, admin: Caller, *, company_id: str, member: Person, role: str = "MEMBER") -> None:
    query = """
    mutation($input: InviteMemberInput!) {
      inviteMember(input: $input) { __typename ... on Membership { role } ... on Error { message } }
    }"""
    variables = {"input": {"companyId": company_id, "email": member.email, "role": role}}
    await result_of(graphql, "inviteMember", query, variables, admin)


async def create_project(graphql: GraphQL, person: Caller, *, company_id: str, name: str = "Test Project") -> str:
    query = """
    mutation($input: CreateProjectInput!) {
      createProject(input: $input) { __typename ... on Project { id } ... on Error { message } }
    }"""
    result = await result_of(
        graphql, "createProject", query, {"input": {"companyId": company_id, "name": name}}, person
    )
    return str(result["id"])


TASK_FIELDS = "id title status priority effort estimatedMinutes dueAt tags project { id } assignee { id }"


async def create_task(
    graphql: GraphQL, person: Caller, *, company_id: str, title: str = "Test task", **fields: Any
) -> dict[str, Any]:
    query = f"""
    mutation($input: CreateTaskInput!) {{
      createTask(input: $input) {{ __typename ... on Task {{ {TASK_FIELDS} }} ... on Error {{ message }} }}
    }}"""
    variables = {"input": {"companyId": company_id, "title": title, **fields}}
    result: dict[str, Any] = await result_of(graphql, "createTask", query, variables, person)
    return result


async def create_api_key(graphql: GraphQL, admin: Caller, *, company_id: str, scopes: list[str]) -> str:
    query = """
    mutation($input: CreateApiKeyInput!) {
      createApiKey(input: $input) { __typename ... on ApiKeyCreated { secret } ... on Error { message } }
    }"""
    variables = {"input": {"companyId": company_id, "name": "integration", "scopes": scopes}}
    result = await result_of(graphql, "createApiKey", query, variables, admin)
    return str(result["secret"])
