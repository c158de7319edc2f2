"""Signing in with a Google-like and a Microsoft-like provider through the real flow: startSignIn, the provider's
authorization endpoint over HTTP, completeSignIn exchanging the code (PKCE) and verifying the ID token."""

from __future__ import annotations

import uuid
from urllib.parse import parse_qsl, urlsplit

from tests.factories import create_api_key, sign_up
from tests.graphql import Caller, GraphQL
from tests.sign_in.conftest import LINK, PROVIDERS, sign_in, start
from tests.sign_in.fake_oidc import Account, FakeOpenIdProvider


def _account(prefix: str, *, verified: bool = True) -> Account:
    tag = uuid.uuid4().hex[:10]
    return Account(subject=f"sub-{tag}", email=f"{prefix}-{tag}@provider.test", email_verified=verified,
                   name=f"{prefix.title()} Person")  # fmt: skip


async def test_the_authorization_url_asks_for_openid_email_profile_with_pkce_state_and_nonce(
    sign_in_graphql: GraphQL, google_idp: FakeOpenIdProvider
) -> None:
    url = await start(sign_in_graphql, "GOOGLE")

    query = dict(parse_qsl(urlsplit(url).query))
    assert url.startswith(f"{google_idp.url}/authorize?")
    assert query["scope"].split() == ["openid", "email", "profile"]
    assert query["code_challenge_method"] == "S256"
    assert query["client_id"] == "rhythm-google"
    assert query["redirect_uri"] == "http://rhythm.test/sign-in/callback"
    assert len(query["state"]) >= 32
    assert len(query["nonce"]) >= 32


async def test_a_verified_google_identity_makes_an_account_with_a_personal_company_and_signs_in_again(
    sign_in_graphql: GraphQL, google_idp: FakeOpenIdProvider
) -> None:
    google_idp.account = _account("grace")

    first = await sign_in(sign_in_graphql, "GOOGLE")
    again = await sign_in(sign_in_graphql, "GOOGLE")

    assert first["__typename"] == "AuthPayload", first
    assert again["__typename"] == "AuthPayload", again
    assert again["user"]["id"] == first["user"]["id"]
    assert first["user"]["displayName"] == "Grace Person"
    caller = Caller(token=again["accessToken"])
    viewer = (await sign_in_graphql(PROVIDERS, caller=caller))["viewer"]
    companies = await sign_in_graphql("{ viewer { companies { nodes { isPersonal name } } } }", caller=caller)
    assert [(p["provider"], p["email"], p["emailVerified"]) for p in viewer["signInProviders"]] == [
        ("GOOGLE", google_idp.account.email, True)
    ]
    assert viewer["signInProviders"][0]["lastUsedAt"] is not None
    assert companies["viewer"]["companies"]["nodes"] == [{"isPersonal": True, "name": "Personal"}]
    history = await sign_in_graphql("{ viewer { signInHistory { nodes { outcome method } } } }", caller=caller)
    assert history["viewer"]["signInHistory"]["nodes"] == [{"outcome": "SUCCESS", "method": "GOOGLE"}] * 2


async def test_a_microsoft_identity_of_any_tenant_signs_in_with_the_issuer_of_its_tid(
    sign_in_graphql: GraphQL, microsoft_idp: FakeOpenIdProvider
) -> None:
    microsoft_idp.account = _account("satya")
    microsoft_idp.tenant = str(uuid.uuid4())

    result = await sign_in(sign_in_graphql, "MICROSOFT")

    assert result["__typename"] == "AuthPayload", result
    viewer = (await sign_in_graphql(PROVIDERS, caller=Caller(token=result["accessToken"])))["viewer"]
    assert [p["provider"] for p in viewer["signInProviders"]] == ["MICROSOFT"]


async def test_a_microsoft_token_whose_issuer_names_another_tenant_than_its_tid_is_refused(
    sign_in_graphql: GraphQL, microsoft_idp: FakeOpenIdProvider
) -> None:
    microsoft_idp.account = _account("mallory")
    microsoft_idp.switches.issuer_tenant = str(uuid.uuid4())

    result = await sign_in(sign_in_graphql, "MICROSOFT")

    assert result == {"__typename": "SignInRefused", "reason": "WRONG_ISSUER", "message": result["message"]}


async def test_an_unverified_email_makes_no_account(sign_in_graphql: GraphQL, google_idp: FakeOpenIdProvider) -> None:
    google_idp.account = _account("eve", verified=False)

    result = await sign_in(sign_in_graphql, "GOOGLE")

    assert result["__typename"] == "SignInRefused"
    assert result["reason"] == "EMAIL_NOT_VERIFIED"


async def test_a_provider_without_a_client_id_is_not_offered(graphql: GraphQL) -> None:
    # The session app configures no sign-in provider.
    data = await graphql(START_DOC, {"input": {"provider": "GOOGLE"}})

    assert data["startSignIn"]["__typename"] == "SignInRefused"
    assert data["startSignIn"]["reason"] == "NOT_CONFIGURED"


async def test_an_api_key_may_not_link_a_provider(sign_in_graphql: GraphQL) -> None:
    ada = await sign_up(sign_in_graphql, name="Ada Keys")
    key = await create_api_key(sign_in_graphql, ada, company_id=ada.personal_company_id, scopes=["TASKS_READ"])
    variables = {"input": {"provider": "GOOGLE", "code": "c", "state": "s"}}

    data = await sign_in_graphql(LINK, variables, caller=Caller(api_key=key))

    assert data["linkSignInProvider"]["__typename"] == "Forbidden"


START_DOC = """
mutation Start($input: StartSignInInput!) {
  startSignIn(input: $input) { __typename ... on SignInRefused { reason } ... on Error { message } }
}
"""
