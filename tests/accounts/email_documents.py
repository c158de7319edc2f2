"""The account flows through the API, and the links that arrive in the loopback mailbox."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.graphql import Caller, GraphQL
from tests.notifications.mailbox import Mailbox

RESULT = """
  __typename
  ... on ValidationFailed { message fields { field message } }
  ... on Error { message }
"""
TOKEN_RESULT = RESULT + " ... on TokenRefused { reason }"

REQUEST_PASSWORD_RESET = f"""
mutation($input: RequestPasswordResetInput!) {{
  requestPasswordReset(input: $input) {{ ... on EmailRequested {{ ok }} {RESULT} }}
}}"""
RESET_PASSWORD = f"""
mutation($input: ResetPasswordInput!) {{
  resetPassword(input: $input) {{ ... on PasswordReset {{ ok }} {TOKEN_RESULT} }}
}}"""
VERIFY_EMAIL = f"""
mutation($input: VerifyEmailInput!) {{ verifyEmail(input: $input) {{ ... on EmailVerified {{ ok }} {TOKEN_RESULT} }} }}
"""
REQUEST_EMAIL_CHANGE = f"""
mutation($input: RequestEmailChangeInput!) {{
  requestEmailChange(input: $input) {{ ... on EmailRequested {{ ok }} {RESULT} }}
}}"""
REQUEST_EMAIL_VERIFICATION = f"""
mutation {{ requestEmailVerification {{ ... on EmailRequested {{ ok }} {RESULT} }} }}
"""
CHANGE_PASSWORD = f"""
mutation($input: ChangePasswordInput!) {{
  changePassword(input: $input) {{ ... on PasswordChanged {{ signedOutSessions }} {RESULT} }}
}}"""
REVOKE_SESSION = f"""
mutation($input: RevokeSessionInput!) {{ revokeSession(input: $input) {{ ... on SessionRevoked {{ id }} {RESULT} }} }}
"""
ACCOUNT = "{ viewer { emailVerified user { email } } }"
SESSIONS = "{ viewer { sessions { id createdAt lastUsedAt expiresAt userAgent ipAddress current } } }"

_LINK = re.compile(r"https?://\S+")


async def mutate(graphql: GraphQL, document: str, field: str, caller: Caller | None = None, **values: Any) -> Any:
    variables = {"input": values} if "$input" in document else None
    return (await graphql(document, variables, caller=caller))[field]


def token_in(message: Any, path: str) -> str:
    """The token of the link to `path` in an account email."""
    [url] = [found for found in _LINK.findall(message.get_content()) if urlsplit(found).path == path]
    [token] = parse_qs(urlsplit(url).query)["token"]
    return token


async def link_token(mailbox: Mailbox, address: str, kind: str, *, count: int = 1) -> str:
    """The token of the `count`th `kind` email to `address`, once it arrived."""
    messages = await mailbox.wait_for(address, kind, count=count)
    path = "/verify-email" if kind == "verify_email" else "/reset-password"
    return token_in(messages[count - 1], path)


async def account(graphql: GraphQL, caller: Caller) -> dict[str, Any]:
    viewer: dict[str, Any] = (await graphql(ACCOUNT, caller=caller))["viewer"]
    return viewer
