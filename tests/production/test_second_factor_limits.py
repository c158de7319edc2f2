"""Guessing second-factor codes meets the sign-in rate limits: each wrong code is a failed sign-in of its
account, so once they reach the limit the password no longer buys a new challenge."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from base import clock
from base.settings import Settings
from tests.auth.second_factor.flows import Moments, challenge_for, complete, enrolled_person
from tests.production.test_rate_limits import limited_api, log_in, rate_limited


@pytest.fixture
def moments() -> Iterator[Moments]:
    try:
        yield Moments.near_the_wall_clock()
    finally:
        clock.reset()


async def test_wrong_codes_count_as_failed_sign_ins_of_the_account(settings: Settings, moments: Moments) -> None:
    async with limited_api(settings) as api:
        ada = await enrolled_person(api, moments, name="Ada Guesses")
        first = await challenge_for(api, ada.person)
        guesses = [await complete(api, first, f"00000{n}") for n in range(3)]
        second = await challenge_for(api, ada.person)
        guesses += [await complete(api, second, f"00001{n}") for n in range(2)]
        refused = await log_in(api, ada.person.email, "correct horse battery staple")

    assert [guess["__typename"] for guess in guesses] == ["AuthenticationFailed"] * 5
    assert "sign-in-failures" in rate_limited(refused)["message"]


async def test_aliased_answers_count_one_by_one_against_the_sign_in_attempts(
    settings: Settings, moments: Moments
) -> None:
    answers = " ".join(f"a{n}: completeSecondFactor(input: $input) {{ __typename }}" for n in range(3))
    aliased = f"mutation($input: CompleteSecondFactorInput!) {{ {answers} }}"
    async with limited_api(settings, rate_limit_auth_attempts="2/15 minutes") as api:
        response = await api.post(aliased, {"input": {"challenge": "x", "code": "123456"}})

    assert "auth" in rate_limited(response)["message"]
