"""Verifying an email: the link sent at signup and after a change arrives through SMTP (a real server on
loopback), works once, and an expired or used one is refused with a reason."""

from __future__ import annotations

import asyncpg

from domain.auth.account_tokens import hash_token
from tests.accounts.email_documents import (
    REQUEST_EMAIL_CHANGE,
    REQUEST_EMAIL_VERIFICATION,
    VERIFY_EMAIL,
    account,
    link_token,
    mutate,
)
from tests.auth.sessions import log_in
from tests.factories import PASSWORD, sign_up, unique_email
from tests.graphql import GraphQL
from tests.notifications.mailbox import Mailbox


async def expire(owner: asyncpg.Connection, token: str) -> None:
    await owner.execute(
        "UPDATE account_tokens SET expires_at = now() - interval '1 second' WHERE token_hash = $1", hash_token(token)
    )


async def test_the_signup_link_arrives_and_verifies_the_email_once(graphql: GraphQL, mailbox: Mailbox) -> None:
    ada = await sign_up(graphql, name="Ada Verify")
    before = await account(graphql, ada)

    token = await link_token(mailbox, ada.email, "verify_email")
    [message] = mailbox.to(ada.email, "verify_email")
    first = await mutate(graphql, VERIFY_EMAIL, "verifyEmail", token=token)
    again = await mutate(graphql, VERIFY_EMAIL, "verifyEmail", token=token)

    assert before == {"emailVerified": False, "user": {"email": ada.email}}
    assert message["Subject"] == "Confirm your email address for Rhythm"
    assert f"http://rhythm.test/verify-email?token={token}" in message.get_content()
    assert first == {"__typename": "EmailVerified", "ok": True}
    assert again["__typename"] == "TokenRefused"
    assert again["reason"] == "USED"
    assert await account(graphql, ada) == {"emailVerified": True, "user": {"email": ada.email}}


async def test_an_expired_link_is_refused_and_changes_nothing(
    graphql: GraphQL, mailbox: Mailbox, owner: asyncpg.Connection
) -> None:
    ada = await sign_up(graphql, name="Ada Expired")
    token = await link_token(mailbox, ada.email, "verify_email")
    await expire(owner, token)

    refused = await mutate(graphql, VERIFY_EMAIL, "verifyEmail", token=token)

    assert refused["__typename"] == "TokenRefused"
    assert refused["reason"] == "EXPIRED"
    assert "expired" in refused["message"]
    assert (await account(graphql, ada))["emailVerified"] is False


async def test_a_made_up_token_is_refused_as_unknown(graphql: GraphQL) -> None:
    refused = [
        await mutate(graphql, VERIFY_EMAIL, "verifyEmail", token=token) for token in ("not-a-token", "x" * 5000, "")
    ]

    assert [(result["__typename"], result["reason"]) for result in refused] == [("TokenRefused", "UNKNOWN")] * 3


async def test_the_token_is_stored_only_as_its_hash(
    graphql: GraphQL, mailbox: Mailbox, owner: asyncpg.Connection
) -> None:
    ada = await sign_up(graphql, name="Ada Hashed")
    token = await link_token(mailbox, ada.email, "verify_email")

    stored = await owner.fetch(
        "SELECT token_hash FROM account_tokens t JOIN users u ON u.id = t.user_id WHERE u.email = $1", ada.email
    )

    assert [row["token_hash"] for row in stored] == [hash_token(token)]
    assert token not in str(await owner.fetch("SELECT payload FROM outbox WHERE type LIKE 'account.%'"))


async def test_a_new_link_replaces_the_one_before(graphql: GraphQL, mailbox: Mailbox) -> None:
    ada = await sign_up(graphql, name="Ada Again")
    first = await link_token(mailbox, ada.email, "verify_email")

    asked = await mutate(graphql, REQUEST_EMAIL_VERIFICATION, "requestEmailVerification", caller=ada)
    second = await link_token(mailbox, ada.email, "verify_email", count=2)
    old = await mutate(graphql, VERIFY_EMAIL, "verifyEmail", token=first)
    new = await mutate(graphql, VERIFY_EMAIL, "verifyEmail", token=second)

    assert asked == {"__typename": "EmailRequested", "ok": True}
    assert (old["__typename"], old["reason"]) == ("TokenRefused", "EXPIRED")
    assert new == {"__typename": "EmailVerified", "ok": True}


async def test_an_email_change_switches_only_once_the_new_address_is_verified(
    graphql: GraphQL, mailbox: Mailbox
) -> None:
    ada = await sign_up(graphql, name="Ada Moves")
    signup_token = await link_token(mailbox, ada.email, "verify_email")
    new_email = unique_email("ada-moved")

    wrong = await mutate(
        graphql, REQUEST_EMAIL_CHANGE, "requestEmailChange", caller=ada, newEmail=new_email, password="not it at all"
    )
    asked = await mutate(
        graphql, REQUEST_EMAIL_CHANGE, "requestEmailChange", caller=ada, newEmail=new_email, password=PASSWORD
    )
    token = await link_token(mailbox, new_email, "verify_email")
    meanwhile = await account(graphql, ada)
    verified = await mutate(graphql, VERIFY_EMAIL, "verifyEmail", token=token)

    assert wrong["__typename"] == "AuthenticationFailed"
    assert asked == {"__typename": "EmailRequested", "ok": True}
    assert meanwhile == {"emailVerified": False, "user": {"email": ada.email}}
    assert verified == {"__typename": "EmailVerified", "ok": True}
    assert await account(graphql, ada) == {"emailVerified": True, "user": {"email": new_email}}
    # The old address's link cannot switch the account back.
    old_link = await mutate(graphql, VERIFY_EMAIL, "verifyEmail", token=signup_token)
    assert (old_link["__typename"], old_link["reason"]) == ("TokenRefused", "EXPIRED")
    assert (await log_in(graphql, email=new_email, password=PASSWORD))["__typename"] == "AuthPayload"
    assert (await log_in(graphql, email=ada.email, password=PASSWORD))["__typename"] == "AuthenticationFailed"


async def test_an_email_change_to_an_address_taken_meanwhile_is_a_conflict(graphql: GraphQL, mailbox: Mailbox) -> None:
    ada = await sign_up(graphql, name="Ada Late")
    wanted = unique_email("wanted")
    await mutate(graphql, REQUEST_EMAIL_CHANGE, "requestEmailChange", caller=ada, newEmail=wanted, password=PASSWORD)
    token = await link_token(mailbox, wanted, "verify_email")
    await sign_up(graphql, name="Bob First", email=wanted)

    conflict = await mutate(graphql, VERIFY_EMAIL, "verifyEmail", token=token)

    assert conflict["__typename"] == "Conflict"
    assert (await account(graphql, ada))["user"]["email"] == ada.email


async def test_an_email_change_checks_the_new_address(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Checks")

    bad = await mutate(
        graphql, REQUEST_EMAIL_CHANGE, "requestEmailChange", caller=ada, newEmail="no at sign", password=PASSWORD
    )
    same = await mutate(
        graphql, REQUEST_EMAIL_CHANGE, "requestEmailChange", caller=ada, newEmail=ada.email.upper(), password=PASSWORD
    )

    assert bad["__typename"] == "ValidationFailed"
    assert bad["fields"] == [{"field": "newEmail", "message": "Must be an email address."}]
    assert same["__typename"] == "ValidationFailed"
