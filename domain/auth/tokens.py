"""Signed JWTs: short access tokens, and refresh tokens that name their database row and family."""

from __future__ import annotations

import functools
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

from domain.errors import AuthenticationFailed

ALGORITHM = "HS256"
ISSUER = "rhythm"


@dataclass(frozen=True, slots=True)
class TokenConfig:
    secret: str
    access_ttl: timedelta
    refresh_ttl: timedelta


@dataclass(frozen=True, slots=True)
class RefreshClaims:
    user_id: uuid.UUID
    token_id: uuid.UUID
    family_id: uuid.UUID


def _encode(config: TokenConfig, claims: dict[str, Any], ttl: timedelta, now: datetime) -> str:
    body = {**claims, "iss": ISSUER, "iat": int(now.timestamp()), "exp": int((now + ttl).timestamp())}
    return jwt.encode(body, config.secret, algorithm=ALGORITHM)


def _decode(config: TokenConfig, token: str, kind: str) -> dict[str, Any]:
    try:
        claims: dict[str, Any] = jwt.decode(
            token, config.secret, algorithms=[ALGORITHM], issuer=ISSUER, options={"require": ["exp", "sub"]}
        )
    except jwt.ExpiredSignatureError:
        raise AuthenticationFailed(f"The {kind} token has expired.") from None
    except jwt.PyJWTError:
        raise AuthenticationFailed(f"The {kind} token is not valid.") from None
    if claims.get("typ") != kind:
        raise AuthenticationFailed(f"The {kind} token is not valid.")
    return claims


@dataclass(frozen=True, slots=True)
class AccessClaims:
    user_id: uuid.UUID
    # The sign-in session (refresh-token family) the token was issued for; None in tokens from before sessions.
    session_id: uuid.UUID | None


def issue_access_token(
    config: TokenConfig, user_id: uuid.UUID, now: datetime | None = None, *, session_id: uuid.UUID | None = None
) -> str:
    claims = {"sub": str(user_id), "typ": "access"}
    if session_id is not None:
        claims["sid"] = str(session_id)
    return _encode(config, claims, config.access_ttl, now or datetime.now(UTC))


def read_access_token(config: TokenConfig, token: str) -> uuid.UUID:
    return read_access_claims(config, token).user_id


def read_access_claims(config: TokenConfig, token: str) -> AccessClaims:
    claims, expires = _verified_access_token(config, token)
    # pyjwt's own test, for a token verified while it was still valid.
    if expires <= time.time():
        raise AuthenticationFailed("The access token has expired.")
    return claims


@functools.lru_cache(maxsize=4096)
def _verified_access_token(config: TokenConfig, token: str) -> tuple[AccessClaims, int]:
    """An access token's person, session and expiry, once its signature checks out. A client sends the same token
    with every request for up to 15 minutes; verifying it each time was a few percent of a small query's CPU.
    Failures raise, so they are never kept."""
    claims = _decode(config, token, "access")
    try:
        session = claims.get("sid")
        return (
            AccessClaims(uuid.UUID(str(claims["sub"])), None if session is None else uuid.UUID(str(session))),
            int(claims["exp"]),
        )
    except ValueError:
        raise AuthenticationFailed("The access token is not valid.") from None


def issue_refresh_token(config: TokenConfig, claims: RefreshClaims, now: datetime) -> str:
    body = {"sub": str(claims.user_id), "jti": str(claims.token_id), "fam": str(claims.family_id), "typ": "refresh"}
    return _encode(config, body, config.refresh_ttl, now)


def read_refresh_token(config: TokenConfig, token: str) -> RefreshClaims:
    claims = _decode(config, token, "refresh")
    try:
        return RefreshClaims(
            user_id=uuid.UUID(str(claims["sub"])),
            token_id=uuid.UUID(str(claims["jti"])),
            family_id=uuid.UUID(str(claims["fam"])),
        )
    except (KeyError, ValueError):
        raise AuthenticationFailed("The refresh token is not valid.") from None
