"""The coach through a real `rhythm serve` and a real graphql-transport-ws client: the reply streams piece by
piece from the fake model's SSE stream, the conversation is kept for its person alone, and can be cleared."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from tests.ai.fake_model import FakeModel, Reply
from tests.databases import own_database
from tests.factories import sign_up
from tests.graphql import GraphQL
from tests.live.servers import Server, serving
from tests.live.sockets import Socket, bearer, socket
from tests.waiting import PATIENCE_SECONDS

COACH = """
subscription($company: ID!, $message: String!) {
  coachReply(companyId: $company, message: $message) { delta done source reason }
}"""
CONVERSATION = "query($company: ID!) { coachConversation(companyId: $company) { role content } }"
CLEAR = """
mutation($input: CoachConversationInput!) {
  clearCoachConversation(input: $input) { __typename ... on CoachCleared { removed } ... on Error { message } }
}"""
USAGE = """query($company: ID!) {
  aiUsage(companyId: $company, start: "2000-01-01T00:00:00Z", end: "2100-01-01T00:00:00Z", groupBy: FEATURE) {
    key modelCalls tokensOut
  }
}"""
ANSWER = "Start with the Q3 report while your focus is fresh, then take a short walk."


@pytest.fixture(scope="module")
def coach_server(server_url: str, fake_model: FakeModel, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    environment = {
        "RHYTHM_AI_BASE_URL": fake_model.base_url,
        "RHYTHM_AI_API_KEY": "test-key",
        "RHYTHM_AI_MODEL": "fake-model",
        "RHYTHM_AI_MAX_RETRIES": "0",
    }
    with (
        own_database(server_url, "live") as database_url,
        serving(database_url, [tmp_path_factory.mktemp("coach")], extra_environment=environment) as [one],
    ):
        yield one


@pytest.fixture
async def coach_api(coach_server: Server) -> AsyncIterator[GraphQL]:
    async with httpx.AsyncClient(base_url=coach_server.http_url, timeout=30) as client:
        yield GraphQL(client)  # type: ignore[arg-type]


async def ask(opened: Socket, company: str, message: str) -> list[dict[str, Any]]:
    await opened.subscribe("1", COACH, {"company": company, "message": message})
    chunks = []
    while True:
        data = await opened.next_where(lambda _data: True)
        chunks.append(data["coachReply"])
        if data["coachReply"]["done"]:
            return chunks


async def test_the_coach_streams_the_models_reply_and_keeps_it_for_its_person_alone(
    coach_server: Server, coach_api: GraphQL, model: FakeModel
) -> None:
    alice = await sign_up(coach_api, name="Alice")
    bob = await sign_up(coach_api, name="Bob")
    model.reset(Reply(content=ANSWER, tokens_in=120, tokens_out=18))

    async with socket(coach_server.ws_url, bearer(alice.token)) as opened:
        chunks = await ask(opened, alice.personal_company_id, "How should I start tomorrow?")

    pieces = [chunk["delta"] for chunk in chunks if not chunk["done"]]
    assert len(pieces) == len(ANSWER.split(" "))
    assert "".join(pieces) == ANSWER
    assert (chunks[-1]["source"], chunks[-1]["reason"]) == ("MODEL", None)
    assert model.requests[0]["stream"] is True
    assert "How should I start tomorrow?" in model.prompts()[0]
    alices = await coach_api(CONVERSATION, {"company": alice.personal_company_id}, caller=alice)
    assert alices["coachConversation"] == [
        {"role": "user", "content": "How should I start tomorrow?"},
        {"role": "assistant", "content": ANSWER},
    ]
    bobs_view = await coach_api(CONVERSATION, {"company": alice.personal_company_id}, caller=bob)
    assert bobs_view["coachConversation"] == []


async def test_a_failing_model_gives_the_heuristics_reply_streamed_with_its_reason(
    coach_server: Server, coach_api: GraphQL, model: FakeModel
) -> None:
    alice = await sign_up(coach_api, name="Alice")
    model.reset(Reply(status=500))

    async with socket(coach_server.ws_url, bearer(alice.token)) as opened:
        chunks = await ask(opened, alice.personal_company_id, "What next?")

    text = "".join(chunk["delta"] for chunk in chunks)
    assert len(chunks) > 3
    assert text.startswith("You have 0 open tasks here.")
    assert (chunks[-1]["source"], chunks[-1]["reason"]) == ("HEURISTIC", "MODEL_ERROR")


async def test_clearing_the_conversation_removes_it(coach_server: Server, coach_api: GraphQL, model: FakeModel) -> None:
    alice = await sign_up(coach_api, name="Alice")
    model.reset(Reply(content="Fine."))
    async with socket(coach_server.ws_url, bearer(alice.token)) as opened:
        await ask(opened, alice.personal_company_id, "Hello")

    cleared = await coach_api(CLEAR, {"input": {"companyId": alice.personal_company_id}}, caller=alice)
    after = await coach_api(CONVERSATION, {"company": alice.personal_company_id}, caller=alice)

    assert cleared["clearCoachConversation"] == {"__typename": "CoachCleared", "removed": 2}
    assert after["coachConversation"] == []


async def test_a_reply_cut_by_the_subscriber_is_kept_as_far_as_it_went_and_metered(
    coach_server: Server, coach_api: GraphQL, model: FakeModel
) -> None:
    alice = await sign_up(coach_api, name="Alice")
    long_answer = " ".join(f"word{index}" for index in range(400))
    model.reset(Reply(content=long_answer))

    async with socket(coach_server.ws_url, bearer(alice.token)) as opened:
        await opened.subscribe("1", COACH, {"company": alice.personal_company_id, "message": "Tell me a lot"})
        await opened.next_where(lambda data: not data["coachReply"]["done"])

    deadline = asyncio.get_running_loop().time() + PATIENCE_SECONDS
    while asyncio.get_running_loop().time() < deadline:
        data = await coach_api(CONVERSATION, {"company": alice.personal_company_id}, caller=alice)
        if len(data["coachConversation"]) == 2:
            break
        await asyncio.sleep(0.2)
    usage = await coach_api(USAGE, {"company": alice.personal_company_id}, caller=alice)

    reply = data["coachConversation"][1]
    assert reply["role"] == "assistant"
    assert long_answer.startswith(reply["content"])
    assert len(reply["content"]) < len(long_answer)
    assert usage["aiUsage"][0]["key"] == "coach"
    assert usage["aiUsage"][0]["modelCalls"] == 1
    assert usage["aiUsage"][0]["tokensOut"] > 0
