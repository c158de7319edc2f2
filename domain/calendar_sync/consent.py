"""Finishing a consent: the code exchanged (with the PKCE verifier sealed in the state) and the account named,
then the connection stored, in the caller's transaction as the person who asked, who must still belong to the
company (the policies check)."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from db.models.calendar_sync import CalendarConnection, CalendarProvider
from domain.calendar_sync import oauth
from domain.calendar_sync.connections import store_connection
from domain.calendar_sync.context import ConsentConfig
from domain.calendar_sync.errors import ProviderError
from domain.calendar_sync.google import GoogleCalendar
from domain.calendar_sync.graph import GraphCalendar
from domain.calendar_sync.oauth import PendingConsent, Tokens


class ConsentRefused(Exception):
    """A callback Rhythm cannot complete; the message is safe to show the person."""


@dataclass(frozen=True, slots=True)
class Accepted:
    """A consent the provider granted: who asked, and what the provider gave."""

    pending: PendingConsent
    tokens: Tokens
    account_email: str


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


async def accept(config: ConsentConfig, *, code: str, state: str) -> Accepted:
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
    return Accepted(pending, tokens, email)


async def store(session: AsyncSession, config: ConsentConfig, accepted: Accepted) -> CalendarConnection:
    """The connection, stored in a session opened as `accepted.pending.user_id`."""
    pending = accepted.pending
    return await store_connection(
        session, config, user_id=pending.user_id, company_id=pending.company_id, provider=pending.provider,
        account_email=accepted.account_email, tokens=accepted.tokens,
    )  # fmt: skip
