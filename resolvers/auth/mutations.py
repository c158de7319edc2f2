from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import User as UserRow
from db.tenant import Caller
from domain.auth import service
from domain.auth.second_factor import challenges
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


@strawberry.type
class AuthMutations:
    @strawberry.mutation(description="Make an account, with a personal company, and sign in.")
    async def sign_up(self, info: Info, input: SignUpInput) -> SignUpResult:
        services = info.context.services

        async def work(session: AsyncSession) -> AuthPayload:
            user_id = await service.sign_up(
                session,
                services.passwords,
                email=input.email,
                password=input.password,
                display_name=input.display_name,
                time_zone=input.time_zone,
            )
            return await payload_of(info, session, await service.start_session(session, services.tokens, user_id))

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
            return await payload_of(info, session, await service.start_session(session, services.tokens, user_id))

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
            return await payload_of(info, session, await service.refresh(session, tokens, input.refresh_token))

        return await run(info, work)

    @strawberry.mutation(description="Sign out: revoke the refresh token and every token rotated from it.")
    async def log_out(self, info: Info, input: RefreshTokenInput) -> LogOutResult:
        tokens = info.context.services.tokens

        async def work(session: AsyncSession) -> LoggedOut:
            await service.log_out(session, tokens, input.refresh_token)
            return LoggedOut(ok=True)

        return await run(info, work)
