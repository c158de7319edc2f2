"""What production mode changes at the HTTP layer: security headers and CORS from settings."""

from __future__ import annotations

from litestar.config.cors import CORSConfig
from litestar.datastructures import ResponseHeader

from base.settings import Settings

# An API answers JSON: nothing of it is to be framed, sniffed or sent on as a referrer.
_ALWAYS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
}
# GraphiQL runs its own scripts and styles from /graphql/static; without it the API serves no page at all.
_CSP_WITH_GRAPHIQL = "frame-ancestors 'none'"
_CSP_API_ONLY = "default-src 'none'; frame-ancestors 'none'"
# Production sits behind TLS: browsers are told to keep to it for a year.
_HSTS = "max-age=31536000; includeSubDomains"


def security_headers(settings: Settings) -> list[ResponseHeader]:
    headers = dict(_ALWAYS)
    graphiql = settings.enabled_outside_production(settings.graphiql)
    headers["Content-Security-Policy"] = _CSP_WITH_GRAPHIQL if graphiql else _CSP_API_ONLY
    if settings.production:
        headers["Strict-Transport-Security"] = _HSTS
    return [ResponseHeader(name=name, value=value) for name, value in headers.items()]


def cors(settings: Settings) -> CORSConfig | None:
    """Browsers on the configured origins may call the API with credentials in headers; none configured, no
    CORS headers at all (same-origin only)."""
    if not settings.cors_origins:
        return None
    return CORSConfig(
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "POST", "OPTIONS"],
        allow_headers=["Authorization", "Content-Type", "X-Api-Key", "X-Company-Id", "X-Request-Id"],
        expose_headers=["X-Request-Id", "Retry-After", "RateLimit", "RateLimit-Policy"],
        allow_credentials=False,
        max_age=600,
    )
