"""Finishing a consent: the code exchanged (with the PKCE verifier sealed in the state), the account named, and
the connection stored as the person who asked, who must still belong to the company (the policies check)."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.models.calendar_sync import CalendarConnection, CalendarProvider
from db.tenant import tenant_session
from domain.calendar_sync import oauth
from domain.calendar_sync.connections import person, store_connection
from domain.calendar_sync.context import ConsentConfig
from domain.calendar_sync.errors import ProviderError
from domain.calendar_sync.google import GoogleCalendar
from domain.calendar_sync.graph import GraphCalendar
from domain.calendar_sync.oauth import Tokens


class ConsentRefused(Exception):
    """A callback Rhythm cannot complete; the message is safe to show the person."""


async def _account_email(config: ConsentConfig, provider: CalendarProvider, tokens: Tokens) -> str:
    async def token(_: bool) -> str:
        return tokens.access_token

    async with httpx.AsyncClient(timeout=config.timeout) as http:
        if provider is CalendarProvider.MICROSOFT:
            me = await GraphCalendar(http, config.graph_api_url, token).me()
            return str(me.get("mail") or me.get("userPrincipalName") or "")
        listed = await GoogleCalendar(http, config.google_api_url, token).calendar_list()
    primary = next((item for item in listed if item.get("primary")), None)
    if primary is None:
        raise ConsentRefused("The Google account has no primary calendar.")
    return str(primary["id"])


async def finish(
    config: ConsentConfig, sessions: async_sessionmaker[AsyncSession], *, code: str, state: str
) -> CalendarConnection:
    pending = oauth.read_state(config.cipher, state, max_age_seconds=config.authorization_ttl_seconds)
    if pending is None:
        raise ConsentRefused("This link has expired or was altered: connect the calendar again from Rhythm.")
    app = config.apps.get(pending.provider)
    if app is None:
        raise ConsentRefused("This calendar provider is not configured.")
    try:
        tokens = await oauth.exchange_code(
            app, code=code, code_verifier=pending.code_verifier, redirect_uri=config.redirect_uri(),
            seconds=config.timeout,
        )  # fmt: skip
        email = await _account_email(config, pending.provider, tokens)
    except ProviderError as error:
        raise ConsentRefused(f"The provider refused: {error.reason}") from error
    async with tenant_session(sessions, person(pending.user_id)) as session:
        return await store_connection(
            session, config, user_id=pending.user_id, company_id=pending.company_id, provider=pending.provider,
            account_email=email, tokens=tokens,
        )  # fmt: skip
