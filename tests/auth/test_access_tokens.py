from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.auth.sessions import log_in
from tests.auth.tokens import claims_of, mint, unsigned
from tests.factories import PASSWORD, sign_up
from tests.graphql import Caller, GraphQL

WHO_AM_I = "{ viewer { user { id } } }"


async def test_an_access_token_lives_at_most_fifteen_minutes(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Lifetime")

    payload = await log_in(graphql, email=ada.email, password=PASSWORD)

    claims = claims_of(payload["accessToken"])
    assert claims["typ"] == "access"
    assert 0 < claims["exp"] - claims["iat"] <= 15 * 60
    stated = datetime.fromisoformat(payload["accessTokenExpiresAt"])
    assert abs(stated.timestamp() - claims["exp"]) < 2


async def test_a_token_minted_with_the_server_secret_is_accepted(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Minted")

    token = mint(claims_of(ada.token))

    data = await graphql(WHO_AM_I, caller=Caller(token=token))
    assert data["viewer"]["user"]["id"] == ada.user_id


async def test_an_expired_access_token_is_a_401(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Expired")
    expired = mint(claims_of(ada.token), lifetime=-timedelta(seconds=30))

    response = await graphql.post(WHO_AM_I, caller=Caller(token=expired))

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    body = response.json()
    assert body["data"] is None
    [error] = body["errors"]
    assert error["message"] == "The access token has expired."
    assert error["extensions"] == {"code": "UNAUTHENTICATED", "requestId": response.headers["x-request-id"]}


FORGERIES = {
    "signed with another secret": lambda claims: mint(claims, secret="not-the-server-secret-" + "y" * 40),
    "unsigned (alg none)": unsigned,
    "garbage": lambda claims: "garbage",
    "three garbage parts": lambda claims: "a.b.c",
    "a refresh token": lambda claims: mint({**claims, "typ": "refresh"}),
    "from another issuer": lambda claims: mint({**claims, "iss": "someone-else"}),
    "without a subject": lambda claims: mint({key: value for key, value in claims.items() if key != "sub"}),
    "with a subject that is no uuid": lambda claims: mint({**claims, "sub": "admin"}),
}


@pytest.mark.parametrize("forgery", FORGERIES.keys())
async def test_a_forged_access_token_is_a_401(graphql: GraphQL, forgery: str) -> None:
    ada = await sign_up(graphql, name="Ada Forged")
    token = FORGERIES[forgery](claims_of(ada.token))

    response = await graphql.post(WHO_AM_I, caller=Caller(token=token))

    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


@pytest.mark.parametrize("authorization", ["Basic YWRhOnNlY3JldA==", "Bearer", "Bearer ", "Token abc"])
async def test_an_authorization_header_that_is_no_bearer_token_is_a_401(graphql: GraphQL, authorization: str) -> None:
    response = await graphql.post(WHO_AM_I, headers={"Authorization": authorization})

    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_company_header_that_names_no_company_is_a_401(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Header")

    response = await graphql.post(WHO_AM_I, caller=Caller(token=ada.token, company_id="not-a-company"))

    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_without_credentials_the_viewer_is_null(graphql: GraphQL) -> None:
    data = await graphql(WHO_AM_I)

    assert data == {"viewer": None}
