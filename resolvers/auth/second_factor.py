"""The second factor: enrol, confirm, disable, and the second step of signing in."""

from __future__ import annotations

from typing import Annotated

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import User as UserRow
from domain.audit import sign_ins
from domain.audit.actions import SignInMethod
from domain.auth import service
from domain.auth.second_factor import challenges, enrolment
from domain.calendar_sync.secrets import TokenCipher
from domain.errors import Conflict
from resolvers.auth.mutations import AuthPayload, device_of, payload_of
from resolvers.context import Info
from resolvers.errors import AuthenticationFailed, Error, ErrorType
from resolvers.mutation import as_person, person, run
from resolvers.nodes import required


@strawberry.type(
    description="A second factor enrolled but not yet enabled: show the QR code (or the secret) to the person's"
    " authenticator app, then confirm with a code it shows."
)
class SecondFactorEnrolment:
    uri: str = strawberry.field(description="The `otpauth://totp/...` URI the QR code holds.")
    secret: str = strawberry.field(description="The base32 secret, for typing into an app by hand.")
    qr_code_svg: str = strawberry.field(description="The URI as a QR code: an SVG document.")


@strawberry.type(description="The second factor is enabled.")
class SecondFactorEnabled:
    recovery_codes: list[str] = strawberry.field(
        description="Ten single-use codes for when the authenticator is lost. Shown this once; Rhythm keeps only"
        " their hashes."
    )
    session: AuthPayload = strawberry.field(
        description="New tokens whose session has passed the second factor (companies that require one accept"
        " them); earlier sessions keep working without it."
    )


@strawberry.type(description="The second factor and its recovery codes were removed.")
class SecondFactorDisabled:
    ok: bool = strawberry.field(description="Always true.")


@strawberry.type(
    description="Too many wrong codes for this sign-in: the challenge is locked. Sign in again with the password"
    " (wrong codes also count against the account's sign-in failures)."
)
class SecondFactorLocked(Error):
    pass


@strawberry.input(description="A code from the authenticator app.")
class SecondFactorCodeInput:
    code: str = strawberry.field(description="The six-digit code the authenticator app shows now.")


@strawberry.input(description="A code, or an unused recovery code.")
class DisableSecondFactorInput:
    code: str = strawberry.field(description="The authenticator's current code, or an unused recovery code.")


@strawberry.input(description="The second step of signing in.")
class CompleteSecondFactorInput:
    challenge: str = strawberry.field(description="The challenge logIn returned.")
    code: str = strawberry.field(description="The authenticator's current code, or an unused recovery code.")


EnrolResult = Annotated[
    SecondFactorEnrolment | ErrorType,
    strawberry.union("EnrolSecondFactorResult", description="SecondFactorEnrolment, or a typed error."),
]
ConfirmResult = Annotated[
    SecondFactorEnabled | ErrorType,
    strawberry.union("ConfirmSecondFactorResult", description="SecondFactorEnabled, or a typed error."),
]
DisableResult = Annotated[
    SecondFactorDisabled | ErrorType,
    strawberry.union("DisableSecondFactorResult", description="SecondFactorDisabled, or a typed error."),
]
CompleteResult = Annotated[
    AuthPayload | SecondFactorLocked | ErrorType,
    strawberry.union("CompleteSecondFactorResult", description="AuthPayload; SecondFactorLocked; or a typed error."),
]


def _cipher(info: Info) -> TokenCipher:
    cipher = info.context.services.secret_cipher
    if cipher is None:
        raise Conflict("Second factors are not set up here: no secret key is configured (RHYTHM_CALENDAR_TOKEN_KEYS).")
    return cipher


@strawberry.type
class SecondFactorMutations:
    @strawberry.mutation(
        description="Start enrolling a TOTP second factor (RFC 6238). Nothing changes at sign-in until"
        " confirmSecondFactor; enrolling again before that replaces the secret."
    )
    async def enrol_second_factor(self, info: Info) -> EnrolResult:
        async def work(session: AsyncSession) -> SecondFactorEnrolment:
            user = required(await session.get(UserRow, person(info)))
            enrolled = await enrolment.enrol(session, _cipher(info), user.id, user.email)
            return SecondFactorEnrolment(uri=enrolled.uri, secret=enrolled.secret, qr_code_svg=enrolled.qr_code_svg)

        return await as_person(info, work)

    @strawberry.mutation(
        description="Enable the enrolled second factor with a code from it; returns the recovery codes, once."
    )
    async def confirm_second_factor(self, info: Info, input: SecondFactorCodeInput) -> ConfirmResult:
        tokens = info.context.services.tokens

        async def work(session: AsyncSession) -> SecondFactorEnabled:
            user_id = person(info)
            codes = await enrolment.confirm(session, _cipher(info), user_id, input.code)
            started = await service.start_session(session, tokens, user_id, device=device_of(info), second_factor=True)
            return SecondFactorEnabled(recovery_codes=codes, session=await payload_of(info, session, started))

        return await as_person(info, work)

    @strawberry.mutation(description="Remove the second factor, given a current code or an unused recovery code.")
    async def disable_second_factor(self, info: Info, input: DisableSecondFactorInput) -> DisableResult:
        async def work(session: AsyncSession) -> SecondFactorDisabled:
            await enrolment.disable(session, _cipher(info), person(info), input.code)
            return SecondFactorDisabled(ok=True)

        return await as_person(info, work)

    @strawberry.mutation(
        description="The second step of signing in: the challenge from logIn and a code (or a recovery code)."
        " A code works once; a challenge works once, for a few minutes, and locks after five wrong codes."
    )
    async def complete_second_factor(self, info: Info, input: CompleteSecondFactorInput) -> CompleteResult:
        services = info.context.services
        refused: list[challenges.SecondFactorRefused] = []

        async def work(session: AsyncSession) -> AuthPayload | SecondFactorLocked | AuthenticationFailed:
            try:
                user_id = await challenges.answer(session, services.tokens, _cipher(info), input.challenge, input.code)
            except challenges.SecondFactorRefused as error:
                # Returned rather than raised, so the failure count this attempt added is kept.
                refused.append(error)
                kind = SecondFactorLocked if error.locked else AuthenticationFailed
                return kind(message=error.message)
            started = await service.start_session(
                session, services.tokens, user_id, device=device_of(info), second_factor=True
            )
            await sign_ins.record_success(session, user_id, SignInMethod.PASSWORD)
            return await payload_of(info, session, started)

        result = await run(info, work)
        for error in refused:
            # Counted against the account and the address by the rate limits, like a wrong password.
            info.context.sign_in_failed(error.account)
        return result
