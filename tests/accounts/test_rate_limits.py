"""The public account mutations count against the auth rate limit like `logIn`: per client address, each alias
counted, refused with RATE_LIMITED and HTTP 429 past it."""

from __future__ import annotations

import pytest

from base.settings import Settings
from tests.accounts.email_documents import REQUEST_PASSWORD_RESET, RESET_PASSWORD, VERIFY_EMAIL
from tests.factories import unique_email
from tests.production.test_rate_limits import limited_api, rate_limited

VARIABLES = {
    "requestPasswordReset": (REQUEST_PASSWORD_RESET, {"email": "someone@rhythm.test"}),
    "resetPassword": (RESET_PASSWORD, {"token": "guess", "newPassword": "a long enough password"}),
    "verifyEmail": (VERIFY_EMAIL, {"token": "guess"}),
}


@pytest.mark.parametrize("field", sorted(VARIABLES))
async def test_the_fourth_attempt_past_a_limit_of_three_is_refused(settings: Settings, field: str) -> None:
    document, values = VARIABLES[field]
    async with limited_api(settings, rate_limit_auth_attempts="3/15 minutes") as api:
        allowed = [await api.post(document, {"input": values}) for _ in range(3)]
        refused = await api.post(document, {"input": values})

    assert [response.status_code for response in allowed] == [200] * 3
    assert all(not response.json().get("errors") for response in allowed)
    error = rate_limited(refused)
    assert '"auth";q=3' in refused.headers["ratelimit-policy"]
    assert "auth: 3 per 900 seconds" in error["message"]


async def test_aliases_of_verify_email_count_one_by_one(settings: Settings) -> None:
    guesses = " ".join(f'g{n}: verifyEmail(input: {{token: "guess-{n}"}}) {{ __typename }}' for n in range(4))
    async with limited_api(settings, rate_limit_auth_attempts="3/15 minutes") as api:
        refused = await api.post(f"mutation {{ {guesses} }}")

    rate_limited(refused)


async def test_requests_for_different_addresses_share_the_limit_of_the_client(settings: Settings) -> None:
    async with limited_api(settings, rate_limit_auth_attempts="2/15 minutes") as api:
        answers = [
            await api.post(REQUEST_PASSWORD_RESET, {"input": {"email": unique_email("spray")}}) for _ in range(3)
        ]

    assert [response.status_code for response in answers] == [200, 200, 429]
