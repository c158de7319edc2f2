"""Enrolling, confirming and signing in with a second factor through the API, on the app's clock.

`Moments` fixes the clock (base/clock.py) at a step boundary near the wall clock, so a test names the step a
code belongs to (`code(secret, step=-1)`) and the server judges it at a known "now".
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pyotp

from base import clock
from tests.auth.sessions import LOG_IN
from tests.factories import PASSWORD, Person, sign_up
from tests.graphql import GraphQL

STEP = timedelta(seconds=30)

SESSION = "accessToken refreshToken user { id }"
ENROL = """
mutation { enrolSecondFactor { __typename
  ... on SecondFactorEnrolment { uri secret qrCodeSvg } ... on Error { message } } }"""
CONFIRM = f"""
mutation($input: SecondFactorCodeInput!) {{ confirmSecondFactor(input: $input) {{ __typename
  ... on SecondFactorEnabled {{ recoveryCodes session {{ {SESSION} }} }}
  ... on ValidationFailed {{ message fields {{ field message code }} }} ... on Error {{ message }} }} }}"""
DISABLE = """
mutation($input: DisableSecondFactorInput!) { disableSecondFactor(input: $input) { __typename
  ... on SecondFactorDisabled { ok } ... on ValidationFailed { message fields { field message code } }
  ... on Error { message } } }"""
COMPLETE = f"""
mutation($input: CompleteSecondFactorInput!) {{ completeSecondFactor(input: $input) {{ __typename
  ... on AuthPayload {{ {SESSION} }} ... on Error {{ message }} }} }}"""
LOG_IN_WITH_CHALLENGE = LOG_IN.replace(
    "... on AuthPayload {", "... on SecondFactorChallenge { challenge expiresAt } ... on AuthPayload {"
)
STATUS = """{ viewer { secondFactor { enabled enrolling sessionVerified recoveryCodesLeft
  requiredBy { companyId name reachable } } } }"""


@dataclass(frozen=True)
class Moments:
    """The app's clock, set a few seconds into the step before the wall clock's, so that moving it on by less than
    a step never runs ahead of the wall clock (signed tokens issued "in the future" would be refused)."""

    now: datetime

    @classmethod
    def near_the_wall_clock(cls) -> Moments:
        wall = datetime.now(UTC)
        start = datetime.fromtimestamp(int(wall.timestamp()) // 30 * 30, UTC) - STEP
        moments = cls(start + timedelta(seconds=5))
        clock.set_time(moments.now)
        return moments

    def move(self, by: timedelta) -> Moments:
        moved = replace(self, now=self.now + by)
        clock.set_time(moved.now)
        return moved


def code(secret: str, at: datetime, *, step: int = 0) -> str:
    """The authenticator's code `step` steps from `at`."""
    return pyotp.TOTP(secret).at(at + step * STEP)


@dataclass(frozen=True)
class Enrolled:
    person: Person
    secret: str
    recovery_codes: list[str]
    # Tokens from the confirmation, whose session passed the second factor.
    verified: Person


async def result(graphql: GraphQL, field: str, query: str, variables: dict[str, Any] | None, caller: Any) -> Any:
    data = await graphql(query, variables, caller=caller)
    return data[field]


async def enrol(graphql: GraphQL, person: Person) -> str:
    enrolment = await result(graphql, "enrolSecondFactor", ENROL, None, person)
    assert enrolment["__typename"] == "SecondFactorEnrolment", enrolment
    return str(enrolment["secret"])


async def confirm(graphql: GraphQL, person: Person, the_code: str) -> dict[str, Any]:
    return dict(await result(graphql, "confirmSecondFactor", CONFIRM, {"input": {"code": the_code}}, person))


async def enrolled_person(graphql: GraphQL, moments: Moments, *, name: str) -> Enrolled:
    """A person with an enabled second factor, confirmed two minutes before `moments.now` so that every code of
    the window around it is still unused."""
    person = await sign_up(graphql, name=name)
    secret = await enrol(graphql, person)
    earlier = moments.now - 4 * STEP
    clock.set_time(earlier)
    try:
        confirmed = await confirm(graphql, person, code(secret, earlier))
    finally:
        clock.set_time(moments.now)
    assert confirmed["__typename"] == "SecondFactorEnabled", confirmed
    session = confirmed["session"]
    verified = replace(person, token=session["accessToken"], refresh_token=session["refreshToken"])
    return Enrolled(person=person, secret=secret, recovery_codes=confirmed["recoveryCodes"], verified=verified)


async def challenge_for(graphql: GraphQL, person: Person) -> str:
    data = await graphql(LOG_IN_WITH_CHALLENGE, {"input": {"email": person.email, "password": PASSWORD}})
    answer = data["logIn"]
    assert answer["__typename"] == "SecondFactorChallenge", answer
    return str(answer["challenge"])


async def complete(graphql: GraphQL, challenge: str, the_code: str) -> dict[str, Any]:
    data = await graphql(COMPLETE, {"input": {"challenge": challenge, "code": the_code}})
    return dict(data["completeSecondFactor"])


async def sign_in(graphql: GraphQL, person: Person, the_code: str) -> dict[str, Any]:
    return await complete(graphql, await challenge_for(graphql, person), the_code)
