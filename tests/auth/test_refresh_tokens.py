from __future__ import annotations

from tests.auth.sessions import log_in, log_out, refresh, viewer_email
from tests.factories import PASSWORD, sign_up
from tests.graphql import GraphQL

REUSED = "This refresh token was already used; every session started from it has been signed out."
NOT_VALID = "The refresh token is not valid."


async def test_refreshing_returns_new_tokens_that_work(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Refresh")

    renewed = await refresh(graphql, refresh_token=ada.refresh_token)

    assert renewed["__typename"] == "AuthPayload"
    assert renewed["refreshToken"] != ada.refresh_token
    assert renewed["user"]["id"] == ada.user_id
    assert await viewer_email(graphql, token=renewed["accessToken"]) == ada.email
    assert (await refresh(graphql, refresh_token=renewed["refreshToken"]))["__typename"] == "AuthPayload"


async def test_a_used_refresh_token_is_refused(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Reuse")
    await refresh(graphql, refresh_token=ada.refresh_token)

    reused = await refresh(graphql, refresh_token=ada.refresh_token)

    assert reused == {"__typename": "AuthenticationFailed", "message": REUSED}


async def test_reusing_a_refresh_token_signs_out_every_session_rotated_from_it(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Family")
    second = await refresh(graphql, refresh_token=ada.refresh_token)
    newest = await refresh(graphql, refresh_token=second["refreshToken"])

    await refresh(graphql, refresh_token=ada.refresh_token)

    assert await refresh(graphql, refresh_token=newest["refreshToken"]) == {
        "__typename": "AuthenticationFailed",
        "message": NOT_VALID,
    }


async def test_reusing_a_refresh_token_leaves_other_sign_ins_alone(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Other Device")
    other_device = await log_in(graphql, email=ada.email, password=PASSWORD)
    await refresh(graphql, refresh_token=ada.refresh_token)

    await refresh(graphql, refresh_token=ada.refresh_token)

    assert (await refresh(graphql, refresh_token=other_device["refreshToken"]))["__typename"] == "AuthPayload"


async def test_logging_out_revokes_the_refresh_token(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Logout")

    assert await log_out(graphql, refresh_token=ada.refresh_token) == {"__typename": "LoggedOut", "ok": True}

    assert await refresh(graphql, refresh_token=ada.refresh_token) == {
        "__typename": "AuthenticationFailed",
        "message": NOT_VALID,
    }


async def test_logging_out_revokes_every_token_rotated_from_the_same_sign_in(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Logout Family")
    renewed = await refresh(graphql, refresh_token=ada.refresh_token)

    await log_out(graphql, refresh_token=ada.refresh_token)

    assert (await refresh(graphql, refresh_token=renewed["refreshToken"]))["__typename"] == "AuthenticationFailed"


async def test_logging_out_leaves_other_sign_ins_alone(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Logout Other")
    other_device = await log_in(graphql, email=ada.email, password=PASSWORD)

    await log_out(graphql, refresh_token=ada.refresh_token)

    assert (await refresh(graphql, refresh_token=other_device["refreshToken"]))["__typename"] == "AuthPayload"


async def test_an_access_token_is_no_refresh_token(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Wrong Kind")

    assert await refresh(graphql, refresh_token=ada.token) == {
        "__typename": "AuthenticationFailed",
        "message": NOT_VALID,
    }


async def test_a_garbage_refresh_token_is_refused(graphql: GraphQL) -> None:
    assert await refresh(graphql, refresh_token="garbage") == {
        "__typename": "AuthenticationFailed",
        "message": NOT_VALID,
    }
    assert (await log_out(graphql, refresh_token="garbage"))["__typename"] == "AuthenticationFailed"
