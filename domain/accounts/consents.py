"""Consent records: what a person agreed to (terms and privacy notice by version, marketing email on or off), and
when. The history is append-only: a change adds a record, and the latest record of a kind is the current choice."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from base.clock import utcnow
from db.models import Consent, ConsentKind
from domain.validation import Checks


@dataclass(frozen=True, slots=True)
class CurrentDocuments:
    """The versions of the terms and the privacy notice Rhythm asks people to accept now."""

    terms_version: str
    privacy_version: str


@dataclass(frozen=True, slots=True)
class SignUpConsents:
    """What signUp was told. `accept_terms` None: a client that predates consent records (nothing is recorded for
    the terms and the privacy notice; the person can be asked later)."""

    accept_terms: bool | None = None
    terms_version: str | None = None
    privacy_version: str | None = None
    marketing_email: bool = False


def check_sign_up_consents(given: SignUpConsents, current: CurrentDocuments) -> None:
    checks = Checks()
    if given.accept_terms is False:
        checks.fail("acceptTerms", "An account needs the terms and the privacy notice accepted.")
    for field, version, wanted in (
        ("termsVersion", given.terms_version, current.terms_version),
        ("privacyVersion", given.privacy_version, current.privacy_version),
    ):
        if version is not None and version != wanted:
            checks.fail(field, f"Not the current version; accept version {wanted}.")
    checks.raise_if_any()


async def record_sign_up_consents(
    session: AsyncSession, user_id: uuid.UUID, given: SignUpConsents, current: CurrentDocuments
) -> None:
    """As the new person, in signUp's transaction (the policies let a person add only their own records)."""
    now = utcnow()
    rows = [Consent(user_id=user_id, kind=ConsentKind.MARKETING_EMAIL.value, granted=given.marketing_email, at=now)]
    if given.accept_terms:
        rows += [
            Consent(user_id=user_id, kind=ConsentKind.TERMS.value, version=current.terms_version, granted=True, at=now),
            Consent(
                user_id=user_id, kind=ConsentKind.PRIVACY.value, version=current.privacy_version, granted=True, at=now
            ),
        ]
    session.add_all(rows)
    await session.flush()


async def set_marketing_email(session: AsyncSession, user_id: uuid.UUID, granted: bool) -> Consent:
    record = Consent(user_id=user_id, kind=ConsentKind.MARKETING_EMAIL.value, granted=granted, at=utcnow())
    session.add(record)
    await session.flush()
    return record


async def consents_of(session: AsyncSession, user_id: uuid.UUID) -> list[Consent]:
    """The person's history, newest first."""
    statement = (
        sa.select(Consent)
        .where(col(Consent.user_id) == user_id)
        .order_by(col(Consent.at).desc(), col(Consent.kind), col(Consent.id))
    )
    return list((await session.execute(statement)).scalars())


def latest(records: list[Consent], kind: ConsentKind) -> Consent | None:
    return next((record for record in records if record.kind == kind.value), None)
