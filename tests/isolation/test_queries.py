"""Every query field, and `node(id)` for every Node type, asked by Bob about company A's objects."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.graphql import GraphQL
from tests.isolation import test_ai, test_jobs
from tests.isolation.documents import node_types, query_fields
from tests.isolation.world import CompanyA, Tenants


@pytest.fixture
def tenants(tenants_to_read: Tenants) -> Tenants:
    """These tests only read, so they share one pair."""
    return tenants_to_read


NODE = "query($id: ID!) { node(id: $id) { __typename id } }"

# One object of company A per Node type.
NODES_OF_A: dict[str, Callable[[CompanyA], str]] = {
    "Company": lambda a: a.company_id,
    "Project": lambda a: a.project_id,
    "Task": lambda a: a.task_id,
    "Subtask": lambda a: a.subtask_id,
    "TimeEntry": lambda a: a.time_entry_id,
    "ApiKey": lambda a: a.api_key.id,
    "User": lambda a: a.alice.user_id,
    "WebhookEndpoint": lambda a: a.webhook_endpoint_id,
}

# Node types whose objects the workers make after a commit, tested in their own modules.
NODE_TYPES_COVERED_ELSEWHERE = {
    "Notification": "test_notifications.py",
    "Calendar": "test_scheduling.py",
    "CalendarEvent": "test_scheduling.py",
    "TimeBlock": "test_scheduling.py",
    "Habit": "test_scheduling.py",
    "FocusSession": "test_focus.py",
    "CalendarSyncConnection": "tests/calendar_sync/test_connections_api.py",
    "ExternalCalendar": "tests/calendar_sync/test_connections_api.py",
}


async def ask(graphql: GraphQL, tenants: Tenants, query: str, variables: dict[str, Any] | None = None) -> Any:
    """Bob's answer, checked to hold none of A's text."""
    response = await graphql.post(query, variables, caller=tenants.bob)
    assert response.status_code == 200, response.text
    assert tenants.a.marker not in response.text, "the answer reveals company A's data"
    body = response.json()
    assert not body.get("errors"), body["errors"]
    return body["data"]


def test_every_node_type_has_an_isolation_case() -> None:
    assert node_types() == set(NODES_OF_A) | set(NODE_TYPES_COVERED_ELSEWHERE), "add the new Node type to NODES_OF_A"


@pytest.mark.parametrize("type_name", sorted(NODES_OF_A))
async def test_bob_gets_null_for_the_node_of_company_a_that_alice_sees(
    graphql: GraphQL, tenants: Tenants, type_name: str
) -> None:
    node_id = NODES_OF_A[type_name](tenants.a)
    seen_by_alice = await graphql(NODE, {"id": node_id}, caller=tenants.alice)

    data = await ask(graphql, tenants, NODE, {"id": node_id})

    assert seen_by_alice["node"] == {"__typename": type_name, "id": node_id}
    assert data["node"] is None


async def test_bob_lists_only_his_own_companies(graphql: GraphQL, tenants: Tenants) -> None:
    data = await ask(graphql, tenants, "{ companies { nodes { id } } }")

    assert {company["id"] for company in data["companies"]["nodes"]} == {
        tenants.bob.personal_company_id,
        tenants.b.company_id,
    }


async def test_bob_sees_only_himself_his_companies_and_no_timer_through_viewer(
    graphql: GraphQL, tenants: Tenants
) -> None:
    query = """{
      viewer {
        user { id }
        companies { nodes { id members { nodes { user { id } } } } }
        runningTimer { id }
        timeEntries { nodes { id } }
      }
    }"""

    viewer = (await ask(graphql, tenants, query))["viewer"]

    assert viewer["user"] == {"id": tenants.bob.user_id}
    assert {company["id"] for company in viewer["companies"]["nodes"]} == {
        tenants.bob.personal_company_id,
        tenants.b.company_id,
    }
    members = {m["user"]["id"] for company in viewer["companies"]["nodes"] for m in company["members"]["nodes"]}
    assert members == {tenants.bob.user_id}
    assert viewer["runningTimer"] is None
    assert viewer["timeEntries"]["nodes"] == []


async def test_bob_lists_only_his_own_tasks(graphql: GraphQL, tenants: Tenants) -> None:
    data = await ask(graphql, tenants, "{ tasks(first: 100) { nodes { id } } }")

    assert [task["id"] for task in data["tasks"]["nodes"]] == [tenants.b.task_id]


# Filters that name company A's objects or text: each narrows Bob's visible tasks to nothing.
FILTERS_AIMED_AT_A: dict[str, Callable[[Tenants], dict[str, Any]]] = {
    "company": lambda t: {"companyId": t.a.company_id},
    "project": lambda t: {"projectId": t.a.project_id},
    "assignee": lambda t: {"assigneeId": t.alice.user_id},
    "title": lambda t: {"search": t.a.marker},
    "tag": lambda t: {"tags": [t.a.marker]},
}


@pytest.mark.parametrize("aimed_at", sorted(FILTERS_AIMED_AT_A))
async def test_bob_finds_no_task_of_company_a_by_filtering_on_its(
    graphql: GraphQL, tenants: Tenants, aimed_at: str
) -> None:
    query = "query($filter: TaskFilterInput) { tasks(filter: $filter) { nodes { id } } }"
    alices = await graphql(query, {"filter": FILTERS_AIMED_AT_A[aimed_at](tenants)}, caller=tenants.alice)

    data = await ask(graphql, tenants, query, {"filter": FILTERS_AIMED_AT_A[aimed_at](tenants)})

    assert alices["tasks"]["nodes"] == [{"id": tenants.a.task_id}]
    assert data["tasks"]["nodes"] == []


async def test_bob_finds_no_task_of_company_a_in_his_own_companys_lists(graphql: GraphQL, tenants: Tenants) -> None:
    query = """query($company: ID!, $project: ID!) {
      node(id: $company) {
        ... on Company {
          tasks(filter: {projectId: $project}) { nodes { id } }
          projects { nodes { tasks(filter: {companyId: $company}) { nodes { id } } } }
        }
      }
    }"""
    variables = {"company": tenants.b.company_id, "project": tenants.a.project_id}

    company = (await ask(graphql, tenants, query, variables))["node"]

    assert company["tasks"]["nodes"] == []
    assert company["projects"]["nodes"] == [{"tasks": {"nodes": [{"id": tenants.b.task_id}]}}]


async def test_a_cursor_from_company_a_does_not_open_its_list_to_bob(graphql: GraphQL, tenants: Tenants) -> None:
    query = "query($after: String) { tasks(after: $after) { nodes { id } } }"
    alices = await graphql("{ tasks { edges { cursor } } }", caller=tenants.alice)
    cursor = alices["tasks"]["edges"][0]["cursor"]

    response = await graphql.post(query, {"after": cursor}, caller=tenants.bob)

    assert tenants.a.marker not in response.text
    body = response.json()
    tasks = (body.get("data") or {}).get("tasks") or {"nodes": []}
    assert {task["id"] for task in tasks["nodes"]} <= {tenants.b.task_id}


# The tests above that cover each root query field; a new field needs a case here.
QUERY_CASES = {
    "node": test_bob_gets_null_for_the_node_of_company_a_that_alice_sees,
    "viewer": test_bob_sees_only_himself_his_companies_and_no_timer_through_viewer,
    "companies": test_bob_lists_only_his_own_companies,
    "tasks": test_bob_finds_no_task_of_company_a_by_filtering_on_its,
    "jobs": test_jobs.test_outsiders_cannot_see_replay_or_discard_a_dead_letter_of_company_a,
    "aiUsage": test_ai.test_outsiders_see_none_of_company_as_ai_usage,
    "aiBudget": test_ai.test_outsiders_cannot_read_company_as_ai_budget,
    "coachConversation": test_ai.test_outsiders_read_no_coach_conversation_nor_summary_of_company_a,
    "weeklySummary": test_ai.test_outsiders_read_no_coach_conversation_nor_summary_of_company_a,
}


def test_every_query_field_has_an_isolation_case() -> None:
    assert query_fields() == set(QUERY_CASES), "add an isolation test for the new query field to QUERY_CASES"
