"""The OpenID Connect client alone, over real HTTP against a fresh fake provider: what it caches, and ID tokens
that only a hand-made signer produces (no algorithm, several audiences, a missing nonce)."""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from joserfc import jwt

from db.models.sign_in import SignInProvider
from domain.sign_in.attempts import secrets_of
from domain.sign_in.errors import Refusal, SignInRefused
from domain.sign_in.oidc import OpenIdClient
from domain.sign_in.providers import ClientConfig
from tests.sign_in.conftest import consent
from tests.sign_in.fake_oidc import FakeOpenIdProvider

REDIRECT = "http://rhythm.test/sign-in/callback"
SECRET = "client-secret-for-the-client-tests"


@pytest.fixture
def idp() -> Iterator[FakeOpenIdProvider]:
    fake = FakeOpenIdProvider(client_id="rhythm-client-test", client_secret=SECRET).start()
    yield fake
    fake.stop()


def client_of(idp: FakeOpenIdProvider, *, cooldown: float) -> OpenIdClient:
    config = ClientConfig(SignInProvider.GOOGLE, idp.discovery_url, idp.client_id, SECRET)
    return OpenIdClient(config, timeout=10, jwks_refresh_cooldown_seconds=cooldown)


async def signed_in(client: OpenIdClient, state: str) -> tuple[str, str]:
    """An ID token through the real endpoints, and the nonce it must carry."""
    made = secrets_of("rhythm-secret", state)
    url = await client.authorization_url(
        state=made.state, nonce=made.nonce, code_verifier=made.code_verifier, redirect_uri=REDIRECT
    )
    callback = await consent(url)
    token = await client.exchange_code(code=callback.code, code_verifier=made.code_verifier, redirect_uri=REDIRECT)
    return token, made.nonce


def hand_made(idp: FakeOpenIdProvider, **changes: Any) -> str:
    now = int(time.time())
    claims = {"iss": idp.issuer, "sub": "s", "aud": idp.client_id, "iat": now, "exp": now + 300, "nonce": "n"}
    claims.update(changes)
    key = idp.keys[-1]
    return jwt.encode({"alg": "RS256", "kid": key.kid}, {k: v for k, v in claims.items() if v is not None}, key)


async def refusal_of(client: OpenIdClient, token: str, nonce: str = "n") -> Refusal:
    with pytest.raises(SignInRefused) as refused:
        await client.verify(token, nonce=nonce)
    return refused.value.reason


async def test_within_the_cooldown_an_unknown_kid_is_refused_without_fetching_the_jwks_again(
    idp: FakeOpenIdProvider,
) -> None:
    client = client_of(idp, cooldown=3600)
    token, nonce = await signed_in(client, "first-state")
    await client.verify(token, nonce=nonce)
    idp.rotate_keys()
    rotated, rotated_nonce = await signed_in(client, "second-state")

    reason = await refusal_of(client, rotated, rotated_nonce)

    assert reason is Refusal.INVALID_SIGNATURE
    assert idp.jwks_fetches == 1


async def test_the_discovery_document_and_the_jwks_are_fetched_once_for_many_sign_ins(
    idp: FakeOpenIdProvider,
) -> None:
    client = client_of(idp, cooldown=0)

    for n in range(3):
        token, nonce = await signed_in(client, f"state-{n}")
        identity = await client.verify(token, nonce=nonce)
        assert identity.issuer == idp.url

    assert idp.jwks_fetches == 1


async def test_an_unsigned_token_is_refused(idp: FakeOpenIdProvider) -> None:
    client = client_of(idp, cooldown=0)
    header = base64.urlsafe_b64encode(orjson.dumps({"alg": "none"})).rstrip(b"=").decode()
    body = base64.urlsafe_b64encode(orjson.dumps({"iss": idp.issuer, "sub": "s", "aud": idp.client_id})).decode()

    assert await refusal_of(client, f"{header}.{body.rstrip('=')}.") is Refusal.INVALID_SIGNATURE


async def test_several_audiences_need_rhythm_as_the_authorized_party(idp: FakeOpenIdProvider) -> None:
    client = client_of(idp, cooldown=0)
    audiences = [idp.client_id, "another-app"]

    refused = await refusal_of(client, hand_made(idp, aud=audiences, azp="another-app"))
    accepted = await client.verify(hand_made(idp, aud=audiences, azp=idp.client_id), nonce="n")

    assert refused is Refusal.WRONG_AUDIENCE
    assert accepted.subject == "s"


async def test_a_token_without_a_nonce_is_refused(idp: FakeOpenIdProvider) -> None:
    client = client_of(idp, cooldown=0)

    assert await refusal_of(client, hand_made(idp, nonce=None)) is Refusal.INVALID_TOKEN


async def test_a_token_from_another_issuer_is_refused(idp: FakeOpenIdProvider) -> None:
    client = client_of(idp, cooldown=0)

    assert await refusal_of(client, hand_made(idp, iss="https://accounts.evil.test")) is Refusal.WRONG_ISSUER


async def test_the_client_secret_is_not_in_the_clients_repr(idp: FakeOpenIdProvider) -> None:
    config = ClientConfig(SignInProvider.GOOGLE, idp.discovery_url, idp.client_id, SECRET)

    assert SECRET not in repr(config)
    assert SECRET not in str(config)
