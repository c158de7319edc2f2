"""Calendar sync against a fake Google Calendar on loopback: a person who connected their account through the
real consent flow (PKCE and all), and the sync context the actors would use, pointed at the fake."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

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
from tests.factories import Person, create_company, sign_up
from tests.graphql import GraphQL
from tests.isolation.world import uuid_of
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


@pytest.fixture
async def ctx(google: FakeGoogle, sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[SyncContext]:
    async with httpx.AsyncClient(timeout=20) as http:
        yield SyncContext(
            sessions=sessions, cipher=TokenCipher([CALENDAR_TOKEN_KEY]),
            apps={CalendarProvider.GOOGLE: google_app(google)},
            http=http, google_api_url=google.api_url, graph_api_url="http://127.0.0.1:9/v1.0",
            public_base_url="http://127.0.0.1:9", push_enabled=False, period=timedelta(minutes=15),
            authorization_ttl_seconds=600, timeout=20,
        )  # fmt: skip


@dataclass(frozen=True)
class Connected:
    person: Person
    company_id: str
    connection: CalendarConnection

    @property
    def user_id(self) -> uuid.UUID:
        return uuid_of(self.person.user_id)


async def consent(
    ctx: SyncContext, google: FakeGoogle, *, user_id: uuid.UUID, company_id: uuid.UUID
) -> tuple[str, str]:
    """The person follows the authorization URL and Google sends them back: the callback's code and state."""
    url = oauth.authorization_url(
        ctx.apps[CalendarProvider.GOOGLE], ctx.cipher, user_id=user_id, company_id=company_id,
        redirect_uri=ctx.redirect_uri(),
    )  # fmt: skip
    back = dict(parse_qsl(urlsplit(google.authorize(dict(parse_qsl(urlsplit(url).query)))).query))
    return back["code"], back["state"]


async def connect(ctx: SyncContext, google: FakeGoogle, graphql: GraphQL, *, name: str = "Sync Person") -> Connected:
    someone = await sign_up(graphql, name=name)
    company_id = await create_company(graphql, someone, name=f"{name} Co")
    user_id, company = uuid_of(someone.user_id), uuid_of(company_id)
    code, state = await consent(ctx, google, user_id=user_id, company_id=company)
    pending = oauth.read_state(ctx.cipher, state, max_age_seconds=600)
    assert pending is not None
    tokens = await oauth.exchange_code(
        ctx.apps[CalendarProvider.GOOGLE], code=code, code_verifier=pending.code_verifier,
        redirect_uri=ctx.redirect_uri(), seconds=10,
    )  # fmt: skip
    async with tenant_session(ctx.sessions, person(user_id)) as session:
        connection = await store_connection(
            session, ctx, user_id=pending.user_id, company_id=pending.company_id, provider=pending.provider,
            account_email=google.account, tokens=tokens,
        )  # fmt: skip
    return Connected(person=someone, company_id=company_id, connection=connection)
