"""What a sync job needs from outside: the database, the token keys, the OAuth apps and provider addresses (from
the settings), and one HTTP client."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.models.calendar_sync import CalendarProvider
from domain.calendar_sync.context import SyncSettings, provider_apps
from domain.calendar_sync.oauth import ProviderApp
from domain.calendar_sync.secrets import TokenCipher


@dataclass(frozen=True, slots=True)
class SyncContext:
    sessions: async_sessionmaker[AsyncSession]
    cipher: TokenCipher
    apps: dict[CalendarProvider, ProviderApp]
    http: httpx.AsyncClient
    google_api_url: str
    graph_api_url: str
    public_base_url: str
    push_enabled: bool
    period: timedelta
    authorization_ttl_seconds: int
    timeout: float
    # How far ahead Rhythm's blocks are written to the receiving calendar.
    block_horizon: timedelta = timedelta(days=30)
    # A watch channel lives this long and is renewed (with overlap) once less than a third is left.
    channel_ttl: timedelta = timedelta(days=7)

    def redirect_uri(self) -> str:
        return f"{self.public_base_url.rstrip('/')}/calendar-sync/oauth/callback"

    def push_address(self, provider: CalendarProvider) -> str:
        return f"{self.public_base_url.rstrip('/')}/calendar-sync/push/{provider.value}"


def context_of(
    settings: SyncSettings, sessions: async_sessionmaker[AsyncSession], http: httpx.AsyncClient
) -> SyncContext:
    return SyncContext(
        sessions=sessions,
        cipher=TokenCipher(settings.resolved_calendar_token_keys()),
        apps=provider_apps(settings),
        http=http,
        google_api_url=settings.google_api_base_url,
        graph_api_url=settings.microsoft_graph_base_url,
        public_base_url=settings.public_base_url,
        push_enabled=settings.calendar_push_enabled,
        period=timedelta(seconds=settings.calendar_sync_period_seconds),
        authorization_ttl_seconds=settings.calendar_authorization_ttl_seconds,
        timeout=settings.calendar_http_timeout_seconds,
    )
