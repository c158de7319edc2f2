"""Signing in with a provider, linking and unlinking identities.

Who an ID token names, in order:
1. a person whose linked identity has the token's issuer and subject: that person;
2. otherwise the provider must vouch for the email (`email_verified`); an unverified email neither makes an
   account nor reaches one;
3. no account uses the email: a new account with its personal company, as signUp makes, and no password;
4. an account uses it: linking needs that account's password (given with the sign-in). Rhythm does not yet
   verify emails itself, so a verified email on the provider's side alone never takes over an account.
A signed-in person links a provider from their account (no password asked: they are signed in, and the state
binds the attempt to them), and unlinks one unless it is their last way to sign in.
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from base.clock import utcnow
from db.models.sign_in import SignInIdentity, SignInProvider
from db.tenant import Caller, begin_as
from domain.auth.passwords import Passwords
from domain.db_errors import UNIQUE_VIOLATION, sqlstate
from domain.errors import AuthenticationFailed, Conflict, NotFound
from domain.sign_in.errors import Refusal, SignInRefused
from domain.sign_in.oidc import VerifiedIdentity
from domain.validation import NUL

PERSONAL_COMPANY = "Personal"


async def _scalar(session: AsyncSession, sql: str, **params: object) -> object:
    return (await session.execute(sa.text(sql), params)).scalar()


def _display_name(identity: VerifiedIdentity, email: str) -> str:
    name = (identity.name or email.split("@", 1)[0]).strip() or "Rhythm user"
    return name[:120]


async def _touch(session: AsyncSession, identity: VerifiedIdentity) -> None:
    await session.execute(
        sa.update(SignInIdentity)
        .where(
            col(SignInIdentity.provider) == identity.provider.value,
            col(SignInIdentity.issuer) == identity.issuer,
            col(SignInIdentity.subject) == identity.subject,
        )
        .values(last_used_at=utcnow(), email=identity.email, email_verified=identity.email_verified)
    )


async def _insert_identity(session: AsyncSession, user_id: uuid.UUID, identity: VerifiedIdentity) -> SignInIdentity:
    row = SignInIdentity(
        user_id=user_id, provider=identity.provider.value, issuer=identity.issuer, subject=identity.subject,
        email=identity.email, email_verified=identity.email_verified, last_used_at=utcnow(),
    )  # fmt: skip
    try:
        async with session.begin_nested():
            session.add(row)
            await session.flush()
    except DBAPIError as error:
        if sqlstate(error) == UNIQUE_VIOLATION:
            raise SignInRefused(Refusal.ALREADY_LINKED) from error
        raise
    return row


async def _sign_up(session: AsyncSession, identity: VerifiedIdentity, email: str) -> uuid.UUID:
    user_id, company_id = uuid.uuid4(), uuid.uuid4()
    try:
        async with session.begin_nested():
            await session.execute(
                sa.text(
                    "SELECT rhythm.sign_up_with_identity(:user_id, :company_id, :email, :name, 'UTC', :company,"
                    " :identity_id, :provider, :issuer, :subject)"
                ),
                {
                    "user_id": user_id, "company_id": company_id, "email": email,
                    "name": _display_name(identity, email), "company": PERSONAL_COMPANY,
                    "identity_id": uuid.uuid4(), "provider": identity.provider.value, "issuer": identity.issuer,
                    "subject": identity.subject,
                },
            )  # fmt: skip
    except DBAPIError as error:
        if sqlstate(error) == UNIQUE_VIOLATION:
            # Someone signed up with this email (or this identity) at the same moment.
            raise SignInRefused(Refusal.ACCOUNT_EXISTS) from error
        raise
    return user_id


async def _link_with_password(
    session: AsyncSession, passwords: Passwords, identity: VerifiedIdentity, email: str, password: str
) -> uuid.UUID:
    row = (
        await session.execute(
            sa.text("SELECT user_id, password_hash FROM rhythm.credentials_for_email(:email)"), {"email": email}
        )
    ).first()
    if not passwords.verify(row.password_hash if row else None, password) or row is None:
        raise AuthenticationFailed("The password of the account with this email is not correct.")
    user_id = uuid.UUID(str(row.user_id))
    await begin_as(session, Caller(user_id=user_id))
    await _insert_identity(session, user_id, identity)
    return user_id


async def account_for(
    session: AsyncSession, passwords: Passwords, identity: VerifiedIdentity, *, password: str | None
) -> uuid.UUID:
    """The person `identity` signs in, made or linked as the rules above say. The session's caller is anonymous
    (or anyone); the caller of the transaction is the person once this returns."""
    owner = await _scalar(
        session, "SELECT rhythm.identity_owner(:provider, :issuer, :subject)",
        provider=identity.provider.value, issuer=identity.issuer, subject=identity.subject,
    )  # fmt: skip
    if owner is not None:
        user_id = uuid.UUID(str(owner))
        await begin_as(session, Caller(user_id=user_id))
        await _touch(session, identity)
        return user_id
    email = identity.email
    if not identity.email_verified or email is None or NUL in email:
        raise SignInRefused(Refusal.EMAIL_NOT_VERIFIED)
    existing = await _scalar(session, "SELECT rhythm.user_id_for_email(:email)", email=email)
    if existing is None:
        return await _sign_up(session, identity, email)
    if password is None:
        raise SignInRefused(Refusal.ACCOUNT_EXISTS)
    return await _link_with_password(session, passwords, identity, email, password)


async def link(session: AsyncSession, user_id: uuid.UUID, identity: VerifiedIdentity) -> SignInIdentity:
    return await _insert_identity(session, user_id, identity)


async def identities_of(session: AsyncSession, user_id: uuid.UUID) -> list[SignInIdentity]:
    rows = await session.execute(
        select(SignInIdentity)
        .where(col(SignInIdentity.user_id) == user_id)
        .order_by(col(SignInIdentity.created_at), col(SignInIdentity.id))
    )
    return list(rows.scalars())


async def unlink(session: AsyncSession, user_id: uuid.UUID, provider: SignInProvider) -> SignInIdentity:
    """Remove the person's identity of `provider`, unless it is their last way in (no password, no other).
    The person's identities are locked first, so two unlinks at once cannot both pass the count."""
    rows = (
        await session.execute(
            select(SignInIdentity).where(col(SignInIdentity.user_id) == user_id).with_for_update()
        )
    ).scalars().all()  # fmt: skip
    target = next((row for row in rows if row.provider == provider.value), None)
    if target is None:
        raise NotFound("No sign-in with this provider is linked to your account.")
    has_password = bool(await _scalar(session, "SELECT rhythm.caller_has_password()"))
    if not has_password and len(rows) == 1:
        raise Conflict("This is your last way to sign in: link another provider or set a password first.")
    await session.delete(target)
    await session.flush()
    return target
