"""AI reads of company A, asked by Bob (not a member) and by company B's API key: A's usage, Alice's coach
conversation and her weekly summary stay hers."""

from __future__ import annotations

from tests.graphql import GraphQL
from tests.isolation.world import Tenants

PARSE = """mutation($input: AiTextInput!) { parseTasks(input: $input) { __typename } }"""
USAGE = """query($company: ID!) {
  aiUsage(companyId: $company, start: "2000-01-01T00:00:00Z", end: "2100-01-01T00:00:00Z", groupBy: PERSON) {
    key calls
  }
}"""
CONVERSATION = "query($company: ID!) { coachConversation(companyId: $company) { role content } }"
SUMMARY = "query($company: ID!) { weeklySummary(companyId: $company) { summary } }"
BUDGET = "query($company: ID!) { aiBudget(companyId: $company) { monthlyTokenLimit spentTokens } }"


async def test_outsiders_see_none_of_company_as_ai_usage(graphql: GraphQL, tenants: Tenants) -> None:
    company = tenants.a.company_id
    await graphql(PARSE, {"input": {"companyId": company, "text": f"call {tenants.a.marker}"}}, caller=tenants.alice)

    alices = await graphql(USAGE, {"company": company}, caller=tenants.alice)
    bobs = await graphql(USAGE, {"company": company}, caller=tenants.bob)
    keys = await graphql(USAGE, {"company": company}, caller=tenants.b.api_key.caller())

    assert alices["aiUsage"] != []
    assert bobs["aiUsage"] == []
    assert keys["aiUsage"] == []


async def test_outsiders_read_no_coach_conversation_nor_summary_of_company_a(
    graphql: GraphQL, tenants: Tenants
) -> None:
    company = tenants.a.company_id

    bobs = await graphql(CONVERSATION, {"company": company}, caller=tenants.bob)
    summary = await graphql.post(SUMMARY, {"company": company}, caller=tenants.bob)
    by_key = await graphql.post(CONVERSATION, {"company": company}, caller=tenants.b.api_key.caller())

    assert bobs["coachConversation"] == []
    assert summary.json()["data"] is None
    assert summary.json()["errors"]
    assert by_key.json()["errors"]
    for response in (summary, by_key):
        assert tenants.a.marker not in response.text


async def test_outsiders_cannot_read_company_as_ai_budget(graphql: GraphQL, tenants: Tenants) -> None:
    company = tenants.a.company_id

    alices = await graphql(BUDGET, {"company": company}, caller=tenants.alice)
    bobs = await graphql.post(BUDGET, {"company": company}, caller=tenants.bob)
    keys = await graphql.post(BUDGET, {"company": company}, caller=tenants.b.api_key.caller())

    assert alices["aiBudget"]["monthlyTokenLimit"] is None
    for response in (bobs, keys):
        assert response.json()["data"] is None
        assert response.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"
