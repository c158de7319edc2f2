"""Signing in, refreshing and signing out through the API, returning whichever union member came back."""

from __future__ import annotations

import base64
from typing import Any

from tests.graphql import Caller, GraphQL

PAYLOAD = """
  __typename
  ... on AuthPayload { accessToken accessTokenExpiresAt refreshToken user { id email } }
  ... on ValidationFailed { fields { field message } }
  ... on Error { message }
"""

LOG_IN = f"mutation($input: LogInInput!) {{ logIn(input: $input) {{ {PAYLOAD} }} }}"
REFRESH = f"mutation($input: RefreshTokenInput!) {{ refreshToken(input: $input) {{ {PAYLOAD} }} }}"
LOG_OUT = """
mutation($input: RefreshTokenInput!) {
  logOut(input: $input) { __typename ... on LoggedOut { ok } ... on Error { message } }
}"""
SIGN_UP = f"mutation($input: SignUpInput!) {{ signUp(input: $input) {{ {PAYLOAD} }} }}"
WHO_AM_I = "{ viewer { user { id email } } }"


async def log_in(graphql: GraphQL, *, email: str, password: str) -> dict[str, Any]:
    data = await graphql(LOG_IN, {"input": {"email": email, "password": password}})
    return dict(data["logIn"])


async def refresh(graphql: GraphQL, *, refresh_token: str) -> dict[str, Any]:
    data = await graphql(REFRESH, {"input": {"refreshToken": refresh_token}})
    return dict(data["refreshToken"])


async def log_out(graphql: GraphQL, *, refresh_token: str) -> dict[str, Any]:
    data = await graphql(LOG_OUT, {"input": {"refreshToken": refresh_token}})
    return dict(data["logOut"])


async def sign_up_with(graphql: GraphQL, **fields: Any) -> dict[str, Any]:
    data = await graphql(SIGN_UP, {"input": fields})
    return dict(data["signUp"])


async def viewer_email(graphql: GraphQL, *, token: str) -> str:
    data = await graphql(WHO_AM_I, caller=Caller(token=token))
    return str(data["viewer"]["user"]["email"])


def node_uuid(global_id: str) -> str:
    """The plain uuid inside a global id (`base64("Type:uuid")`)."""
    return base64.b64decode(global_id).decode().partition(":")[2]
