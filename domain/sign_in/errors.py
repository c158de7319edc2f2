"""Why a sign-in through a provider was refused: one reason a client can switch on, and a message safe to show
(never a token, a code or a secret)."""

from __future__ import annotations

import enum

from domain.errors import DomainError


class Refusal(enum.Enum):
    NOT_CONFIGURED = "not_configured"
    STATE_MISMATCH = "state_mismatch"
    PROVIDER_ERROR = "provider_error"
    INVALID_TOKEN = "invalid_token"  # noqa: S105 (a reason)
    INVALID_SIGNATURE = "invalid_signature"
    WRONG_ISSUER = "wrong_issuer"
    WRONG_AUDIENCE = "wrong_audience"
    EXPIRED = "expired"
    NONCE_MISMATCH = "nonce_mismatch"
    EMAIL_NOT_VERIFIED = "email_not_verified"
    ACCOUNT_EXISTS = "account_exists"
    ALREADY_LINKED = "already_linked"


MESSAGES = {
    Refusal.NOT_CONFIGURED: "Signing in with this provider is not set up.",
    Refusal.STATE_MISMATCH: "This sign-in link is unknown, already used or expired: start signing in again.",
    Refusal.PROVIDER_ERROR: "The provider did not complete the sign-in.",
    Refusal.INVALID_TOKEN: "The provider's ID token is malformed or lacks a required claim.",
    Refusal.INVALID_SIGNATURE: "The provider's ID token is not signed by one of the provider's keys.",
    Refusal.WRONG_ISSUER: "The provider's ID token comes from another issuer.",
    Refusal.WRONG_AUDIENCE: "The provider's ID token was issued for another application.",
    Refusal.EXPIRED: "The provider's ID token has expired.",
    Refusal.NONCE_MISMATCH: "The provider's ID token does not belong to this sign-in (nonce).",
    Refusal.EMAIL_NOT_VERIFIED: "The provider does not vouch for this account's email address.",
    Refusal.ACCOUNT_EXISTS: "An account with this email already exists: give its password to link this sign-in to"
    " it, or sign in with the password and link the provider from the account.",
    Refusal.ALREADY_LINKED: "This provider account is already linked to an account, or this account already has"
    " one of this provider.",
}


class SignInRefused(DomainError):
    """Raised by the sign-in services; the GraphQL layer returns it as the `SignInRefused` union member."""

    def __init__(self, reason: Refusal, message: str | None = None) -> None:
        super().__init__(message or MESSAGES[reason])
        self.reason = reason
