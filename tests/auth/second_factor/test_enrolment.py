"""Enrolling a TOTP second factor: a URI and a QR code first, enabled only by a code, recovery codes once."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import asyncpg
from cryptography.fernet import Fernet

from tests.auth.second_factor.flows import (
    STATUS,
    Moments,
    code,
    confirm,
    enrol,
    enrolled_person,
    result,
)
from tests.auth.sessions import log_in, node_uuid
from tests.conftest import CALENDAR_TOKEN_KEY
from tests.factories import PASSWORD, sign_up
from tests.graphql import GraphQL


async def test_enrolling_gives_an_otpauth_uri_and_an_svg_qr_code_without_enabling_anything(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Enrol")

    enrolment = await result(graphql, "enrolSecondFactor", "mutation { enrolSecondFactor { __typename"
                             " ... on SecondFactorEnrolment { uri secret qrCodeSvg } } }", None, ada)  # fmt: skip
    status = await graphql(STATUS, caller=ada)
    signed_in = await log_in(graphql, email=ada.email, password=PASSWORD)

    uri = urlparse(enrolment["uri"])
    assert (uri.scheme, uri.netloc) == ("otpauth", "totp")
    assert parse_qs(uri.query)["secret"] == [enrolment["secret"]]
    assert parse_qs(uri.query)["issuer"] == ["Rhythm"]
    assert ada.email in uri.path.replace("%40", "@")
    assert enrolment["qrCodeSvg"].startswith("<svg")
    assert enrolment["qrCodeSvg"].rstrip().endswith("</svg>")
    assert status["viewer"]["secondFactor"] | {"requiredBy": []} == {
        "enabled": False, "enrolling": True, "sessionVerified": False, "recoveryCodesLeft": 0, "requiredBy": [],
    }  # fmt: skip
    assert signed_in["__typename"] == "AuthPayload"


async def test_a_wrong_code_does_not_confirm(graphql: GraphQL, moments: Moments) -> None:
    ada = await sign_up(graphql, name="Ada Wrong Confirm")
    secret = await enrol(graphql, ada)

    refused = await confirm(graphql, ada, code(secret, moments.now, step=3))

    assert refused["__typename"] == "ValidationFailed"
    assert refused["fields"] == [
        {"field": "code", "message": "The code is not the authenticator's current code.", "code": "WRONG_CODE"}
    ]


async def test_confirming_enables_it_and_returns_ten_distinct_recovery_codes(
    graphql: GraphQL, moments: Moments
) -> None:
    enrolled = await enrolled_person(graphql, moments, name="Ada Confirm")

    status = await graphql(STATUS, caller=enrolled.verified)

    assert len(set(enrolled.recovery_codes)) == 10
    assert status["viewer"]["secondFactor"] == {
        "enabled": True, "enrolling": False, "sessionVerified": True, "recoveryCodesLeft": 10, "requiredBy": [],
    }  # fmt: skip


async def test_the_secret_is_stored_encrypted_and_the_recovery_codes_hashed(
    graphql: GraphQL, moments: Moments, owner: asyncpg.Connection
) -> None:
    enrolled = await enrolled_person(graphql, moments, name="Ada At Rest")
    user_id = node_uuid(enrolled.person.user_id)

    # As the owner of the tables, which no policy narrows: what a stolen backup would show.
    stored = await owner.fetchval("SELECT secret_encrypted FROM second_factors WHERE user_id = $1::uuid", user_id)
    hashes = await owner.fetch("SELECT code_hash FROM second_factor_recovery_codes WHERE user_id = $1::uuid", user_id)
    dump = bytes(stored) + "".join(row["code_hash"] for row in hashes).encode()

    assert enrolled.secret.encode() not in dump
    assert enrolled.secret.lower().encode() not in dump
    assert Fernet(CALENDAR_TOKEN_KEY.encode()).decrypt(bytes(stored)).decode() == enrolled.secret
    assert len(hashes) == 10
    for recovery_code in enrolled.recovery_codes:
        assert recovery_code.encode() not in dump
        assert recovery_code.replace("-", "").encode() not in dump


async def test_enrolling_again_while_enabled_is_a_conflict(graphql: GraphQL, moments: Moments) -> None:
    enrolled = await enrolled_person(graphql, moments, name="Ada Twice")

    again = await result(graphql, "enrolSecondFactor", "mutation { enrolSecondFactor { __typename"
                         " ... on Error { message } } }", None, enrolled.verified)  # fmt: skip

    assert again == {
        "__typename": "Conflict",
        "message": "A second factor is already enabled; disable it first to enrol a new one.",
    }


async def test_enrolling_needs_a_signed_in_person(graphql: GraphQL) -> None:
    errors = await graphql.errors("mutation { enrolSecondFactor { __typename } }")

    assert errors[0]["extensions"]["code"] == "UNAUTHENTICATED"
