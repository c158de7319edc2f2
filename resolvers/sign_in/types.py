"""Sign-in identities as their person sees them (nobody else can), and why a sign-in was refused."""

from __future__ import annotations

import uuid
from datetime import datetime

import strawberry

from db.models.sign_in import SignInIdentity as IdentityRow
from db.models.sign_in import SignInProvider
from domain.sign_in import service
from domain.sign_in.errors import Refusal
from domain.sign_in.errors import SignInRefused as RefusedError
from resolvers.context import Info
from resolvers.errors import Error

SignInProviderEnum = strawberry.enum(
    SignInProvider, name="SignInProvider", description="An OpenID Connect provider people can sign in with."
)
RefusalEnum = strawberry.enum(
    Refusal,
    name="SignInRefusal",
    description="Why a sign-in through a provider was refused: the state (unknown, used, expired), the ID token "
    "(signature, issuer, audience, expiry, nonce), the email (not verified), or the account (one exists with "
    "this email and needs its password; the identity is linked elsewhere).",
)


@strawberry.type(description="A sign-in through a provider was refused; nothing was changed.")
class SignInRefused(Error):
    reason: Refusal = strawberry.field(description="The reason, for clients to switch on.")

    @classmethod
    def of(cls, error: RefusedError) -> SignInRefused:
        return cls(message=error.message, reason=error.reason)


@strawberry.type(description="A provider account linked to the viewer: signing in with it signs them in.")
class SignInIdentity:
    provider: SignInProvider = strawberry.field(description="GOOGLE or MICROSOFT.")
    email: str | None = strawberry.field(description="The account's email at the provider, as last seen.")
    email_verified: bool = strawberry.field(description="Whether the provider vouched for that email.")
    linked_at: datetime = strawberry.field(description="When it was linked.")
    last_used_at: datetime | None = strawberry.field(description="When it last signed the viewer in.")

    @classmethod
    def from_model(cls, row: IdentityRow) -> SignInIdentity:
        return cls(
            provider=SignInProvider(row.provider), email=row.email, email_verified=row.email_verified,
            linked_at=row.created_at, last_used_at=row.last_used_at,
        )  # fmt: skip


@strawberry.type
class ViewerSignIn:
    user_id: strawberry.Private[uuid.UUID]

    @strawberry.field(description="The provider accounts the viewer can sign in with, oldest first.")
    async def sign_in_providers(self, info: Info) -> list[SignInIdentity]:
        async with info.context.transaction.lock:
            rows = await service.identities_of(await info.context.transaction.session(), self.user_id)
        return [SignInIdentity.from_model(row) for row in rows]
