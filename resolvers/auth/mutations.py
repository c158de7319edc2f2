from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import User as UserRow
from db.tenant import Caller
from domain.accounts.consents import SignUpConsents, check_sign_up_consents, record_sign_up_consents
from domain.audit import sign_ins
from domain.audit.actions import SignInMethod
from domain.auth import service
from domain.auth.email_flows import request_email_verification
from domain.auth.second_factor import challenges
from domain.auth.sessions import Device
from resolvers.context import Info
from resolvers.errors import ErrorType
from resolvers.mutation import run
from resolvers.nodes import required
from resolvers.users.types import User


@strawberry.type(description="A signed-in session: a short access token and a refresh token to renew it.")
class AuthPayload:
    access_token: str = strawberry.field(description="Send as `Authorization: Bearer <token>`.")
    access_token_expires_at: datetime = strawberry.field(description="When the access token stops working.")
    refresh_token: str = strawberry.field(description="Use once with `refreshToken`; it is then replaced.")
    user: User = strawberry.field(description="The signed-in person.")


@strawberry.type(
    description="The password was right and the person has a second factor: answer the challenge with a code"
    " (completeSecondFactor) to get the tokens."
)
class SecondFactorChallenge:
    challenge: str = strawberry.field(
        description="Send with the code to completeSecondFactor; works once, for a few minutes."
    )
    expires_at: datetime = strawberry.field(description="When the challenge stops working.")


@strawberry.type(description="The session's refresh tokens were revoked.")
class LoggedOut:
    ok: bool = strawberry.field(description="Always true.")


@strawberry.input(description="A new account.")
class SignUpInput:
    email: str = strawberry.field(description="Sign-in email address; unique.")
    password: str = strawberry.field(description="At least 10 characters.")
    display_name: str = strawberry.field(description="The name shown to colleagues.")
    time_zone: str = strawberry.field(default="UTC", description="IANA time zone, such as Europe/Berlin.")
    accept_terms: bool | None = strawberry.field(
        default=None,
        description="True: the person accepts the terms and the privacy notice (recorded with their versions). "
        "False is refused. Omitted (clients that predate consent records): the account is made and no acceptance is "
        "recorded.",
    )
    terms_version: str | None = strawberry.field(
        default=None, description="The terms version shown to the person; must be the current one. Omitted: current."
    )
    privacy_version: str | None = strawberry.field(
        default=None, description="The privacy notice version shown; must be the current one. Omitted: current."
    )
    marketing_email: bool = strawberry.field(
        default=False, description="Product news by email (recorded either way; off unless asked for)."
    )


@strawberry.input(description="Credentials.")
class LogInInput:
    email: str = strawberry.field(description="Sign-in email address.")
    password: str = strawberry.field(description="Password.")


@strawberry.input(description="A refresh token.")
class RefreshTokenInput:
    refresh_token: str = strawberry.field(description="The refresh token from the last sign-in or refresh.")


SignUpResult = Annotated[
    AuthPayload | ErrorType, strawberry.union("SignUpResult", description="AuthPayload, or a typed error.")
]
LogInResult = Annotated[
    AuthPayload | SecondFactorChallenge | ErrorType,
    strawberry.union(
        "LogInResult",
        description="AuthPayload; SecondFactorChallenge when the person has a second factor; or a typed error.",
    ),
]
RefreshResult = Annotated[
    AuthPayload | ErrorType, strawberry.union("RefreshTokenResult", description="AuthPayload, or a typed error.")
]
LogOutResult = Annotated[
    LoggedOut | ErrorType, strawberry.union("LogOutResult", description="LoggedOut, or a typed error.")
]


async def payload_of(info: Info, session: AsyncSession, tokens: service.Tokens) -> AuthPayload:
    info.context.transaction.caller = Caller(user_id=tokens.user_id, second_factor=tokens.second_factor)
    user = required(await session.get(UserRow, tokens.user_id))
    return AuthPayload(
        access_token=tokens.access_token,
        access_token_expires_at=tokens.access_token_expires_at,
        refresh_token=tokens.refresh_token,
        user=User.from_model(user),
    )


def device_of(info: Info) -> Device:
    return Device.of(info.context.user_agent, info.context.client_address)


@strawberry.type
class AuthMutations:
    @strawberry.mutation(
        description="Make an account, with a personal company, and sign in. A link to verify the email is sent;"
        " the account works before it is used (`viewer { emailVerified }` tells)."
    )
    async def sign_up(self, info: Info, input: SignUpInput) -> SignUpResult:
        services = info.context.services

        given = SignUpConsents(
            accept_terms=input.accept_terms, terms_version=input.terms_version,
            privacy_version=input.privacy_version, marketing_email=input.marketing_email,
        )  # fmt: skip
        documents = services.accounts.documents if services.accounts else None

        async def work(session: AsyncSession) -> AuthPayload:
            if documents is not None:
                check_sign_up_consents(given, documents)
            user_id = await service.sign_up(
                session,
                services.passwords,
                email=input.email,
                password=input.password,
                display_name=input.display_name,
                time_zone=input.time_zone,
            )
            tokens = await service.start_session(session, services.tokens, user_id, device=device_of(info))
            if documents is not None:
                await record_sign_up_consents(session, user_id, given, documents)
            # The verification link goes out from a job once this commits (domain/auth/email_flows.py).
            await request_email_verification(session, user_id)
            return await payload_of(info, session, tokens)

        return await run(info, work)

    @strawberry.mutation(
        description="Sign in with email and password. A person with a second factor gets a challenge to answer"
        " with a code (completeSecondFactor) instead of tokens."
    )
    async def log_in(self, info: Info, input: LogInInput) -> LogInResult:
        services = info.context.services

        async def work(session: AsyncSession) -> AuthPayload | SecondFactorChallenge:
            user_id = await service.log_in(session, services.passwords, email=input.email, password=input.password)
            challenge = await challenges.challenge_if_enabled(session, services.tokens, user_id)
            if challenge is not None:
                return SecondFactorChallenge(challenge=challenge.token, expires_at=challenge.expires_at)
            tokens = await service.start_session(session, services.tokens, user_id, device=device_of(info))
            await sign_ins.record_success(session, user_id, SignInMethod.PASSWORD)
            return await payload_of(info, session, tokens)

        result = await run(info, work)
        if not isinstance(result, AuthPayload | SecondFactorChallenge):
            # Counted against the account and the address by the rate limits (resolvers/rate_limits.py).
            info.context.sign_in_failed(input.email)
        return result

    @strawberry.mutation(
        description="Trade a refresh token for new tokens. Each refresh token works once; presenting a used one"
        " signs out every session descended from the same sign-in."
    )
    async def refresh_token(self, info: Info, input: RefreshTokenInput) -> RefreshResult:
        tokens = info.context.services.tokens

        async def work(session: AsyncSession) -> AuthPayload:
            return await payload_of(
                info, session, await service.refresh(session, tokens, input.refresh_token, device_of(info))
            )

        return await run(info, work)

    @strawberry.mutation(description="Sign out: revoke the refresh token and every token rotated from it.")
    async def log_out(self, info: Info, input: RefreshTokenInput) -> LogOutResult:
        tokens = info.context.services.tokens

        async def work(session: AsyncSession) -> LoggedOut:
            await service.log_out(session, tokens, input.refresh_token)
            return LoggedOut(ok=True)

        return await run(info, work)
