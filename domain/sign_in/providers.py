"""What sign-in reads from the settings: one OpenID Connect client per configured provider."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from db.models.sign_in import SignInProvider

SCOPES = ("openid", "email", "profile")


class SignInSettings(Protocol):
    """The part of Rhythm's settings sign-in reads (base.settings.Settings has it all)."""

    public_base_url: str
    sign_in_google_discovery_url: str
    sign_in_google_client_id: str | None
    sign_in_microsoft_discovery_url: str
    sign_in_microsoft_client_id: str | None
    sign_in_redirect_uri: str | None
    sign_in_attempt_ttl_seconds: int
    sign_in_http_timeout_seconds: float
    sign_in_jwks_refresh_cooldown_seconds: float

    def secret_of(self, name: str) -> str | None: ...


@dataclass(frozen=True, slots=True)
class ClientConfig:
    """The app registered with one provider. The secret never leaves this object but towards the token endpoint."""

    provider: SignInProvider
    discovery_url: str
    client_id: str
    client_secret: str | None = None

    def __repr__(self) -> str:
        # Dataclass reprs end up in logs and tracebacks: keep the secret out of them.
        return f"ClientConfig(provider={self.provider.value!r}, client_id={self.client_id!r})"


@dataclass(frozen=True, slots=True)
class SignInConfig:
    clients: dict[SignInProvider, ClientConfig]
    redirect_uri: str
    attempt_ttl_seconds: int
    timeout: float
    jwks_refresh_cooldown_seconds: float


def sign_in_config_of(settings: SignInSettings) -> SignInConfig:
    clients: dict[SignInProvider, ClientConfig] = {}
    if settings.sign_in_google_client_id:
        clients[SignInProvider.GOOGLE] = ClientConfig(
            SignInProvider.GOOGLE, settings.sign_in_google_discovery_url, settings.sign_in_google_client_id,
            settings.secret_of("sign_in_google_client_secret"),
        )  # fmt: skip
    if settings.sign_in_microsoft_client_id:
        clients[SignInProvider.MICROSOFT] = ClientConfig(
            SignInProvider.MICROSOFT, settings.sign_in_microsoft_discovery_url, settings.sign_in_microsoft_client_id,
            settings.secret_of("sign_in_microsoft_client_secret"),
        )  # fmt: skip
    redirect = settings.sign_in_redirect_uri or f"{settings.public_base_url.rstrip('/')}/sign-in/callback"
    return SignInConfig(
        clients=clients,
        redirect_uri=redirect,
        attempt_ttl_seconds=settings.sign_in_attempt_ttl_seconds,
        timeout=settings.sign_in_http_timeout_seconds,
        jwks_refresh_cooldown_seconds=settings.sign_in_jwks_refresh_cooldown_seconds,
    )
