"""One OpenID Connect provider: its discovery document, its keys, the authorization URL, the code exchange (through
authlib, as calendar consent does) and the ID token checks (joserfc): signature against the provider's JWKS,
issuer, audience, expiry and nonce.

The discovery document and the JWKS are fetched once and kept (a day and an hour, so a key the provider withdrew
is not trusted for long). A token signed by a key the cached JWKS lacks (the provider rotated its keys) fetches the
JWKS once more, at most once per cooldown, so a stream of tokens naming made-up keys cannot turn every sign-in
into a fetch.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

import httpx
from authlib.integrations.httpx_client import AsyncOAuth2Client, OAuthError
from joserfc import jwt
from joserfc.errors import (
    BadSignatureError,
    ClaimError,
    ExpiredTokenError,
    InvalidClaimError,
    JoseError,
)
from joserfc.jwk import KeySet
from joserfc.jws import extract_compact

from db.models.sign_in import SignInProvider
from domain.sign_in.errors import Refusal, SignInRefused
from domain.sign_in.providers import SCOPES, ClientConfig

# Asymmetric algorithms only: an HMAC-signed ID token would be keyed with the client secret, which Rhythm does
# not want to be able to mint tokens with.
ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "ES256", "ES384")
# Clocks differ a little between Rhythm and the provider.
LEEWAY_SECONDS = 60
# Microsoft's multi-tenant discovery names the issuer with this placeholder; each token's `tid` fills it in.
TENANT_PLACEHOLDER = "{tenantid}"
METADATA_MAX_AGE_SECONDS = 24 * 3600
JWKS_MAX_AGE_SECONDS = 3600


@dataclass(frozen=True, slots=True)
class Metadata:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str


@dataclass(frozen=True, slots=True)
class VerifiedIdentity:
    """What a verified ID token says about the person."""

    provider: SignInProvider
    issuer: str
    subject: str
    email: str | None
    email_verified: bool
    name: str | None


def _refuse(reason: Refusal) -> SignInRefused:
    return SignInRefused(reason)


def _email_verified(claims: dict[str, Any]) -> bool:
    # Google says `email_verified`; Microsoft's `email` is unverified unless the optional `xms_edov` claim
    # (email domain owner verified) says so.
    return any(claims.get(name) in (True, "true", "1", 1) for name in ("email_verified", "xms_edov"))


class OpenIdClient:
    def __init__(self, config: ClientConfig, *, timeout: float, jwks_refresh_cooldown_seconds: float) -> None:
        self.config = config
        self._timeout = timeout
        self._cooldown = jwks_refresh_cooldown_seconds
        self._metadata: Metadata | None = None
        self._metadata_fetched_at = 0.0
        self._keys: KeySet | None = None
        self._keys_fetched_at = 0.0
        self._lock = asyncio.Lock()

    @property
    def provider(self) -> SignInProvider:
        return self.config.provider

    async def _get_json(self, url: str) -> dict[str, Any]:
        try:
            async with httpx.AsyncClient(timeout=self._timeout) as http:
                response = await http.get(url, headers={"Accept": "application/json"})
            response.raise_for_status()
            body = response.json()
        except (httpx.HTTPError, ValueError) as error:
            raise SignInRefused(Refusal.PROVIDER_ERROR, "The provider could not be reached.") from error
        if not isinstance(body, dict):
            raise SignInRefused(Refusal.PROVIDER_ERROR, "The provider answered with something unexpected.")
        return body

    async def metadata(self) -> Metadata:
        if self._metadata is None or time.monotonic() - self._metadata_fetched_at > METADATA_MAX_AGE_SECONDS:
            document = await self._get_json(self.config.discovery_url)
            try:
                self._metadata = Metadata(
                    issuer=str(document["issuer"]),
                    authorization_endpoint=str(document["authorization_endpoint"]),
                    token_endpoint=str(document["token_endpoint"]),
                    jwks_uri=str(document["jwks_uri"]),
                )
                self._metadata_fetched_at = time.monotonic()
            except KeyError as error:
                raise SignInRefused(
                    Refusal.PROVIDER_ERROR, "The provider's discovery document is incomplete."
                ) from error
        return self._metadata

    async def authorization_url(self, *, state: str, nonce: str, code_verifier: str, redirect_uri: str) -> str:
        metadata = await self.metadata()
        client = self._client(redirect_uri)
        url, _ = client.create_authorization_url(
            metadata.authorization_endpoint, state=state, nonce=nonce, code_verifier=code_verifier
        )
        return str(url)

    def _client(self, redirect_uri: str) -> AsyncOAuth2Client:
        return AsyncOAuth2Client(
            client_id=self.config.client_id,
            client_secret=self.config.client_secret,
            scope=" ".join(SCOPES),
            redirect_uri=redirect_uri,
            code_challenge_method="S256",
            token_endpoint_auth_method="client_secret_post",  # noqa: S106 (a method)
            timeout=self._timeout,
        )

    async def exchange_code(self, *, code: str, code_verifier: str, redirect_uri: str) -> str:
        """The ID token the token endpoint returns for `code`; no other token is kept."""
        metadata = await self.metadata()
        async with self._client(redirect_uri) as client:
            try:
                token = await client.fetch_token(
                    metadata.token_endpoint, grant_type="authorization_code", code=code, code_verifier=code_verifier
                )
            except OAuthError as error:
                # The provider's error code only: its description may echo what was sent.
                raise SignInRefused(
                    Refusal.PROVIDER_ERROR, f"The provider refused the authorization code ({error.error})."
                ) from error
            except httpx.HTTPError as error:
                raise SignInRefused(Refusal.PROVIDER_ERROR, "The provider could not be reached.") from error
        id_token = dict(token).get("id_token")
        if not isinstance(id_token, str):
            raise SignInRefused(Refusal.PROVIDER_ERROR, "The provider returned no ID token.")
        return id_token

    async def _key_set(self, kid: str | None) -> KeySet:
        async with self._lock:
            age = time.monotonic() - self._keys_fetched_at
            stale = (
                self._keys is None
                or age > JWKS_MAX_AGE_SECONDS
                or (kid is not None and not _has_kid(self._keys, kid) and age >= self._cooldown)
            )
            if stale:
                metadata = await self.metadata()
                document = await self._get_json(metadata.jwks_uri)
                try:
                    self._keys = KeySet.import_key_set(document)  # type: ignore[arg-type]
                except (JoseError, ValueError, TypeError, KeyError) as error:
                    raise SignInRefused(Refusal.PROVIDER_ERROR, "The provider's JWKS is not readable.") from error
                self._keys_fetched_at = time.monotonic()
            assert self._keys is not None
            return self._keys

    async def verify(self, id_token: str, *, nonce: str) -> VerifiedIdentity:
        try:
            header = extract_compact(id_token.encode()).headers()
        except (JoseError, ValueError) as error:
            raise _refuse(Refusal.INVALID_TOKEN) from error
        if header.get("alg") not in ALGORITHMS:
            raise _refuse(Refusal.INVALID_SIGNATURE)
        kid = header.get("kid")
        keys = await self._key_set(str(kid) if kid is not None else None)
        if kid is not None and not _has_kid(keys, str(kid)):
            raise _refuse(Refusal.INVALID_SIGNATURE)
        try:
            claims = dict(jwt.decode(id_token, keys, algorithms=list(ALGORITHMS)).claims)
        except BadSignatureError as error:
            raise _refuse(Refusal.INVALID_SIGNATURE) from error
        except (JoseError, ValueError) as error:
            raise _refuse(Refusal.INVALID_TOKEN) from error
        issuer = self._expected_issuer((await self.metadata()).issuer, claims)
        self._check_claims(claims, issuer=issuer, nonce=nonce)
        email = claims.get("email")
        name = claims.get("name")
        return VerifiedIdentity(
            provider=self.provider,
            issuer=issuer,
            subject=str(claims["sub"]),
            email=email.strip() if isinstance(email, str) and email.strip() else None,
            email_verified=_email_verified(claims),
            name=name.strip() if isinstance(name, str) and name.strip() else None,
        )

    @staticmethod
    def _expected_issuer(issuer: str, claims: dict[str, Any]) -> str:
        if TENANT_PLACEHOLDER not in issuer:
            return issuer
        tenant = claims.get("tid")
        if not isinstance(tenant, str) or not tenant or "/" in tenant:
            raise _refuse(Refusal.WRONG_ISSUER)
        return issuer.replace(TENANT_PLACEHOLDER, tenant)

    def _check_claims(self, claims: dict[str, Any], *, issuer: str, nonce: str) -> None:
        registry = jwt.JWTClaimsRegistry(
            leeway=LEEWAY_SECONDS,
            iss={"essential": True, "value": issuer},
            aud={"essential": True, "value": self.config.client_id},
            sub={"essential": True},
            exp={"essential": True},
            iat={"essential": True},
            nonce={"essential": True, "value": nonce},
        )
        try:
            registry.validate(claims)
        except ExpiredTokenError as error:
            raise _refuse(Refusal.EXPIRED) from error
        except InvalidClaimError as error:
            reasons = {"iss": Refusal.WRONG_ISSUER, "aud": Refusal.WRONG_AUDIENCE, "nonce": Refusal.NONCE_MISMATCH}
            raise _refuse(reasons.get(error.claim, Refusal.INVALID_TOKEN)) from error
        except (ClaimError, JoseError) as error:
            raise _refuse(Refusal.INVALID_TOKEN) from error
        audience = claims["aud"]
        # Several audiences: the authorized party must be Rhythm itself (OpenID Connect Core 3.1.3.7).
        if isinstance(audience, list) and len(audience) > 1 and claims.get("azp") != self.config.client_id:
            raise _refuse(Refusal.WRONG_AUDIENCE)


def _has_kid(keys: KeySet, kid: str) -> bool:
    return any(key.kid == kid for key in keys.keys)


class OpenIdClients:
    """Every configured provider's client, built once per process so their caches last."""

    def __init__(self, clients: dict[SignInProvider, OpenIdClient]) -> None:
        self._clients = clients

    def get(self, provider: SignInProvider) -> OpenIdClient:
        client = self._clients.get(provider)
        if client is None:
            raise SignInRefused(Refusal.NOT_CONFIGURED)
        return client
