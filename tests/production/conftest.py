from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.main import create_app
from base.settings import Settings
from tests.graphql import GraphQL

ORIGIN = "https://app.rhythm.test"


@pytest.fixture(scope="session")
def production_settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "environment": "production",
            "run_workers_in_process": False,
            "cors_origins": [ORIGIN],
            "http_max_body_bytes": 64 * 1024,
        }
    )


@pytest.fixture(scope="session")
async def production_client(production_settings: Settings) -> AsyncIterator[AsyncTestClient[Litestar]]:
    app = create_app(production_settings)
    async with AsyncTestClient(app=app, base_url="http://rhythm.test") as client:
        yield client


@pytest.fixture(scope="session")
def production(production_client: AsyncTestClient[Litestar]) -> GraphQL:
    return GraphQL(production_client)
