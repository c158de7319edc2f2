"""Reading and minting JWTs the way an attacker (or a clock) would, with or without the server's secret."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

from tests.conftest import JWT_SECRET


def claims_of(token: str) -> dict[str, Any]:
    """The token's claims, checked against the test secret."""
    claims: dict[str, Any] = jwt.decode(token, JWT_SECRET, algorithms=["HS256"], issuer="rhythm")
    return claims


def mint(claims: dict[str, Any], *, secret: str = JWT_SECRET, lifetime: timedelta = timedelta(minutes=5)) -> str:
    """A token with `claims`, issued now and living `lifetime` (negative: already expired)."""
    now = datetime.now(UTC)
    issued = now + min(lifetime, timedelta(0)) - timedelta(minutes=1)
    body = {**claims, "iat": int(issued.timestamp()), "exp": int((now + lifetime).timestamp())}
    return jwt.encode(body, secret, algorithm="HS256")


def unsigned(claims: dict[str, Any]) -> str:
    """A token that claims `alg: none` and carries no signature."""

    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    exp = int((datetime.now(UTC) + timedelta(minutes=5)).timestamp())
    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part({**claims, 'exp': exp})}."
