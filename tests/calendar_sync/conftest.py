"""Calendar sync against the fake Google Calendar and Microsoft Graph on loopback: a person who connected their
account through the real consent flow (PKCE and all), the sync context the actors would use, pointed at the fakes,
and, for tests that run real `rhythm worker` processes, a database and a Redis of their own."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.engine import create_engine, create_sessionmaker
from db.models.calendar_sync import CalendarConnection, CalendarProvider
from db.tenant import tenant_session
from domain.calendar_sync import oauth
from domain.calendar_sync.connections import person, store_connection
from domain.calendar_sync.context import GOOGLE_SCOPES, MICROSOFT_SCOPES
from domain.calendar_sync.oauth import ProviderApp
from domain.calendar_sync.secrets import TokenCipher
from tests.calendar_sync.fake_google import FakeGoogle
from tests.calendar_sync.fake_graph import FakeGraph
from tests.conftest import CALENDAR_TOKEN_KEY
from tests.databases import own_database
from tests.factories import Person, create_company, sign_up
from tests.graphql import GraphQL
from tests.isolation.world import uuid_of
from tests.webhooks.processes import RedisServer
from workers.calendar_sync.context import SyncContext


@pytest.fixture
def google() -> Iterator[FakeGoogle]:
    fake = FakeGoogle().start()
    yield fake
    fake.stop()


def google_app(fake: FakeGoogle) -> ProviderApp:
    return ProviderApp(
        provider=CalendarProvider.GOOGLE, client_id="rhythm-test", client_secret="shh",
        authorization_url=f"{fake.url}/authorize", token_url=f"{fake.url}/token", revocation_url=f"{fake.url}/revoke",
        scopes=GOOGLE_SCOPES, extra_authorization_params=(("access_type", "offline"), ("prompt", "consent")),
    )  # fmt: skip


def microsoft_app(graph: FakeGraph) -> ProviderApp:
    return ProviderApp(
        provider=CalendarProvider.MICROSOFT, client_id="rhythm-test", client_secret="shh",
        authorization_url=f"{graph.authority_url}/oauth2/v2.0/authorize",
        token_url=f"{graph.authority_url}/oauth2/v2.0/token", revocation_url=None, scopes=MICROSOFT_SCOPES,
    )  # fmt: skip


#: Where a provider this context does not use would be reached: a closed loopback port.
NOWHERE = "http://127.0.0.1:9"


def sync_context(
    sessions: async_sessionmaker[AsyncSession], http: httpx.AsyncClient, *, google: FakeGoogle | None = None,
    graph: FakeGraph | None = None, period: timedelta = timedelta(minutes=15), timeout: int = 20,
    public_base_url: str = NOWHERE,
) -> SyncContext:  # fmt: skip
    """The context the actors would use, pointed at the fakes given (push off)."""
    apps: dict[CalendarProvider, ProviderApp] = {}
    if google is not None:
        apps[CalendarProvider.GOOGLE] = google_app(google)
    if graph is not None:
        apps[CalendarProvider.MICROSOFT] = microsoft_app(graph)
    return SyncContext(
        sessions=sessions, cipher=TokenCipher([CALENDAR_TOKEN_KEY]), apps=apps, http=http,
        google_api_url=google.api_url if google is not None else f"{NOWHERE}/calendar/v3",
        graph_api_url=graph.api_url if graph is not None else f"{NOWHERE}/v1.0",
        public_base_url=public_base_url, push_enabled=False, period=period, authorization_ttl_seconds=600,
        timeout=timeout,
    )  # fmt: skip


@pytest.fixture
async def ctx(google: FakeGoogle, sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[SyncContext]:
    async with httpx.AsyncClient(timeout=20) as http:
        yield sync_context(sessions, http, google=google)


@dataclass(frozen=True)
class Connected:
    person: Person
    company_id: str
    connection: CalendarConnection

    @property
    def user_id(self) -> uuid.UUID:
        return uuid_of(self.person.user_id)


class Consenting(Protocol):
    """A fake provider's consent page."""

    def authorize(self, query: dict[str, str]) -> str: ...


async def consent(
    ctx: SyncContext, fake: Consenting, *, user_id: uuid.UUID, company_id: uuid.UUID,
    provider: CalendarProvider = CalendarProvider.GOOGLE,
) -> tuple[str, str]:  # fmt: skip
    """The person follows the authorization URL and the provider sends them back: the callback's code and state."""
    url = oauth.authorization_url(
        ctx.apps[provider], ctx.cipher, user_id=user_id, company_id=company_id, redirect_uri=ctx.redirect_uri()
    )
    back = dict(parse_qsl(urlsplit(fake.authorize(dict(parse_qsl(urlsplit(url).query)))).query))
    return back["code"], back["state"]


async def link_account(
    ctx: SyncContext, fake: Consenting, *, provider: CalendarProvider, user_id: uuid.UUID, company_id: uuid.UUID,
    account_email: str,
) -> CalendarConnection:  # fmt: skip
    """The whole consent flow, as the callback runs it: the code exchanged (with PKCE) and the connection stored."""
    code, state = await consent(ctx, fake, user_id=user_id, company_id=company_id, provider=provider)
    pending = oauth.read_state(ctx.cipher, state, max_age_seconds=600)
    assert pending is not None
    tokens = await oauth.exchange_code(
        ctx.apps[provider], code=code, code_verifier=pending.code_verifier, redirect_uri=ctx.redirect_uri(),
        seconds=10,
    )  # fmt: skip
    async with tenant_session(ctx.sessions, person(user_id)) as session:
        return await store_connection(
            session, ctx, user_id=pending.user_id, company_id=pending.company_id, provider=pending.provider,
            account_email=account_email, tokens=tokens,
        )  # fmt: skip


async def connect(ctx: SyncContext, google: FakeGoogle, graphql: GraphQL, *, name: str = "Sync Person") -> Connected:
    someone = await sign_up(graphql, name=name)
    company_id = await create_company(graphql, someone, name=f"{name} Co")
    connection = await link_account(
        ctx, google, provider=CalendarProvider.GOOGLE, user_id=uuid_of(someone.user_id),
        company_id=uuid_of(company_id), account_email=google.account,
    )  # fmt: skip
    return Connected(person=someone, company_id=company_id, connection=connection)


# Real `rhythm worker` processes (the convergence tests) -------------------------------------------------------


@pytest.fixture(scope="module")
def convergence_database_url(server_url: str) -> Iterator[str]:
    """A migrated database of the module's own, which `rhythm worker` processes can reach too."""
    with own_database(server_url, "calsync") as url:
        yield url


@pytest.fixture(scope="module")
async def convergence_db(convergence_database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(convergence_database_url, pool_size=4)
    yield create_sessionmaker(engine)
    await engine.dispose()


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path).start()
    yield server
    server.stop()
