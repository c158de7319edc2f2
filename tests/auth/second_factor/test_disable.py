"""Disabling the second factor needs a valid code (or an unused recovery code)."""

from __future__ import annotations

from tests.auth.second_factor.flows import DISABLE, STATUS, Moments, code, enrolled_person, result
from tests.auth.sessions import log_in
from tests.factories import PASSWORD, sign_up
from tests.graphql import GraphQL


async def test_a_wrong_code_does_not_disable_it(graphql: GraphQL, moments: Moments) -> None:
    enrolled = await enrolled_person(graphql, moments, name="Ada Keep")
    wrong = f"{(int(code(enrolled.secret, moments.now)) + 1) % 1_000_000:06d}"

    refused = await result(graphql, "disableSecondFactor", DISABLE, {"input": {"code": wrong}}, enrolled.verified)
    status = await graphql(STATUS, caller=enrolled.verified)

    assert refused["__typename"] == "ValidationFailed"
    assert refused["fields"] == [{"field": "code", "message": "The code is not correct.", "code": "WRONG_CODE"}]
    assert status["viewer"]["secondFactor"]["enabled"] is True


async def test_a_current_code_disables_it_and_sign_in_needs_the_password_alone_again(
    graphql: GraphQL, moments: Moments
) -> None:
    enrolled = await enrolled_person(graphql, moments, name="Ada Disable")
    the_code = code(enrolled.secret, moments.now)

    done = await result(graphql, "disableSecondFactor", DISABLE, {"input": {"code": the_code}}, enrolled.verified)
    status = await graphql(STATUS, caller=enrolled.verified)
    signed_in = await log_in(graphql, email=enrolled.person.email, password=PASSWORD)

    assert done == {"__typename": "SecondFactorDisabled", "ok": True}
    assert status["viewer"]["secondFactor"] | {"sessionVerified": None} == {
        "enabled": False, "enrolling": False, "sessionVerified": None, "recoveryCodesLeft": 0, "requiredBy": [],
    }  # fmt: skip
    assert signed_in["__typename"] == "AuthPayload"


async def test_a_recovery_code_disables_it(graphql: GraphQL, moments: Moments) -> None:
    enrolled = await enrolled_person(graphql, moments, name="Ada Lost Phone")

    done = await result(
        graphql, "disableSecondFactor", DISABLE, {"input": {"code": enrolled.recovery_codes[0]}}, enrolled.person
    )

    assert done == {"__typename": "SecondFactorDisabled", "ok": True}


async def test_without_a_second_factor_there_is_nothing_to_disable(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Nothing")

    refused = await result(graphql, "disableSecondFactor", DISABLE, {"input": {"code": "123456"}}, ada)

    assert refused == {"__typename": "NotFound", "message": "No second factor is enabled."}
