from __future__ import annotations

from tests.auth.sessions import log_in, viewer_email
from tests.factories import PASSWORD, sign_up, unique_email
from tests.graphql import GraphQL


async def test_logging_in_returns_tokens_for_the_person(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Login")

    payload = await log_in(graphql, email=ada.email, password=PASSWORD)

    assert payload["__typename"] == "AuthPayload"
    assert payload["user"]["id"] == ada.user_id
    assert await viewer_email(graphql, token=payload["accessToken"]) == ada.email


async def test_the_email_matches_in_any_case(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Case")

    payload = await log_in(graphql, email=ada.email.upper(), password=PASSWORD)

    assert payload["__typename"] == "AuthPayload"
    assert payload["user"]["id"] == ada.user_id


async def test_a_wrong_password_and_an_unknown_email_fail_alike(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Wrong")

    wrong_password = await log_in(graphql, email=ada.email, password=PASSWORD + "!")
    unknown_email = await log_in(graphql, email=unique_email("nobody"), password=PASSWORD)

    assert wrong_password == {"__typename": "AuthenticationFailed", "message": "The email or password is not correct."}
    assert unknown_email == wrong_password


async def test_an_empty_password_is_refused(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Empty")

    payload = await log_in(graphql, email=ada.email, password="")

    assert payload["__typename"] == "AuthenticationFailed"
