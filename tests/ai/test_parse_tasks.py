"""Plain language to tasks through GraphQL: the heuristic offline, the model through a real OpenAI-compatible
server on loopback, every failure of the model answered by the heuristic with its reason, and usage metered."""

from __future__ import annotations

import asyncio

import asyncpg

from tests.ai.documents import CREATE, PARSE, PLAN, parse, usage
from tests.ai.fake_model import FakeModel, Reply
from tests.conftest import _plain as plain_url
from tests.factories import create_project, sign_up
from tests.graphql import GraphQL

NOTE = "write the Q3 report, about 3 hours, by Friday; call Dana tomorrow morning, then send her the draft"


def model_tasks(*tasks: dict[str, object]) -> Reply:
    full = [{"due_at": None, "duration_minutes": None, "priority": "MEDIUM", "project_id": None, "depends_on": [],
             **task} for task in tasks]  # fmt: skip
    return Reply(content={"tasks": full})


async def test_without_a_model_the_heuristic_reads_the_note_in_the_persons_zone(graphql: GraphQL) -> None:
    alice = await sign_up(graphql, name="Alice", time_zone="America/New_York")

    result = await parse(graphql, alice, alice.personal_company_id, NOTE)

    assert (result["source"], result["reason"]) == ("HEURISTIC", "NO_MODEL")
    titles = [task["title"] for task in result["tasks"]]
    assert titles == ["Write the Q3 report", "Call Dana", "Send her the draft"]
    report, call, draft = result["tasks"]
    assert report["durationMinutes"] == 180
    assert report["dueAt"].endswith(("-05:00", "-04:00"))
    assert "T17:00:00" in report["dueAt"]
    assert "T09:00:00" in call["dueAt"]
    assert draft["dependsOn"] == [1]


async def test_the_models_answer_is_used_and_its_usage_recorded(ai_graphql: GraphQL, model: FakeModel) -> None:
    alice = await sign_up(ai_graphql, name="Alice", time_zone="Europe/Paris")
    project = await create_project(ai_graphql, alice, company_id=alice.personal_company_id, name="Reports")
    model.reset(
        model_tasks(
            {"title": "Write the Q3 report", "due_at": "2030-01-04T17:00:00+01:00", "duration_minutes": 180,
             "priority": "HIGH"},
            {"title": "Call Dana", "depends_on": [0]},
        )
    )  # fmt: skip

    result = await parse(ai_graphql, alice, alice.personal_company_id, NOTE)

    assert (result["source"], result["reason"]) == ("MODEL", None)
    assert [t["title"] for t in result["tasks"]] == ["Write the Q3 report", "Call Dana"]
    assert result["tasks"][0]["priority"] == "HIGH"
    assert result["tasks"][0]["durationMinutes"] == 180
    assert result["tasks"][1]["dependsOn"] == [0]
    sent = model.requests[0]
    assert sent["response_format"]["type"] == "json_schema"
    assert "Reports" in model.prompts()[0]
    assert project
    assert await usage(ai_graphql, alice, alice.personal_company_id) == [
        {"key": "parse_tasks", "calls": 1, "modelCalls": 1, "tokensIn": 40, "tokensOut": 20, "costUsd": "0.000080"}
    ]


async def test_output_checked_like_input_drops_unknown_projects_and_forward_dependencies(
    ai_graphql: GraphQL, model: FakeModel
) -> None:
    alice = await sign_up(ai_graphql, name="Alice")
    stranger = "00000000-0000-0000-0000-000000000001"
    model.reset(model_tasks({"title": "One", "project_id": stranger, "depends_on": [0, 1, 5]}, {"title": "Two"}))

    result = await parse(ai_graphql, alice, alice.personal_company_id, "one; two")

    assert result["source"] == "MODEL"
    assert result["tasks"][0]["projectId"] is None
    assert result["tasks"][0]["dependsOn"] == []


async def test_malformed_json_is_retried_once_then_the_heuristic_answers(ai_graphql: GraphQL, model: FakeModel) -> None:
    alice = await sign_up(ai_graphql, name="Alice")
    model.reset(Reply(raw="{not json"))

    result = await parse(ai_graphql, alice, alice.personal_company_id, "buy milk")

    assert (result["source"], result["reason"]) == ("HEURISTIC", "INVALID_OUTPUT")
    assert [t["title"] for t in result["tasks"]] == ["Buy milk"]
    assert len(model.requests) == 2
    groups = await usage(ai_graphql, alice, alice.personal_company_id)
    assert groups[0]["tokensIn"] == 80, "both attempts are metered"


async def test_one_malformed_answer_then_a_valid_one_is_the_models(ai_graphql: GraphQL, model: FakeModel) -> None:
    alice = await sign_up(ai_graphql, name="Alice")
    model.reset(model_tasks({"title": "Buy oat milk"}), Reply(raw='{"tasks": [{"title": 3}]}'))

    result = await parse(ai_graphql, alice, alice.personal_company_id, "buy milk")

    assert (result["source"], [t["title"] for t in result["tasks"]]) == ("MODEL", ["Buy oat milk"])
    assert len(model.requests) == 2


async def test_a_server_error_is_retried_then_the_heuristic_says_model_error(
    ai_graphql: GraphQL, model: FakeModel
) -> None:
    alice = await sign_up(ai_graphql, name="Alice")
    model.reset(Reply(status=500))

    result = await parse(ai_graphql, alice, alice.personal_company_id, "buy milk")

    assert (result["source"], result["reason"]) == ("HEURISTIC", "MODEL_ERROR")
    assert len(model.requests) == 2, "the client retries once (ai_max_retries=1)"


async def test_429_with_retry_after_is_honoured_and_the_retry_answers(ai_graphql: GraphQL, model: FakeModel) -> None:
    alice = await sign_up(ai_graphql, name="Alice")
    model.reset(model_tasks({"title": "Buy oat milk"}), Reply(status=429, headers={"Retry-After": "0"}))

    result = await parse(ai_graphql, alice, alice.personal_company_id, "buy milk")

    assert (result["source"], result["reason"]) == ("MODEL", None)
    assert len(model.requests) == 2


async def test_a_slow_model_times_out_and_the_heuristic_answers(ai_graphql: GraphQL, model: FakeModel) -> None:
    alice = await sign_up(ai_graphql, name="Alice")
    model.reset(Reply(content={"tasks": []}, delay=2.5))

    result = await parse(ai_graphql, alice, alice.personal_company_id, "buy milk tomorrow")

    assert (result["source"], result["reason"]) == ("HEURISTIC", "TIMEOUT")
    assert [t["title"] for t in result["tasks"]] == ["Buy milk"]


async def test_create_tasks_from_text_makes_them_with_durations_and_dependencies(graphql: GraphQL) -> None:
    alice = await sign_up(graphql, name="Alice")
    await create_project(graphql, alice, company_id=alice.personal_company_id, name="Q3 report")

    data = await graphql(CREATE, {"input": {"companyId": alice.personal_company_id, "text": NOTE}}, caller=alice)

    created = data["createTasksFromText"]
    assert created["__typename"] == "CreatedTasks", created
    assert [t["title"] for t in created["tasks"]] == ["Write the Q3 report", "Call Dana", "Send her the draft"]
    assert created["tasks"][0]["estimatedMinutes"] == 180
    assert created["tasks"][0]["project"] is not None
    query = "query($id: ID!) { node(id: $id) { ... on Task { title scheduling { dependsOn { id } } } } }"
    draft = await graphql(query, {"id": created["tasks"][2]["id"]}, caller=alice)
    assert draft["node"]["scheduling"]["dependsOn"] == [{"id": created["tasks"][1]["id"]}]


async def test_create_tasks_from_text_in_a_company_one_is_not_in_is_not_found(graphql: GraphQL) -> None:
    alice = await sign_up(graphql, name="Alice")
    bob = await sign_up(graphql, name="Bob")

    data = await graphql(CREATE, {"input": {"companyId": alice.personal_company_id, "text": NOTE}}, caller=bob)
    preview = await graphql(PARSE, {"input": {"companyId": alice.personal_company_id, "text": NOTE}}, caller=bob)

    assert data["createTasksFromText"]["__typename"] == "NotFound"
    assert preview["parseTasks"]["__typename"] == "NotFound"


async def test_a_plan_request_is_read_from_plain_language(graphql: GraphQL) -> None:
    alice = await sign_up(graphql, name="Alice")
    text = "find 3 hours for the report before Friday, mornings only"

    data = await graphql(PLAN, {"input": {"companyId": alice.personal_company_id, "text": text}}, caller=alice)

    plan = data["planFromText"]
    assert (plan["title"], plan["durationMinutes"]) == ("The report", 180)
    assert (plan["preferredStart"], plan["preferredEnd"]) == ("08:00", "12:00")
    assert "T17:00:00" in plan["deadline"]
    assert plan["source"] == "HEURISTIC"


async def test_no_transaction_of_the_call_is_open_while_the_model_answers(
    ai_graphql: GraphQL, model: FakeModel, database_url: str
) -> None:
    alice = await sign_up(ai_graphql, name="Alice")
    seen: list[int] = []

    def open_transactions() -> None:
        # Any connection idle inside a transaction that touched the budget would be this call's, held open.
        async def count() -> int:
            connection = await asyncpg.connect(plain_url(database_url))
            try:
                return int(
                    await connection.fetchval(
                        "SELECT count(*) FROM pg_stat_activity WHERE state LIKE 'idle in transaction%'"
                        " AND datname = current_database() AND query ILIKE '%ai_budget%'"
                    )
                )
            finally:
                await connection.close()

        seen.append(asyncio.run(count()))

    model.reset(model_tasks({"title": "Buy milk"}))
    model.during = open_transactions

    result = await parse(ai_graphql, alice, alice.personal_company_id, "buy milk")

    assert result["source"] == "MODEL"
    assert seen == [0]
