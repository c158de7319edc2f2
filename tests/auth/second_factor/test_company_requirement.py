"""A company that requires a second factor: its owners decide, members without one are refused its data with
SecondFactorRequired until they enrol and sign in with it, and their personal company stays reachable."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.audit.world import audit_log
from tests.auth.second_factor.flows import STATUS, Enrolled, Moments, code, confirm, enrol, enrolled_person, result
from tests.factories import Person, create_company, create_project, invite, sign_up
from tests.graphql import Caller, GraphQL

REQUIRE = """
mutation($input: SetCompanySecondFactorRequirementInput!) {
  setCompanySecondFactorRequirement(input: $input) {
    __typename ... on Company { id requireSecondFactor } ... on Error { message }
  }
}"""
CREATE_PROJECT = """
mutation($input: CreateProjectInput!) {
  createProject(input: $input) { __typename ... on Project { id } ... on Error { message } }
}"""
COMPANIES = "{ viewer { companies { nodes { id requireSecondFactor } } } }"
REQUIRED_MESSAGE = (
    "This company requires a second factor. Enable one (enrolSecondFactor, then confirmSecondFactor) and sign in"
    " with it to reach the company."
)


@dataclass(frozen=True)
class Strict:
    company_id: str
    owner: Enrolled
    bob: Person


async def require(graphql: GraphQL, caller: Caller, company_id: str, *, required: bool = True) -> dict[str, Any]:
    variables = {"input": {"companyId": company_id, "required": required}}
    return dict(await result(graphql, "setCompanySecondFactorRequirement", REQUIRE, variables, caller))


async def project_in(graphql: GraphQL, caller: Caller, company_id: str) -> dict[str, Any]:
    variables = {"input": {"companyId": company_id, "name": "Audit"}}
    return dict(await result(graphql, "createProject", CREATE_PROJECT, variables, caller))


async def company_ids(graphql: GraphQL, caller: Caller) -> set[str]:
    data = await graphql(COMPANIES, caller=caller)
    return {node["id"] for node in data["viewer"]["companies"]["nodes"]}


async def strict_company(graphql: GraphQL, moments: Moments, name: str) -> Strict:
    """Ada, signed in with her second factor, owns a company that requires one; Bob is a member without."""
    ada = await enrolled_person(graphql, moments, name=f"Ada {name}")
    company_id = await create_company(graphql, ada.verified, name=f"Strict {name}")
    await create_project(graphql, ada.verified, company_id=company_id)
    bob = await sign_up(graphql, name=f"Bob {name}")
    await invite(graphql, ada.verified, company_id=company_id, member=bob)
    required = await require(graphql, ada.verified, company_id)
    assert required == {"__typename": "Company", "id": company_id, "requireSecondFactor": True}
    return Strict(company_id=company_id, owner=ada, bob=bob)


async def test_a_member_without_a_second_factor_is_refused_the_company_with_a_typed_error(
    graphql: GraphQL, moments: Moments
) -> None:
    strict = await strict_company(graphql, moments, "Refused")

    refused = await project_in(graphql, strict.bob, strict.company_id)
    seen = await company_ids(graphql, strict.bob)
    status = await graphql(STATUS, caller=strict.bob)

    assert refused == {"__typename": "SecondFactorRequired", "message": REQUIRED_MESSAGE}
    assert seen == {strict.bob.personal_company_id}
    assert status["viewer"]["secondFactor"]["requiredBy"] == [
        {"companyId": strict.company_id, "name": "Strict Refused", "reachable": False}
    ]


async def test_the_personal_company_stays_reachable_so_the_member_can_enrol(graphql: GraphQL, moments: Moments) -> None:
    strict = await strict_company(graphql, moments, "Personal")

    personal = await project_in(graphql, strict.bob, strict.bob.personal_company_id)
    secret = await enrol(graphql, strict.bob)

    assert personal["__typename"] == "Project"
    assert secret


async def test_after_enrolling_the_member_reaches_the_company(graphql: GraphQL, moments: Moments) -> None:
    strict = await strict_company(graphql, moments, "Enrolled")
    secret = await enrol(graphql, strict.bob)

    confirmed = await confirm(graphql, strict.bob, code(secret, moments.now))
    verified = Person(token=confirmed["session"]["accessToken"])
    created = await project_in(graphql, verified, strict.company_id)
    seen = await company_ids(graphql, verified)
    # The session from before the enrolment has still not passed a second factor.
    old_session = await project_in(graphql, strict.bob, strict.company_id)

    assert created["__typename"] == "Project"
    assert seen == {strict.bob.personal_company_id, strict.company_id}
    assert old_session["__typename"] == "SecondFactorRequired"


async def test_the_owner_without_a_verified_session_may_not_require_it(graphql: GraphQL, moments: Moments) -> None:
    ada = await enrolled_person(graphql, moments, name="Ada Unverified")
    company_id = await create_company(graphql, ada.verified, name="Not Yet Strict")

    # Ada's token from signing up predates her second factor.
    refused = await require(graphql, ada.person, company_id)

    assert refused == {
        "__typename": "Forbidden",
        "message": "Enable a second factor and sign in with it before requiring one of everyone.",
    }


async def test_only_owners_decide_and_personal_companies_never_require_it(graphql: GraphQL, moments: Moments) -> None:
    strict = await strict_company(graphql, moments, "Owners")
    grace = await enrolled_person(graphql, moments, name="Grace Admin")
    await invite(graphql, strict.owner.verified, company_id=strict.company_id, member=grace.person, role="ADMIN")

    by_admin = await require(graphql, grace.verified, strict.company_id, required=False)
    personal = await require(graphql, strict.owner.verified, strict.owner.person.personal_company_id)

    assert by_admin == {
        "__typename": "Forbidden",
        "message": "Only owners decide whether the company requires a second factor.",
    }
    assert personal["__typename"] == "Conflict"


async def test_lifting_the_requirement_lets_the_member_in_again(graphql: GraphQL, moments: Moments) -> None:
    strict = await strict_company(graphql, moments, "Lifted")

    lifted = await require(graphql, strict.owner.verified, strict.company_id, required=False)
    created = await project_in(graphql, strict.bob, strict.company_id)

    assert lifted["requireSecondFactor"] is False
    assert created["__typename"] == "Project"


async def test_the_requirement_and_second_factors_enter_the_companys_audit_log(
    graphql: GraphQL, moments: Moments
) -> None:
    strict = await strict_company(graphql, moments, "Audited")
    entries = await audit_log(graphql, strict.owner.verified, strict.company_id)
    assert entries is not None
    ada = strict.owner.person.user_id

    actions = [(entry["action"], entry["actorId"], entry["targetId"]) for entry in entries]

    assert ("COMPANY_SECOND_FACTOR_REQUIREMENT_CHANGED", ada, strict.company_id) in actions
    assert next(e for e in entries if e["action"] == "COMPANY_SECOND_FACTOR_REQUIREMENT_CHANGED")["details"] == {
        "required": True
    }
    # Ada enabled hers before she made the company: it went to the companies she had then, her personal one.
    personal = await audit_log(graphql, strict.owner.verified, strict.owner.person.personal_company_id)
    assert personal is not None
    assert ("SECOND_FACTOR_ENABLED", ada, ada) in [(e["action"], e["actorId"], e["targetId"]) for e in personal]
