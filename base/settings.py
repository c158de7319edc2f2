"""One settings object, read lazily so tests and tools can set the environment first."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RHYTHM_", env_file=".env", extra="ignore")

    environment: Literal["development", "production", "test"] = "development"

    # Storage. With no database URL, `rhythm serve` runs an embedded PostgreSQL under data_dir.
    database_url: str | None = Field(default=None, validation_alias=AliasChoices("DATABASE_URL", "RHYTHM_DATABASE_URL"))
    redis_url: str | None = Field(default=None, validation_alias=AliasChoices("REDIS_URL", "RHYTHM_REDIS_URL"))
    data_dir: Path = Path(".rhythm")
    database_pool_size: int = Field(default=10, ge=1, le=200)
    # Testing each pooled connection before use costs three round trips per request; without it, the first
    # request on a connection the server dropped fails, and the pool then replaces every older connection.
    database_pool_pre_ping: bool = False
    database_pool_recycle_seconds: int = Field(default=1800, ge=1)

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    # Unset: seed the demo when running on the embedded database only.
    seed_demo: bool | None = None
    # Run the background jobs inside the API process: the default without Redis, so one command runs everything.
    run_workers_in_process: bool | None = None

    # Auth. A missing JWT secret is generated once and kept in data_dir, which suits a first run only.
    jwt_secret: SecretStr | None = None
    access_token_ttl_seconds: int = Field(default=900, ge=30, le=900)
    refresh_token_ttl_days: int = Field(default=30, ge=1, le=365)
    # Account emails (domain/auth/email_flows.py): how long a verification link and a password reset link work,
    # and where their links point (a client's /verify-email and /reset-password pages; public_base_url if unset).
    email_verification_ttl_minutes: int = Field(default=1440, ge=5, le=10080)
    password_reset_ttl_minutes: int = Field(default=30, ge=5, le=1440)
    account_links_base_url: str | None = None
    argon2_time_cost: int = Field(default=3, ge=1)
    argon2_memory_cost_kib: int = Field(default=65536, ge=8)

    # Accounts. The versions of the terms and privacy notice signUp accepts (a client names the one it showed).
    terms_version: str = Field(default="2026-12-01", min_length=1, max_length=40)
    privacy_version: str = Field(default="2026-12-01", min_length=1, max_length=40)
    # How long a built data export (and its download link) lasts.
    data_export_ttl_hours: int = Field(default=72, ge=1, le=720)

    # GraphQL limits.
    graphql_max_depth: int = Field(default=12, ge=2)
    graphql_max_tokens: int = Field(default=2000, ge=50)
    graphql_max_page_size: int = Field(default=100, ge=1)
    # Queries whose every field maps onto the tables run as one SQL statement (resolvers/compiled); off, every
    # operation runs through the resolvers.
    graphql_compiled_reads: bool = True
    # Task mutations whose payload selects the task's own fields are answered without the executor (the same
    # domain functions, the task rendered in Python; resolvers/compiled/mutations.py); off, the resolvers answer.
    graphql_compiled_mutations: bool = True

    # Webhooks. Private, loopback, link-local and reserved targets are refused unless allowed (tests, local dev).
    webhooks_allow_private_targets: bool = False
    webhooks_timeout_seconds: float = Field(default=15.0, gt=0, le=60)
    # A delivery whose worker died mid-attempt is retried once its lease lapses: keep it above the timeout.
    webhooks_lease_seconds: float = Field(default=60.0, gt=0)
    # How often each worker process looks for due retries and lapsed leases.
    webhooks_dispatch_period_seconds: float = Field(default=5.0, gt=0)
    # A delivery handed to the broker is handed again after this if it is still due (the message was lost).
    webhooks_redispatch_after_seconds: float = Field(default=60.0, gt=0)

    # Events and the broker (workers/events/relay.py, workers/events/actors.py, workers/broker.py).
    # The broker: RabbitMQ with `amqp://...` (durable queues, publisher confirms); unset, Redis at REDIS_URL.
    broker_url: str | None = Field(default=None, validation_alias=AliasChoices("RHYTHM_BROKER_URL"))
    # Redis broker: a worker process silent this long is taken for dead, and every worker process requeues its
    # unacknowledged messages on its next maintenance pass, which runs every maintenance period.
    broker_heartbeat_timeout_ms: int = Field(default=15_000, ge=1_000)
    broker_maintenance_period_seconds: float = Field(default=5.0, gt=0)
    # The outbox relay's claim on a batch: a relay that dies (or cannot reach the broker) leaves it this long.
    outbox_lease_seconds: float = Field(default=30.0, gt=0)
    # An event handed to the broker whose reactions have not completed within this lease is dispatched again
    # (the broker lost it, or the worker running it died); the lease doubles on each dispatch, and after
    # `events_max_dispatches` the event is given up and recorded as a dead letter.
    events_reaction_lease_seconds: float = Field(default=60.0, gt=0)
    events_max_dispatches: int = Field(default=8, ge=1)
    # How often each relay looks for lapsed leases (new events wake it at once through LISTEN/NOTIFY).
    events_reconcile_period_seconds: float = Field(default=5.0, gt=0)
    # How often each worker process (and the API, running jobs in process) carries out the replays and discards
    # of dead letters that people asked for.
    jobs_replay_period_seconds: float = Field(default=2.0, gt=0)

    # Email notifications through SMTP (RHYTHM_SMTP_*); no host, no email: notifications stay in the app.
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    # STARTTLS: unset upgrades when the server offers it, true requires it, false never tries. USE_TLS: TLS from
    # the first byte (SMTPS, usually port 465).
    smtp_start_tls: bool | None = None
    smtp_use_tls: bool = False
    smtp_timeout_seconds: float = Field(default=30.0, gt=0, le=300)
    email_from: str = "Rhythm <notifications@rhythm.localhost>"
    # How often each worker process (and the API, running jobs in process) looks for due-soon and overdue tasks.
    notifications_reminder_period_seconds: float = Field(default=300.0, gt=0)

    # Bounded work per request, slow clients and outages. Fields a document may select once its fragments
    # are expanded, checked before validation (which expands them, and could take minutes on 1 KB).
    graphql_max_fields: int = Field(default=2000, ge=10)
    # An operation still running after this is abandoned and rolled back; the API's connections also carry it
    # (plus a second) as PostgreSQL's statement_timeout, which holds even while Python is busy.
    graphql_operation_timeout_seconds: float = Field(default=10.0, gt=0)
    # Connecting to PostgreSQL gives up after this (an unreachable host would otherwise hold a request 60 s).
    database_connect_timeout_seconds: float = Field(default=5.0, gt=0)
    # Slow or idle clients (app/http_protocol.py): a request's head must arrive within the first timeout, its body
    # within the second after it; past the connection cap a new connection is closed at once.
    http_header_timeout_seconds: float = Field(default=10.0, gt=0)
    http_body_timeout_seconds: float = Field(default=30.0, gt=0)
    # Open HTTP and WebSocket connections per API process (app/open_files.py keeps it below the open-files limit).
    http_max_connections: int = Field(default=10_000, ge=1)

    # Calendar sync. Fernet keys (comma-separated, newest first: the first encrypts, all decrypt). To rotate, put
    # a new key in front: each connection's tokens are stored again under it at their next refresh (within the
    # hour for a syncing connection); drop the old key after that. None: one is generated and kept in data_dir,
    # which suits a first run only.
    calendar_token_keys: SecretStr | None = None
    # Where providers send people back after consent and post push notifications: Rhythm's public address.
    public_base_url: str = "http://127.0.0.1:8000"
    google_client_id: str | None = None
    google_client_secret: SecretStr | None = None
    google_authorization_url: str = "https://accounts.google.com/o/oauth2/v2/auth"
    google_token_url: str = "https://oauth2.googleapis.com/token"  # noqa: S105 (an address)
    google_revocation_url: str = "https://oauth2.googleapis.com/revoke"
    google_api_base_url: str = "https://www.googleapis.com/calendar/v3"
    microsoft_client_id: str | None = None
    microsoft_client_secret: SecretStr | None = None
    microsoft_authority_url: str = "https://login.microsoftonline.com/common"
    microsoft_graph_base_url: str = "https://graph.microsoft.com/v1.0"
    # Push off: rely on the periodic sync alone (a deployment that providers cannot reach).
    calendar_push_enabled: bool = True
    # Off: the calendar sync jobs do nothing (for tests and tools that drive the sync themselves).
    calendar_sync_jobs: bool = True
    # The fallback when push is off or silent, and how long a consent link stays valid.
    calendar_sync_period_seconds: float = Field(default=900.0, gt=0)
    calendar_authorization_ttl_seconds: int = Field(default=600, ge=60, le=3600)
    calendar_http_timeout_seconds: float = Field(default=20.0, gt=0, le=120)

    # Sign in with Google and Microsoft (OpenID Connect, domain/sign_in). A provider is offered once its client id
    # is set. The discovery document names the endpoints, the issuer and the JWKS; Microsoft's multi-tenant issuer
    # (`.../{tenantid}/v2.0`) is checked against the token's `tid`.
    sign_in_google_discovery_url: str = "https://accounts.google.com/.well-known/openid-configuration"
    sign_in_google_client_id: str | None = None
    sign_in_google_client_secret: SecretStr | None = None
    sign_in_microsoft_discovery_url: str = (
        "https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration"
    )
    sign_in_microsoft_client_id: str | None = None
    sign_in_microsoft_client_secret: SecretStr | None = None
    # Where the provider sends the browser back with `code` and `state` (a page of the client, which posts them
    # to `completeSignIn` or `linkSignInProvider`). Unset: <public_base_url>/sign-in/callback.
    sign_in_redirect_uri: str | None = None
    # How long a started sign-in stays valid, and the HTTP timeout towards the provider.
    sign_in_attempt_ttl_seconds: int = Field(default=600, ge=60, le=3600)
    sign_in_http_timeout_seconds: float = Field(default=10.0, gt=0, le=60)
    # An ID token signed by a key the cached JWKS lacks fetches the JWKS again (the provider rotated its keys),
    # at most once per this many seconds, so tokens naming made-up keys cannot make Rhythm fetch on every try.
    sign_in_jwks_refresh_cooldown_seconds: float = Field(default=60.0, ge=0)

    # AI (domain/ai): any OpenAI-compatible endpoint through the `openai` client. Without an API key every AI
    # feature answers from the heuristic (source HEURISTIC, reason NO_MODEL), so Rhythm works offline. The
    # timeout is per model call and, with the retries, must fit in the operation budget above.
    ai_base_url: str | None = None
    ai_api_key: SecretStr | None = None
    ai_model: str = "gpt-4o-mini"
    ai_timeout_seconds: float = Field(default=4.0, gt=0, le=120)
    ai_max_retries: int = Field(default=1, ge=0, le=5)
    # The most a call may write; a call reserves it (with its prompt) against the company's monthly budget.
    ai_max_output_tokens: int = Field(default=800, ge=16, le=32_000)
    # US dollars per million tokens in and out, by model, for the usage records' estimated cost.
    ai_prices_per_million: dict[str, tuple[float, float]] = {"gpt-4o-mini": (0.15, 0.60)}
    # AI operations one person may start per minute in each API process; past it the heuristic answers.
    ai_calls_per_minute: int = Field(default=20, ge=1)
    # A reservation whose call died is released by the next reservation of its company after this.
    ai_reservation_stale_seconds: float = Field(default=900.0, gt=0)

    # Operations: production mode, rate limits, metrics and traces (RHYTHM_ENVIRONMENT=production turns on the
    # production defaults below; each stays overridable). None of these is read outside app/ and workers/.
    # Introspection, "Did you mean" suggestions and the GraphiQL page: unset follows the environment (off in
    # production, on elsewhere).
    graphql_introspection: bool | None = None
    graphql_field_suggestions: bool | None = None
    graphiql: bool | None = None
    # Browsers on these origins may call the API (CORS); empty: no CORS headers at all.
    cors_origins: list[str] = Field(default_factory=list)
    # Request bodies larger than this are refused with 413 before they are read in full.
    http_max_body_bytes: int = Field(default=1_000_000, ge=1024)
    # Aliases a document may use, and its cost: every field counts once, times the page size (`first`/`last`,
    # 20 where absent) of every connection above it, fragments expanded. Both are checked before validation;
    # twelve levels of connections at the default page size cost about 500,000.
    graphql_max_aliases: int = Field(default=30, ge=1)
    graphql_max_cost: int = Field(default=1_000_000, ge=10)
    # Rate limits (resolvers/rate_limits.py), "N/period" as the `limits` library reads them, counted in Redis
    # when REDIS_URL is set (shared by every API process), in memory otherwise.
    rate_limits_enabled: bool = True
    rate_limit_requests: str = "1000/15 minutes"  # operations per caller (person, API key, or address)
    rate_limit_requests_per_address: str = "3000/15 minutes"
    rate_limit_auth_attempts: str = "30/15 minutes"  # logIn, signUp, refreshToken fields per address
    rate_limit_sign_in_failures: str = "5/15 minutes"  # per account and per address
    # Traces: exported over OTLP/HTTP to this endpoint (a collector, e.g. http://otel-collector:4318); unset, off.
    otel_exporter_otlp_endpoint: str | None = Field(
        default=None,
        validation_alias=AliasChoices("RHYTHM_OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT"),
    )
    otel_service_name: str = "rhythm"
    # `rhythm worker` serves its processes' metrics (summed over PROMETHEUS_MULTIPROC_DIR) at
    # http://<host>:<port>/metrics, for Prometheus to scrape each worker pod as it scrapes each API pod; unset: off.
    worker_metrics_port: int | None = Field(default=None, ge=1, le=65535)
    worker_metrics_host: str = "0.0.0.0"  # noqa: S104 - a scrape target in a container; off until a port is set
    # `rhythm serve` migrates before it serves; off where a migration job runs as the owner role and the API
    # logs in as a role that owns nothing (deploy/).
    migrate_on_start: bool = True
    # Proxies whose X-Forwarded-For names the client (addresses or networks); none: the peer is the client.
    trusted_proxies: list[str] = Field(default_factory=list)

    log_level: str = "INFO"
    log_json: bool = True

    @property
    def production(self) -> bool:
        return self.environment == "production"

    def enabled_outside_production(self, setting: bool | None) -> bool:
        """A switch that is on by default except in production."""
        return (not self.production) if setting is None else setting

    @property
    def in_process_workers(self) -> bool:
        if self.run_workers_in_process is not None:
            return self.run_workers_in_process
        return self.redis_url is None and self.broker_url is None

    def secret_of(self, name: str) -> str | None:
        """The plain value of a SecretStr setting, for the one place that needs it."""
        value = getattr(self, name)
        return value.get_secret_value() if isinstance(value, SecretStr) else None

    def resolved_calendar_token_keys(self) -> list[str]:
        if self.calendar_token_keys is not None:
            return [key.strip() for key in self.calendar_token_keys.get_secret_value().split(",") if key.strip()]
        path = self.data_dir / "calendar-token-key"
        if not path.exists():
            from cryptography.fernet import Fernet

            self.data_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(Fernet.generate_key().decode())
            path.chmod(0o600)
        return [path.read_text().strip()]

    def resolved_jwt_secret(self) -> str:
        if self.jwt_secret is not None:
            return self.jwt_secret.get_secret_value()
        if self.production:
            # A secret generated into a data folder differs between replicas and vanishes with the container.
            raise RuntimeError("RHYTHM_JWT_SECRET must be set in production (RHYTHM_ENVIRONMENT=production).")
        path = self.data_dir / "jwt-secret"
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        return path.read_text().strip()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
