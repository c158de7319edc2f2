from __future__ import annotations

from tests.auth.sessions import sign_up_with, viewer_email
from tests.factories import PASSWORD, unique_email
from tests.graphql import Caller, GraphQL

COMPANIES = (
    "{ viewer { companies { nodes { name isPersonal viewerRole members { nodes { role user { email } } } } } } }"
)


async def test_signing_up_makes_a_personal_company_the_person_owns(graphql: GraphQL) -> None:
    email = unique_email("ada")

    payload = await sign_up_with(graphql, email=email, password=PASSWORD, displayName="Ada", timeZone="Europe/Berlin")

    assert payload["__typename"] == "AuthPayload"
    data = await graphql(COMPANIES, caller=Caller(token=payload["accessToken"]))
    assert data["viewer"]["companies"]["nodes"] == [
        {
            "name": "Personal",
            "isPersonal": True,
            "viewerRole": "OWNER",
            "members": {"nodes": [{"role": "OWNER", "user": {"email": email}}]},
        }
    ]


async def test_signing_up_returns_the_person_and_tokens_that_work(graphql: GraphQL) -> None:
    email = unique_email("grace")

    payload = await sign_up_with(graphql, email=email, password=PASSWORD, displayName="Grace")

    assert payload["user"]["email"] == email
    assert await viewer_email(graphql, token=payload["accessToken"]) == email


async def test_an_email_already_taken_in_another_case_is_a_conflict(graphql: GraphQL) -> None:
    email = unique_email("linus")
    await sign_up_with(graphql, email=email, password=PASSWORD, displayName="Linus")

    again = await sign_up_with(graphql, email=email.upper(), password=PASSWORD, displayName="Linus Again")

    assert again == {"__typename": "Conflict", "message": "An account with this email already exists."}


async def test_an_invalid_sign_up_names_every_bad_field(graphql: GraphQL) -> None:
    payload = await sign_up_with(
        graphql, email="not-an-email", password="short", displayName="   ", timeZone="Mars/Olympus_Mons"
    )

    assert payload["__typename"] == "ValidationFailed"
    assert {error["field"] for error in payload["fields"]} == {"email", "password", "displayName", "timeZone"}
    assert all(error["message"] for error in payload["fields"])


async def test_a_refused_sign_up_makes_no_account(graphql: GraphQL) -> None:
    email = unique_email("refused")

    weak = await sign_up_with(graphql, email=email, password="123456789", displayName="Weak", timeZone="Nowhere/City")

    assert weak["__typename"] == "ValidationFailed"
    assert {error["field"]: error["message"] for error in weak["fields"]} == {
        "password": "Must be at least 10 characters.",
        "timeZone": "Must be an IANA time zone such as Europe/Berlin.",
    }
    # Had anything been written, the same email would now be a Conflict.
    retried = await sign_up_with(graphql, email=email, password=PASSWORD, displayName="Strong")
    assert retried["__typename"] == "AuthPayload"
