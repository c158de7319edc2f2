"""API keys for integrators: `rk_<key id>_<secret>`, stored as a SHA-256 of the secret, limited to one company."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ApiKey, ApiScope
from db.tenant import Caller
from domain import audit
from domain.audit import AuditAction
from domain.db_errors import refusals
from domain.errors import AuthenticationFailed, Forbidden
from domain.lookups import get_one, require_company
from domain.validation import Checks

PREFIX = "rk_"


@dataclass(frozen=True, slots=True)
class IssuedKey:
    key: ApiKey
    # Shown once, at creation; only its hash is kept.
    plaintext: str


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _split(raw: str) -> tuple[uuid.UUID, str]:
    if not raw.startswith(PREFIX):
        raise AuthenticationFailed("The API key is not valid.")
    key_id, _, secret = raw[len(PREFIX) :].partition("_")
    try:
        return uuid.UUID(hex=key_id), secret
    except ValueError:
        raise AuthenticationFailed("The API key is not valid.") from None


async def create_api_key(
    session: AsyncSession,
    *,
    created_by: uuid.UUID,
    company_id: uuid.UUID,
    name: str,
    scopes: list[ApiScope],
    expires_at: datetime | None,
) -> IssuedKey:
    checks = Checks()
    checks.text("name", name, max_length=120)
    if not scopes:
        checks.fail("scopes", "Name at least one scope.")
    if expires_at is not None and expires_at <= datetime.now(UTC):
        checks.fail("expiresAt", "Must be in the future.")
    checks.raise_if_any()
    secret = secrets.token_urlsafe(32)
    key = ApiKey(
        company_id=company_id,
        name=name.strip(),
        secret_hash=_digest(secret),
        scopes=sorted({scope.value for scope in scopes}),
        created_by=created_by,
        expires_at=expires_at,
    )
    await require_company(session, company_id)
    # The caller sees the company, so a policy refusal means they are not an owner or admin there.
    async with refusals(refused=Forbidden("Only owners and admins make API keys.")):
        session.add(key)
        await session.flush()
    await audit.record(
        session,
        AuditAction.API_KEY_CREATED,
        company_id=company_id,
        target=("ApiKey", key.id),
        details={"name": key.name, "scopes": key.scopes},
    )
    return IssuedKey(key=key, plaintext=f"{PREFIX}{key.id.hex}_{secret}")


async def revoke_api_key(session: AsyncSession, key_id: uuid.UUID) -> ApiKey:
    key = await get_one(session, ApiKey, key_id, what="ApiKey")
    if key.revoked_at is None:
        key.revoked_at = datetime.now(UTC)
        async with refusals(refused=Forbidden("Only owners and admins revoke API keys.")):
            await session.flush()
        await audit.record(session, AuditAction.API_KEY_REVOKED, company_id=key.company_id, target=("ApiKey", key.id))
    return key


async def authenticate_api_key(session: AsyncSession, raw: str) -> Caller:
    key_id, secret = _split(raw)
    row = (
        await session.execute(
            sa.text("SELECT company_id, secret_hash, scopes, expires_at, revoked_at FROM rhythm.api_key_for_id(:id)"),
            {"id": key_id},
        )
    ).first()
    if row is None or not hmac.compare_digest(row.secret_hash, _digest(secret)):
        raise AuthenticationFailed("The API key is not valid.")
    if row.revoked_at is not None or (row.expires_at is not None and row.expires_at <= datetime.now(UTC)):
        raise AuthenticationFailed("The API key has been revoked or has expired.")
    return Caller(company_id=row.company_id, api_key_id=key_id, api_scopes=frozenset(row.scopes))
