"""Per-person rate limit on AI operations: past it, the heuristic answers with RATE_LIMITED and the model is not
asked; another person is not held back."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from litestar.testing import AsyncTestClient

from app.main import create_app
from base.settings import Settings
from tests.ai.documents import parse
from tests.ai.fake_model import FakeModel
from tests.factories import sign_up
from tests.graphql import GraphQL


@pytest.fixture
async def limited(ai_settings: Settings) -> AsyncIterator[GraphQL]:
    app = create_app(ai_settings.model_copy(update={"ai_calls_per_minute": 2}))
    async with AsyncTestClient(app=app, base_url="http://rhythm.test") as client:
        yield GraphQL(client)


async def test_past_the_per_person_limit_the_heuristic_answers(limited: GraphQL, model: FakeModel) -> None:
    alice = await sign_up(limited, name="Alice")
    bob = await sign_up(limited, name="Bob")

    alices = [await parse(limited, alice, alice.personal_company_id, "buy milk") for _ in range(3)]
    bobs = await parse(limited, bob, bob.personal_company_id, "buy milk")

    assert [(r["source"], r["reason"]) for r in alices] == [
        ("MODEL", None), ("MODEL", None), ("HEURISTIC", "RATE_LIMITED"),
    ]  # fmt: skip
    assert (bobs["source"], bobs["reason"]) == ("MODEL", None)
    assert len(model.requests) == 3
