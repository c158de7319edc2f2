"""Signing in with a second factor: the password yields a challenge, a code of the window answers it once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.auth.second_factor.flows import (
    STATUS,
    Moments,
    challenge_for,
    code,
    complete,
    enrolled_person,
    sign_in,
)
from tests.auth.sessions import refresh
from tests.factories import Person
from tests.graphql import GraphQL


@pytest.mark.parametrize("step", [-1, 0, 1])
async def test_a_code_of_the_previous_current_or_next_step_is_accepted(
    graphql: GraphQL, moments: Moments, step: int
) -> None:
    enrolled = await enrolled_person(graphql, moments, name=f"Ada Step {step}")

    answer = await sign_in(graphql, enrolled.person, code(enrolled.secret, moments.now, step=step))

    assert answer["__typename"] == "AuthPayload"
    assert answer["user"]["id"] == enrolled.person.user_id


@pytest.mark.parametrize("step", [-2, 2])
async def test_a_code_two_steps_away_is_refused(graphql: GraphQL, moments: Moments, step: int) -> None:
    enrolled = await enrolled_person(graphql, moments, name=f"Ada Far {step}")

    answer = await sign_in(graphql, enrolled.person, code(enrolled.secret, moments.now, step=step))

    assert answer == {"__typename": "AuthenticationFailed", "message": "The code is not correct. 4 attempts left."}


async def test_the_edges_of_the_window_are_judged_at_the_last_second_of_a_step(
    graphql: GraphQL, moments: Moments
) -> None:
    enrolled = await enrolled_person(graphql, moments, name="Ada Edge")
    last_second = moments.move(timedelta(seconds=24))  # 29 seconds into the step

    far_back = await sign_in(graphql, enrolled.person, code(enrolled.secret, last_second.now, step=-2))
    one_back = await sign_in(graphql, enrolled.person, code(enrolled.secret, last_second.now, step=-1))

    assert far_back["__typename"] == "AuthenticationFailed"
    assert one_back["__typename"] == "AuthPayload", one_back


async def test_a_code_used_once_is_refused_as_a_replay_within_its_window(graphql: GraphQL, moments: Moments) -> None:
    enrolled = await enrolled_person(graphql, moments, name="Ada Replay")
    the_code = code(enrolled.secret, moments.now)

    first = await sign_in(graphql, enrolled.person, the_code)
    replayed = await sign_in(graphql, enrolled.person, the_code)
    # An earlier step than the one accepted is refused too; the next step's code works.
    earlier = await sign_in(graphql, enrolled.person, code(enrolled.secret, moments.now, step=-1))
    later = await sign_in(graphql, enrolled.person, code(enrolled.secret, moments.now, step=1))

    assert first["__typename"] == "AuthPayload"
    assert replayed == {
        "__typename": "AuthenticationFailed",
        "message": "This code was already used; wait for the next one. 4 attempts left.",
    }
    assert earlier["__typename"] == "AuthenticationFailed"
    assert later["__typename"] == "AuthPayload"


async def test_a_recovery_code_works_once(graphql: GraphQL, moments: Moments) -> None:
    enrolled = await enrolled_person(graphql, moments, name="Ada Recovery")
    recovery_code = enrolled.recovery_codes[3]

    first = await sign_in(graphql, enrolled.person, recovery_code.upper())
    second = await sign_in(graphql, enrolled.person, recovery_code)
    status = await graphql(STATUS, caller=Person(token=first["accessToken"]))

    assert first["__typename"] == "AuthPayload"
    assert second == {
        "__typename": "AuthenticationFailed",
        "message": "The recovery code is not correct, or was already used. 4 attempts left.",
    }
    assert status["viewer"]["secondFactor"]["recoveryCodesLeft"] == 9


async def test_five_wrong_codes_lock_the_challenge_even_against_the_right_code(
    graphql: GraphQL, moments: Moments
) -> None:
    enrolled = await enrolled_person(graphql, moments, name="Ada Brute")
    challenge = await challenge_for(graphql, enrolled.person)
    right = code(enrolled.secret, moments.now)
    wrong = [f"{(int(right) + n) % 1_000_000:06d}" for n in range(1, 6)]

    answers = [await complete(graphql, challenge, guess) for guess in wrong]
    after = await complete(graphql, challenge, right)
    # A new sign-in starts a new challenge, with the right code unspent.
    fresh = await sign_in(graphql, enrolled.person, right)

    assert [answer["message"] for answer in answers[:4]] == [
        f"The code is not correct. {left} attempt{'s' if left > 1 else ''} left." for left in (4, 3, 2, 1)
    ]
    locked = {
        "__typename": "SecondFactorLocked",
        "message": "Too many wrong codes: this sign-in is locked. Sign in again with your password.",
    }
    assert answers[4] == locked
    assert after == locked
    assert fresh["__typename"] == "AuthPayload"


async def test_a_challenge_works_once(graphql: GraphQL, moments: Moments) -> None:
    enrolled = await enrolled_person(graphql, moments, name="Ada Once")
    challenge = await challenge_for(graphql, enrolled.person)

    first = await complete(graphql, challenge, code(enrolled.secret, moments.now))
    again = await complete(graphql, challenge, code(enrolled.secret, moments.now, step=1))

    assert first["__typename"] == "AuthPayload"
    assert again == {
        "__typename": "AuthenticationFailed",
        "message": "This sign-in challenge was already used or is not valid; sign in again.",
    }


async def test_a_challenge_expires_after_five_minutes(graphql: GraphQL, moments: Moments) -> None:
    enrolled = await enrolled_person(graphql, moments, name="Ada Expiry")
    challenge = await challenge_for(graphql, enrolled.person)
    later = moments.move(timedelta(minutes=5, seconds=1))

    answer = await complete(graphql, challenge, code(enrolled.secret, later.now))

    assert answer == {
        "__typename": "AuthenticationFailed",
        "message": "The sign-in challenge has expired; sign in again.",
    }


async def test_a_forged_or_foreign_challenge_is_refused(graphql: GraphQL, moments: Moments) -> None:
    enrolled = await enrolled_person(graphql, moments, name="Ada Forged")
    challenge = await challenge_for(graphql, enrolled.person)
    header, body, signature = challenge.split(".")

    forged = await complete(graphql, f"{header}.{body}.{signature[::-1]}", code(enrolled.secret, moments.now))
    # A refresh token is signed with the same key but is no challenge.
    refresh_token = await complete(graphql, enrolled.verified.refresh_token, code(enrolled.secret, moments.now))

    assert forged == {"__typename": "AuthenticationFailed", "message": "The sign-in challenge is not valid."}
    assert refresh_token == forged


async def test_the_tokens_say_the_session_passed_the_second_factor_and_a_refresh_keeps_it(
    graphql: GraphQL, moments: Moments
) -> None:
    enrolled = await enrolled_person(graphql, moments, name="Ada Session")
    answer = await sign_in(graphql, enrolled.person, code(enrolled.secret, moments.now))

    renewed = await refresh(graphql, refresh_token=answer["refreshToken"])
    status = await graphql(STATUS, caller=Person(token=renewed["accessToken"]))

    assert status["viewer"]["secondFactor"]["sessionVerified"] is True
