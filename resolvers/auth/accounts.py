"""Email verification, email change, password reset and change, and ending sign-in sessions."""

from __future__ import annotations

from typing import Annotated

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay

from base.clock import utcnow
from domain.auth import email_flows, sessions
from domain.auth.account_tokens import RejectionReason, TokenRejected
from resolvers.context import Info
from resolvers.errors import Error, ErrorType
from resolvers.ids import uuid_of
from resolvers.mutation import as_person, person, run

strawberry.enum(
    RejectionReason,
    name="TokenRejectionReason",
    description="Why a link's token was refused: EXPIRED (or replaced by a newer link), USED, or UNKNOWN.",
)


@strawberry.type(description="The link's token cannot be used; nothing was changed. Ask for a new link.")
class TokenRefused(Error):
    reason: RejectionReason = strawberry.field(description="Why the token was refused.")


@strawberry.type(description="The request was taken; an email follows where it applies.")
class EmailRequested:
    ok: bool = strawberry.field(description="Always true.")


@strawberry.type(description="The email address is verified (and is now the account's, after a change).")
class EmailVerified:
    ok: bool = strawberry.field(description="Always true.")


@strawberry.type(description="The password was set; every session of the account was signed out.")
class PasswordReset:
    ok: bool = strawberry.field(description="Always true.")


@strawberry.type(description="The password was changed; every other session of the account was signed out.")
class PasswordChanged:
    signed_out_sessions: int = strawberry.field(description="How many other sessions were ended.")


@strawberry.type(description="The session was ended: its refresh token no longer works.")
class SessionRevoked:
    id: relay.GlobalID = strawberry.field(description="The ended session.")


@strawberry.input(description="Where to send a password reset link.")
class RequestPasswordResetInput:
    email: str = strawberry.field(description="The account's email address.")


@strawberry.input(description="A password reset link's token and the new password.")
class ResetPasswordInput:
    token: str = strawberry.field(description="The `token` of the link in the email.")
    new_password: str = strawberry.field(description="At least 10 characters.")


@strawberry.input(description="A verification link's token.")
class VerifyEmailInput:
    token: str = strawberry.field(description="The `token` of the link in the email.")


@strawberry.input(description="A new email address for the signed-in person, with their password.")
class RequestEmailChangeInput:
    new_email: str = strawberry.field(description="The new address; it becomes the account's once verified.")
    password: str = strawberry.field(description="The current password.")


@strawberry.input(description="The current password and a new one.")
class ChangePasswordInput:
    current_password: str = strawberry.field(description="The current password.")
    new_password: str = strawberry.field(description="At least 10 characters.")


@strawberry.input(description="A sign-in session of the signed-in person.")
class RevokeSessionInput:
    id: relay.GlobalID = strawberry.field(description="The session, from `viewer { sessions { id } }`.")


EmailRequestResult = Annotated[
    EmailRequested | ErrorType, strawberry.union("EmailRequestResult", description="EmailRequested, or a typed error.")
]
VerifyEmailResult = Annotated[
    EmailVerified | TokenRefused | ErrorType,
    strawberry.union("VerifyEmailResult", description="EmailVerified, TokenRefused, or a typed error."),
]
ResetPasswordResult = Annotated[
    PasswordReset | TokenRefused | ErrorType,
    strawberry.union("ResetPasswordResult", description="PasswordReset, TokenRefused, or a typed error."),
]
ChangePasswordResult = Annotated[
    PasswordChanged | ErrorType,
    strawberry.union("ChangePasswordResult", description="PasswordChanged, or a typed error."),
]
RevokeSessionResult = Annotated[
    SessionRevoked | ErrorType,
    strawberry.union("RevokeSessionResult", description="SessionRevoked, or a typed error."),
]


def _refused(error: TokenRejected) -> TokenRefused:
    return TokenRefused(message=error.message, reason=error.reason)


@strawberry.type
class AccountMutations:
    @strawberry.mutation(
        description="Email a password reset link to this address if an account has it. The answer is the same"
        " either way, and the email is sent by a job."
    )
    async def request_password_reset(self, info: Info, input: RequestPasswordResetInput) -> EmailRequestResult:
        async def work(session: AsyncSession) -> EmailRequested:
            await email_flows.request_password_reset(session, input.email)
            return EmailRequested(ok=True)

        return await run(info, work)

    @strawberry.mutation(
        description="Set a new password with a reset link's token (once, within its lifetime); every session of"
        " the account is signed out."
    )
    async def reset_password(self, info: Info, input: ResetPasswordInput) -> ResetPasswordResult:
        passwords = info.context.services.passwords

        async def work(session: AsyncSession) -> PasswordReset | TokenRefused:
            # A refused token changed nothing, so it is an answer rather than an error to roll back.
            try:
                await email_flows.reset_password(session, passwords, input.token, input.new_password)
            except TokenRejected as error:
                return _refused(error)
            return PasswordReset(ok=True)

        return await run(info, work)

    @strawberry.mutation(description="Verify an email address with a verification link's token (once).")
    async def verify_email(self, info: Info, input: VerifyEmailInput) -> VerifyEmailResult:
        async def work(session: AsyncSession) -> EmailVerified | TokenRefused:
            try:
                await email_flows.verify_email(session, input.token)
            except TokenRejected as error:
                return _refused(error)
            return EmailVerified(ok=True)

        return await run(info, work)

    @strawberry.mutation(description="Send a new verification link to the signed-in person's email address.")
    async def request_email_verification(self, info: Info) -> EmailRequestResult:
        async def work(session: AsyncSession) -> EmailRequested:
            await email_flows.request_email_verification(session, person(info))
            return EmailRequested(ok=True)

        return await as_person(info, work)

    @strawberry.mutation(
        description="Change the sign-in email: a verification link goes to the new address, and the account's"
        " email switches only when it is used."
    )
    async def request_email_change(self, info: Info, input: RequestEmailChangeInput) -> EmailRequestResult:
        passwords = info.context.services.passwords

        async def work(session: AsyncSession) -> EmailRequested:
            await email_flows.request_email_change(
                session, passwords, person(info), new_email=input.new_email, password=input.password
            )
            return EmailRequested(ok=True)

        return await as_person(info, work)

    @strawberry.mutation(
        description="Change the password (the current one is asked for); every other session is signed out, this"
        " one stays."
    )
    async def change_password(self, info: Info, input: ChangePasswordInput) -> ChangePasswordResult:
        passwords = info.context.services.passwords

        async def work(session: AsyncSession) -> PasswordChanged:
            ended = await email_flows.change_password(
                session,
                passwords,
                person(info),
                current_password=input.current_password,
                new_password=input.new_password,
                keep_session=info.context.caller.session_id,
                now=utcnow(),
            )
            return PasswordChanged(signed_out_sessions=len(ended))

        return await as_person(info, work)

    @strawberry.mutation(description="Sign one of your sessions out: its refresh token stops working.")
    async def revoke_session(self, info: Info, input: RevokeSessionInput) -> RevokeSessionResult:
        async def work(session: AsyncSession) -> SessionRevoked:
            person(info)
            await sessions.revoke_session(session, uuid_of(input.id, "Session"), now=utcnow())
            return SessionRevoked(id=input.id)

        return await as_person(info, work)
