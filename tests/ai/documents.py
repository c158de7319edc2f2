"""GraphQL documents of the AI tests."""

from __future__ import annotations

from typing import Any

from tests.graphql import Caller, GraphQL

PARSE = """
mutation($input: AiTextInput!) {
  parseTasks(input: $input) {
    __typename
    ... on ParsedTasks { source reason tasks { title dueAt durationMinutes priority projectId dependsOn } }
    ... on Error { message }
  }
}"""

CREATE = """
mutation($input: AiTextInput!) {
  createTasksFromText(input: $input) {
    __typename
    ... on CreatedTasks { tasks { id title dueAt priority estimatedMinutes project { id } } parsed { source reason } }
    ... on Error { message }
    ... on ValidationFailed { fields { field message } }
  }
}"""

PLAN = """
mutation($input: AiTextInput!) {
  planFromText(input: $input) {
    __typename
    ... on PlanRequest { title durationMinutes deadline preferredStart preferredEnd source reason }
    ... on Error { message }
  }
}"""

SET_BUDGET = """
mutation($input: SetAiBudgetInput!) {
  setAiBudget(input: $input) {
    __typename ... on AiSettings { monthlyTokenLimit monthlyCostLimitUsd classifyTasks } ... on Error { message }
  }
}"""

USAGE = """
query($company: ID!, $start: DateTime!, $end: DateTime!, $groupBy: AiUsageGroupBy!) {
  aiUsage(companyId: $company, start: $start, end: $end, groupBy: $groupBy) {
    key calls modelCalls tokensIn tokensOut costUsd
  }
}"""


async def parse(graphql: GraphQL, caller: Caller, company_id: str, text: str) -> dict[str, Any]:
    data = await graphql(PARSE, {"input": {"companyId": company_id, "text": text}}, caller=caller)
    result: dict[str, Any] = data["parseTasks"]
    return result


async def usage(graphql: GraphQL, caller: Caller, company_id: str, group_by: str = "FEATURE") -> list[dict[str, Any]]:
    variables = {"company": company_id, "start": "2000-01-01T00:00:00Z", "end": "2100-01-01T00:00:00Z",
                 "groupBy": group_by}  # fmt: skip
    data = await graphql(USAGE, variables, caller=caller)
    groups: list[dict[str, Any]] = data["aiUsage"]
    return groups
