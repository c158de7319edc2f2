"""What the API keeps for sign-in across requests: the settings read once and one client per provider, whose
discovery document and JWKS caches live as long as the process."""

from __future__ import annotations

from dataclasses import dataclass

from domain.sign_in.oidc import OpenIdClient, OpenIdClients
from domain.sign_in.providers import SignInConfig, SignInSettings, sign_in_config_of


@dataclass(frozen=True, slots=True)
class SignInRuntime:
    config: SignInConfig
    clients: OpenIdClients

    @classmethod
    def of(cls, config: SignInConfig) -> SignInRuntime:
        clients = {
            provider: OpenIdClient(
                client, timeout=config.timeout, jwks_refresh_cooldown_seconds=config.jwks_refresh_cooldown_seconds
            )
            for provider, client in config.clients.items()
        }
        return cls(config, OpenIdClients(clients))

    @classmethod
    def from_settings(cls, settings: SignInSettings) -> SignInRuntime:
        return cls.of(sign_in_config_of(settings))
