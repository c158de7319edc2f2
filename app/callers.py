"""Who is calling: a person (Bearer access token), an integrator (X-Api-Key), or nobody."""

from __future__ import annotations

import base64
import binascii
import uuid

from litestar.datastructures import Headers
from litestar.exceptions import NotAuthorizedException

from db.tenant import ANONYMOUS, Caller
from domain.auth.api_keys import authenticate_api_key
from domain.auth.tokens import read_access_claims
from domain.errors import AuthenticationFailed
from resolvers.context import Context

COMPANY_HEADER = "x-company-id"


def _company_scope(headers: Headers) -> uuid.UUID | None:
    """An optional `X-Company-Id` narrows a person's request to one company (a global or a plain id)."""
    raw = headers.get(COMPANY_HEADER)
    if not raw:
        return None
    try:
        return uuid.UUID(raw)
    except ValueError:
        pass
    try:
        type_name, _, node_id = base64.b64decode(raw, validate=True).decode().partition(":")
        if type_name == "Company":
            return uuid.UUID(node_id)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        pass
    raise NotAuthorizedException(detail="X-Company-Id does not name a company.")


async def identify(headers: Headers, context: Context) -> None:
    """Set the context's caller from the request headers; a bad credential is a 401, never anonymous."""
    authorization = headers.get("authorization", "")
    api_key = headers.get("x-api-key")
    try:
        if authorization:
            scheme, _, token = authorization.partition(" ")
            if scheme.lower() != "bearer" or not token:
                raise AuthenticationFailed("Use `Authorization: Bearer <access token>`.")
            claims = read_access_claims(context.services.tokens, token.strip())
            caller = Caller(
                user_id=claims.user_id,
                company_id=_company_scope(headers),
                session_id=claims.session_id,
                second_factor=claims.second_factor,
            )
            await context.transaction.act_as(caller)
        elif api_key:
            async with context.transaction.exclusive_session() as session:
                caller = await authenticate_api_key(session, api_key.strip())
                await context.transaction.act_as(caller)
        else:
            await context.transaction.act_as(ANONYMOUS)
    except AuthenticationFailed as error:
        raise NotAuthorizedException(detail=error.message) from None


def log_fields(caller: Caller) -> dict[str, str]:
    """Who a request's log lines are about: ids only (never a token or a key), and the company in scope."""
    fields: dict[str, str] = {}
    if caller.api_key_id is not None:
        fields["caller"] = f"api_key:{caller.api_key_id}"
    elif caller.user_id is not None:
        fields["caller"] = f"user:{caller.user_id}"
    if caller.company_id is not None:
        fields["company_id"] = str(caller.company_id)
    return fields
