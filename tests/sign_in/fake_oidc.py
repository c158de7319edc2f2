"""A fake OpenID Connect provider over real HTTP on loopback, Google-like or Microsoft-like.

It serves the discovery document, a JWKS (counting fetches), an authorization endpoint that redirects back with
a code at once (the person consents), and a token endpoint that checks the code, the PKCE verifier, the redirect
URI and the client's credentials, and returns an RS256-signed ID token. Microsoft-like, its discovery names the
multi-tenant issuer `<base>/{tenantid}/v2.0` and each token carries `tid`.

Switches make the next ID tokens go wrong: `forge` (signed by a key outside the JWKS, under a published kid),
`audience`, `expired`, `replay_nonce` (the nonce of the previous authorization), `issuer_tenant` (an issuer
naming another tenant than `tid`), and `rotate_keys()` (a new key with a new kid signs from now on and joins the
JWKS).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from joserfc import jwt
from joserfc.jwk import RSAKey

from tests.calendar_sync.asgi import Request, Response, Router
from tests.loopback import Loopback, ServerThread


@dataclass
class Account:
    """The person who consents at the provider next."""

    subject: str
    email: str | None
    email_verified: bool = True
    name: str = "Provider Person"


@dataclass
class Switches:
    forge: bool = False
    audience: str | None = None
    expired: bool = False
    replay_nonce: bool = False
    # Microsoft-like: the token's issuer names another tenant than its `tid`.
    issuer_tenant: str | None = None

    def reset(self) -> None:
        self.forge, self.audience, self.expired, self.replay_nonce = False, None, False, False
        self.issuer_tenant = None


@dataclass
class Grant:
    account: Account
    nonce: str
    challenge: str
    method: str
    redirect_uri: str
    client_id: str


@dataclass
class FakeOpenIdProvider(Loopback):
    client_id: str
    client_secret: str
    microsoft: bool = False
    tenant: str = "9188040d-6c67-4c5b-b112-36a304b66dad"
    switches: Switches = field(default_factory=Switches)
    jwks_fetches: int = 0
    token_requests: list[dict[str, str]] = field(default_factory=list)
    issued_id_tokens: list[str] = field(default_factory=list)
    account: Account | None = None

    def __post_init__(self) -> None:
        self.lock = threading.RLock()
        self.keys: list[RSAKey] = [self._new_key()]
        self.grants: dict[str, Grant] = {}
        self.nonces: list[str] = []
        self.server = ServerThread(self._routes())

    # Running -----------------------------------------------------------------------------------------------------

    @property
    def discovery_url(self) -> str:
        return f"{self.url}/.well-known/openid-configuration"

    @property
    def issuer(self) -> str:
        """The issuer as tokens state it (Microsoft-like: with this fake's tenant)."""
        return f"{self.url}/{self.tenant}/v2.0" if self.microsoft else self.url

    # Test-side controls ------------------------------------------------------------------------------------------

    def rotate_keys(self) -> None:
        with self.lock:
            self.keys.append(self._new_key())

    def reset(self) -> None:
        with self.lock:
            self.switches.reset()
            self.account = None

    @staticmethod
    def _new_key() -> RSAKey:
        return RSAKey.generate_key(2048, parameters={"kid": secrets.token_hex(8), "use": "sig", "alg": "RS256"})

    # Endpoints ---------------------------------------------------------------------------------------------------

    def _routes(self) -> Router:
        router = Router()
        router.route("GET", "/.well-known/openid-configuration")(self._discovery)
        router.route("GET", "/jwks")(self._jwks)
        router.route("GET", "/authorize")(self._authorize)
        router.route("POST", "/token")(self._token)
        return router

    def _discovery(self, _: Request) -> Response:
        issuer = f"{self.url}/{{tenantid}}/v2.0" if self.microsoft else self.url
        return Response(200, {
            "issuer": issuer,
            "authorization_endpoint": f"{self.url}/authorize",
            "token_endpoint": f"{self.url}/token",
            "jwks_uri": f"{self.url}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public" if not self.microsoft else "pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "scopes_supported": ["openid", "email", "profile"],
        })  # fmt: skip

    def _jwks(self, _: Request) -> Response:
        with self.lock:
            self.jwks_fetches += 1
            return Response(200, {"keys": [key.as_dict(private=False) for key in self.keys]})

    def _authorize(self, request: Request) -> Response:
        query = request.query
        required = ("client_id", "redirect_uri", "state", "nonce", "code_challenge", "scope", "response_type")
        if any(name not in query for name in required) or query["response_type"] != "code":
            return Response(400, {"error": "invalid_request"})
        if "openid" not in query["scope"].split():
            return Response(400, {"error": "invalid_scope"})
        with self.lock:
            account = self.account or Account(secrets.token_hex(8), f"p-{secrets.token_hex(6)}@provider.test")
            code = secrets.token_urlsafe(24)
            self.grants[code] = Grant(
                account, query["nonce"], query["code_challenge"], query.get("code_challenge_method", "plain"),
                query["redirect_uri"], query["client_id"],
            )  # fmt: skip
            self.nonces.append(query["nonce"])
        location = f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query['state']})}"
        return Response(302, None, {"Location": location})

    def _token(self, request: Request) -> Response:
        form = request.form()
        with self.lock:
            self.token_requests.append(form)
            grant = self.grants.pop(form.get("code", ""), None)
            verifier = form.get("code_verifier", "")
            challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            if grant is None or grant.method != "S256" or grant.challenge != challenge:
                return Response(400, {"error": "invalid_grant", "error_description": "Bad code or verifier."})
            if grant.redirect_uri != form.get("redirect_uri"):
                return Response(400, {"error": "invalid_grant", "error_description": "redirect_uri mismatch"})
            if form.get("client_id") != self.client_id or form.get("client_secret") != self.client_secret:
                return Response(401, {"error": "invalid_client"})
            id_token = self._id_token(grant)
            self.issued_id_tokens.append(id_token)
        body = {"access_token": secrets.token_urlsafe(16), "token_type": "Bearer", "expires_in": 3600}
        return Response(200, {**body, "id_token": id_token, "scope": "openid email profile"})

    def _issuer_of_token(self) -> str:
        if self.microsoft and self.switches.issuer_tenant is not None:
            return f"{self.url}/{self.switches.issuer_tenant}/v2.0"
        return self.issuer

    def _id_token(self, grant: Grant) -> str:
        now = int(time.time())
        nonce = grant.nonce
        if self.switches.replay_nonce and len(self.nonces) >= 2:
            nonce = self.nonces[-2]
        claims: dict[str, Any] = {
            "iss": self._issuer_of_token(), "sub": grant.account.subject,
            "aud": self.switches.audience or grant.client_id,
            "iat": now - (7200 if self.switches.expired else 0),
            "exp": now - 3600 if self.switches.expired else now + 600,
            "nonce": nonce, "name": grant.account.name,
        }  # fmt: skip
        if grant.account.email is not None:
            claims["email"] = grant.account.email
        if self.microsoft:
            # Microsoft: the tenant, and the optional claim that vouches for the email's domain.
            claims["tid"] = self.tenant
            claims["xms_edov"] = grant.account.email_verified
        else:
            claims["email_verified"] = grant.account.email_verified
        signer = self.keys[-1]
        if self.switches.forge:
            # Same kid, another private key: the signature cannot check out against the published key.
            signer = RSAKey.generate_key(2048, parameters={"kid": signer.kid, "alg": "RS256"})
        return jwt.encode({"alg": "RS256", "kid": signer.kid, "typ": "JWT"}, claims, signer)
