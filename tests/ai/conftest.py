"""An app whose AI features talk to the fake model on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from pydantic import SecretStr

from app.main import create_app
from base.settings import Settings
from tests.ai.fake_model import FakeModel
from tests.graphql import GraphQL


@pytest.fixture(scope="session")
def fake_model() -> Iterator[FakeModel]:
    fake = FakeModel().start()
    yield fake
    fake.stop()


@pytest.fixture(scope="session")
def ai_settings(settings: Settings, fake_model: FakeModel) -> Settings:
    return settings.model_copy(
        update={
            "ai_base_url": fake_model.base_url,
            "ai_api_key": SecretStr("test-key"),
            "ai_model": "fake-model",
            "ai_prices_per_million": {"fake-model": (1.0, 2.0)},
            "ai_timeout_seconds": 1.0,
            "ai_max_retries": 1,
            "ai_max_output_tokens": 200,
            "ai_calls_per_minute": 1000,
            "run_workers_in_process": False,
        }
    )


@pytest.fixture(scope="session")
def ai_app(ai_settings: Settings) -> Litestar:
    return create_app(ai_settings)


@pytest.fixture(scope="session")
async def ai_client(ai_app: Litestar) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(app=ai_app, base_url="http://rhythm.test") as test_client:
        yield test_client


@pytest.fixture(scope="session")
def ai_graphql(ai_client: AsyncTestClient[Litestar]) -> GraphQL:
    return GraphQL(ai_client)


@pytest.fixture
def model(fake_model: FakeModel) -> FakeModel:
    fake_model.reset()
    return fake_model
