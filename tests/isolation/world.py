"""Two tenants that must not see each other: company A (Alice) and company B (Bob, not a member of A).

Every name, title and note of company A carries a marker, so a test can assert that no answer to Bob contains
any of A's text. `snapshot` reads all of A as Alice, so a test can assert that nothing of A changed.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from typing import Any

from tests.factories import Person, create_company, create_project, create_task, result_of, sign_up
from tests.graphql import Caller, GraphQL

CREATE_API_KEY = """
mutation($input: CreateApiKeyInput!) {
  createApiKey(input: $input) {
    __typename ... on ApiKeyCreated { secret apiKey { id } } ... on Error { message }
  }
}"""

# The rest of company A, made in one request: the suite builds company A for nearly every test.
REST_OF_A = """
mutation(
  $subtask: AddSubtaskInput!, $timer: StartTimerInput!, $key: CreateApiKeyInput!, $hook: CreateWebhookEndpointInput!
) {
  addSubtask(input: $subtask) { __typename ... on Subtask { id } ... on Error { message } }
  startTimer(input: $timer) { __typename ... on TimeEntry { id } ... on Error { message } }
  createApiKey(input: $key) { __typename ... on ApiKeyCreated { secret apiKey { id } } ... on Error { message } }
  createWebhookEndpoint(input: $hook) {
    __typename ... on WebhookEndpointCreated { endpoint { id } } ... on Error { message }
  }
}"""

PROJECT_AND_KEY = """
mutation($project: CreateProjectInput!, $key: CreateApiKeyInput!) {
  createProject(input: $project) { __typename ... on Project { id } ... on Error { message } }
  createApiKey(input: $key) { __typename ... on ApiKeyCreated { secret apiKey { id } } ... on Error { message } }
}"""

ALL_SCOPES = ["TASKS_READ", "TASKS_WRITE", "PROJECTS_READ", "PROJECTS_WRITE", "MEMBERS_READ", "TIME_READ", "TIME_WRITE"]

SNAPSHOT = """
query Snapshot($company: ID!) {
  node(id: $company) {
    ... on Company {
      name isPersonal
      members { nodes { role user { id email displayName timeZone } } }
      projects { nodes { id name description archived updatedAt } }
      tasks {
        nodes {
          id title description status priority effort estimatedMinutes dueAt tags completedAt updatedAt
          project { id } assignee { id } subtasks { id title done position }
        }
      }
      apiKeys { id name scopes expiresAt revokedAt }
      webhookEndpoints {
        id url description eventTypes enabled secretRotatedAt previousSecretExpiresAt updatedAt
        deliveries { nodes { id status attemptCount } }
      }
    }
  }
  viewer {
    user { displayName timeZone workDayStart workDayEnd workDays }
    unreadNotificationCount
    notificationPreferences { emailEnabled mutedTypes dueSoonWindowHours }
    runningTimer { id note task { id } }
    timeEntries { nodes { id note endedAt } }
  }
}"""


def uuid_of(global_id: str) -> uuid.UUID:
    """The database id inside a global id (`base64("Type:uuid")`)."""
    return uuid.UUID(base64.b64decode(global_id).decode().partition(":")[2])


def global_id(type_name: str, value: uuid.UUID | str) -> str:
    return base64.b64encode(f"{type_name}:{value}".encode()).decode()


@dataclass(frozen=True)
class IssuedKey:
    id: str
    secret: str

    def caller(self) -> Caller:
        return Caller(api_key=self.secret)


async def issue_api_key(
    graphql: GraphQL, admin: Caller, *, company_id: str, scopes: list[str], name: str = "integration"
) -> IssuedKey:
    variables = {"input": {"companyId": company_id, "name": name, "scopes": scopes}}
    created = await result_of(graphql, "createApiKey", CREATE_API_KEY, variables, admin)
    return IssuedKey(id=created["apiKey"]["id"], secret=created["secret"])


@dataclass(frozen=True)
class CompanyA:
    """Alice's company with one of everything: a project, an assigned task with a checklist item, Alice's
    running timer on that task, an API key and a webhook endpoint."""

    marker: str
    alice: Person
    company_id: str
    project_id: str
    task_id: str
    subtask_id: str
    time_entry_id: str
    api_key: IssuedKey
    webhook_endpoint_id: str


@dataclass(frozen=True)
class CompanyB:
    """Bob's company with a project, a task in it, and an API key with every scope."""

    bob: Person
    company_id: str
    project_id: str
    task_id: str
    api_key: IssuedKey


@dataclass(frozen=True)
class Tenants:
    a: CompanyA
    b: CompanyB

    @property
    def bob(self) -> Person:
        return self.b.bob

    @property
    def alice(self) -> Person:
        return self.a.alice


async def make_company_a(graphql: GraphQL) -> CompanyA:
    marker = f"alpha{uuid.uuid4().hex[:12]}"
    alice = await sign_up(graphql, name=f"Alice {marker}", email=f"alice-{marker}@rhythm.test")
    company_id = await create_company(graphql, alice, name=f"Company {marker}")
    project_id = await create_project(graphql, alice, company_id=company_id, name=f"Project {marker}")
    task = await create_task(
        graphql,
        alice,
        company_id=company_id,
        title=f"Task {marker}",
        description=f"Details {marker}",
        projectId=project_id,
        assigneeId=alice.user_id,
        tags=[marker],
    )
    made = await graphql(
        REST_OF_A,
        {
            "subtask": {"taskId": task["id"], "title": f"Step {marker}"},
            "timer": {"taskId": task["id"], "note": f"Note {marker}"},
            "key": {"companyId": company_id, "name": f"Key {marker}", "scopes": ["TASKS_READ", "MEMBERS_READ"]},
            # Posted to when a project changes, which no test does unless it wants a delivery.
            "hook": {
                "companyId": company_id,
                "url": f"http://127.0.0.1:9/{marker}",
                "eventTypes": ["PROJECT_UPDATED"],
                "description": f"Hook {marker}",
            },
        },
        caller=alice,
    )
    assert not any("message" in result for result in made.values()), made
    subtask_id, time_entry_id = made["addSubtask"]["id"], made["startTimer"]["id"]
    api_key = IssuedKey(id=made["createApiKey"]["apiKey"]["id"], secret=made["createApiKey"]["secret"])
    webhook_endpoint_id = made["createWebhookEndpoint"]["endpoint"]["id"]
    return CompanyA(
        marker=marker,
        alice=alice,
        company_id=company_id,
        project_id=project_id,
        task_id=task["id"],
        subtask_id=subtask_id,
        time_entry_id=time_entry_id,
        api_key=api_key,
        webhook_endpoint_id=webhook_endpoint_id,
    )


async def make_company_b(graphql: GraphQL) -> CompanyB:
    bob = await sign_up(graphql, name="Bob Bravo")
    company_id = await create_company(graphql, bob, name="Bravo Ltd")
    made = await graphql(
        PROJECT_AND_KEY,
        {
            "project": {"companyId": company_id, "name": "Bravo project"},
            "key": {"companyId": company_id, "name": "Bravo key", "scopes": ALL_SCOPES},
        },
        caller=bob,
    )
    assert not any("message" in result for result in made.values()), made
    project_id = made["createProject"]["id"]
    api_key = IssuedKey(id=made["createApiKey"]["apiKey"]["id"], secret=made["createApiKey"]["secret"])
    task = await create_task(graphql, bob, company_id=company_id, title="Bravo task", projectId=project_id)
    return CompanyB(bob=bob, company_id=company_id, project_id=project_id, task_id=task["id"], api_key=api_key)


async def snapshot(graphql: GraphQL, tenants: Tenants) -> dict[str, Any]:
    """Everything of company A, as Alice reads it."""
    data: dict[str, Any] = await graphql(SNAPSHOT, {"company": tenants.a.company_id}, caller=tenants.alice)
    assert data["node"] is not None, "Alice must see her own company"
    return data
