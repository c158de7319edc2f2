"""What every resolver reaches through `info.context`: the caller, one transaction, and the loaders."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeAlias

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from strawberry.litestar.controller import BaseContext

from db.tenant import ANONYMOUS, Caller
from domain.accounts.config import AccountConfig
from domain.ai.calls import AiRuntime, heuristic_only
from domain.auth.passwords import Passwords
from domain.auth.tokens import TokenConfig
from domain.calendar_sync.context import ConsentConfig
from domain.calendar_sync.secrets import TokenCipher
from domain.queue_figures import QueueReader
from domain.sign_in.runtime import SignInRuntime
from domain.worker_heartbeats import WorkerReader
from resolvers.loaders import Loaders
from resolvers.transaction import Transaction

if TYPE_CHECKING:
    from resolvers.live.feed import LiveSink
    from resolvers.live.hub import LiveHub
    from resolvers.rate_limiter import RateLimiter


@dataclass(frozen=True, slots=True)
class Services:
    """Built once per process by the app and shared by every request."""

    sessions: async_sessionmaker[AsyncSession]
    tokens: TokenConfig
    passwords: Passwords
    max_page_size: int
    # Tests and local development post webhooks to loopback receivers; production refuses private targets.
    webhooks_allow_private_targets: bool = False
    # Where subscriptions listen for committed changes; None where nothing publishes them.
    live: LiveHub | None = None
    # The broker's queue figures, for platform administrators; None where no broker is known.
    queues: QueueReader | None = None
    # Calendar consent (token keys, OAuth apps); None where calendar sync is not set up.
    calendar_consent: ConsentConfig | None = None
    # The AI features' model client and per-person limiter; heuristic answers only where none is configured.
    ai: AiRuntime = field(default_factory=heuristic_only)
    # The worker processes' heartbeats, for platform administrators; None where no broker is known.
    workers: WorkerReader | None = None
    # Counts operations and sign-in attempts (resolvers/rate_limits.py); None turns rate limits off.
    rate_limiter: RateLimiter | None = None
    # Sign in with Google and Microsoft (OpenID Connect clients and their key caches); None: not offered.
    sign_in: SignInRuntime | None = None
    # Consent versions and data export links; None where the app was built without them (no exports, no checks).
    accounts: AccountConfig | None = None
    # Encrypts second-factor secrets (the calendar token keys); None where no key is configured.
    secret_cipher: TokenCipher | None = None


class Context(BaseContext, kw_only=True):
    services: Services
    transaction: Transaction
    request_id: str
    loaders: Any = None
    # A websocket's `connection_init` payload, which carries its credentials (app/websocket.py).
    connection_params: dict[str, Any] | None = None
    # A subscription operation on a socket, through which an event rendered for many is sent as is.
    live_sink: LiveSink | None = None
    # The client's address, X-Forwarded-For read only from trusted proxies (app/client_address.py).
    client_address: str = "unknown"
    # The client's User-Agent header, kept with the sign-in sessions it starts or refreshes.
    user_agent: str | None = None
    # Rate limits: whether this request's operation was counted, and the emails its `logIn` fields failed with.
    request_counted: bool = False
    failed_sign_ins: list[str] | None = None

    def sign_in_failed(self, email: str) -> None:
        if self.failed_sign_ins is not None:
            self.failed_sign_ins.append(email.strip().lower())

    @property
    def caller(self) -> Caller:
        return self.transaction.caller

    def get_loaders(self) -> Loaders:
        if self.loaders is None:
            self.loaders = Loaders(self.transaction)
        return self.loaders  # type: ignore[no-any-return]


def new_context(services: Services, request_id: str, caller: Caller = ANONYMOUS) -> Context:
    return Context(services=services, transaction=Transaction(services.sessions, caller), request_id=request_id)


Info: TypeAlias = strawberry.Info[Context, None]
