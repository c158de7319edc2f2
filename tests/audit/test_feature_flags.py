"""Feature flags: a company's override beats the global default; platform administrators alone set either; the
company's owners see its flags; the cached answer is forgotten as soon as this process changes a flag, and a change
made elsewhere is seen once the cache's time is up."""

from __future__ import annotations

import uuid

import asyncpg
import pytest

from domain import feature_flags
from domain.feature_flags import FlagCache
from tests.audit.world import audit_log, flag_name, make_platform_admin
from tests.factories import Person, create_company, invite, result_of, sign_up
from tests.graphql import GraphQL
from tests.isolation.world import global_id, uuid_of

SET_DEFAULT = """
mutation($input: SetFeatureFlagInput!) {
  setFeatureFlag(input: $input) {
    __typename ... on FeatureFlag { name enabled description } ... on Error { message }
    ... on ValidationFailed { fields { field message } }
  }
}"""
SET_OVERRIDE = """
mutation($input: SetCompanyFeatureFlagInput!) {
  setCompanyFeatureFlag(input: $input) {
    __typename ... on CompanyFeatureFlag { name enabled defaultEnabled override } ... on Error { message }
  }
}"""
ENABLED = """
query($company: ID!, $name: String!) { node(id: $company) { ... on Company { featureEnabled(name: $name) } } }"""
FLAGS = """
query($company: ID!) {
  node(id: $company) { ... on Company { featureFlags { name description enabled defaultEnabled override } } }
}"""


@pytest.fixture
async def admin(graphql: GraphQL, owner: asyncpg.Connection) -> Person:
    person = await sign_up(graphql, name="Pat Platform")
    await make_platform_admin(owner, person)
    return person


async def enabled(graphql: GraphQL, caller: Person, company_id: str, name: str) -> bool:
    data = await graphql(ENABLED, {"company": company_id, "name": name}, caller=caller)
    return bool(data["node"]["featureEnabled"])


async def set_default(graphql: GraphQL, admin: Person, name: str, *, on: bool) -> None:
    variables = {"input": {"name": name, "enabled": on, "description": "A test flag."}}
    await result_of(graphql, "setFeatureFlag", SET_DEFAULT, variables, admin)


async def set_override(graphql: GraphQL, admin: Person, company_id: str, name: str, on: bool | None) -> None:
    variables = {"input": {"companyId": company_id, "name": name, "enabled": on}}
    await result_of(graphql, "setCompanyFeatureFlag", SET_OVERRIDE, variables, admin)


async def test_a_company_override_beats_the_global_default(graphql: GraphQL, admin: Person) -> None:
    olga = await sign_up(graphql, name="Olga Flags")
    ours, theirs = await create_company(graphql, olga, name="Ours"), await create_company(graphql, olga, name="Theirs")
    name = flag_name()
    await set_default(graphql, admin, name, on=False)

    await set_override(graphql, admin, ours, name, True)
    overridden = (await enabled(graphql, olga, ours, name), await enabled(graphql, olga, theirs, name))
    await set_default(graphql, admin, name, on=True)
    await set_override(graphql, admin, ours, name, False)
    reversed_ = (await enabled(graphql, olga, ours, name), await enabled(graphql, olga, theirs, name))
    await set_override(graphql, admin, ours, name, None)
    following = await enabled(graphql, olga, ours, name)

    assert overridden == (True, False)
    assert reversed_ == (False, True)
    assert following is True


async def test_an_unknown_flag_is_off(graphql: GraphQL) -> None:
    olga = await sign_up(graphql, name="Olga Unknown")

    assert await enabled(graphql, olga, olga.personal_company_id, flag_name()) is False


async def test_an_admins_change_is_seen_at_once_by_a_member_whose_answer_was_cached(
    graphql: GraphQL, admin: Person
) -> None:
    olga, mia = await sign_up(graphql, name="Olga Cache"), await sign_up(graphql, name="Mia Cache")
    company_id = await create_company(graphql, olga, name="Cached Ltd")
    await invite(graphql, olga, company_id=company_id, member=mia)
    name = flag_name()
    await set_default(graphql, admin, name, on=False)

    assert await enabled(graphql, mia, company_id, name) is False
    await set_override(graphql, admin, company_id, name, True)
    assert await enabled(graphql, mia, company_id, name) is True
    await set_default(graphql, admin, name, on=True)
    await set_override(graphql, admin, company_id, name, None)
    assert await enabled(graphql, mia, company_id, name) is True


async def test_a_change_made_by_another_process_is_seen_once_the_cache_time_is_up(
    graphql: GraphQL, admin: Person, owner: asyncpg.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [0.0]
    monkeypatch.setattr(feature_flags, "CACHE", FlagCache(30.0, clock=lambda: now[0]))
    olga = await sign_up(graphql, name="Olga Elsewhere")
    name = flag_name()
    await set_default(graphql, admin, name, on=False)
    assert await enabled(graphql, olga, olga.personal_company_id, name) is False

    # Another API process's write: straight to the database, so this process's cache is not told.
    async with owner.transaction():
        await owner.execute("SET LOCAL ROLE rhythm_definer")
        await owner.execute("UPDATE feature_flags SET enabled = true WHERE name = $1", name)
    cached = await enabled(graphql, olga, olga.personal_company_id, name)
    now[0] += 30.0
    expired = await enabled(graphql, olga, olga.personal_company_id, name)

    assert (cached, expired) == (False, True)


async def test_only_platform_administrators_set_flags(graphql: GraphQL, admin: Person) -> None:
    olga = await sign_up(graphql, name="Olga Owner")
    company_id = await create_company(graphql, olga, name="Self Service Ltd")
    name = flag_name()
    await set_default(graphql, admin, name, on=False)

    default = await graphql(SET_DEFAULT, {"input": {"name": name, "enabled": True}}, caller=olga)
    override = await graphql(
        SET_OVERRIDE, {"input": {"companyId": company_id, "name": name, "enabled": True}}, caller=olga
    )

    assert default["setFeatureFlag"]["__typename"] == "Forbidden"
    assert override["setCompanyFeatureFlag"]["__typename"] == "Forbidden"
    assert await enabled(graphql, olga, company_id, name) is False


async def test_below_the_api_the_app_role_cannot_write_flags_without_being_a_platform_administrator(
    graphql: GraphQL, owner: asyncpg.Connection
) -> None:
    olga = await sign_up(graphql, name="Olga Sql")
    company = uuid_of(olga.personal_company_id)

    transaction = owner.transaction()
    await transaction.start()
    try:
        await owner.execute(
            "SELECT set_config('role', 'rhythm_app', true), set_config('rhythm.user_id', $1, true)",
            str(uuid_of(olga.user_id)),
        )
        refused = await owner.fetchval("SELECT rhythm.set_feature_flag($1, true, '')", flag_name())
        # Each refusal in a savepoint of its own, so the next statement runs.
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            async with owner.transaction():
                await owner.execute("UPDATE feature_flags SET enabled = NOT enabled")
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            async with owner.transaction():
                await owner.execute(
                    "INSERT INTO company_feature_flags (company_id, flag, enabled) VALUES ($1, $2, true)",
                    company,
                    flag_name(),
                )
    finally:
        await transaction.rollback()

    assert refused is False


async def test_owners_see_the_companys_flags_and_members_and_outsiders_see_none(
    graphql: GraphQL, admin: Person
) -> None:
    olga, mia = await sign_up(graphql, name="Olga Sees"), await sign_up(graphql, name="Mia Sees")
    outsider = await sign_up(graphql, name="Otto Sees")
    company_id = await create_company(graphql, olga, name="Seen Ltd")
    await invite(graphql, olga, company_id=company_id, member=mia)
    name = flag_name()
    await set_default(graphql, admin, name, on=False)
    await set_override(graphql, admin, company_id, name, True)

    owners = (await graphql(FLAGS, {"company": company_id}, caller=olga))["node"]["featureFlags"]
    members = (await graphql(FLAGS, {"company": company_id}, caller=mia))["node"]["featureFlags"]
    outsiders = (await graphql(FLAGS, {"company": company_id}, caller=outsider))["node"]
    admins = (await graphql(FLAGS, {"company": company_id}, caller=admin))["node"]

    ours = [flag for flag in owners if flag["name"] == name]
    assert ours == [
        {"name": name, "description": "A test flag.", "enabled": True, "defaultEnabled": False, "override": True}
    ]
    assert members == []
    assert outsiders is None
    # The administrator does not belong to the company, so does not reach it as a node.
    assert admins is None


async def test_a_company_override_is_in_the_companys_audit_log(graphql: GraphQL, admin: Person) -> None:
    olga = await sign_up(graphql, name="Olga Audit")
    company_id = await create_company(graphql, olga, name="Audited Flags Ltd")
    name = flag_name()
    await set_default(graphql, admin, name, on=False)

    await set_override(graphql, admin, company_id, name, True)
    entries = await audit_log(graphql, olga, company_id, action="FEATURE_FLAG_CHANGED")

    assert entries is not None
    assert [(entry["actorId"], entry["targetId"], entry["details"]) for entry in entries] == [
        (admin.user_id, company_id, {"flag": name, "enabled": True})
    ]


async def test_bad_names_and_unknown_companies_are_typed_errors(graphql: GraphQL, admin: Person) -> None:
    name = flag_name()
    await set_default(graphql, admin, name, on=False)
    unknown_company = global_id("Company", uuid.uuid4())

    bad_name = await graphql(SET_DEFAULT, {"input": {"name": "Not A Name", "enabled": True}}, caller=admin)
    unknown_flag = await graphql(
        SET_OVERRIDE, {"input": {"companyId": unknown_company, "name": flag_name(), "enabled": True}}, caller=admin
    )
    missing = await graphql(
        SET_OVERRIDE, {"input": {"companyId": unknown_company, "name": name, "enabled": True}}, caller=admin
    )

    assert bad_name["setFeatureFlag"]["__typename"] == "ValidationFailed"
    assert unknown_flag["setCompanyFeatureFlag"] == {"__typename": "NotFound", "message": "No such FeatureFlag."}
    assert missing["setCompanyFeatureFlag"] == {"__typename": "NotFound", "message": "No such Company."}


async def test_names_no_flag_can_have_are_off_without_asking_the_database(graphql: GraphQL, admin: Person) -> None:
    olga = await sign_up(graphql, name="Olga Names")
    odd = ["with\x00nul", "trailing_newline\n", "UPPER", "x" * 64, ""]

    answers = [await enabled(graphql, olga, olga.personal_company_id, name) for name in odd]
    set_odd = await graphql(
        SET_OVERRIDE, {"input": {"companyId": olga.personal_company_id, "name": "a\x00", "enabled": True}}, caller=admin
    )
    described = await graphql(
        SET_DEFAULT, {"input": {"name": flag_name(), "enabled": True, "description": "nul\x00"}}, caller=admin
    )

    assert answers == [False] * len(odd)
    assert set_odd["setCompanyFeatureFlag"]["__typename"] == "ValidationFailed"
    assert described["setFeatureFlag"]["__typename"] == "ValidationFailed"
