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
    # The sign-in passed a second factor; refreshing keeps it while the person still has one.
    second_factor: bool = False


@dataclass(frozen=True, slots=True)
class ChallengeClaims:
    user_id: uuid.UUID
    challenge_id: uuid.UUID


def _encode(config: TokenConfig, claims: dict[str, Any], ttl: timedelta, now: datetime) -> str:
    body = {**claims, "iss": ISSUER, "iat": int(now.timestamp()), "exp": int((now + ttl).timestamp())}
    return jwt.encode(body, config.secret, algorithm=ALGORITHM)


# What a refusal calls each kind of token.
_NAMES = {"access": "access token", "refresh": "refresh token", "second_factor": "sign-in challenge"}


def _decode(config: TokenConfig, token: str, kind: str) -> dict[str, Any]:
    name = _NAMES[kind]
    try:
        claims: dict[str, Any] = jwt.decode(
            token, config.secret, algorithms=[ALGORITHM], issuer=ISSUER, options={"require": ["exp", "sub"]}
        )
    except jwt.ExpiredSignatureError:
        raise AuthenticationFailed(f"The {name} has expired.") from None
    except jwt.PyJWTError:
        raise AuthenticationFailed(f"The {name} is not valid.") from None
    if claims.get("typ") != kind:
        raise AuthenticationFailed(f"The {name} is not valid.")
    return claims


@dataclass(frozen=True, slots=True)
class AccessClaims:
    user_id: uuid.UUID
    # The sign-in session (refresh-token family) the token was issued for; None in tokens from before sessions.
    session_id: uuid.UUID | None
    second_factor: bool = False


def issue_access_token(
    config: TokenConfig,
    user_id: uuid.UUID,
    now: datetime | None = None,
    *,
    session_id: uuid.UUID | None = None,
    second_factor: bool = False,
) -> str:
    # `amr` (RFC 8176): how the person signed in; "otp" says the session passed a second factor.
    claims: dict[str, Any] = {"sub": str(user_id), "typ": "access", "amr": ["pwd", "otp"] if second_factor else ["pwd"]}
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
    """An access token's person, session, second factor and expiry, once its signature checks out. A client sends
    the same token with every request for up to 15 minutes; verifying it each time was a few percent of a small
    query's CPU.
    Failures raise, so they are never kept."""
    claims = _decode(config, token, "access")
    methods = claims.get("amr")
    try:
        session = claims.get("sid")
        return (
            AccessClaims(
                uuid.UUID(str(claims["sub"])),
                None if session is None else uuid.UUID(str(session)),
                isinstance(methods, list) and "otp" in methods,
            ),
            int(claims["exp"]),
        )
    except ValueError:
        raise AuthenticationFailed("The access token is not valid.") from None


def issue_refresh_token(config: TokenConfig, claims: RefreshClaims, now: datetime) -> str:
    body = {
        "sub": str(claims.user_id),
        "jti": str(claims.token_id),
        "fam": str(claims.family_id),
        "typ": "refresh",
        "amr": ["pwd", "otp"] if claims.second_factor else ["pwd"],
    }
    return _encode(config, body, config.refresh_ttl, now)


def read_refresh_token(config: TokenConfig, token: str) -> RefreshClaims:
    claims = _decode(config, token, "refresh")
    try:
        return RefreshClaims(
            user_id=uuid.UUID(str(claims["sub"])),
            token_id=uuid.UUID(str(claims["jti"])),
            family_id=uuid.UUID(str(claims["fam"])),
            second_factor=isinstance(claims.get("amr"), list) and "otp" in claims["amr"],
        )
    except (KeyError, ValueError):
        raise AuthenticationFailed("The refresh token is not valid.") from None


def issue_challenge_token(config: TokenConfig, claims: ChallengeClaims, ttl: timedelta, now: datetime) -> str:
    """The token between the password and the second factor; it names its challenge row, which makes it single
    use and counts wrong codes."""
    body = {"sub": str(claims.user_id), "jti": str(claims.challenge_id), "typ": "second_factor"}
    return _encode(config, body, ttl, now)


def read_challenge_token(config: TokenConfig, token: str) -> ChallengeClaims:
    claims = _decode(config, token, "second_factor")
    try:
        return ChallengeClaims(user_id=uuid.UUID(str(claims["sub"])), challenge_id=uuid.UUID(str(claims["jti"])))
    except (KeyError, ValueError):
        raise AuthenticationFailed("The sign-in challenge is not valid.") from None
