"""Resetting a forgotten password: the same answer whether or not an account has the address, the link by email
from a job, used once within its lifetime, and every session of the account signed out after it."""

from __future__ import annotations

import asyncpg

from domain.auth.account_tokens import hash_token
from tests.accounts.email_documents import REQUEST_PASSWORD_RESET, RESET_PASSWORD, account, link_token, mutate
from tests.auth.sessions import log_in, refresh
from tests.factories import PASSWORD, sign_up, unique_email
from tests.graphql import GraphQL
from tests.notifications.mailbox import Mailbox

NEW_PASSWORD = "a brand new passphrase"


async def test_an_unknown_address_gets_exactly_the_answer_a_known_one_gets(graphql: GraphQL, mailbox: Mailbox) -> None:
    ada = await sign_up(graphql, name="Ada Forgets")
    nobody = unique_email("nobody")
    variables = {"input": {"email": ada.email}}

    known = await graphql.post(REQUEST_PASSWORD_RESET, variables)
    unknown = await graphql.post(REQUEST_PASSWORD_RESET, {"input": {"email": nobody}})
    await link_token(mailbox, ada.email, "reset_password")

    assert (known.status_code, unknown.status_code) == (200, 200)
    answer = {"data": {"requestPasswordReset": {"__typename": "EmailRequested", "ok": True}}}
    assert known.json() == unknown.json() == answer
    assert known.headers.keys() == unknown.headers.keys()
    assert mailbox.to(nobody) == []


async def test_the_reset_link_sets_the_password_once_and_signs_out_every_session(
    graphql: GraphQL, mailbox: Mailbox
) -> None:
    ada = await sign_up(graphql, name="Ada Resets")
    laptop = await log_in(graphql, email=ada.email, password=PASSWORD)

    await mutate(graphql, REQUEST_PASSWORD_RESET, "requestPasswordReset", email=ada.email.upper())
    token = await link_token(mailbox, ada.email, "reset_password")
    [message] = mailbox.to(ada.email, "reset_password")
    reset = await mutate(graphql, RESET_PASSWORD, "resetPassword", token=token, newPassword=NEW_PASSWORD)
    again = await mutate(graphql, RESET_PASSWORD, "resetPassword", token=token, newPassword="yet another passphrase")

    assert message["Subject"] == "Reset your Rhythm password"
    assert "for 30 minutes" in message.get_content()
    assert reset == {"__typename": "PasswordReset", "ok": True}
    assert (again["__typename"], again["reason"]) == ("TokenRefused", "USED")
    # Both sessions (the signup's and the laptop's) are over: their refresh tokens no longer work.
    assert (await refresh(graphql, refresh_token=ada.refresh_token))["__typename"] == "AuthenticationFailed"
    assert (await refresh(graphql, refresh_token=laptop["refreshToken"]))["__typename"] == "AuthenticationFailed"
    assert (await log_in(graphql, email=ada.email, password=PASSWORD))["__typename"] == "AuthenticationFailed"
    signed_in = await log_in(graphql, email=ada.email, password=NEW_PASSWORD)
    assert signed_in["__typename"] == "AuthPayload"
    # The link went to the address, so it proves it.
    assert (await account(graphql, ada))["emailVerified"] is True


async def test_an_expired_reset_link_is_refused_and_the_password_stays(
    graphql: GraphQL, mailbox: Mailbox, owner: asyncpg.Connection
) -> None:
    ada = await sign_up(graphql, name="Ada Too Late")
    await mutate(graphql, REQUEST_PASSWORD_RESET, "requestPasswordReset", email=ada.email)
    token = await link_token(mailbox, ada.email, "reset_password")
    await owner.execute(
        "UPDATE account_tokens SET expires_at = now() - interval '1 second' WHERE token_hash = $1", hash_token(token)
    )

    refused = await mutate(graphql, RESET_PASSWORD, "resetPassword", token=token, newPassword=NEW_PASSWORD)

    assert (refused["__typename"], refused["reason"]) == ("TokenRefused", "EXPIRED")
    assert (await log_in(graphql, email=ada.email, password=PASSWORD))["__typename"] == "AuthPayload"
    assert (await refresh(graphql, refresh_token=ada.refresh_token))["__typename"] == "AuthPayload"


async def test_a_reset_checks_the_new_password_before_it_uses_the_link(graphql: GraphQL, mailbox: Mailbox) -> None:
    ada = await sign_up(graphql, name="Ada Short")
    await mutate(graphql, REQUEST_PASSWORD_RESET, "requestPasswordReset", email=ada.email)
    token = await link_token(mailbox, ada.email, "reset_password")

    short = await mutate(graphql, RESET_PASSWORD, "resetPassword", token=token, newPassword="short")
    reset = await mutate(graphql, RESET_PASSWORD, "resetPassword", token=token, newPassword=NEW_PASSWORD)

    assert short["__typename"] == "ValidationFailed"
    assert short["fields"] == [{"field": "newPassword", "message": "Must be at least 10 characters."}]
    assert reset == {"__typename": "PasswordReset", "ok": True}


async def test_a_verification_token_does_not_reset_a_password(graphql: GraphQL, mailbox: Mailbox) -> None:
    ada = await sign_up(graphql, name="Ada Mixed")
    token = await link_token(mailbox, ada.email, "verify_email")

    refused = await mutate(graphql, RESET_PASSWORD, "resetPassword", token=token, newPassword=NEW_PASSWORD)

    assert (refused["__typename"], refused["reason"]) == ("TokenRefused", "UNKNOWN")
