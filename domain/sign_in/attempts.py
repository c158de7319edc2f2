"""A started sign-in: a random `state`, and the PKCE verifier and the nonce derived from it with Rhythm's secret.

Only the SHA-256 of the state is stored, for a few minutes, and taken once. Whoever completes the sign-in must
bring the state back; the verifier and the nonce are recomputed from it, so a state read from a URL without
Rhythm's secret completes nothing, and an ID token carrying the nonce of another (or an earlier) sign-in fails.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from db.models.sign_in import SignInProvider
from domain.sign_in.errors import Refusal, SignInRefused


@dataclass(frozen=True, slots=True)
class Secrets:
    """What one state stands for."""

    state: str
    code_verifier: str
    nonce: str


@dataclass(frozen=True, slots=True)
class TakenAttempt:
    provider: SignInProvider
    # Who started it to link an identity; None for a plain sign-in.
    user_id: uuid.UUID | None
    secrets: Secrets


def _derive(key: str, purpose: bytes, state: str) -> str:
    digest = hmac.new(key.encode(), purpose + b"\0" + state.encode(), hashlib.sha256).digest()
    # 43 url-safe characters: a valid PKCE verifier (RFC 7636 asks 43 to 128).
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def secrets_of(key: str, state: str) -> Secrets:
    return Secrets(state, _derive(key, b"rhythm-pkce", state), _derive(key, b"rhythm-nonce", state))


def state_hash(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


async def begin(session: AsyncSession, key: str, provider: SignInProvider, *, ttl_seconds: int) -> Secrets:
    """Record a new attempt for the caller of `session` (anonymous, or a person who links)."""
    made = secrets_of(key, secrets.token_urlsafe(32))
    await session.execute(
        sa.text("SELECT rhythm.begin_sign_in(:hash, :provider, :ttl)"),
        {"hash": state_hash(made.state), "provider": provider.value, "ttl": ttl_seconds},
    )
    return made


async def take(session: AsyncSession, key: str, provider: SignInProvider, state: str) -> TakenAttempt:
    """The attempt `state` names, deleted as it is read; refused when unknown, used, lapsed or for another
    provider."""
    if not state or len(state) > 200:
        raise SignInRefused(Refusal.STATE_MISMATCH)
    row = (
        await session.execute(sa.text("SELECT * FROM rhythm.take_sign_in(:hash)"), {"hash": state_hash(state)})
    ).first()
    if row is None or row.provider != provider.value:
        raise SignInRefused(Refusal.STATE_MISMATCH)
    return TakenAttempt(provider, row.user_id, secrets_of(key, state))
