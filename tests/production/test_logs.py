"""Logs: one JSON object a line with the request id, the trace and span ids and the caller (an id, never a
credential); a password, tokens, an API key and a webhook secret that passed through never appear."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider

from app.main import create_app
from base.logs import configure_logging
from base.settings import Settings
from tests.factories import PASSWORD, create_api_key, sign_up
from tests.graphql import Caller, GraphQL
from tests.webhooks.documents import create_endpoint

LOG_IN = """mutation($input: LogInInput!) {
  logIn(input: $input) { __typename ... on AuthPayload { accessToken refreshToken } }
}"""
REFRESH = """mutation($input: RefreshTokenInput!) {
  refreshToken(input: $input) { __typename ... on AuthPayload { accessToken refreshToken } }
}"""


@pytest.fixture
def debug_logs(settings: Settings) -> Iterator[Settings]:
    yield settings.model_copy(update={"log_level": "DEBUG", "run_workers_in_process": False})
    configure_logging(settings.log_level, json=settings.log_json)


def lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


async def test_secrets_that_pass_through_are_never_logged(
    debug_logs: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    if not isinstance(trace.get_tracer_provider(), TracerProvider):
        trace.set_tracer_provider(TracerProvider())  # spans, so lines carry trace ids
    app: Litestar = create_app(debug_logs)
    async with AsyncTestClient(app=app, base_url="http://rhythm.test") as client:
        api = GraphQL(client)
        ada = await sign_up(api, name="Ada Secrets")
        logged_in = (await api(LOG_IN, {"input": {"email": ada.email, "password": PASSWORD}}))["logIn"]
        await api.post(LOG_IN, {"input": {"email": ada.email, "password": "wrong " + PASSWORD}})
        refreshed = (await api(REFRESH, {"input": {"refreshToken": logged_in["refreshToken"]}}))["refreshToken"]
        key = await create_api_key(api, ada, company_id=ada.personal_company_id, scopes=["TASKS_READ"])
        _, webhook_secret = await create_endpoint(
            api, ada, company_id=ada.personal_company_id, url="http://127.0.0.1:9/hook"
        )
        await api.post("{ tasks { nodes { id } } }", caller=Caller(api_key=key))
        await api.post("{ viewer { user { id } } }", caller=ada)

    output = capsys.readouterr().out
    secrets = {
        "password": PASSWORD,
        "access token": ada.token,
        "refresh token": ada.refresh_token,
        "logged-in access token": logged_in["accessToken"],
        "refreshed token": refreshed["refreshToken"],
        "api key": key,
        "webhook secret": webhook_secret,
    }
    leaked = [name for name, secret in secrets.items() if secret and secret in output]
    assert not leaked, leaked
    records = lines(output)
    requests = [record for record in records if record.get("event") == "request"]
    assert requests
    assert all(record["request_id"] for record in requests)
    assert any(record.get("caller", "").startswith("user:") for record in requests)
    assert any(record.get("caller", "").startswith("api_key:") for record in requests)
    # An API key is limited to its company: its lines name it.
    assert all(record.get("company_id") for record in requests if record.get("caller", "").startswith("api_key:"))
    assert any(len(record.get("trace_id", "")) == 32 and len(record.get("span_id", "")) == 16 for record in records)
