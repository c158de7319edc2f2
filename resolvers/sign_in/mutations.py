"""Sign in with Google and Microsoft: `startSignIn` returns the provider's authorization URL; the page the
provider sends the browser back to posts `code` and `state` to `completeSignIn` (tokens, as `logIn` returns) or,
for a signed-in person, to `linkSignInProvider`.

Calls to the provider (discovery, the code exchange, the JWKS) run outside the operation's transaction; the
attempt is taken in a short transaction of its own, so it is used up even when the sign-in is then refused.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Annotated, TypeVar

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from base.clock import utcnow
from db.models.sign_in import SignInProvider
from db.tenant import tenant_session
from domain.audit import sign_ins
from domain.audit.actions import SignInMethod
from domain.auth import service as auth
from domain.sign_in import attempts, service
from domain.sign_in.attempts import TakenAttempt
from domain.sign_in.errors import Refusal
from domain.sign_in.errors import SignInRefused as RefusedError
from domain.sign_in.oidc import VerifiedIdentity
from domain.sign_in.runtime import SignInRuntime
from resolvers.auth.mutations import AuthPayload, device_of, payload_of
from resolvers.context import Info
from resolvers.errors import AuthenticationFailed, ErrorType, Forbidden
from resolvers.mutation import person, run, signed_in
from resolvers.sign_in.types import SignInIdentity, SignInRefused

R = TypeVar("R")


@strawberry.input(description="Start signing in (or linking) with a provider.")
class StartSignInInput:
    provider: SignInProvider = strawberry.field(description="GOOGLE or MICROSOFT.")


@strawberry.type(description="Where to send the person to sign in with the provider.")
class SignInStarted:
    authorization_url: str = strawberry.field(
        description="Open it in the person's browser; the provider sends them back to the redirect URI with `code` "
        "and `state`, to be posted to completeSignIn (or linkSignInProvider)."
    )
    expires_at: datetime = strawberry.field(description="After this, the sign-in can no longer be completed.")


@strawberry.input(description="What the provider sent the browser back with.")
class CompleteSignInInput:
    provider: SignInProvider = strawberry.field(description="The provider the sign-in was started with.")
    code: str = strawberry.field(description="The authorization code.")
    state: str = strawberry.field(description="The state, exactly as the provider returned it.")
    password: str | None = strawberry.field(
        default=None,
        description="The password of the Rhythm account that already uses the provider's email: links the "
        "provider to it (see SignInRefusal.ACCOUNT_EXISTS).",
    )


@strawberry.input(description="What the provider sent the browser back with, after the viewer started a link.")
class LinkSignInProviderInput:
    provider: SignInProvider = strawberry.field(description="The provider the link was started with.")
    code: str = strawberry.field(description="The authorization code.")
    state: str = strawberry.field(description="The state, exactly as the provider returned it.")


@strawberry.input(description="A provider to unlink from the viewer.")
class UnlinkSignInProviderInput:
    provider: SignInProvider = strawberry.field(description="GOOGLE or MICROSOFT.")


StartSignInResult = Annotated[
    SignInStarted | ErrorType | SignInRefused,
    strawberry.union("StartSignInResult", description="SignInStarted, or a typed error."),
]
CompleteSignInResult = Annotated[
    AuthPayload | ErrorType | SignInRefused,
    strawberry.union("CompleteSignInResult", description="AuthPayload, or a typed error."),
]
LinkSignInResult = Annotated[
    SignInIdentity | ErrorType | SignInRefused,
    strawberry.union("LinkSignInProviderResult", description="SignInIdentity, or a typed error."),
]
UnlinkSignInResult = Annotated[
    SignInIdentity | ErrorType,
    strawberry.union("UnlinkSignInProviderResult", description="The unlinked SignInIdentity, or a typed error."),
]


def _runtime(info: Info) -> SignInRuntime:
    runtime = info.context.services.sign_in
    if runtime is None:
        raise RefusedError(Refusal.NOT_CONFIGURED)
    return runtime


async def _verified(
    info: Info, provider: SignInProvider, code: str, state: str
) -> tuple[TakenAttempt, VerifiedIdentity]:
    """The attempt `state` names (used up, whatever follows) and the identity the provider's ID token proves."""
    runtime = _runtime(info)
    client = runtime.clients.get(provider)
    key = info.context.services.tokens.secret
    async with tenant_session(info.context.services.sessions, info.context.caller) as session:
        taken = await attempts.take(session, key, provider, state)
    id_token = await client.exchange_code(
        code=code, code_verifier=taken.secrets.code_verifier, redirect_uri=runtime.config.redirect_uri
    )
    return taken, await client.verify(id_token, nonce=taken.secrets.nonce)


async def _run_refusable(info: Info, work: Callable[[AsyncSession], Awaitable[R]]) -> R | ErrorType | SignInRefused:
    """`run`, but a refusal comes back as SignInRefused with its reason (and rolls back like any typed error)."""
    refused: list[RefusedError] = []

    async def guarded(session: AsyncSession) -> R:
        try:
            return await work(session)
        except RefusedError as error:
            refused.append(error)
            raise

    result = await run(info, guarded)
    return SignInRefused.of(refused[0]) if refused else result


@strawberry.type
class SignInMutations:
    @strawberry.mutation(
        description="Start signing in with Google or Microsoft (OpenID Connect, code flow with PKCE): returns the "
        "provider's authorization URL. Signed in, the same call starts linking the provider to the viewer."
    )
    async def start_sign_in(self, info: Info, input: StartSignInInput) -> StartSignInResult:
        try:
            runtime = _runtime(info)
            client = runtime.clients.get(input.provider)
            await client.metadata()  # the discovery document (kept a day), before the transaction opens
        except RefusedError as refused:
            return SignInRefused.of(refused)

        async def work(session: AsyncSession) -> SignInStarted:
            made = await attempts.begin(
                session, info.context.services.tokens.secret, input.provider,
                ttl_seconds=runtime.config.attempt_ttl_seconds,
            )  # fmt: skip
            url = await client.authorization_url(
                state=made.state, nonce=made.nonce, code_verifier=made.code_verifier,
                redirect_uri=runtime.config.redirect_uri,
            )  # fmt: skip
            expires_at = utcnow() + timedelta(seconds=runtime.config.attempt_ttl_seconds)
            return SignInStarted(authorization_url=url, expires_at=expires_at)

        return await _run_refusable(info, work)

    @strawberry.mutation(
        description="Finish signing in with the code and state the provider sent back: returns Rhythm's tokens, as "
        "logIn does. An unknown identity with a verified email makes an account (with a personal company); an "
        "account that already uses the email is linked only with its password."
    )
    async def complete_sign_in(self, info: Info, input: CompleteSignInInput) -> CompleteSignInResult:
        services = info.context.services
        try:
            _, identity = await _verified(info, input.provider, input.code, input.state)
        except RefusedError as refused:
            return SignInRefused.of(refused)

        async def work(session: AsyncSession) -> AuthPayload:
            user_id = await service.account_for(session, services.passwords, identity, password=input.password)
            tokens = await auth.start_session(session, services.tokens, user_id, device=device_of(info))
            # As the person, which start_session made the transaction's caller.
            await sign_ins.record_success(session, user_id, SignInMethod(identity.provider.value))
            return await payload_of(info, session, tokens)

        result = await _run_refusable(info, work)
        if isinstance(result, AuthenticationFailed) and identity.email:
            # A wrong password to link counts against the account like a failed logIn (resolvers/rate_limits.py).
            info.context.sign_in_failed(identity.email)
        return result

    @strawberry.mutation(
        description="Link the provider account the viewer just signed in with (after startSignIn, signed in) to "
        "the viewer, so it signs them in from now on."
    )
    async def link_sign_in_provider(self, info: Info, input: LinkSignInProviderInput) -> LinkSignInResult:
        signed_in(info)
        user_id = info.context.caller.user_id
        if user_id is None:
            return Forbidden(message="This needs a signed-in person; an API key may not do it.")
        try:
            taken, identity = await _verified(info, input.provider, input.code, input.state)
        except RefusedError as refused:
            return SignInRefused.of(refused)
        if taken.user_id != user_id:
            # Started by nobody or by someone else: completing it here would link their provider account.
            return SignInRefused.of(RefusedError(Refusal.STATE_MISMATCH))

        async def work(session: AsyncSession) -> SignInIdentity:
            return SignInIdentity.from_model(await service.link(session, user_id, identity))

        return await _run_refusable(info, work)

    @strawberry.mutation(
        description="Unlink a provider from the viewer; refused when it is their last way to sign in (no password "
        "and no other provider)."
    )
    async def unlink_sign_in_provider(self, info: Info, input: UnlinkSignInProviderInput) -> UnlinkSignInResult:
        signed_in(info)

        async def work(session: AsyncSession) -> SignInIdentity:
            return SignInIdentity.from_model(await service.unlink(session, person(info), input.provider))

        return await run(info, work)
