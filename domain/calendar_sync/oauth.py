"""OAuth 2.0 for calendar providers: authorization code with PKCE (S256) and offline access through authlib's
httpx client, refresh before expiry, and `invalid_grant` read as "only the person can reconnect".

The code verifier and who asked travel in the `state`, sealed with the token keys (readable by Rhythm alone,
expiring after a few minutes), so the callback, which arrives from the person's browser without Rhythm's access
token, knows whose connection it completes without a table of pending consents.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from authlib.common.security import generate_token
from authlib.integrations.httpx_client import AsyncOAuth2Client, OAuthError

from db.models.calendar_sync import CalendarProvider
from domain.calendar_sync.errors import ProviderError, ReauthorizationRequired
from domain.calendar_sync.secrets import TokenCipher

# Refresh when the access token has less than this left, so no call starts with a token about to lapse.
REFRESH_MARGIN = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class ProviderApp:
    """The OAuth app registered with one provider, and where its endpoints are."""

    provider: CalendarProvider
    client_id: str
    client_secret: str | None
    authorization_url: str
    token_url: str
    revocation_url: str | None
    scopes: tuple[str, ...]
    # Google asks for offline access with a parameter; Microsoft with the offline_access scope.
    extra_authorization_params: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class PendingConsent:
    user_id: uuid.UUID
    company_id: uuid.UUID
    provider: CalendarProvider
    code_verifier: str


@dataclass(frozen=True, slots=True)
class Tokens:
    access_token: str
    refresh_token: str | None
    expires_at: datetime | None
    scope: str

    @classmethod
    def of(cls, token: dict[str, Any], *, previous_refresh_token: str | None = None, now: datetime) -> Tokens:
        expires_in = token.get("expires_in")
        return cls(
            access_token=str(token["access_token"]),
            # Microsoft rotates refresh tokens on every use; Google sends none back on a refresh (keep the old one).
            refresh_token=str(token.get("refresh_token") or previous_refresh_token or "") or None,
            expires_at=now + timedelta(seconds=int(expires_in)) if expires_in is not None else None,
            scope=str(token.get("scope") or ""),
        )

    def needs_refresh(self, now: datetime) -> bool:
        return self.expires_at is not None and self.expires_at - REFRESH_MARGIN <= now


def _client(app: ProviderApp, redirect_uri: str | None, seconds: float) -> AsyncOAuth2Client:
    return AsyncOAuth2Client(
        client_id=app.client_id,
        client_secret=app.client_secret,
        scope=" ".join(app.scopes),
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        timeout=seconds,
    )


def authorization_url(
    app: ProviderApp, cipher: TokenCipher, *, user_id: uuid.UUID, company_id: uuid.UUID, redirect_uri: str
) -> str:
    verifier = generate_token(64)
    state = cipher.seal(
        orjson.dumps({"u": str(user_id), "c": str(company_id), "p": app.provider.value, "v": verifier,
                      "n": generate_token(12)})
    )  # fmt: skip
    client = _client(app, redirect_uri, 10.0)
    url, _ = client.create_authorization_url(
        app.authorization_url, state=state, code_verifier=verifier, **dict(app.extra_authorization_params)
    )
    return str(url)


def read_state(cipher: TokenCipher, state: str, *, max_age_seconds: int) -> PendingConsent | None:
    opened = cipher.open(state, max_age_seconds=max_age_seconds)
    if opened is None:
        return None
    try:
        payload = orjson.loads(opened)
        return PendingConsent(
            user_id=uuid.UUID(payload["u"]),
            company_id=uuid.UUID(payload["c"]),
            provider=CalendarProvider(payload["p"]),
            code_verifier=str(payload["v"]),
        )
    except (ValueError, KeyError, TypeError):
        return None


async def exchange_code(
    app: ProviderApp, *, code: str, code_verifier: str, redirect_uri: str, seconds: float
) -> Tokens:
    async with _client(app, redirect_uri, seconds) as client:
        try:
            token = await client.fetch_token(
                app.token_url, grant_type="authorization_code", code=code, code_verifier=code_verifier
            )
        except OAuthError as error:
            raise ProviderError(f"The provider refused the authorization code ({error.error}).") from error
    return Tokens.of(dict(token), now=datetime.now(UTC))


async def refresh(app: ProviderApp, refresh_token: str, *, seconds: float) -> Tokens:
    async with _client(app, None, seconds) as client:
        try:
            token = await client.refresh_token(app.token_url, refresh_token=refresh_token)
        except OAuthError as error:
            if error.error == "invalid_grant":
                raise ReauthorizationRequired(
                    "The provider no longer accepts Rhythm's access (invalid_grant)."
                ) from error
            raise ProviderError(f"Refreshing the access token failed ({error.error}).") from error
    return Tokens.of(dict(token), previous_refresh_token=refresh_token, now=datetime.now(UTC))


async def revoke(app: ProviderApp, token: str, *, seconds: float) -> None:
    """Best effort: a token the provider no longer knows is as good as revoked."""
    if app.revocation_url is None:
        return
    async with _client(app, None, seconds) as client:
        # RFC 7009, as Google's revocation endpoint takes it.
        await client.revoke_token(app.revocation_url, token=token, token_type_hint="refresh_token")  # noqa: S106 (a kind)
