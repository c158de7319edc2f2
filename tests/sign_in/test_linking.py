"""Linking and unlinking: an account that already uses the provider's email is linked only with its password, an
unverified email reaches no account, a signed-in person links from their account (and only a sign-in they
started), and unlinking keeps at least one way to sign in."""

from __future__ import annotations

import uuid

from tests.factories import PASSWORD, Person, sign_up
from tests.graphql import Caller, GraphQL
from tests.sign_in.conftest import PROVIDERS, UNLINK, complete, consent, link, sign_in, start
from tests.sign_in.fake_oidc import Account, FakeOpenIdProvider


def _account_for(email: str, *, verified: bool = True) -> Account:
    return Account(subject=f"sub-{uuid.uuid4().hex[:10]}", email=email, email_verified=verified)


async def _providers(graphql: GraphQL, token: str) -> list[str]:
    viewer = (await graphql(PROVIDERS, caller=Caller(token=token)))["viewer"]
    return [p["provider"] for p in viewer["signInProviders"]]


async def _unlink(graphql: GraphQL, token: str, provider: str) -> dict[str, str]:
    data = await graphql(UNLINK, {"input": {"provider": provider}}, caller=Caller(token=token))
    return dict(data["unlinkSignInProvider"])


async def test_an_existing_account_is_linked_only_with_its_password(
    sign_in_graphql: GraphQL, google_idp: FakeOpenIdProvider
) -> None:
    ada = await sign_up(sign_in_graphql, name="Ada Lovelace")
    google_idp.account = _account_for(ada.email)

    without = await sign_in(sign_in_graphql, "GOOGLE")
    wrong = await sign_in(sign_in_graphql, "GOOGLE", password="not the password at all")
    right = await sign_in(sign_in_graphql, "GOOGLE", password=PASSWORD)
    later = await sign_in(sign_in_graphql, "GOOGLE")

    assert (without["__typename"], without["reason"]) == ("SignInRefused", "ACCOUNT_EXISTS")
    assert wrong["__typename"] == "AuthenticationFailed"
    assert right["__typename"] == "AuthPayload", right
    assert right["user"]["id"] == ada.user_id
    assert later["user"]["id"] == ada.user_id
    assert await _providers(sign_in_graphql, right["accessToken"]) == ["GOOGLE"]


async def test_an_unverified_email_does_not_take_over_an_existing_account_even_with_its_password(
    sign_in_graphql: GraphQL, microsoft_idp: FakeOpenIdProvider
) -> None:
    victim = await sign_up(sign_in_graphql, name="Victim Person")
    microsoft_idp.account = _account_for(victim.email, verified=False)

    result = await sign_in(sign_in_graphql, "MICROSOFT", password=PASSWORD)

    assert (result["__typename"], result["reason"]) == ("SignInRefused", "EMAIL_NOT_VERIFIED")
    assert await _providers(sign_in_graphql, victim.token or "") == []


async def test_a_signed_in_person_links_a_provider_that_then_signs_them_in(
    sign_in_graphql: GraphQL, microsoft_idp: FakeOpenIdProvider
) -> None:
    linus = await sign_up(sign_in_graphql, name="Linus Person")
    # Another email at the provider is fine: the person proved both accounts are theirs.
    microsoft_idp.account = _account_for(f"other-{uuid.uuid4().hex[:8]}@provider.test")

    linked = await link(sign_in_graphql, "MICROSOFT", linus)
    signed_in = await sign_in(sign_in_graphql, "MICROSOFT")

    assert linked["__typename"] == "SignInIdentity", linked
    assert signed_in["user"]["id"] == linus.user_id


async def test_linking_refuses_a_sign_in_the_viewer_did_not_start(
    sign_in_graphql: GraphQL, google_idp: FakeOpenIdProvider
) -> None:
    victim, attacker = await sign_up(sign_in_graphql, name="Victim"), await sign_up(sign_in_graphql, name="Attacker")
    google_idp.account = _account_for(f"attacker-{uuid.uuid4().hex[:8]}@provider.test")
    anonymous = await consent(await start(sign_in_graphql, "GOOGLE"))
    attackers = await consent(await start(sign_in_graphql, "GOOGLE", attacker))

    results = [
        (await sign_in_graphql(LINK_DOC, {"input": {"provider": "GOOGLE", "code": c.code, "state": c.state}},
                               caller=victim))["linkSignInProvider"]
        for c in (anonymous, attackers)
    ]  # fmt: skip

    assert [(r["__typename"], r["reason"]) for r in results] == [("SignInRefused", "STATE_MISMATCH")] * 2
    assert await _providers(sign_in_graphql, victim.token or "") == []


async def test_an_identity_linked_to_one_account_cannot_be_linked_to_another(
    sign_in_graphql: GraphQL, google_idp: FakeOpenIdProvider
) -> None:
    google_idp.account = _account_for(f"owner-{uuid.uuid4().hex[:8]}@provider.test")
    assert (await sign_in(sign_in_graphql, "GOOGLE"))["__typename"] == "AuthPayload"
    other = await sign_up(sign_in_graphql, name="Other Person")

    result = await link(sign_in_graphql, "GOOGLE", other)

    assert (result["__typename"], result["reason"]) == ("SignInRefused", "ALREADY_LINKED")


async def test_unlinking_keeps_the_last_way_to_sign_in(
    sign_in_graphql: GraphQL, google_idp: FakeOpenIdProvider, microsoft_idp: FakeOpenIdProvider
) -> None:
    google_idp.account = _account_for(f"only-{uuid.uuid4().hex[:8]}@provider.test")
    token = (await sign_in(sign_in_graphql, "GOOGLE"))["accessToken"]
    person = Person(token=token)

    alone = await _unlink(sign_in_graphql, token, "GOOGLE")
    microsoft_idp.account = _account_for(f"second-{uuid.uuid4().hex[:8]}@provider.test")
    assert (await link(sign_in_graphql, "MICROSOFT", person))["__typename"] == "SignInIdentity"
    first = await _unlink(sign_in_graphql, token, "GOOGLE")
    last = await _unlink(sign_in_graphql, token, "MICROSOFT")
    missing = await _unlink(sign_in_graphql, token, "GOOGLE")

    assert alone["__typename"] == "Conflict"
    assert first == {"__typename": "SignInIdentity", "provider": "GOOGLE"}
    assert last["__typename"] == "Conflict"
    assert missing["__typename"] == "NotFound"
    assert await _providers(sign_in_graphql, token) == ["MICROSOFT"]


async def test_a_person_with_a_password_may_unlink_their_only_provider(
    sign_in_graphql: GraphQL, google_idp: FakeOpenIdProvider
) -> None:
    grace = await sign_up(sign_in_graphql, name="Grace Person")
    google_idp.account = _account_for(f"g-{uuid.uuid4().hex[:8]}@provider.test")
    assert (await link(sign_in_graphql, "GOOGLE", grace))["__typename"] == "SignInIdentity"

    result = await _unlink(sign_in_graphql, grace.token or "", "GOOGLE")

    assert result == {"__typename": "SignInIdentity", "provider": "GOOGLE"}


async def test_an_account_made_by_a_provider_has_no_password_to_log_in_with(
    sign_in_graphql: GraphQL, google_idp: FakeOpenIdProvider
) -> None:
    google_idp.account = _account_for(f"nopass-{uuid.uuid4().hex[:8]}@provider.test")
    assert (await sign_in(sign_in_graphql, "GOOGLE"))["__typename"] == "AuthPayload"

    data = await sign_in_graphql(
        "mutation($e: String!, $p: String!) { logIn(input: {email: $e, password: $p}) { __typename } }",
        {"e": google_idp.account.email, "p": PASSWORD},
    )

    assert data["logIn"]["__typename"] == "AuthenticationFailed"


async def test_signing_in_needs_a_configured_provider_and_linking_a_signed_in_person(
    sign_in_graphql: GraphQL, google_idp: FakeOpenIdProvider
) -> None:
    callback = await consent(await start(sign_in_graphql, "GOOGLE"))

    errors = await sign_in_graphql.errors(
        LINK_DOC, {"input": {"provider": "GOOGLE", "code": callback.code, "state": callback.state}}
    )

    assert errors[0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert (await complete(sign_in_graphql, "GOOGLE", callback))["__typename"] == "AuthPayload"


LINK_DOC = """
mutation Link($input: LinkSignInProviderInput!) {
  linkSignInProvider(input: $input) { __typename ... on SignInRefused { reason } ... on Error { message } }
}
"""
