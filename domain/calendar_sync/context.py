"""What calendar sync reads from the settings: the token keys, the OAuth apps and the provider addresses. The sync
jobs' own context (with the database and one HTTP client) is workers/calendar_sync/context.py."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from db.models.calendar_sync import CalendarProvider
from domain.calendar_sync.oauth import ProviderApp
from domain.calendar_sync.secrets import TokenCipher

GOOGLE_SCOPES = (
    "https://www.googleapis.com/auth/calendar.events",
    "https://www.googleapis.com/auth/calendar.readonly",
)
MICROSOFT_SCOPES = ("offline_access", "User.Read", "Calendars.ReadWrite")


class SyncSettings(Protocol):
    """The part of Rhythm's settings the sync reads (app.settings.Settings has it all)."""

    public_base_url: str
    google_client_id: str | None
    google_authorization_url: str
    google_token_url: str
    google_revocation_url: str
    google_api_base_url: str
    microsoft_client_id: str | None
    microsoft_authority_url: str
    microsoft_graph_base_url: str
    calendar_push_enabled: bool
    calendar_sync_period_seconds: float
    calendar_authorization_ttl_seconds: int
    calendar_http_timeout_seconds: float

    def resolved_calendar_token_keys(self) -> list[str]: ...

    def secret_of(self, name: str) -> str | None: ...


def provider_apps(settings: SyncSettings) -> dict[CalendarProvider, ProviderApp]:
    apps: dict[CalendarProvider, ProviderApp] = {}
    if settings.google_client_id:
        apps[CalendarProvider.GOOGLE] = ProviderApp(
            provider=CalendarProvider.GOOGLE,
            client_id=settings.google_client_id,
            client_secret=settings.secret_of("google_client_secret"),
            authorization_url=settings.google_authorization_url,
            token_url=settings.google_token_url,
            revocation_url=settings.google_revocation_url,
            scopes=GOOGLE_SCOPES,
            # A refresh token comes only with offline access, and again on a reconnect only with consent asked.
            extra_authorization_params=(("access_type", "offline"), ("prompt", "consent")),
        )
    if settings.microsoft_client_id:
        authority = settings.microsoft_authority_url.rstrip("/")
        apps[CalendarProvider.MICROSOFT] = ProviderApp(
            provider=CalendarProvider.MICROSOFT,
            client_id=settings.microsoft_client_id,
            client_secret=settings.secret_of("microsoft_client_secret"),
            authorization_url=f"{authority}/oauth2/v2.0/authorize",
            token_url=f"{authority}/oauth2/v2.0/token",
            revocation_url=None,
            scopes=MICROSOFT_SCOPES,
        )
    return apps


@dataclass(frozen=True, slots=True)
class ConsentConfig:
    """What the API needs to start and finish a consent: no database sessions or HTTP client of its own."""

    cipher: TokenCipher
    apps: dict[CalendarProvider, ProviderApp]
    public_base_url: str
    authorization_ttl_seconds: int
    google_api_url: str
    timeout: float
    graph_api_url: str = "https://graph.microsoft.com/v1.0"

    def redirect_uri(self) -> str:
        return f"{self.public_base_url.rstrip('/')}/calendar-sync/oauth/callback"


def consent_config_of(settings: SyncSettings) -> ConsentConfig:
    return ConsentConfig(
        cipher=TokenCipher(settings.resolved_calendar_token_keys()),
        apps=provider_apps(settings),
        public_base_url=settings.public_base_url,
        authorization_ttl_seconds=settings.calendar_authorization_ttl_seconds,
        google_api_url=settings.google_api_base_url,
        timeout=settings.calendar_http_timeout_seconds,
        graph_api_url=settings.microsoft_graph_base_url,
    )
