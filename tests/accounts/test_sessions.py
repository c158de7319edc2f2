"""Sign-in sessions: each sign-in on a device is one session (a refresh-token family) the person sees with its user
agent and address, ends one by one, and a password change ends all but the current one."""

from __future__ import annotations

from typing import Any

from tests.accounts.email_documents import CHANGE_PASSWORD, REVOKE_SESSION, SESSIONS, mutate
from tests.auth.sessions import LOG_IN, refresh
from tests.auth.tokens import claims_of, mint
from tests.factories import PASSWORD, Person, sign_up
from tests.graphql import Caller, GraphQL
from tests.isolation.world import issue_api_key, uuid_of

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
PHONE = "Rhythm/2.1 (iPhone; iOS 18.1)"


async def log_in_from(graphql: GraphQL, person: Person, user_agent: str) -> dict[str, Any]:
    response = await graphql.post(
        LOG_IN, {"input": {"email": person.email, "password": PASSWORD}}, headers={"User-Agent": user_agent}
    )
    payload: dict[str, Any] = response.json()["data"]["logIn"]
    assert payload["__typename"] == "AuthPayload", payload
    return payload


async def sessions_of(graphql: GraphQL, token: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = (await graphql(SESSIONS, caller=Caller(token=token)))["viewer"]["sessions"]
    return found


async def test_the_sessions_list_each_device_with_its_user_agent_and_address(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Devices")
    laptop = await log_in_from(graphql, ada, FIREFOX)
    phone = await log_in_from(graphql, ada, PHONE)

    seen_from_phone = await sessions_of(graphql, phone["accessToken"])

    by_agent = {session["userAgent"]: session for session in seen_from_phone}
    assert len(seen_from_phone) == 3  # signup, laptop, phone
    assert by_agent[PHONE]["current"] is True
    assert by_agent[FIREFOX]["current"] is False
    assert [session["current"] for session in seen_from_phone].count(True) == 1
    # The test client's peer, as the ASGI scope names it (no trusted proxy speaks for it).
    assert {session["ipAddress"] for session in seen_from_phone} == {"testclient"}
    # The access token names its session.
    assert claims_of(laptop["accessToken"])["sid"] != claims_of(phone["accessToken"])["sid"]


async def test_a_refresh_keeps_the_session_and_records_its_last_use(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Refreshes")
    before = await sessions_of(graphql, ada.token or "")

    renewed = await refresh(graphql, refresh_token=ada.refresh_token)
    after = await sessions_of(graphql, renewed["accessToken"])

    assert [session["id"] for session in after] == [session["id"] for session in before]
    assert after[0]["lastUsedAt"] > before[0]["lastUsedAt"]
    assert after[0]["current"] is True
    assert claims_of(renewed["accessToken"])["sid"] == claims_of(ada.token or "")["sid"]


async def test_revoking_a_session_ends_its_refresh_token_and_leaves_the_others(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Revokes")
    laptop = await log_in_from(graphql, ada, FIREFOX)
    sessions = await sessions_of(graphql, ada.token or "")
    laptop_session = next(session for session in sessions if session["userAgent"] == FIREFOX)

    revoked = await mutate(graphql, REVOKE_SESSION, "revokeSession", caller=ada, id=laptop_session["id"])
    twice = await mutate(graphql, REVOKE_SESSION, "revokeSession", caller=ada, id=laptop_session["id"])

    assert revoked == {"__typename": "SessionRevoked", "id": laptop_session["id"]}
    assert twice["__typename"] == "NotFound"
    assert (await refresh(graphql, refresh_token=laptop["refreshToken"]))["__typename"] == "AuthenticationFailed"
    assert (await refresh(graphql, refresh_token=ada.refresh_token))["__typename"] == "AuthPayload"
    assert FIREFOX not in [session["userAgent"] for session in await sessions_of(graphql, ada.token or "")]


async def test_nobody_can_revoke_or_see_another_persons_session(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Private")
    bob = await sign_up(graphql, name="Bob Snoops")
    [adas] = await sessions_of(graphql, ada.token or "")

    attempt = await mutate(graphql, REVOKE_SESSION, "revokeSession", caller=bob, id=adas["id"])
    bobs = await sessions_of(graphql, bob.token or "")

    assert attempt == {"__typename": "NotFound", "message": "No such Session."}
    assert adas["id"] not in [session["id"] for session in bobs]
    assert (await refresh(graphql, refresh_token=ada.refresh_token))["__typename"] == "AuthPayload"


async def test_a_password_change_ends_the_other_sessions_and_keeps_this_one(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Changes")
    laptop = await log_in_from(graphql, ada, FIREFOX)
    phone = await log_in_from(graphql, ada, PHONE)
    on_phone = Caller(token=phone["accessToken"])

    wrong = await mutate(
        graphql, CHANGE_PASSWORD, "changePassword", caller=on_phone, currentPassword="not it", newPassword="x" * 12
    )
    changed = await mutate(
        graphql,
        CHANGE_PASSWORD,
        "changePassword",
        caller=on_phone,
        currentPassword=PASSWORD,
        newPassword="a changed passphrase",
    )

    assert wrong["__typename"] == "AuthenticationFailed"
    assert changed == {"__typename": "PasswordChanged", "signedOutSessions": 2}
    assert (await refresh(graphql, refresh_token=laptop["refreshToken"]))["__typename"] == "AuthenticationFailed"
    assert (await refresh(graphql, refresh_token=ada.refresh_token))["__typename"] == "AuthenticationFailed"
    assert [session["userAgent"] for session in await sessions_of(graphql, phone["accessToken"])] == [PHONE]
    assert (await refresh(graphql, refresh_token=phone["refreshToken"]))["__typename"] == "AuthPayload"


async def test_an_api_key_has_no_sessions_to_end(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Keys")
    [session] = await sessions_of(graphql, ada.token or "")
    key = await issue_api_key(graphql, ada, company_id=ada.personal_company_id, scopes=["TASKS_READ"])

    attempt = await mutate(graphql, REVOKE_SESSION, "revokeSession", caller=key.caller(), id=session["id"])

    assert attempt["__typename"] == "Forbidden"
    assert (await refresh(graphql, refresh_token=ada.refresh_token))["__typename"] == "AuthPayload"


async def test_an_access_token_from_before_sessions_names_no_current_one(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Older")
    older = mint({"sub": str(uuid_of(ada.user_id)), "typ": "access", "iss": "rhythm"})

    sessions = await sessions_of(graphql, older)

    assert [session["current"] for session in sessions] == [False]
