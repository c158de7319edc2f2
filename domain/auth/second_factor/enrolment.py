"""Enrol, confirm and disable a person's TOTP second factor; verify a code (TOTP or recovery) for them.

The secret is stored as a Fernet token under the calendar token keys (`TokenCipher`, RHYTHM_CALENDAR_TOKEN_KEYS):
one key ring for every secret Rhythm must read back, rotated the same way. Each accepted code stores the secret
again under the newest key.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from base import clock
from db.models import RecoveryCode, SecondFactor
from domain.audit import AuditAction, record_for_member
from domain.auth.second_factor import recovery_codes, totp
from domain.calendar_sync.secrets import TokenCipher
from domain.errors import Conflict, NotFound, invalid


@dataclass(frozen=True, slots=True)
class Enrolment:
    secret: str
    uri: str
    qr_code_svg: str


@dataclass(frozen=True, slots=True)
class Verdict:
    accepted: bool
    # Why a code was refused, for the person: a replayed code is told apart from a wrong one.
    reason: str = ""


async def _factor(session: AsyncSession, user_id: uuid.UUID, *, for_update: bool = False) -> SecondFactor | None:
    return await session.get(SecondFactor, user_id, with_for_update=for_update, populate_existing=for_update)


async def is_enabled(session: AsyncSession, user_id: uuid.UUID) -> bool:
    factor = await _factor(session, user_id)
    return factor is not None and factor.enabled_at is not None


async def enrol(session: AsyncSession, cipher: TokenCipher, user_id: uuid.UUID, account: str) -> Enrolment:
    """A new secret, stored but not yet enabled; enrolling again before confirming replaces it."""
    factor = await _factor(session, user_id, for_update=True)
    if factor is not None and factor.enabled_at is not None:
        raise Conflict("A second factor is already enabled; disable it first to enrol a new one.")
    secret = totp.new_secret()
    if factor is None:
        factor = SecondFactor(user_id=user_id, secret_encrypted=cipher.encrypt(secret))
        session.add(factor)
    else:
        factor.secret_encrypted = cipher.encrypt(secret)
        factor.last_used_step = None
        factor.updated_at = clock.utcnow()
    await session.flush()
    uri = totp.provisioning_uri(secret, account)
    return Enrolment(secret=secret, uri=uri, qr_code_svg=totp.qr_code_svg(uri))


async def confirm(session: AsyncSession, cipher: TokenCipher, user_id: uuid.UUID, code: str) -> list[str]:
    """Enable the enrolled secret with a code from it; the ten recovery codes, in plain text this once."""
    factor = await _factor(session, user_id, for_update=True)
    if factor is None:
        raise NotFound("No second factor is being enrolled: call enrolSecondFactor first.")
    if factor.enabled_at is not None:
        raise Conflict("The second factor is already enabled.")
    if not _accept_totp(factor, cipher, code.strip()).accepted:
        raise invalid("code", "The code is not the authenticator's current code.", "WRONG_CODE")
    factor.enabled_at = clock.utcnow()
    codes = recovery_codes.new_codes()
    await session.execute(sa.delete(RecoveryCode).where(col(RecoveryCode.user_id) == user_id))
    session.add_all(RecoveryCode(user_id=user_id, code_hash=recovery_codes.hash_of(code)) for code in codes)
    await session.flush()
    await record_for_member(session, AuditAction.SECOND_FACTOR_ENABLED)
    return codes


async def disable(session: AsyncSession, cipher: TokenCipher, user_id: uuid.UUID, code: str) -> None:
    """Remove the second factor and its recovery codes, given a current code or an unused recovery code."""
    if not await is_enabled(session, user_id):
        raise NotFound("No second factor is enabled.")
    verdict = await verify(session, cipher, user_id, code)
    if not verdict.accepted:
        raise invalid("code", verdict.reason, "WRONG_CODE")
    await session.execute(sa.delete(RecoveryCode).where(col(RecoveryCode.user_id) == user_id))
    await session.execute(sa.delete(SecondFactor).where(col(SecondFactor.user_id) == user_id))
    await record_for_member(session, AuditAction.SECOND_FACTOR_DISABLED)


async def verify(session: AsyncSession, cipher: TokenCipher, user_id: uuid.UUID, code: str) -> Verdict:
    """Check a code of the person's enabled second factor, and spend it: a TOTP code's step is remembered (the
    row is locked meanwhile, so two requests cannot both spend one code), a recovery code is marked used."""
    factor = await _factor(session, user_id, for_update=True)
    if factor is None or factor.enabled_at is None:
        return Verdict(False, "No second factor is enabled.")
    typed = code.strip()
    if recovery_codes.looks_like_recovery_code(typed):
        return await _spend_recovery_code(session, user_id, typed)
    verdict = _accept_totp(factor, cipher, typed)
    await session.flush()
    return verdict


def _accept_totp(factor: SecondFactor, cipher: TokenCipher, code: str) -> Verdict:
    secret = cipher.decrypt(factor.secret_encrypted)
    now = clock.utcnow()
    step = totp.matching_step(secret, code, now, after_step=factor.last_used_step)
    if step is None:
        if totp.replays(secret, code, now, after_step=factor.last_used_step):
            return Verdict(False, "This code was already used; wait for the next one.")
        return Verdict(False, "The code is not correct.")
    factor.last_used_step = step
    factor.secret_encrypted = cipher.rotate(factor.secret_encrypted)
    factor.updated_at = now
    return Verdict(True)


async def _spend_recovery_code(session: AsyncSession, user_id: uuid.UUID, code: str) -> Verdict:
    spent = await session.execute(
        sa.update(RecoveryCode)
        .where(
            col(RecoveryCode.user_id) == user_id,
            col(RecoveryCode.code_hash) == recovery_codes.hash_of(code),
            col(RecoveryCode.used_at).is_(None),
        )
        .values(used_at=clock.utcnow())
        .returning(col(RecoveryCode.id))
    )
    if spent.first() is None:
        return Verdict(False, "The recovery code is not correct, or was already used.")
    return Verdict(True)


async def recovery_codes_left(session: AsyncSession, user_id: uuid.UUID) -> int:
    count = await session.execute(
        sa.select(sa.func.count())
        .select_from(RecoveryCode)
        .where(col(RecoveryCode.user_id) == user_id, col(RecoveryCode.used_at).is_(None))
    )
    return int(count.scalar_one())
