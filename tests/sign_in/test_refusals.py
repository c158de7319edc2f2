"""What a sign-in refuses, each with its typed reason: a forged signature, another audience, an expired token, a
replayed nonce, a state that is unknown, used again or of another provider; and key rotation, which succeeds
after exactly one more JWKS fetch."""

from __future__ import annotations

import uuid

import pytest

from tests.graphql import Caller, GraphQL
from tests.sign_in.conftest import PROVIDERS, Callback, complete, consent, sign_in, start
from tests.sign_in.fake_oidc import Account, FakeOpenIdProvider


@pytest.fixture
def account(google_idp: FakeOpenIdProvider) -> Account:
    tag = uuid.uuid4().hex[:10]
    google_idp.account = Account(subject=f"sub-{tag}", email=f"ref-{tag}@provider.test")
    return google_idp.account


def _refused(result: dict[str, object], reason: str) -> None:
    assert result["__typename"] == "SignInRefused", result
    assert result["reason"] == reason, result


async def test_a_forged_signature_is_refused(
    sign_in_graphql: GraphQL, google_idp: FakeOpenIdProvider, account: Account
) -> None:
    google_idp.switches.forge = True

    _refused(await sign_in(sign_in_graphql, "GOOGLE"), "INVALID_SIGNATURE")


async def test_a_token_for_another_audience_is_refused(
    sign_in_graphql: GraphQL, google_idp: FakeOpenIdProvider, account: Account
) -> None:
    google_idp.switches.audience = "someone-elses-app"

    _refused(await sign_in(sign_in_graphql, "GOOGLE"), "WRONG_AUDIENCE")


async def test_an_expired_token_is_refused(
    sign_in_graphql: GraphQL, google_idp: FakeOpenIdProvider, account: Account
) -> None:
    google_idp.switches.expired = True

    _refused(await sign_in(sign_in_graphql, "GOOGLE"), "EXPIRED")


async def test_a_token_carrying_the_nonce_of_an_earlier_sign_in_is_refused(
    sign_in_graphql: GraphQL, google_idp: FakeOpenIdProvider, account: Account
) -> None:
    assert (await sign_in(sign_in_graphql, "GOOGLE"))["__typename"] == "AuthPayload"
    google_idp.switches.replay_nonce = True

    _refused(await sign_in(sign_in_graphql, "GOOGLE"), "NONCE_MISMATCH")


async def test_a_state_rhythm_never_issued_is_refused_before_the_code_is_spent(
    sign_in_graphql: GraphQL, google_idp: FakeOpenIdProvider, account: Account
) -> None:
    callback = await consent(await start(sign_in_graphql, "GOOGLE"))
    exchanges = len(google_idp.token_requests)

    result = await complete(sign_in_graphql, "GOOGLE", Callback(callback.code, callback.state + "x"))

    _refused(result, "STATE_MISMATCH")
    assert len(google_idp.token_requests) == exchanges
    # The genuine state still works: a wrong one used nothing up.
    assert (await complete(sign_in_graphql, "GOOGLE", callback))["__typename"] == "AuthPayload"


async def test_a_state_works_once(sign_in_graphql: GraphQL, google_idp: FakeOpenIdProvider, account: Account) -> None:
    callback = await consent(await start(sign_in_graphql, "GOOGLE"))
    assert (await complete(sign_in_graphql, "GOOGLE", callback))["__typename"] == "AuthPayload"

    _refused(await complete(sign_in_graphql, "GOOGLE", callback), "STATE_MISMATCH")


async def test_a_state_of_one_provider_does_not_complete_another(
    sign_in_graphql: GraphQL, google_idp: FakeOpenIdProvider, account: Account
) -> None:
    callback = await consent(await start(sign_in_graphql, "GOOGLE"))

    _refused(await complete(sign_in_graphql, "MICROSOFT", callback), "STATE_MISMATCH")


async def test_a_code_that_was_refused_once_is_not_accepted_with_a_new_state(
    sign_in_graphql: GraphQL, google_idp: FakeOpenIdProvider, account: Account
) -> None:
    first = await consent(await start(sign_in_graphql, "GOOGLE"))
    second = await consent(await start(sign_in_graphql, "GOOGLE"))

    # The PKCE verifier comes from the state: another state's verifier does not match the code's challenge.
    _refused(await complete(sign_in_graphql, "GOOGLE", Callback(first.code, second.state)), "PROVIDER_ERROR")


async def test_after_key_rotation_the_unknown_kid_fetches_the_jwks_once_more_and_signs_in(
    sign_in_graphql: GraphQL, google_idp: FakeOpenIdProvider, account: Account
) -> None:
    assert (await sign_in(sign_in_graphql, "GOOGLE"))["__typename"] == "AuthPayload"
    before = google_idp.jwks_fetches
    assert (await sign_in(sign_in_graphql, "GOOGLE"))["__typename"] == "AuthPayload"
    assert google_idp.jwks_fetches == before, "a known kid must not fetch the JWKS"

    google_idp.rotate_keys()
    rotated = await sign_in(sign_in_graphql, "GOOGLE")
    after_rotation = google_idp.jwks_fetches
    again = await sign_in(sign_in_graphql, "GOOGLE")

    assert rotated["__typename"] == "AuthPayload", rotated
    assert again["__typename"] == "AuthPayload", again
    assert after_rotation == before + 1
    assert google_idp.jwks_fetches == after_rotation


async def test_refused_sign_ins_leave_the_identity_unlinked(
    sign_in_graphql: GraphQL, google_idp: FakeOpenIdProvider, account: Account
) -> None:
    google_idp.switches.audience = "another"
    _refused(await sign_in(sign_in_graphql, "GOOGLE"), "WRONG_AUDIENCE")
    google_idp.switches.reset()

    signed_in = await sign_in(sign_in_graphql, "GOOGLE")
    viewer = (await sign_in_graphql(PROVIDERS, caller=Caller(token=signed_in["accessToken"])))["viewer"]

    assert [p["email"] for p in viewer["signInProviders"]] == [account.email]
