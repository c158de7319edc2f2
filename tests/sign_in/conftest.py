"""Sign-in tests: a Google-like and a Microsoft-like fake provider on loopback, and an app whose settings point
at them (its own app, so the session app's settings stay as they are)."""

from __future__ import annotations

import asyncio
import http.client
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from pydantic import SecretStr

from app.main import create_app
from base.settings import Settings
from tests.graphql import Caller, GraphQL
from tests.sign_in.fake_oidc import FakeOpenIdProvider

GOOGLE_SECRET = "google-client-secret-" + "g" * 20
MICROSOFT_SECRET = "microsoft-client-secret-" + "m" * 20

START = """
mutation Start($input: StartSignInInput!) {
  startSignIn(input: $input) {
    __typename
    ... on SignInStarted { authorizationUrl expiresAt }
    ... on SignInRefused { reason message }
    ... on Error { message }
  }
}
"""

COMPLETE = """
mutation Complete($input: CompleteSignInInput!) {
  completeSignIn(input: $input) {
    __typename
    ... on AuthPayload { accessToken refreshToken user { id displayName } }
    ... on SignInRefused { reason message }
    ... on Error { message }
  }
}
"""

LINK = """
mutation Link($input: LinkSignInProviderInput!) {
  linkSignInProvider(input: $input) {
    __typename
    ... on SignInIdentity { provider email emailVerified linkedAt }
    ... on SignInRefused { reason message }
    ... on Error { message }
  }
}
"""

UNLINK = """
mutation Unlink($input: UnlinkSignInProviderInput!) {
  unlinkSignInProvider(input: $input) {
    __typename
    ... on SignInIdentity { provider }
    ... on Error { message }
  }
}
"""

PROVIDERS = "{ viewer { user { id } signInProviders { provider email emailVerified linkedAt lastUsedAt } } }"


@pytest.fixture(scope="module")
def google_idp() -> Iterator[FakeOpenIdProvider]:
    fake = FakeOpenIdProvider(client_id="rhythm-google", client_secret=GOOGLE_SECRET).start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def microsoft_idp() -> Iterator[FakeOpenIdProvider]:
    fake = FakeOpenIdProvider(client_id="rhythm-microsoft", client_secret=MICROSOFT_SECRET, microsoft=True).start()
    yield fake
    fake.stop()


@pytest.fixture(autouse=True)
def fresh_switches(google_idp: FakeOpenIdProvider, microsoft_idp: FakeOpenIdProvider) -> Iterator[None]:
    google_idp.reset()
    microsoft_idp.reset()
    yield
    google_idp.reset()
    microsoft_idp.reset()


@pytest.fixture(scope="module")
def sign_in_settings(settings: Settings, google_idp: FakeOpenIdProvider, microsoft_idp: FakeOpenIdProvider) -> Settings:
    return settings.model_copy(
        update={
            "run_workers_in_process": False,
            "sign_in_google_discovery_url": google_idp.discovery_url,
            "sign_in_google_client_id": google_idp.client_id,
            "sign_in_google_client_secret": SecretStr(GOOGLE_SECRET),
            "sign_in_microsoft_discovery_url": microsoft_idp.discovery_url,
            "sign_in_microsoft_client_id": microsoft_idp.client_id,
            "sign_in_microsoft_client_secret": SecretStr(MICROSOFT_SECRET),
            # Rotation is tested within seconds of the first fetch.
            "sign_in_jwks_refresh_cooldown_seconds": 0.0,
        }
    )


@pytest.fixture(scope="module")
def sign_in_app(sign_in_settings: Settings) -> Litestar:
    return create_app(sign_in_settings)


@pytest.fixture(scope="module")
async def sign_in_graphql(sign_in_app: Litestar) -> AsyncIterator[GraphQL]:
    async with AsyncTestClient(app=sign_in_app, base_url="http://rhythm.test") as client:
        yield GraphQL(client)


@dataclass(frozen=True)
class Callback:
    code: str
    state: str


async def start(graphql: GraphQL, provider: str, caller: Caller | None = None) -> str:
    data = await graphql(START, {"input": {"provider": provider}}, caller=caller)
    started = data["startSignIn"]
    assert started["__typename"] == "SignInStarted", started
    return str(started["authorizationUrl"])


def _browse(url: str) -> tuple[int, str]:
    # http.client, not httpx: the browser is not Rhythm, and httpx would log its URLs into the app's logs.
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.netloc, timeout=20)
    try:
        connection.request("GET", f"{parts.path}?{parts.query}")
        response = connection.getresponse()
        return response.status, response.getheader("location") or ""
    finally:
        connection.close()


async def consent(url: str) -> Callback:
    """The browser follows the authorization URL; the provider redirects back at once with code and state."""
    status, location = await asyncio.to_thread(_browse, url)
    assert status == 302, status
    back = dict(parse_qsl(urlsplit(location).query))
    return Callback(back["code"], back["state"])


async def complete(
    graphql: GraphQL, provider: str, callback: Callback, *, password: str | None = None
) -> dict[str, Any]:
    variables: dict[str, Any] = {"provider": provider, "code": callback.code, "state": callback.state}
    if password is not None:
        variables["password"] = password
    data = await graphql(COMPLETE, {"input": variables})
    return dict(data["completeSignIn"])


async def sign_in(graphql: GraphQL, provider: str, *, password: str | None = None) -> dict[str, Any]:
    return await complete(graphql, provider, await consent(await start(graphql, provider)), password=password)


async def link(graphql: GraphQL, provider: str, caller: Caller) -> dict[str, Any]:
    callback = await consent(await start(graphql, provider, caller))
    variables = {"provider": provider, "code": callback.code, "state": callback.state}
    data = await graphql(LINK, {"input": variables}, caller=caller)
    return dict(data["linkSignInProvider"])
