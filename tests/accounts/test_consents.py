"""Consent records: written at signup (with the versions accepted), changed by updateConsent as an append-only
history, and read by their person alone."""

from __future__ import annotations

from typing import Any

from tests.accounts.documents import CONSENTS, SIGN_UP_WITH_CONSENTS
from tests.factories import PASSWORD, Person, create_api_key, create_company, sign_up, unique_email
from tests.graphql import Caller, GraphQL

CURRENT = "2026-12-01"

UPDATE_CONSENT = """
mutation($input: UpdateConsentInput!) {
  updateConsent(input: $input) { __typename ... on Consent { kind granted version } ... on Error { message } }
}"""


async def _sign_up(graphql: GraphQL, **consents: Any) -> dict[str, Any]:
    variables = {"input": {"email": unique_email("consent"), "password": PASSWORD, "displayName": "C", **consents}}
    result: dict[str, Any] = (await graphql(SIGN_UP_WITH_CONSENTS, variables))["signUp"]
    return result


async def _consents(graphql: GraphQL, token: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = (await graphql(CONSENTS, caller=Caller(token=token)))["viewer"]["consents"]
    return found


async def test_signing_up_with_the_terms_accepted_records_both_versions_and_the_email_choice(graphql: GraphQL) -> None:
    signed = await _sign_up(graphql, acceptTerms=True, termsVersion=CURRENT, marketingEmail=True)

    consents = await _consents(graphql, signed["accessToken"])

    assert sorted((c["kind"], c["version"], c["granted"]) for c in consents) == [
        ("MARKETING_EMAIL", None, True),
        ("PRIVACY", CURRENT, True),
        ("TERMS", CURRENT, True),
    ]


async def test_a_client_that_predates_consents_still_signs_up_with_nothing_accepted_and_email_off(
    graphql: GraphQL,
) -> None:
    person = await sign_up(graphql, name="Legacy Client")

    consents = await _consents(graphql, person.token or "")

    assert [(c["kind"], c["granted"]) for c in consents] == [("MARKETING_EMAIL", False)]


async def test_declining_the_terms_or_naming_an_old_version_is_refused_and_makes_no_account(graphql: GraphQL) -> None:
    declined = await _sign_up(graphql, acceptTerms=False)
    outdated = await _sign_up(graphql, acceptTerms=True, privacyVersion="2019-01-01")

    assert declined["__typename"] == "ValidationFailed"
    assert [field["field"] for field in declined["fields"]] == ["acceptTerms"]
    assert outdated["__typename"] == "ValidationFailed"
    assert outdated["fields"] == [
        {"field": "privacyVersion", "message": f"Not the current version; accept version {CURRENT}."}
    ]


async def test_changing_marketing_email_adds_to_the_history_and_the_newest_record_comes_first(graphql: GraphQL) -> None:
    person = await sign_up(graphql, name="Changes Mind")

    on = (await graphql(UPDATE_CONSENT, {"input": {"marketingEmail": True}}, caller=person))["updateConsent"]
    off = (await graphql(UPDATE_CONSENT, {"input": {"marketingEmail": False}}, caller=person))["updateConsent"]
    consents = await _consents(graphql, person.token or "")

    assert on == {"__typename": "Consent", "kind": "MARKETING_EMAIL", "granted": True, "version": None}
    assert off["granted"] is False
    assert [c["granted"] for c in consents] == [False, True, False]


async def test_an_api_key_cannot_change_a_persons_consent(graphql: GraphQL) -> None:
    person = await sign_up(graphql, name="Key Maker")
    company = await create_company(graphql, person, name="Keyed")
    key = Caller(api_key=await create_api_key(graphql, person, company_id=company, scopes=["TASKS_READ"]))

    result = await graphql(UPDATE_CONSENT, {"input": {"marketingEmail": True}}, caller=key)

    assert result["updateConsent"]["__typename"] == "Forbidden"


async def test_no_one_else_reads_a_persons_consents(graphql: GraphQL, owner: Any) -> None:
    person: Person = await sign_up(graphql, name="Private Choice")
    other = await sign_up(graphql, name="Curious Other")

    seen = await owner_reads_as(owner, other.user_id, "SELECT count(*) FROM consents")
    own = await owner_reads_as(owner, person.user_id, "SELECT count(*) FROM consents")

    assert (seen, own) == (1, 1)


async def owner_reads_as(owner: Any, global_user_id: str, sql: str) -> Any:
    from tests.isolation.world import uuid_of

    transaction = owner.transaction()
    await transaction.start()
    try:
        await owner.execute("SELECT set_config('role', 'rhythm_app', true)")
        await owner.execute("SELECT set_config('rhythm.user_id', $1, true)", str(uuid_of(global_user_id)))
        return await owner.fetchval(sql)
    finally:
        await transaction.rollback()
